"""rope_core.decay: the expected self-similarity (correlation) and RoFormer's bound, against loops."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from rope_core.config import RopeConfig
from rope_core.decay import correlation, roformer_bound
from rope_core.frequencies import inv_freq
from rope_core.rotation import apply_rope

GRID = dict(half=st.integers(1, 64), theta=st.floats(10.0, 1e7), start=st.integers(-5000, 5000),
            step=st.integers(1, 7), count=st.integers(1, 400))


def test_correlation_matches_loop_and_is_one_at_zero():
    config = RopeConfig(head_dim=32)
    theta = inv_freq(config)
    deltas = [0, 1, 17, 1000]
    naive = [2 / 32 * sum(math.cos(dl * t) for t in theta) for dl in deltas]
    np.testing.assert_allclose(correlation(config, deltas), naive, rtol=1e-13)
    assert correlation(config, [0])[0] == 1.0


def test_correlation_is_the_expected_self_similarity_of_random_vectors():
    config = RopeConfig(head_dim=32)
    x = np.random.default_rng(4).standard_normal((20000, 32))  # independent, isotropic, equal-variance pairs
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




def test_correlation_needs_pairs_of_equal_variance():
    # pair i contributes E|q_i|^2 cos(Δθ_i): with unequal variances the expectation is a weighted mean instead
    config = RopeConfig(head_dim=8, rope_theta=10.0)
    scale = np.array([3.0, 1.0, 1.0, 1.0] * 2)  # half layout: pair 0 is features 0 and 4
    x = np.random.default_rng(5).standard_normal((40000, 8)) * scale
    moved = apply_rope(x[:, None, :], [2.0], config)[:, 0]
    empirical = np.mean(np.sum(x * moved, axis=1)) / np.mean(np.sum(x * x, axis=1))
    weights = np.array([9.0, 1.0, 1.0, 1.0])
    weighted = np.sum(weights * np.cos(2.0 * inv_freq(config))) / weights.sum()
    assert empirical == pytest.approx(weighted, abs=0.02)
    assert abs(weighted - correlation(config, [2.0])[0]) > 0.1
