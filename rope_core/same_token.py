"""Attention of one token repeated at every position, for many heads, from each head's g(m − n).

When every position holds the same token x, head h's query and key are the same vectors everywhere,
q_h = x W_Q[h] and k_h = x W_K[h], so its logit between a query at position m and a key at n is
g_h(m − n) / sqrt(head_dim), with (scores.score_vs_distance, one head)

  g_h(Δ) = af² · Σ_i [A_hi cos(Δ θ_i) + B_hi sin(Δ θ_i)] + <q_h,pass, k_h,pass>,
  A_hi = a c + b e,  B_hi = a e − b c   (q_h's pair i is (a, b), k_h's is (c, e); af = attention_factor).

Every row of the attention map is then a window of the same 2L − 1 values g_h(−(L−1)) … g_h(L−1):
computing them once for every head replaces rotating L keys per head (O(L · head_dim) trig calls per
head) by one table shared by all heads, and a row costs O(L) additions instead of O(L · head_dim).
attention.attention_maps / attention_rows.attention_rows are the naive references (rotate, then dot).
Source: RoFormer (arXiv 2104.09864) Eq. 16, R(m)ᵀR(n) = R(n − m); Vaswani et al. 2017 Eq. 1.
"""

from __future__ import annotations

import numpy as np

from .angle_sums import pair_sums
from .attention_rows import attention_rows
from .config import RopeConfig
from .frequencies import attention_factor, inv_freq
from .rotation import pair_indices

# exp(-700) ≈ 1e-304 is still a normal float64 (the smallest is exp(-708.4)): when every logit of a head
# lies within this of the head's largest one, exp(logit − largest) keeps full relative precision.
_EXP_RANGE = 700.0


def _as_heads(v, head_dim: int, name: str) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    if v.ndim == 1:
        v = v[None, :]
    if v.ndim != 2 or v.shape[1] != head_dim:
        raise ValueError(f"{name} must have shape (heads, head_dim = {head_dim}) or (head_dim,), got {v.shape}")
    return v


def same_token_scores(q, k, config: RopeConfig, max_distance: int, use_rope: bool = True,
                      seq_len: int | None = None) -> np.ndarray:
    """g_h(Δ) = <RoPE(q_h, n + Δ), RoPE(k_h, n)> for every head h and every integer Δ in −D … D.

    D = max_distance. Formula in the module docstring (af² and the pass-through features included; no
    1/sqrt(head_dim)). use_rope=False gives the constant <q_h, k_h> (no rotation, no attention factor).
    Equals scores.score_vs_distance(q[h], k[h], config, arange(−D, D + 1), seq_len) per head, with
    cos/sin of only O(sqrt(D) · n_pairs) angles (angle_sums.pair_sums over Δ = −D … D).
    Args: q, k (heads, head_dim) or (head_dim,): each head's projected query and key of the token.
    Returns: (heads, 2D + 1) float64; column D + Δ holds Δ.
    """
    D = int(max_distance)
    if D < 0:
        raise ValueError(f"max_distance must be >= 0, got {max_distance}")
    return _distance_scores(q, k, config, -D, 2 * D + 1, use_rope, seq_len)


def _distance_scores(q, k, config: RopeConfig, first: int, count: int, use_rope: bool,
                     seq_len: int | None) -> np.ndarray:
    """same_token_scores for the distances Δ = first … first + count − 1: (heads, count)."""
    q = _as_heads(q, config.head_dim, "q")
    k = _as_heads(k, config.head_dim, "k")
    if q.shape != k.shape:
        raise ValueError(f"q and k must have the same shape, got {q.shape} and {k.shape}")
    if not use_rope:
        return np.repeat(np.einsum("hd,hd->h", q, k)[:, None], count, axis=1)
    idx = pair_indices(config.rotary_dim, config.layout)
    a, b = q[:, idx[:, 0]], q[:, idx[:, 1]]
    c, e = k[:, idx[:, 0]], k[:, idx[:, 1]]
    A, B = a * c + b * e, a * e - b * c
    # Σ_i A cos(Δθ_i) + B sin(Δθ_i) for every Δ asked, every head in one product
    sums = pair_sums(A, B, inv_freq(config, seq_len), float(first), 1.0, count)
    af = attention_factor(config, seq_len)
    passthrough = np.einsum("hd,hd->h", q[:, config.rotary_dim:], k[:, config.rotary_dim:])[:, None]
    return af * af * sums + passthrough


