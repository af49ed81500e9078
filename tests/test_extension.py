"""rope_core.extension: which pairs see out-of-distribution angles past the training length."""

from __future__ import annotations

import numpy as np

from rope_core.config import RopeConfig
from rope_core.extension import ood_angles, unscaled
from rope_core.frequencies import default_inv_freq, inv_freq


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


# --- proportional (p-RoPE): the model as trained is itself at factor 1 ---------------------------------------
# Expected values: transformers 5.25 Gemma4TextRotaryEmbedding / Lfm3RotaryEmbedding full_attention_inv_freq
# (float32, so rtol 1e-6), printed once with /tmp/hfvenv.
GEMMA4_GLOBAL_X8 = RopeConfig(rope_type="proportional", head_dim=512, partial_rotary_factor=0.25, rope_theta=1e6,
                              factor=8.0, max_position_embeddings=2097152, original_max_position_embeddings=262144)


def test_unscaled_proportional_keeps_its_own_frequencies_and_zero_pairs():
    base = unscaled(GEMMA4_GLOBAL_X8)
    assert base == RopeConfig(rope_type="proportional", head_dim=512, partial_rotary_factor=0.25, rope_theta=1e6,
                              max_position_embeddings=262144)
    theta = inv_freq(base)
    assert theta.shape == (256,) and np.count_nonzero(theta) == 64 and np.all(theta[64:] == 0)
    # θ_1 = 1e6^(−2/512), exponent over the whole head, not 1e6^(−2/128) = 0.8058 of plain RoPE on 128 features
    np.testing.assert_allclose(theta[[0, 1, 63]], [1.0, 0.947463512, 0.0333762467], rtol=1e-6)
    lfm3 = unscaled(RopeConfig(rope_type="proportional", head_dim=128, partial_rotary_factor=0.5, rope_theta=1e6,
                               factor=4.0))
    np.testing.assert_allclose(inv_freq(lfm3)[[0, 1, 31, 32]], [1.0, 0.805842221, 0.00124093785, 0.0], rtol=1e-6)


def test_ood_angles_never_flags_pairs_that_do_not_rotate():
    trained = unscaled(GEMMA4_GLOBAL_X8)
    res = ood_angles(trained, 262144, 2097152)  # the model run 8× past its training, no extension
    np.testing.assert_allclose(res["train_max"][1], 262143 * 0.947463512, rtol=1e-6)
    assert np.all(res["train_max"][64:] == 0) and np.all(res["target_max"][64:] == 0)
    # every rotating pair completes turns within training (wavelengths 6.28 … 188.3), the rest never move
    assert not res["ood"].any()
    pi = ood_angles(GEMMA4_GLOBAL_X8, 262144, 2097152)  # proportional's own factor 8: PI on the rotating pairs
    np.testing.assert_allclose(pi["target_max"][[0, 63]], [2097151 * 0.125, 2097151 * 0.00417203084], rtol=1e-6)
    assert not pi["ood"].any()
