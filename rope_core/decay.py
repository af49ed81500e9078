"""How RoPE similarity falls with distance: the expected self-similarity and RoFormer's bound.

Both are functions of the distance Δ = m − n and the frequencies θ_i only (d = rotary dim).
Source: Su et al., RoFormer (arXiv 2104.09864) Sec. 3.4.3.
"""

from __future__ import annotations

import numpy as np

from .angle_sums import pair_sums
from .config import RopeConfig
from .frequencies import inv_freq


def correlation(config: RopeConfig, deltas, seq_len: int | None = None) -> np.ndarray:
    """(2/d) * Σ_i cos(Δ θ_i), d = rotary_dim.

    For q whose pairs are independent, isotropic and of equal variance, and k = q,
    E<RoPE(q, m), RoPE(q, n)> / E|q|^2 equals this at Δ = m − n (pair i contributes E|q_i|^2 cos(Δθ_i)).
    Returns: (len(deltas),) float64, 1 at Δ = 0.
    """
    deltas = np.asarray(deltas, dtype=np.float64).reshape(-1)
    return np.cos(np.outer(deltas, inv_freq(config, seq_len))).mean(axis=1)


def correlation_on_grid(config: RopeConfig, start: float, step: float, count: int,
                        seq_len: int | None = None) -> np.ndarray:
    """correlation(start + j*step) for j = 0 .. count-1, by angle addition (angle_sums.pair_sums).

    Agrees with correlation to ~1e-12 where the angles are moderate; at angles ~1e6 rad both carry the rounding
    of the angle itself (~1e-10). Returns: (count,) float64.
    """
    if count <= 0:
        return np.zeros(0)
    theta = inv_freq(config, seq_len)
    return pair_sums(np.full(theta.size, 1.0 / theta.size), np.zeros(theta.size), theta, start, step, count)


def roformer_bound(config: RopeConfig, deltas, seq_len: int | None = None) -> np.ndarray:
    """RoFormer's long-term-decay curve (1 / (d/2)) * Σ_{j=1}^{d/2} |S_j|, S_j = Σ_{k<j} exp(i Δ θ_k).

    The score is bounded by max_i |h_{i+1} − h_i| * Σ_j |S_j| (Abel summation). Source: RoFormer Sec. 3.4.3, Fig. 2.
    Returns: (len(deltas),) float64; d/4 + 1/2 at Δ = 0.
    """
    deltas = np.asarray(deltas, dtype=np.float64).reshape(-1)
    partial_sums = np.cumsum(np.exp(1j * np.outer(deltas, inv_freq(config, seq_len))), axis=1)
    return np.abs(partial_sums).mean(axis=1)
