"""rope_core.extension: which pairs see out-of-distribution angles past the training length."""

from __future__ import annotations

import numpy as np

from rope_core.config import RopeConfig
from rope_core.extension import ood_angles, unscaled
from rope_core.frequencies import default_inv_freq


def test_no_pair_is_out_of_distribution_inside_the_training_length():
    out = ood_angles(RopeConfig(), 4096, 4096)
    assert not out["ood"].any()
    np.testing.assert_allclose(out["train_max"], 4095 * default_inv_freq(128, 10000.0))
    np.testing.assert_allclose(out["target_max"], out["train_max"])


def test_default_rope_past_training_flags_exactly_the_pairs_that_never_turned():
    out = ood_angles(RopeConfig(), 4096, 16384)
    never_turned = 4095 * default_inv_freq(128, 10000.0) < 2 * np.pi
    np.testing.assert_array_equal(out["ood"], never_turned)
    assert out["ood"].sum() > 0 and set(out) == {"train_max", "target_max", "ood"}


def test_position_interpolation_onto_the_training_range_is_in_distribution():
    out = ood_angles(RopeConfig(rope_type="linear", factor=4.0), 4096, 16384)
    assert not out["ood"].any()
    assert np.all(out["target_max"] <= 4096 * default_inv_freq(128, 10000.0))


def test_scaling_methods_reduce_the_out_of_distribution_pairs():
    plain = ood_angles(RopeConfig(), 4096, 32768)["ood"].sum()
    yarn = RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=4096)
    ntk = RopeConfig(rope_type="ntk", factor=8.0)
    assert ood_angles(yarn, 4096, 32768)["ood"].sum() < plain
    assert ood_angles(ntk, 4096, 32768)["ood"].sum() < plain


def test_dynamic_uses_the_target_length_unless_told_otherwise():
    dynamic = RopeConfig(rope_type="dynamic", factor=2.0, max_position_embeddings=4096)
    at_target = ood_angles(dynamic, 4096, 16384)
    at_init = ood_angles(dynamic, 4096, 16384, seq_len=4096)
    assert np.all(at_target["target_max"] <= at_init["target_max"])
    np.testing.assert_allclose(at_init["target_max"], ood_angles(RopeConfig(), 4096, 16384)["target_max"])


def test_unscaled_is_plain_rope_trained_on_the_original_context():
    cfg = RopeConfig(head_dim=64, rope_theta=5e5, partial_rotary_factor=0.5, layout="interleaved", rope_type="yarn",
                     factor=8.0, mscale=1.0, mscale_all_dim=0.5, attention_factor=1.2, beta_fast=16.0,
                     original_max_position_embeddings=4096, max_position_embeddings=32768)
    assert unscaled(cfg) == RopeConfig(head_dim=64, rope_theta=5e5, partial_rotary_factor=0.5, layout="interleaved",
                                       beta_fast=16.0, max_position_embeddings=4096)
    mrope = RopeConfig(rope_type="linear", factor=2.0, mrope_section=(16, 24, 24), max_position_embeddings=8192)
    assert unscaled(mrope) == RopeConfig(mrope_section=(16, 24, 24), max_position_embeddings=8192)
