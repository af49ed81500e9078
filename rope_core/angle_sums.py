"""Sums of cosines and sines over the pairs at evenly spaced positions, by angle addition.

Every RoPE quantity of relative distance (a score g(Δ), the correlation, Men et al.'s B(m)) is, per head h,

  F_h(x) = Σ_i [a_hi cos(x θ_i) + b_hi sin(x θ_i)]

at distances x = start + j·step. Split x = u + v, u on a coarse grid (every `width` steps) and v on a fine one
(0 … width − 1 steps); angle addition gives

  F_h(u + v) = Σ_i (a_hi cos uθ_i + b_hi sin uθ_i) cos vθ_i + (b_hi cos uθ_i − a_hi sin uθ_i) sin vθ_i,

one (rows × 2P)·(2P × width) matrix product: O(sqrt(count)·P) cosines instead of O(count·P).
"""

from __future__ import annotations

import math

import numpy as np


def pair_sums(a, b, theta, start: float, step: float, count: int) -> np.ndarray:
    """F_h(start + j·step) = Σ_i [a[h, i] cos(xθ_i) + b[h, i] sin(xθ_i)] for j = 0 … count − 1.

    Args: a, b (heads, P) or (P,) weights; theta (P,). Returns: (heads, count), or (count,) for 1-D a, b.
    Agrees with the direct sum to ~1e-12 relative for moderate angles (both round the angle x·θ_i).
    """
    theta = np.asarray(theta, dtype=np.float64).reshape(-1)
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    flat = a.ndim == 1
    a, b = a.reshape(-1, theta.size), b.reshape(-1, theta.size)
    if count <= 0:
        out = np.zeros((a.shape[0], 0))
        return out[0] if flat else out
    width = math.isqrt(count - 1) + 1  # ~sqrt(count): fewest cosines for the two grids
    rows = -(-count // width)
    u = np.outer(start + step * width * np.arange(rows, dtype=np.float64), theta)  # (rows, P)
    v = np.outer(theta, step * np.arange(width, dtype=np.float64))  # (P, width)
    cu, su = np.cos(u), np.sin(u)
    P = theta.size
    lhs = np.empty((a.shape[0], rows, 2 * P))
    lhs[:, :, :P] = a[:, None, :] * cu + b[:, None, :] * su
    lhs[:, :, P:] = b[:, None, :] * cu - a[:, None, :] * su
    out = (lhs.reshape(-1, 2 * P) @ np.concatenate([np.cos(v), np.sin(v)])).reshape(a.shape[0], -1)[:, :count]
    return out[0] if flat else out
