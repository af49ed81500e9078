"""rope_core.attention: softmax maps of identical tokens against a naive loop, masking, shift invariance."""

from __future__ import annotations

import numpy as np
import pytest

from rope_core.attention import attention_maps, random_projections
from rope_core.config import RopeConfig
from rope_core.rotation import apply_rope


def naive_map(x, w_q, w_k, config, positions, causal, use_rope):
    q, k = x @ w_q, x @ w_k
    if use_rope:
        q, k = apply_rope(q, positions, config), apply_rope(k, positions, config)
    n = len(positions)
    out = np.zeros((n, n))
    for i in range(n):
        logits = [q[i] @ k[j] / np.sqrt(q.shape[1]) if (j <= i or not causal) else -np.inf for j in range(n)]
        weights = np.exp(np.array(logits) - max(logits))
        out[i] = weights / weights.sum()
    return out


def identical_tokens(L=10, d_model=24, seed=0):
    token = np.random.default_rng(seed).standard_normal(d_model)
    return np.tile(token, (L, 1))


def test_random_projections_are_seeded_and_shaped():
    a = random_projections(np.random.default_rng(5), 3, 24, 8)
    b = random_projections(np.random.default_rng(5), 3, 24, 8)
    assert a[0].shape == a[1].shape == (3, 24, 8)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], a[1])


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("use_rope", [True, False])
def test_attention_maps_match_naive_loop(causal, use_rope):
    config = RopeConfig(head_dim=8)
    x = identical_tokens()
    w_q, w_k = random_projections(np.random.default_rng(1), 2, 24, 8)
    maps = attention_maps(x, w_q, w_k, config, np.arange(10), causal=causal, use_rope=use_rope)
    assert maps.shape == (2, 10, 10)
    for h in range(2):
        np.testing.assert_allclose(maps[h], naive_map(x, w_q[h], w_k[h], config, np.arange(10), causal, use_rope),
                                   atol=1e-14)


def test_rows_sum_to_one_and_causal_mask_hides_the_future():
    x = identical_tokens()
    w_q, w_k = random_projections(np.random.default_rng(2), 3, 24, 8)
    maps = attention_maps(x, w_q, w_k, RopeConfig(head_dim=8), np.arange(10))
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0, rtol=1e-14)
    assert np.all(np.triu(maps, k=1) == 0)


def test_identical_tokens_without_rope_attend_uniformly():
    x = identical_tokens()
    w_q, w_k = random_projections(np.random.default_rng(3), 1, 24, 8)
    maps = attention_maps(x, w_q, w_k, RopeConfig(head_dim=8), np.arange(10), causal=False, use_rope=False)
    np.testing.assert_allclose(maps, 0.1, rtol=1e-14)


def test_shifting_every_position_leaves_rope_maps_unchanged():
    x = identical_tokens()
    w_q, w_k = random_projections(np.random.default_rng(4), 2, 24, 8)
    config = RopeConfig(head_dim=8)
    base = attention_maps(x, w_q, w_k, config, np.arange(10))
    np.testing.assert_allclose(attention_maps(x, w_q, w_k, config, np.arange(10) + 1000), base, atol=1e-11)


def test_random_projections_are_scaled_standard_normal_draws():
    w_q, w_k = random_projections(np.random.default_rng(11), 2, 6, 4)
    draws = np.random.default_rng(11).standard_normal((2, 2, 6, 4)) * (1.0 / np.sqrt(6))
    np.testing.assert_array_equal(w_q, draws[0])
    np.testing.assert_array_equal(w_k, draws[1])
