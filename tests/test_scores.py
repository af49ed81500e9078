"""rope_core.scores: fast relative scores against the naive matrix, decay bounds, Men et al.'s B(m)."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from rope_core.config import RopeConfig
from rope_core.frequencies import default_inv_freq, inv_freq
from rope_core.scores import (
    _b_block,
    correlation,
    diagonal_spread,
    men_b,
    men_first_negative,
    men_min_theta,
    relative_score_matrix,
    roformer_bound,
    score_vs_distance,
    scores_absolute,
)


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


def test_diagonal_spread_matches_a_loop_over_cells():
    for shape in [(1, 1), (3, 3), (4, 7), (7, 4)]:
        S = np.random.default_rng(sum(shape)).standard_normal(shape)
        groups = {}
        for i in range(shape[0]):
            for j in range(shape[1]):
                groups.setdefault(j - i, []).append(S[i, j])
        assert diagonal_spread(S) == max(max(v) - min(v) for v in groups.values())
    toeplitz = np.subtract.outer(np.arange(6), np.arange(6)) ** 2.0
    assert diagonal_spread(toeplitz) == 0.0


def test_correlation_matches_loop_and_is_one_at_zero():
    config = RopeConfig(head_dim=32)
    theta = inv_freq(config)
    deltas = [0, 1, 17, 1000]
    naive = [2 / 32 * sum(math.cos(dl * t) for t in theta) for dl in deltas]
    np.testing.assert_allclose(correlation(config, deltas), naive, rtol=1e-13)
    assert correlation(config, [0])[0] == 1.0


def test_correlation_is_the_expected_self_similarity_of_random_vectors():
    config = RopeConfig(head_dim=32)
    x = np.random.default_rng(4).standard_normal((20000, 32))
    from rope_core.rotation import apply_rope

    moved = apply_rope(x[:, None, :], [7.0], config)[:, 0]
    empirical = np.mean(np.sum(x * moved, axis=1)) / 32
    assert empirical == pytest.approx(correlation(config, [7])[0], abs=0.02)


@pytest.mark.parametrize(
    ("head_dim", "expected"),
    [(128, {0: 32.5, 10: 17.95, 50: 12.63, 100: 10.23, 250: 6.55}),
     (64, {0: 16.5, 10: 8.81, 50: 5.73, 100: 7.47, 250: 3.67})],
)
def test_roformer_bound_values(head_dim, expected):
    values = roformer_bound(RopeConfig(head_dim=head_dim), list(expected))
    np.testing.assert_allclose(values, list(expected.values()), atol=0.005)


def test_roformer_bound_matches_loop():
    config = RopeConfig(head_dim=16)
    theta = inv_freq(config)
    for delta in (0, 3, 77):
        partial, total = 0j, 0.0
        for t in theta:
            partial += cmath.exp(1j * delta * t)
            total += abs(partial)
        assert roformer_bound(config, [delta])[0] == pytest.approx(total / 8, rel=1e-13)


# --- Men et al. -----------------------------------------------------------------------------------


def naive_b(theta, m):
    return sum(math.cos(m * t) for t in theta)


def test_men_b_matches_loop_and_block_evaluator():
    config = RopeConfig(head_dim=128)
    theta = inv_freq(config)
    for m in (0, 1, 1707, 99999):
        assert men_b(config, m) == pytest.approx(naive_b(theta, m), abs=1e-10)
    ms = np.arange(250000, 250000 + 3000)
    np.testing.assert_allclose(_b_block(theta, 250000, 253000), men_b(config, ms), atol=1e-9)
    assert men_b(config, np.zeros((2, 3))).shape == (2, 3)


@pytest.mark.parametrize(("theta", "first"), [(1e4, 1707), (5e5, 18438)])
def test_men_first_negative(theta, first):
    config = RopeConfig(head_dim=128, rope_theta=theta)
    assert men_first_negative(config, 10**6) == first
    assert men_b(config, first) < 0 <= min(men_b(config, np.arange(first)))
    assert men_first_negative(config, first) is None


def test_men_reference_table_points():
    # rope-formulas.md Sec. 10 [calc] at d=128: these satisfy B >= 0 up to their context length ...
    for theta, length in [(4.3e3, 1024), (1.6e4, 2048), (8.4e4, 8192)]:
        assert men_first_negative(RopeConfig(head_dim=128, rope_theta=theta), length) is None
    # ... and 2.7e4 (the paper's 4k value, rounded) fails inside 4k, at m = 4079.
    assert men_first_negative(RopeConfig(head_dim=128, rope_theta=2.7e4), 4096) == 4079


def _admissible(head_dim, theta, length):
    return men_first_negative(RopeConfig(head_dim=head_dim, rope_theta=theta), length) is None


@pytest.mark.parametrize("length", [1024, 4096, 32768])
def test_men_min_theta_grid_result_is_admissible_with_a_failure_just_below(length):
    result = men_min_theta(128, length)
    assert _admissible(128, result, length)
    # The bisection's failing end lies within a factor 1 + rtol below; the grid point below the
    # first admissible one fails too.
    below = [result / (1 + 1e-3) ** k for k in range(1, 4)]
    assert any(not _admissible(128, t, length) for t in below + [result / 1.05])


def test_men_min_theta_certified_finds_the_narrow_islands_of_the_paper():
    small = men_min_theta(128, 1024, method="certified")
    assert 4290 < small < 4300 and _admissible(128, small, 1024)  # Men et al. Table 1: 4.3e3
    four_k = men_min_theta(128, 4096, method="certified")
    assert 26940 < four_k < 27000 and _admissible(128, four_k, 4096)  # Table 1: 2.7e4
    assert small <= men_min_theta(128, 1024)  # the grid result is an upper bound


def test_men_min_theta_rejects_bad_arguments():
    with pytest.raises(ValueError, match="head_dim must be an even integer"):
        men_min_theta(127, 1024)
    with pytest.raises(ValueError, match="method must be"):
        men_min_theta(128, 1024, method="table")
    with pytest.raises(ValueError, match="theta_min must be > 1"):
        men_min_theta(128, 1024, theta_min=1.0)


def test_men_min_theta_trivial_context_returns_theta_min():
    assert men_min_theta(128, 1, theta_min=3.0) == 3.0


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 64).map(lambda n: 2 * n), st.floats(2.0, 1e7), st.integers(0, 10**6), st.integers(1, 5000))
def test_block_evaluator_matches_direct_cosines(d, theta, start, count):
    freqs = default_inv_freq(d, theta)
    ms = np.arange(start, start + count, dtype=np.float64)
    direct = np.cos(np.outer(ms, freqs)).sum(axis=1)
    np.testing.assert_allclose(_b_block(freqs, start, start + count), direct, atol=1e-8)


def _plain_grid_min_theta(head_dim, length, theta_min=2.0, theta_max=1e15, grid_ratio=1.05, rtol=1e-3):
    """men_min_theta's grid search written out with the plain check (no witnesses, no shared tables)."""
    from rope_core.scores import _b_block

    def ok(theta):
        freqs = default_inv_freq(head_dim, theta)
        head = max(0, length - 4096)
        if np.any(_b_block(freqs, head, length) < 0):
            return False
        return not any(np.any(_b_block(freqs, max(0, hi - (1 << 17)), hi) < 0) for hi in range(head, 0, -(1 << 17)))

    below = None
    for k in range(math.ceil(math.log(theta_max / theta_min) / math.log(grid_ratio)) + 1):
        candidate = theta_min * grid_ratio**k
        if ok(candidate):
            break
        below = candidate
    else:
        return None
    if below is None:
        return candidate
    lo, hi = below, candidate
    while hi / lo > 1 + rtol:
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


