"""Softmax attention maps of identical tokens, where only position can make rows differ.

With every token equal, any structure in the map comes from the position encoding; shifting all
positions by a constant leaves RoPE's maps unchanged (they depend on m - n only).
"""

from __future__ import annotations

import numpy as np

from .config import RopeConfig
from .rotation import apply_rope


def random_projections(rng: np.random.Generator, n_heads: int, d_model: int, head_dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded Gaussian W_Q, W_K per head, entries N(0, 1/d_model) (so x W has unit-scale entries for unit-scale x).

    Returns: (w_q, w_k), each (n_heads, d_model, head_dim) float64.
    """
    scale = 1.0 / np.sqrt(d_model)
    w_q = rng.standard_normal((n_heads, d_model, head_dim))
    w_k = rng.standard_normal((n_heads, d_model, head_dim))
    w_q *= scale  # in place: the same products as `* scale`, without a second temporary of the same size
    w_k *= scale
    return w_q, w_k


def attention_maps(x, w_q, w_k, config: RopeConfig, positions, causal: bool = True, use_rope: bool = True) -> np.ndarray:
    """softmax_j(<q_i, k_j> / sqrt(head_dim)) per head, q = RoPE(x W_Q, p), k = RoPE(x W_K, p).

    causal masks keys after the query (j > i, by index). use_rope=False gives the NoPE map.
    Source: Vaswani et al. 2017 Eq. 1; RoFormer (arXiv 2104.09864) Eq. 16.
    Args: x (L, d_model); w_q, w_k (n_heads, d_model, head_dim); positions (L,).
    Returns: (n_heads, L, L) float64, rows summing to 1.
    """
    x = np.asarray(x, dtype=np.float64)
    q = np.einsum("ld,hde->hle", x, np.asarray(w_q, dtype=np.float64))
    k = np.einsum("ld,hde->hle", x, np.asarray(w_k, dtype=np.float64))
    if use_rope:
        q = apply_rope(q, positions, config)
        k = apply_rope(k, positions, config)
    logits = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if causal:
        n = logits.shape[-1]
        logits = np.where(np.triu(np.ones((n, n), dtype=bool), k=1), -np.inf, logits)
    logits = logits - logits.max(axis=-1, keepdims=True)  # stable softmax
    weights = np.exp(logits)
    return weights / weights.sum(axis=-1, keepdims=True)
