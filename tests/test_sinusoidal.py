"""rope_core.sinusoidal: the Transformer's sinusoidal PE and the additive-vs-RoPE score split."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rope_core.attention import random_projections
from rope_core.config import RopeConfig
from rope_core.sinusoidal import additive_vs_rope, sinusoidal_pe


def test_sinusoidal_pe_matches_the_paper_formula_cell_by_cell():
    pe = sinusoidal_pe([0, 1, 5, 1000], 6, base=10000.0)
    for r, p in enumerate([0, 1, 5, 1000]):
        for i in range(3):
            angle = p / 10000.0 ** (2 * i / 6)
            assert pe[r, 2 * i] == pytest.approx(math.sin(angle), abs=1e-15)
            assert pe[r, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-15)


def test_sinusoidal_pe_shape_odd_width_and_row_norm():
    pe = sinusoidal_pe(np.arange(10), 7)
    assert pe.shape == (10, 7)
    np.testing.assert_allclose(pe[:, -1], np.sin(np.arange(10) / 10000.0 ** (6 / 7)))
    np.testing.assert_allclose(np.linalg.norm(sinusoidal_pe(np.arange(10), 8), axis=1), 2.0, rtol=1e-14)
    with pytest.raises(ValueError, match="d_model"):
        sinusoidal_pe([0], 0)


def setup(seed=0, L=12, d_model=32, head_dim=16):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((L, d_model))
    w_q, w_k = random_projections(rng, 1, d_model, head_dim)
    return x, w_q[0], w_k[0], RopeConfig(head_dim=head_dim)


def test_additive_scores_are_the_sum_of_the_four_terms():
    x, w_q, w_k, config = setup()
    out = additive_vs_rope(x, w_q, w_k, config, np.arange(12))
    assert set(out) == {"additive", "rope", "content_content", "content_position", "position_content",
                        "position_position"}
    total = out["content_content"] + out["content_position"] + out["position_content"] + out["position_position"]
    np.testing.assert_allclose(out["additive"], total, atol=1e-10)
    np.testing.assert_allclose(out["content_content"], (x @ w_q) @ (x @ w_k).T, atol=1e-12)


def test_rope_scores_ignore_a_shift_but_additive_scores_do_not():
    x, w_q, w_k, config = setup(1)
    base = additive_vs_rope(x, w_q, w_k, config, np.arange(12))
    shifted = additive_vs_rope(x, w_q, w_k, config, np.arange(12) + 500)
    np.testing.assert_allclose(shifted["rope"], base["rope"], atol=1e-10)
    assert np.max(np.abs(shifted["additive"] - base["additive"])) > 1e-3


@pytest.mark.parametrize("config", [RopeConfig(head_dim=8), RopeConfig(head_dim=12, partial_rotary_factor=0.5),
                                    RopeConfig(head_dim=16, rope_type="yarn", factor=8.0, layout="interleaved")],
                         ids=["default", "partial", "yarn"])
@pytest.mark.parametrize("offset", [0, 100_000])
def test_same_token_version_equals_the_general_one_on_a_repeated_token(config, offset):
    from rope_core.sinusoidal import additive_vs_rope_same_token

    rng = np.random.default_rng(4)
    d_model = config.head_dim
    token = rng.standard_normal(d_model)
    w_q, w_k = random_projections(rng, 1, d_model, config.head_dim)
    positions = offset + 3.0 * np.arange(20)
    ref = additive_vs_rope(np.tile(token, (20, 1)), w_q[0], w_k[0], config, positions)
    got = additive_vs_rope_same_token(token, w_q[0], w_k[0], config, positions)
    assert set(got) == set(ref)
    for key in ref:
        assert got[key].shape == (20, 20)
        np.testing.assert_allclose(got[key], ref[key], rtol=0, atol=1e-12 * max(1.0, np.abs(ref[key]).max()))
