import numpy as np
import pytest

import rope_core
from rope_core import RopeConfig
from rope_core.attention_rows import attention_rows
from rope_core.rotation import apply_rope


def naive_attention(x, w_q, w_k, config, positions, causal, use_rope):
    """Full L×L attention of one head, one cell at a time."""
    L = len(positions)
    q = x @ w_q
    k = x @ w_k
    if use_rope:
        q = apply_rope(q, positions, config)
        k = apply_rope(k, positions, config)
    out = np.zeros((L, L))
    for i in range(L):
        logits = np.array([q[i] @ k[j] / np.sqrt(q.shape[1]) for j in range(L)])
        allowed = np.arange(L) <= i if causal else np.ones(L, bool)
        e = np.where(allowed, np.exp(logits - logits[allowed].max()), 0.0)
        out[i] = e / e.sum()
    return out


CONFIGS = [RopeConfig(head_dim=8, rope_theta=100.0), RopeConfig(head_dim=6, rope_theta=1e4, layout="interleaved"),
           RopeConfig(head_dim=8, partial_rotary_factor=0.5, rope_type="linear", factor=4.0)]


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("use_rope", [True, False])
def test_rows_match_naive_full_attention(config, causal, use_rope):
    rng = np.random.default_rng(0)
    L, d_model = 9, 5
    x = rng.standard_normal((L, d_model))
    w_q, w_k = rng.standard_normal((2, d_model, config.head_dim))
    positions = np.arange(L) + 3.0
    rows = np.array([0, 4, 8, 2])
    full = naive_attention(x, w_q, w_k, config, positions, causal, use_rope)
    got = attention_rows(x, w_q, w_k, config, positions, rows, causal=causal, use_rope=use_rope)
    np.testing.assert_allclose(got, full[rows], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("use_rope", [True, False])
def test_rows_match_attention_maps(causal, use_rope):
    config = RopeConfig(head_dim=8, rope_theta=500.0)
    rng = np.random.default_rng(1)
    heads, L, d_model = 3, 7, 8
    x = rng.standard_normal((L, d_model))
    w_q, w_k = rope_core.random_projections(rng, heads, d_model, config.head_dim)
    positions = np.arange(L, dtype=float)
    maps = rope_core.attention_maps(x, w_q, w_k, config, positions, causal=causal, use_rope=use_rope)
    rows = np.arange(L)
    for h in range(heads):
        got = attention_rows(x, w_q[h], w_k[h], config, positions, rows, causal=causal, use_rope=use_rope)
        np.testing.assert_allclose(got, maps[h], rtol=0, atol=1e-12)


def test_one_token_vector_equals_repeated_rows():
    config = RopeConfig(head_dim=8)
    rng = np.random.default_rng(2)
    token = rng.standard_normal(8)
    w_q, w_k = rng.standard_normal((2, 8, 8))
    positions = np.arange(6, dtype=float)
    rows = np.array([1, 5])
    a = attention_rows(token, w_q, w_k, config, positions, rows)
    b = attention_rows(np.tile(token, (6, 1)), w_q, w_k, config, positions, rows)
    np.testing.assert_allclose(a, b, atol=1e-14)


def test_identical_tokens_without_rope_attend_uniformly_and_causal_mask_is_exact_zero():
    config = RopeConfig(head_dim=8)
    rng = np.random.default_rng(3)
    token = rng.standard_normal(8)
    w_q, w_k = rng.standard_normal((2, 8, 8))
    L = 10
    rows = np.arange(L)
    a = attention_rows(token, w_q, w_k, config, np.arange(L, dtype=float), rows, causal=True, use_rope=False)
    for r in rows:
        np.testing.assert_allclose(a[r, : r + 1], 1.0 / (r + 1), atol=1e-15)
        assert np.all(a[r, r + 1 :] == 0.0)