def same_token_attention(q, k, config: RopeConfig, length: int, rows, causal: bool = True,
                         use_rope: bool = True, seq_len: int | None = None, key_bins=None) -> np.ndarray:
    """A_h[r, j] = softmax_j(g_h(p_r − p_j) / sqrt(head_dim)) at positions p_j = p_0 + j, j < length.

    The same token at every position: row r of head h is softmax over the keys of the logits
    <RoPE(q_h, p_r), RoPE(k_h, p_j)> / sqrt(head_dim), with keys j > r masked when causal (weight
    exactly 0). It does not depend on p_0 (RoPE's scores depend on p_r − p_j only); seq_len fixes the
    frequencies as in apply_rope. Equals attention_rows(x, W_Q[h], W_K[h], config, p, rows, causal,
    use_rope, seq_len) for q_h = x W_Q[h], k_h = x W_K[h] (same_token_rows_naive), up to rounding.
    How: g = same_token_scores(..., length − 1); row r's logits are the window g[r … r − (L−1)].
    Each head's exp(g/sqrt(d) − max) is taken once (2L − 1 values) and every row normalises its own
    window; when a head's logits span more than 700 (exp would leave float64's normal range), its rows
    are computed one by one, each against its own maximum, as the naive softmax does.
    Args: q, k (heads, head_dim) or (head_dim,); rows: query indices in 0 … length−1;
          key_bins: None, or ascending key indices starting at 0 (as np.add.reduceat takes them).
    Returns: (heads, len(rows), length) float64 rows summing to 1; with key_bins,
      (heads, len(rows), len(key_bins)): the attention mass of keys key_bins[b] … key_bins[b+1] − 1.
    """
    L = int(length)
    if L < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    if rows.size and (rows.min() < 0 or rows.max() >= L):
        raise ValueError(f"rows must be indices in 0 … {L - 1}")
    if key_bins is not None:
        key_bins = np.asarray(key_bins, dtype=np.int64).reshape(-1)
        if key_bins.size == 0 or key_bins[0] != 0 or np.any(np.diff(key_bins) <= 0) or key_bins[-1] >= L:
            raise ValueError(f"key_bins must ascend strictly from 0 and stay below length = {L}")
    if causal:  # Δ = p_r − p_j < 0: the key comes after the query, masked; only Δ = 0 … L − 1 is computed
        heads = _as_heads(q, config.head_dim, "q").shape[0]
        s = np.full((heads, 2 * L - 1), -np.inf)
        s[:, L - 1:] = _distance_scores(q, k, config, 0, L, use_rope, seq_len) / np.sqrt(config.head_dim)
    else:
        s = same_token_scores(q, k, config, L - 1, use_rope, seq_len) / np.sqrt(config.head_dim)
    # Reversed, row r's keys j = 0 … L−1 are the contiguous slice starting at (L − 1) − r.
    s = s[:, ::-1]
    starts = (L - 1) - rows
    heads = s.shape[0]
    width = L if key_bins is None else key_bins.size
    out = np.empty((heads, rows.size, width))
    for h in range(heads):
        finite = s[h][np.isfinite(s[h])]
        top = finite.max()
        if top - finite.min() <= _EXP_RANGE:
            e = np.exp(s[h] - top)
            weights = None
        else:  # each row against its own maximum, as a naive softmax does
            window = s[h][starts[:, None] + np.arange(L)]
            weights = np.exp(window - window.max(axis=1, keepdims=True))
        if key_bins is None:
            mass = e[starts[:, None] + np.arange(L)] if weights is None else weights
        elif weights is None:
            mass = _window_bins(e, starts, key_bins, L)
        else:
            mass = np.add.reduceat(weights, key_bins, axis=1)
        out[h] = mass / mass.sum(axis=1, keepdims=True)
    return out


def _window_bins(e: np.ndarray, starts: np.ndarray, bins: np.ndarray, L: int) -> np.ndarray:
    """mass[r, b] = Σ of e[starts[r] + j] over keys j in bins[b] … bins[b+1] − 1 (the last bin to L − 1)."""
    padded = np.append(e, 0.0)  # so that the end of the last window is a valid index
    edges = np.append(bins, L)
    idx = (starts[:, None] + edges[None, :]).reshape(-1)
    sums = np.add.reduceat(padded, idx)  # between consecutive indices; each row's last entry is junk
    return sums.reshape(starts.size, edges.size)[:, :-1]


def same_token_rows_naive(q, k, config: RopeConfig, positions, rows, causal: bool = True,
                          use_rope: bool = True, seq_len: int | None = None) -> np.ndarray:
    """The naive reference for one head: rotate q at positions[rows] and k at every position, then dot.

    attention_rows for a token with one feature equal to 1 and W_Q = q, W_K = k as single rows, so the
    projections reproduce q and k exactly. Args: q, k (head_dim,). Returns: (len(rows), len(positions)).
    """
    q = np.asarray(q, dtype=np.float64).reshape(1, -1)
    k = np.asarray(k, dtype=np.float64).reshape(1, -1)
    return attention_rows(np.ones(1), q, k, config, positions, rows, causal=causal, use_rope=use_rope,
                          seq_len=seq_len)
