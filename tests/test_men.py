"""rope_core.men: Men et al.'s B(m), its first negative distance, and the smallest admissible base.

The checker below is deliberately plain: B(m) = Σ cos(m θ_i) summed directly in float64 for every m, with
θ_i = base^(−2i/d) computed as transformers does. It shares no code with rope_core.men.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rope_core.config import RopeConfig
from rope_core.frequencies import inv_freq
from explorer.controls import HEAD_DIM_MAX
from rope_core.men import _b_small, b_range, men_b, men_first_negative, men_min_theta
from rope_core.men_table import EVERY_DIM, EVERY_DIM_CONTEXTS, MIN_THETA, ROTARY_DIMS, TABLE_RTOL


def thetas(d, base):
    return 1.0 / float(base) ** (np.arange(0, d, 2, dtype=np.float64) / d)


ROUNDING = 1e-12  # where the smallest base is a root of B(m) (d = 4: B(223) = 0), rounding alone decides its sign


def negative_m(d, base, length, near=(), chunk=4096):
    """Some m < length with B(m) < 0, or None when B(m) >= 0 at every m (then every m was summed directly).

    B(m) > −ROUNDING counts as 0. Looks around `near` first, then in chunks from the top (failures sit mostly
    near the context's end).
    """
    theta = thetas(d, base)
    if len(near):
        m = np.unique(np.clip(np.add.outer(np.asarray(near), np.arange(-64, 65)), 0, length - 1)).astype(np.float64)
        b = np.cos(np.outer(m, theta)).sum(axis=1)
        if np.any(b < -ROUNDING):
            return int(m[np.argmin(b)])
    for hi in range(length, 0, -chunk):
        m = np.arange(max(0, hi - chunk), hi, dtype=np.float64)
        b = np.cos(np.outer(m, theta)).sum(axis=1)
        if np.any(b < -ROUNDING):
            return int(m[np.argmin(b)])
    return None


def first_admissible(d, bases, length):
    """The first admissible base of `bases` (None if none is): each base is rejected by a negative B(m), and a
    distance found negative for one base is tried on every remaining base at once."""
    remaining = np.asarray(bases, dtype=np.float64)
    found = []
    exps = np.arange(0, d, 2, dtype=np.float64) / d
    while remaining.size:
        m = negative_m(d, remaining[0], length, near=found[-4:])
        if m is None:
            return float(remaining[0])
        found.append(m)
        b = np.cos(m / remaining[:, None] ** exps).sum(axis=1)
        remaining = remaining[b >= -ROUNDING]
    return None


def assert_smallest(d, length, result, below):
    """result is admissible, and so is no base on a 0.02 % grid from result/below up to result (islands of the
    admissible set are at least 0.07 % wide at d = 128), nor result·(1 − 0.005)."""
    assert negative_m(d, result, length) is None, "not admissible"
    grid = result / (1 + 2e-4) ** np.arange(1, int(math.log(below) / math.log(1 + 2e-4)) + 1)
    grid = np.concatenate([[result * (1 - 0.005)], grid[grid >= 2.0]])
    assert first_admissible(d, grid, length) is None, "an admissible base below the result"


# --- B(m) and its first negative distance --------------------------------------------------------------------


def test_men_b_matches_loop_and_the_block_evaluator():
    config = RopeConfig(head_dim=128)
    theta = inv_freq(config)
    for m in (0, 1, 1707, 99999):
        assert men_b(config, m) == pytest.approx(sum(math.cos(m * t) for t in theta), abs=1e-10)
    np.testing.assert_allclose(b_range(theta, 250000, 253000), men_b(config, np.arange(250000, 253000)), atol=1e-9)
    assert men_b(config, np.zeros((2, 3))).shape == (2, 3)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 64).map(lambda n: 2 * n), st.floats(2.0, 1e7), st.integers(0, 10**6), st.integers(1, 5000))
def test_b_range_matches_direct_cosines(d, base, start, count):
    theta = thetas(d, base)
    direct = np.cos(np.outer(np.arange(start, start + count, dtype=np.float64), theta)).sum(axis=1)
    np.testing.assert_allclose(b_range(theta, start, start + count), direct, atol=1e-8)
    np.testing.assert_allclose(_b_small(theta, start, start + count), direct, atol=1e-8)


@pytest.mark.parametrize(("theta", "first"), [(1e4, 1707), (5e5, 18438)])
def test_men_first_negative(theta, first):
    config = RopeConfig(head_dim=128, rope_theta=theta)
    assert men_first_negative(config, 10**6) == first
    assert men_b(config, first) < 0 <= min(men_b(config, np.arange(first)))
    assert men_first_negative(config, first) is None


def test_men_reference_points():
    # rope-formulas.md Sec. 10 [calc] at d = 128: these satisfy B >= 0 up to their context length ...
    for theta, length in [(4.3e3, 1024), (1.6e4, 2048), (8.4e4, 8192)]:
        assert men_first_negative(RopeConfig(head_dim=128, rope_theta=theta), length) is None
    # ... and 2.7e4 (the paper's 4k value, rounded) fails inside 4k, at m = 4079.
    assert men_first_negative(RopeConfig(head_dim=128, rope_theta=2.7e4), 4096) == 4079


# --- the smallest admissible base ----------------------------------------------------------------------------


@pytest.mark.parametrize("length", [2**k for k in range(10, 21)])
def test_men_min_theta_at_d128_is_admissible_and_the_smallest(length):
    result = men_min_theta(128, length)
    below = 2.0 ** 20 if length <= 4096 else (2.0 if length <= 32768 else 1.1 if length <= 262144 else 1.02)
    assert_smallest(128, length, result, below)


@pytest.mark.parametrize(("length", "lo", "hi"), [
    (1024, 4290, 4300),  # Men et al. Table 1: 4.3e3, a narrow island
    (4096, 26940, 26960),  # Table 1: 2.7e4, an island about 0.07 % wide
    (32768, 629978 * 0.999, 629978 * 1.001),  # issue 18's brute force; Table 1: 6.4e5
    (131072, 4.86e6, 4.87e6),  # below Table 1's 7.8e6: the paper's search missed this island
])
def test_men_min_theta_known_values(length, lo, hi):
    assert lo < men_min_theta(128, length) < hi


@pytest.mark.parametrize(("d", "length"), [(6, 300), (16, 700), (40, 1000), (126, 1500), (128, 3000), (200, 2500)])
def test_the_sweep_off_the_table_finds_the_smallest(d, length):
    assert (d, length) not in MIN_THETA
    try:
        result = men_min_theta(d, length)
    except ValueError:
        assert first_admissible(d, 2.0 * (1 + 2e-4) ** np.arange(int(math.log(1e15 / 2) / 2e-4)), length) is None
        return
    assert_smallest(d, length, result, below=result / 2)


def _sample(entries, k, seed):
    entries = sorted(entries)
    return [entries[i] for i in np.random.default_rng(seed).choice(len(entries), size=min(k, len(entries)), replace=False)]


def test_the_table_covers_every_rotary_dim_the_app_allows():
    assert EVERY_DIM == tuple(range(2, HEAD_DIM_MAX + 1, 2))
    missing = [(d, length) for d in EVERY_DIM for length in EVERY_DIM_CONTEXTS if (d, length) not in MIN_THETA]
    missing += [(d, length) for d in ROTARY_DIMS for length in (2**k for k in range(7, 21)) if (d, length) not in MIN_THETA]
    assert not missing


def test_table_entries_are_the_sweeps_results():
    # rtol below TABLE_RTOL bypasses the table: the live sweep recomputes a sample of entries
    presets = [(d, length) for d, length in MIN_THETA if d in ROTARY_DIMS and length <= 4096]
    others = _sample([key for key in MIN_THETA if key[0] not in ROTARY_DIMS and key[1] <= 8192], 24, seed=18)
    for d, length in presets + others:
        expected = MIN_THETA[(d, length)]
        if expected is None:
            with pytest.raises(ValueError, match="no rope_theta"):
                men_min_theta(d, length, rtol=TABLE_RTOL / 2)
        else:
            assert men_min_theta(d, length, rtol=TABLE_RTOL / 2) == pytest.approx(expected, rel=1e-6), (d, length)


def test_every_table_entry_is_admissible_with_a_failure_just_below():
    # every m summed directly: every entry up to 4,096 tokens, d = 128 up to 2^20, a sample of the rest (the rest
    # was checked once when added: too slow for the suite)
    entries = [key for key, base in MIN_THETA.items() if base is not None]
    checked = [key for key in entries if key[1] <= 4096 or (key[0] == 128 and key[1] <= 2**20)]
    checked += _sample([key for key in entries if 4096 < key[1] <= 65536 and key[0] != 128], 40, seed=4)
    for d, length in checked:
        base = MIN_THETA[(d, length)]
        assert negative_m(d, base, length) is None, (d, length)
        assert negative_m(d, base * (1 - 0.005), length) is not None, (d, length)


def test_table_entries_without_a_base_fail_on_a_fine_grid():
    # None: no base up to 1e15 keeps B >= 0; a 0.5 % grid of bases from 2 to 1e15 has none either
    none = [key for key, base in MIN_THETA.items() if base is None]
    assert (2, 1024) in none  # one pair: B(m) = cos(m) < 0 at m = 2 for every base
    for d, length in _sample(none, 6, seed=2):
        grid = 2.0 * 1.005 ** np.arange(int(math.log(1e15 / 2) / math.log(1.005)) + 1)
        assert first_admissible(d, grid, length) is None, (d, length)


def test_theta_min_above_the_table_value_starts_the_search_there():
    for length, theta_min in [(1024, 4400.0), (32768, 7e5)]:  # above the table's value: searched live from there
        first = men_min_theta(128, length, theta_min=theta_min)
        assert first >= theta_min and negative_m(128, first, length) is None
        below = [b for b in (theta_min, first * (1 - 0.005)) if theta_min <= b < first]
        assert first_admissible(128, below, length) is None


def test_men_min_theta_rejects_bad_arguments():
    with pytest.raises(ValueError, match="head_dim must be an even integer"):
        men_min_theta(127, 1024)
    with pytest.raises(ValueError, match="theta_min must be > 1"):
        men_min_theta(128, 1024, theta_min=1.0)
    with pytest.raises(ValueError, match="rtol"):
        men_min_theta(128, 1024, rtol=0.0)
    with pytest.raises(ValueError, match="no rope_theta"):
        men_min_theta(2, 1024)  # one pair: B(m) = cos(m) < 0 at m = 2 for every base


def test_men_min_theta_trivial_context_returns_theta_min():
    assert men_min_theta(128, 1, theta_min=3.0) == 3.0
