"""rope_core.same_token: every head's g(m − n) and the attention it gives, against the naive references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from rope_core.attention import attention_maps, random_projections
from rope_core.attention_rows import attention_rows
from rope_core.config import RopeConfig
from rope_core.same_token import same_token_attention, same_token_rows_naive, same_token_scores
from rope_core.scores import score_vs_distance

CONFIGS = [
    RopeConfig(head_dim=8, rope_theta=100.0),
    RopeConfig(head_dim=10, partial_rotary_factor=0.6, layout="interleaved"),
    RopeConfig(head_dim=16, rope_type="yarn", factor=8.0, max_position_embeddings=512,
               original_max_position_embeddings=64),
    RopeConfig(head_dim=12, rope_type="dynamic", factor=2.0, max_position_embeddings=16),
    RopeConfig(head_dim=2, rope_theta=10.0),
]


def heads_of(config, heads, seed):
    """One token and each head's projected q_h = x W_Q[h], k_h = x W_K[h] (as the attention page draws them)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(config.head_dim)
    w_q, w_k = random_projections(rng, heads, config.head_dim, config.head_dim)
    return x, w_q, w_k, np.stack([x @ w for w in w_q]), np.stack([x @ w for w in w_k])


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.rope_type}-{c.head_dim}-{c.layout}")
@pytest.mark.parametrize("max_distance", [0, 1, 5, 40, 333])
def test_scores_match_score_vs_distance_per_head(config, max_distance):
    _, _, _, q, k = heads_of(config, 3, max_distance)
    seq_len = 2 * max_distance + 7
    g = same_token_scores(q, k, config, max_distance, seq_len=seq_len)
    assert g.shape == (3, 2 * max_distance + 1)
    deltas = np.arange(-max_distance, max_distance + 1, dtype=np.float64)
    for h in range(3):
        ref = score_vs_distance(q[h], k[h], config, deltas, seq_len=seq_len)
        np.testing.assert_allclose(g[h], ref, rtol=0, atol=1e-12 * max(1.0, np.abs(ref).max()))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40).map(lambda n: 2 * n), st.floats(2.0, 1e7), st.integers(0, 3000), st.integers(0, 2**31))
def test_scores_match_score_vs_distance_on_random_cases(head_dim, theta, max_distance, seed):
    config = RopeConfig(head_dim=head_dim, rope_theta=theta)
    q, k = np.random.default_rng(seed).standard_normal((2, head_dim))
    g = same_token_scores(q, k, config, max_distance)[0]
    ref = score_vs_distance(q, k, config, np.arange(-max_distance, max_distance + 1, dtype=np.float64))
    np.testing.assert_allclose(g, ref, rtol=0, atol=1e-12 * np.abs(q).sum() * np.abs(k).sum())


def test_scores_without_rope_are_the_plain_dot_product_everywhere():
    config = RopeConfig(head_dim=8, rope_type="yarn", factor=4.0)  # attention factor != 1 must not enter
    _, _, _, q, k = heads_of(config, 2, 0)
    g = same_token_scores(q, k, config, 6, use_rope=False)
    np.testing.assert_array_equal(g, np.repeat(np.einsum("hd,hd->h", q, k)[:, None], 13, axis=1))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.rope_type}-{c.head_dim}-{c.layout}")
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("use_rope", [True, False])
@pytest.mark.parametrize("length", [1, 2, 9, 64])
def test_attention_matches_naive_attention_rows(config, causal, use_rope, length):
    x, w_q, w_k, q, k = heads_of(config, 3, length)
    rng = np.random.default_rng(length)
    rows = rng.integers(0, length, 6)
    offset = 1000.0
    positions = offset + np.arange(length, dtype=np.float64)
    seq_len = length + 1000
    got = same_token_attention(q, k, config, length, rows, causal=causal, use_rope=use_rope, seq_len=seq_len)
    bins = np.unique(np.r_[0, rng.integers(0, length, 4)])
    binned = same_token_attention(q, k, config, length, rows, causal=causal, use_rope=use_rope, seq_len=seq_len,
                                  key_bins=bins)
    assert got.shape == (3, 6, length) and binned.shape == (3, 6, bins.size)
    for h in range(3):
        ref = attention_rows(x, w_q[h], w_k[h], config, positions, rows, causal=causal, use_rope=use_rope,
                             seq_len=seq_len)
        np.testing.assert_allclose(got[h], ref, rtol=0, atol=1e-12)
        np.testing.assert_allclose(binned[h], np.add.reduceat(ref, bins, axis=1), rtol=0, atol=1e-12)
        if causal:  # masked keys get exactly zero weight
            assert (got[h][np.arange(length)[None, :] > rows[:, None]] == 0).all()
    np.testing.assert_allclose(got.sum(axis=2), 1.0, atol=1e-13)


