"""rope_core.angle_sums: the angle-addition block product against one cosine at a time."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rope_core.angle_sums import pair_sums


def direct(a, b, theta, xs):
    return np.array([[sum(ai * math.cos(x * t) + bi * math.sin(x * t) for ai, bi, t in zip(ah, bh, theta))
                      for x in xs] for ah, bh in zip(a, b)])


@settings(max_examples=40, deadline=None)
@given(heads=st.integers(1, 3), pairs=st.integers(1, 20), start=st.floats(-1e4, 1e4), step=st.floats(0.1, 9.0),
       count=st.integers(1, 300), seed=st.integers(0, 10**6))
def test_pair_sums_equal_the_direct_sum(heads, pairs, start, step, count, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, heads, pairs))
    theta = 10.0 ** rng.uniform(-6, 0, pairs)
    fast = pair_sums(a, b, theta, start, step, count)
    xs = start + step * np.arange(count)
    scale = np.abs(a).sum() + np.abs(b).sum()
    assert fast.shape == (heads, count)
    assert np.max(np.abs(fast - direct(a, b, theta, xs))) <= 1e-12 * scale * max(1.0, abs(start) + step * count) ** 0.5


def test_pair_sums_one_head_and_empty():
    theta = np.array([1.0, 0.1])
    out = pair_sums(np.array([1.0, 2.0]), np.array([0.0, -1.0]), theta, 3.0, 2.0, 4)
    expected = [math.cos(x) + 2 * math.cos(0.1 * x) - math.sin(0.1 * x) for x in (3.0, 5.0, 7.0, 9.0)]
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-13)
    assert pair_sums(np.ones(2), np.zeros(2), theta, 0.0, 1.0, 0).shape == (0,)