@pytest.mark.parametrize(("head_dim", "length"), [(6, 1024), (16, 2048), (64, 4096), (128, 8192), (200, 20000),
                                                  (32, 200_000)])
def test_men_min_theta_makes_the_plain_searchs_every_decision(head_dim, length):
    expected = _plain_grid_min_theta(head_dim, length)
    if expected is None:
        with pytest.raises(ValueError, match="no rope_theta"):
            men_min_theta(head_dim, length)
    else:
        assert men_min_theta(head_dim, length) == expected


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 64).map(lambda n: 2 * n), st.floats(2.0, 1e8), st.integers(1, 300_000))
def test_negative_m_is_a_real_failure_or_none_exactly_when_admissible(d, theta, length):
    from rope_core.scores import _admissible, _negative_m

    freqs = default_inv_freq(d, theta)
    m = _negative_m(freqs, length)
    assert (m is None) == _admissible(freqs, length) == (men_first_negative(RopeConfig(head_dim=d, rope_theta=theta),
                                                                              length) is None)
    if m is not None:
        assert 0 <= m < length and men_b(RopeConfig(head_dim=d, rope_theta=theta), np.array([m]))[0] < 0


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


@settings(max_examples=40, deadline=None)
@given(**GRID, scaling=st.sampled_from([{}, {"rope_type": "linear", "factor": 4.0},
                                         {"rope_type": "yarn", "factor": 8.0}]))
def test_correlation_on_grid_equals_the_mean_of_cosines(half, theta, start, step, count, scaling):
    cfg = RopeConfig(head_dim=2 * half, rope_theta=theta, **scaling)
    deltas = start + step * np.arange(count, dtype=np.float64)
    fast = rope_core.correlation_on_grid(cfg, float(start), float(step), count)
    freqs = rope_core.inv_freq(cfg)
    naive = np.array([np.mean([math.cos(dl * t) for t in freqs]) for dl in deltas])  # one cosine at a time
    assert fast.shape == (count,) and np.max(np.abs(fast - naive)) <= 1e-12
    assert np.array_equal(rope_core.correlation_on_grid(cfg, 0.0, 1.0, 0), np.zeros(0))


def test_correlation_on_grid_over_a_million_distances_matches_correlation():
    cfg = RopeConfig(head_dim=128, rope_theta=5e5)
    fast = rope_core.correlation_on_grid(cfg, 0.0, 1.0, 1_000_000)
    rows = np.r_[0:50, 1_000_000 - 50:1_000_000, 12_345, 654_321]
    assert fast[0] == pytest.approx(1.0, abs=1e-15)
    assert np.max(np.abs(fast[rows] - rope_core.correlation(cfg, rows.astype(np.float64)))) <= 1e-9


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
