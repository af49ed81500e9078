"""Attention scores under RoPE: <RoPE(q, m), RoPE(k, n)> directly, and as a function g of m − n.

Sign convention: a query at position m and a key at position n give
<RoPE(q, m), RoPE(k, n)> = g(m - n), with g(delta) = <RoPE(q, delta), RoPE(k, 0)>.
All scores include attention_factor**2 (apply_rope scales q and k by it, as transformers does).
"""

from __future__ import annotations

import numpy as np

from .angle_sums import pair_sums
from .config import RopeConfig
from .frequencies import attention_factor, inv_freq
from .rotation import apply_rope, pair_indices


def scores_absolute(q, k, config: RopeConfig, positions_q, positions_k, seq_len: int | None = None) -> np.ndarray:
    """Naive reference: S[i, j] = <RoPE(q, positions_q[i]), RoPE(k, positions_k[j])>.

    Rotates q at every query position and k at every key position, then one matmul: O(L^2 d).
    Args: q, k (head_dim,). Returns: (len(positions_q), len(positions_k)) float64.
    """
    q = np.asarray(q, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    positions_q = np.asarray(positions_q, dtype=np.float64).reshape(-1)
    positions_k = np.asarray(positions_k, dtype=np.float64).reshape(-1)
    if q.shape == k.shape and np.array_equal(positions_q, positions_k):
        # the same positions: q and k rotated in one call, each by the same cosines and sines computed once
        rq, rk = apply_rope(np.broadcast_to(np.stack([q, k])[:, None, :], (2, len(positions_q), q.shape[-1])),
                            positions_q, config, seq_len)
    else:
        rq = apply_rope(np.broadcast_to(q, (len(positions_q), q.shape[-1])), positions_q, config, seq_len)
        rk = apply_rope(np.broadcast_to(k, (len(positions_k), k.shape[-1])), positions_k, config, seq_len)
    return rq @ rk.T


def score_vs_distance(q, k, config: RopeConfig, deltas, seq_len: int | None = None) -> np.ndarray:
    """g(delta) = <RoPE(q, delta), RoPE(k, 0)>, delta = m - n, in O(len(deltas) * d).

    Per pair i with q-pair (a, b), k-pair (c, e), phi = delta * theta_i:
      g = af^2 * sum_i [(a c + b e) cos(phi) + (a e - b c) sin(phi)] + <q_pass, k_pass>.
    Source: RoFormer (arXiv 2104.09864) Eq. 16, R(m)^T R(n) = R(n - m).
    Args: q, k (head_dim,). Returns: (len(deltas),) float64.
    """
    deltas = np.asarray(deltas, dtype=np.float64).reshape(-1)
    cos_w, sin_w, passthrough = pair_weights(q, k, config)
    phi = np.outer(deltas, inv_freq(config, seq_len))
    af = attention_factor(config, seq_len)
    return af * af * (np.cos(phi) @ cos_w + np.sin(phi) @ sin_w) + passthrough


def pair_weights(q, k, config: RopeConfig) -> tuple[np.ndarray, np.ndarray, float]:
    """Per pair i with q-pair (a, b), k-pair (c, e): the weights a c + b e of cos(Δθ_i) and a e − b c of sin(Δθ_i)
    in ⟨RoPE(q, m), RoPE(k, n)⟩, Δ = m − n; and ⟨q, k⟩ over the features that do not rotate.
    Args: q, k (head_dim,). Returns: (n_pairs,), (n_pairs,) float64 and a float."""
    q = np.asarray(q, dtype=np.float64).reshape(-1)
    k = np.asarray(k, dtype=np.float64).reshape(-1)
    idx = pair_indices(config.rotary_dim, config.layout)
    a, b = q[idx[:, 0]], q[idx[:, 1]]
    c, e = k[idx[:, 0]], k[idx[:, 1]]
    return a * c + b * e, a * e - b * c, float(q[config.rotary_dim :] @ k[config.rotary_dim :])


def score_on_grid(q, k, config: RopeConfig, start: float, step: float, count: int,
                  seq_len: int | None = None) -> np.ndarray:
    """g(start + j*step) for j = 0 .. count-1, as score_vs_distance, in O(sqrt(count) * d) trig calls.

    g is af^2 * sum_i [A_i cos(delta θ_i) + B_i sin(delta θ_i)] + <q_pass, k_pass> with A_i = a c + b e,
    B_i = a e - b c as in score_vs_distance; angle_sums.pair_sums evaluates the sum on the grid by angle
    addition. Agrees with score_vs_distance to ~1e-12 relative. Returns: (count,) float64.
    """
    q = np.asarray(q, dtype=np.float64).reshape(-1)
    k = np.asarray(k, dtype=np.float64).reshape(-1)
    if count <= 0:
        return np.zeros(0)
    idx = pair_indices(config.rotary_dim, config.layout)
    a, b = q[idx[:, 0]], q[idx[:, 1]]
    c, e = k[idx[:, 0]], k[idx[:, 1]]
    g = pair_sums(a * c + b * e, a * e - b * c, inv_freq(config, seq_len), start, step, count)
    af = attention_factor(config, seq_len)
    return af * af * g + q[config.rotary_dim :] @ k[config.rotary_dim :]


def relative_score_matrix(q, k, config: RopeConfig, positions, seq_len: int | None = None) -> np.ndarray:
    """S[i, j] = g(positions[i] - positions[j]) built from the scores at each distance.

    For evenly spaced positions S is Toeplitz: g is evaluated on the 2L - 1 distances with
    score_on_grid (O(sqrt(L) d) trig) and S is returned as a read-only strided view of that
    vector (O(L) memory, no L×L index arrays; `.copy()` it to write). Otherwise g is evaluated
    once per distinct difference. Returns: (L, L) float64, equal to
    scores_absolute(q, k, config, positions, positions) within ~1e-11 relative.
    """
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    n = len(positions)
    if n == 0:
        return np.zeros((0, 0))
    i = np.arange(n)
    step = positions[1] - positions[0] if n > 1 else 0.0
    if n == 1 or np.array_equal(positions, positions[0] + step * i):
        g = score_on_grid(q, k, config, -(n - 1) * step, step, 2 * n - 1, seq_len)
        # row i holds g at distances i - j, j = 0..n-1: a window of the reversed vector
        return np.lib.stride_tricks.sliding_window_view(g[::-1], n)[::-1]
    diffs = positions[:, None] - positions[None, :]
    unique, inverse = np.unique(diffs, return_inverse=True)
    return score_vs_distance(q, k, config, unique, seq_len)[inverse.reshape(n, n)]
