"""Softmax attention for a subset of query rows, one head at a time.

attention.attention_maps builds the full (n_heads, L, L) tensor; at L = 8192 and 16 heads that is
8.6 GB. A chart only shows a few query rows, and softmax needs each shown row against every key,
so this computes exactly those rows: O(rows · L · head_dim) time, (rows, L) memory.
"""

from __future__ import annotations

import numpy as np

from .config import RopeConfig
from .rotation import apply_rope


def attention_rows(x, w_q, w_k, config: RopeConfig, positions, rows, causal: bool = True,
                   use_rope: bool = True, seq_len: int | None = None) -> np.ndarray:
    """A[r, j] = softmax_j(<q_r, k_j> / sqrt(head_dim)) for query rows `rows` against all L keys.

    q_r = RoPE(x[r] W_Q, positions[r]), k_j = RoPE(x[j] W_K, positions[j]) (no RoPE when use_rope is
    False); with causal, keys j > r are masked (weight exactly 0). Rows equal
    attention_maps(x, W_Q[None], W_K[None], config, positions, causal, use_rope)[0, rows].
    Args: x (L, d_model), or (d_model,) for the same token at every position (projected once);
          w_q, w_k (d_model, head_dim) for one head; positions (L,);
          rows: int indices into 0 .. L−1; seq_len as in apply_rope.
    Returns: (len(rows), L) float64, each row summing to 1.
    """
    x = np.asarray(x, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    w_q = np.asarray(w_q, dtype=np.float64)
    w_k = np.asarray(w_k, dtype=np.float64)
    if x.ndim == 1:  # one token at every position: project once, then broadcast
        q = np.broadcast_to(x @ w_q, (len(rows), w_q.shape[-1]))
        k = np.broadcast_to(x @ w_k, (len(positions), w_k.shape[-1]))
    else:
        q = x[rows] @ w_q
        k = x @ w_k
    if use_rope:
        q = apply_rope(q, positions[rows], config, seq_len)
        k = apply_rope(k, positions, config, seq_len)
    logits = (q @ k.T) / np.sqrt(q.shape[-1])
    if causal:
        logits[np.arange(len(positions))[None, :] > rows[:, None]] = -np.inf
    logits -= logits.max(axis=1, keepdims=True)  # the diagonal key is always allowed: max is finite
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)
