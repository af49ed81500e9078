"""The Transformer's additive sinusoidal position encoding, and how its scores differ from RoPE's.

Source: Vaswani et al. 2017, "Attention Is All You Need" (arXiv 1706.03762), Sec. 3.5.
"""

from __future__ import annotations

import numpy as np

from .config import RopeConfig
from .rotation import apply_rope


def sinusoidal_pe(positions, d_model: int, base: float = 10000.0) -> np.ndarray:
    """PE[p, 2i] = sin(p / base^(2i/d_model)), PE[p, 2i+1] = cos(p / base^(2i/d_model)).

    Source: Vaswani et al. 2017, Sec. 3.5 (interleaved sin/cos, as written in the paper).
    Returns: (len(positions), d_model) float64. An odd d_model ends with a sin column.
    """
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    d_model = int(d_model)
    if d_model < 1:
        raise ValueError(f"d_model must be >= 1, got {d_model}")
    freqs = 1.0 / (float(base) ** (np.arange(0, d_model, 2, dtype=np.float64) / d_model))
    phase = np.outer(positions, freqs)
    pe = np.empty((len(positions), d_model))
    pe[:, 0::2] = np.sin(phase)
    pe[:, 1::2] = np.cos(phase[:, : d_model // 2])
    return pe


def additive_vs_rope(x, w_q, w_k, config: RopeConfig, positions) -> dict[str, np.ndarray]:
    """Raw (unscaled) logits with additive sinusoidal PE versus RoPE, for the same tokens and weights.

    Additive: q = (x + P) W_q, k = (x + P) W_k, so
      additive = x W_q (x W_k)^T + x W_q (P W_k)^T + P W_q (x W_k)^T + P W_q (P W_k)^T
               = content_content + content_position + position_content + position_position
    (P = sinusoidal_pe(positions, d_model)). RoPE: rope[i, j] = <RoPE(x_i W_q, p_i), RoPE(x_j W_k, p_j)>,
    whose position enters only through p_i - p_j. No 1/sqrt(head_dim) scaling is applied.
    Source: Vaswani et al. 2017 Sec. 3.5; RoFormer (arXiv 2104.09864) Sec. 3.2; the four-term
    expansion as in Ke et al. 2020 (TUPE, arXiv 2006.15595).
    Args: x (L, d_model); w_q, w_k (d_model, head_dim) with head_dim = config.head_dim; positions (L,).
    Returns: dict of (L, L) float64 arrays with keys "additive", "rope", "content_content",
      "content_position", "position_content", "position_position".
    """
    x = np.asarray(x, dtype=np.float64)
    w_q = np.asarray(w_q, dtype=np.float64)
    w_k = np.asarray(w_k, dtype=np.float64)
    pe = sinusoidal_pe(positions, x.shape[-1])
    cq, ck = x @ w_q, x @ w_k
    pq, pk = pe @ w_q, pe @ w_k
    terms = {
        "content_content": cq @ ck.T,
        "content_position": cq @ pk.T,
        "position_content": pq @ ck.T,
        "position_position": pq @ pk.T,
    }
    additive = (x + pe) @ w_q @ ((x + pe) @ w_k).T
    rope = apply_rope(cq, positions, config) @ apply_rope(ck, positions, config).T
    return {"additive": additive, "rope": rope, **terms}


def additive_vs_rope_same_token(x, w_q, w_k, config: RopeConfig, positions) -> dict[str, np.ndarray]:
    """additive_vs_rope for one token x repeated at every position, projecting x once.

    With x_i = x for every i, x W_q and x W_k are single vectors cq, ck, so
      content_content[i, j] = cq · ck,  content_position[i, j] = cq · (P W_k)[j],
      position_content[i, j] = (P W_q)[i] · ck,  position_position = P W_q (P W_k)^T,
      additive = (cq + P W_q) (ck + P W_k)^T   ((x + P) W = x W + P W),
      rope[i, j] = <RoPE(cq, p_i), RoPE(ck, p_j)>.
    Equals additive_vs_rope(tile(x, (L, 1)), w_q, w_k, config, positions) up to rounding, with two
    (L, d_model) x (d_model, head_dim) products instead of six.
    Args: x (d_model,); w_q, w_k (d_model, head_dim); positions (L,).
    Returns: the same dict of (L, L) float64 arrays as additive_vs_rope.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    w_q = np.asarray(w_q, dtype=np.float64)
    w_k = np.asarray(w_k, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    n = positions.size
    pe = sinusoidal_pe(positions, x.size)
    cq, ck = x @ w_q, x @ w_k
    pq, pk = pe @ w_q, pe @ w_k
    terms = {
        "content_content": np.full((n, n), cq @ ck),
        "content_position": np.repeat((pk @ cq)[None, :], n, axis=0),
        "position_content": np.repeat((pq @ ck)[:, None], n, axis=1),
        "position_position": pq @ pk.T,
    }
    additive = (cq + pq) @ (ck + pk).T
    rq = apply_rope(np.broadcast_to(cq, (n, cq.size)), positions, config)
    rk = apply_rope(np.broadcast_to(ck, (n, ck.size)), positions, config)
    return {"additive": additive, "rope": rq @ rk.T, **terms}