@pytest.mark.parametrize("causal", [True, False])
def test_attention_matches_the_full_maps_of_every_head(causal):
    config = RopeConfig(head_dim=8, rope_theta=500.0)
    x, w_q, w_k, q, k = heads_of(config, 4, 7)
    L = 12
    maps = attention_maps(np.tile(x, (L, 1)), w_q, w_k, config, np.arange(L, dtype=np.float64), causal=causal)
    got = same_token_attention(q, k, config, L, np.arange(L), causal=causal)
    np.testing.assert_allclose(got, maps, rtol=0, atol=1e-12)


@pytest.mark.parametrize("causal", [True, False])
def test_huge_logits_fall_back_to_each_rows_own_maximum(causal):
    # logits spanning thousands: exp(g − max of the head) would underflow for rows whose own maximum is low
    config = RopeConfig(head_dim=16, rope_theta=100.0)
    x, w_q, w_k, q, k = heads_of(config, 2, 3)
    x, q, k = 60 * x, 60 * q, 60 * k
    L = 40
    g = same_token_scores(q, k, config, L - 1) / 4.0
    assert (np.ptp(g[:, L - 1:], axis=1) > 1000).all()  # even the causal half of every head: the fallback runs
    rows = np.arange(L)
    got = same_token_attention(q, k, config, L, rows, causal=causal)
    binned = same_token_attention(q, k, config, L, rows, causal=causal, key_bins=np.array([0, 5, 17]))
    for h in range(2):
        ref = attention_rows(x, w_q[h], w_k[h], config, np.arange(L, dtype=np.float64), rows, causal=causal)
        np.testing.assert_allclose(got[h], ref, rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(binned[h], np.add.reduceat(ref, [0, 5, 17], axis=1), rtol=1e-9, atol=1e-300)


def test_result_does_not_depend_on_the_first_position_and_naive_rows_agree():
    config = RopeConfig(head_dim=32, rope_theta=1e4)
    x, w_q, w_k, q, k = heads_of(config, 1, 5)
    L, rows = 50, np.array([0, 13, 49])
    got = same_token_attention(q, k, config, L, rows, seq_len=100_050)[0]
    for start in (0.0, 100_000.0):
        positions = start + np.arange(L, dtype=np.float64)
        naive = same_token_rows_naive(q[0], k[0], config, positions, rows, seq_len=100_050)
        np.testing.assert_allclose(naive, attention_rows(x, w_q[0], w_k[0], config, positions, rows, seq_len=100_050),
                                   rtol=0, atol=1e-14)
        np.testing.assert_allclose(got, naive, rtol=0, atol=1e-9)


def test_bad_arguments_are_rejected():
    config = RopeConfig(head_dim=8)
    q = k = np.ones(8)
    with pytest.raises(ValueError, match="rows"):
        same_token_attention(q, k, config, 5, [5])
    with pytest.raises(ValueError, match="key_bins"):
        same_token_attention(q, k, config, 5, [0], key_bins=[1, 3])
    with pytest.raises(ValueError, match="key_bins"):
        same_token_attention(q, k, config, 5, [0], key_bins=[0, 3, 3])
    with pytest.raises(ValueError, match="head_dim"):
        same_token_scores(np.ones(6), np.ones(6), config, 3)
    with pytest.raises(ValueError, match="max_distance"):
        same_token_scores(q, k, config, -1)


def test_exported_at_top_level():
    for name in ("same_token_scores", "same_token_attention", "same_token_rows_naive"):
        assert name in rope_core.__all__ and getattr(rope_core, name) is globals()[name]
