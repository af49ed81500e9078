"""rope_core.scores: fast relative scores against the naive matrix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from rope_core.config import RopeConfig
from rope_core.diagonals import diagonal_spread
from rope_core.scores import relative_score_matrix, score_vs_distance, scores_absolute


def unit_pair(seed, d):
    q, k = np.random.default_rng(seed).standard_normal((2, d))
    return q / np.linalg.norm(q), k / np.linalg.norm(k)


CONFIGS = [
    RopeConfig(head_dim=16),
    RopeConfig(head_dim=16, layout="interleaved", rope_theta=500.0),
    RopeConfig(head_dim=24, partial_rotary_factor=0.5),
    RopeConfig(head_dim=16, rope_type="yarn", factor=8.0, original_max_position_embeddings=32),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.rope_type}-{c.layout}-{c.rotary_dim}")
def test_score_vs_distance_equals_naive_scores(config):
    q, k = unit_pair(0, config.head_dim)
    positions = np.arange(0, 40, 3)
    naive = scores_absolute(q, k, config, positions, positions)
    g = score_vs_distance(q, k, config, positions[:, None] - positions[None, :])
    np.testing.assert_allclose(g.reshape(naive.shape), naive, atol=1e-13)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.rope_type}-{c.layout}-{c.rotary_dim}")
@pytest.mark.parametrize("positions", [np.arange(50), np.arange(7, 7 + 3 * 40, 3) * 0.5, np.array([0, 1, 5, 6, 30, 31.5])])
def test_relative_score_matrix_equals_naive(config, positions):
    q, k = unit_pair(1, config.head_dim)
    np.testing.assert_allclose(relative_score_matrix(q, k, config, positions),
                               scores_absolute(q, k, config, positions, positions), atol=1e-13)


def test_relative_property_d128_up_to_4096():
    config = RopeConfig(head_dim=128)
    q, k = unit_pair(2, 128)  # unit-norm q, k: scores are O(1)
    positions = np.arange(4096)
    assert diagonal_spread(scores_absolute(q, k, config, positions, positions)) < 1e-12


def test_scores_absolute_handles_distinct_query_and_key_positions():
    config = RopeConfig(head_dim=8)
    q, k = unit_pair(3, 8)
    S = scores_absolute(q, k, config, [0, 10], [3, 4, 5])
    assert S.shape == (2, 3)
    assert S[1, 2] == pytest.approx(score_vs_distance(q, k, config, [5])[0], abs=1e-14)


# evenly spaced distances start + step·j, j < count, for the block-product functions (score_on_grid and
# correlation_on_grid), with the heads they are evaluated for
GRID = dict(half=st.integers(1, 64), theta=st.floats(10.0, 1e7), start=st.integers(-5000, 5000),
            step=st.integers(1, 7), count=st.integers(1, 400))


@settings(max_examples=40, deadline=None)
@given(**GRID, layout=st.sampled_from(["half", "interleaved"]))
def test_score_on_grid_equals_score_vs_distance(half, theta, start, step, count, layout):
    cfg = RopeConfig(head_dim=2 * half, rope_theta=theta, layout=layout)
    rng = np.random.default_rng(half + count)
    q, k = rng.standard_normal(2 * half), rng.standard_normal(2 * half)
    deltas = start + step * np.arange(count, dtype=np.float64)
    fast = rope_core.score_on_grid(q, k, cfg, float(start), float(step), count)
    naive = rope_core.score_vs_distance(q, k, cfg, deltas)
    scale = np.abs(q).sum() * np.abs(k).sum()
    assert np.max(np.abs(fast - naive)) <= 1e-12 * scale


def test_relative_score_matrix_is_a_toeplitz_view_equal_to_the_naive_scores_at_8192():
    cfg = RopeConfig(head_dim=128, rope_theta=1e4)
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal(128), rng.standard_normal(128)
    pos = np.arange(8192, dtype=np.float64)
    s = rope_core.relative_score_matrix(q, k, cfg, pos)
    assert s.shape == (8192, 8192) and not s.flags.writeable  # a view, no L×L copy
    rows = np.arange(0, 8192, 331)
    naive = rope_core.scores_absolute(q, k, cfg, pos[rows], pos)
    assert np.max(np.abs(s[rows] - naive)) <= 1e-9


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.rope_type}-{c.layout}-{c.rotary_dim}")
def test_scores_absolute_at_shared_positions_is_the_rotate_then_dot_matrix(config):
    """Query and key positions equal: q and k are rotated in one call; the matrix is the one of rotating each on its
    own and taking dot products, bit for bit, and a hand-rotated entry agrees."""
    q, k = unit_pair(4, config.head_dim)
    positions = np.arange(5, 5 + 7 * 11, 7, dtype=np.float64)
    S = scores_absolute(q, k, config, positions, positions, seq_len=100)
    n = len(positions)
    rq = rope_core.apply_rope(np.tile(q, (n, 1)), positions, config, 100)
    rk = rope_core.apply_rope(np.tile(k, (n, 1)), positions, config, 100)
    assert np.array_equal(S, rq @ rk.T)
    # entry (2, 5) by hand: rotate each pair (a_i, b_i) by position × θ_i, scale by the attention factor
    theta, af = rope_core.inv_freq(config, 100), rope_core.attention_factor(config, seq_len=100)
    idx = rope_core.pair_indices(config.rotary_dim, config.layout)

    def rotated(v, m):
        out = v.copy()
        c, s = np.cos(m * theta), np.sin(m * theta)
        out[idx[:, 0]] = af * (v[idx[:, 0]] * c - v[idx[:, 1]] * s)
        out[idx[:, 1]] = af * (v[idx[:, 1]] * c + v[idx[:, 0]] * s)
        return out

    assert S[2, 5] == pytest.approx(rotated(q, positions[2]) @ rotated(k, positions[5]), abs=1e-13)
    assert S[5, 2] == pytest.approx(rotated(q, positions[5]) @ rotated(k, positions[2]), abs=1e-13)
