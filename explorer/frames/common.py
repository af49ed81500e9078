"""Inputs several pages share: the q and k vectors the sidebar's "content" control describes."""

from __future__ import annotations

import numpy as np

CONTENTS = ("random", "identical", "ones")


def make_qk(head_dim: int, content: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """q and k of shape (head_dim,): independent N(0, 1) draws, one draw used twice, or all ones."""
    if content == "ones":
        ones = np.ones(head_dim)
        return ones, ones.copy()
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(head_dim)
    k = q.copy() if content == "identical" else rng.standard_normal(head_dim)
    return q, k


def positions(offset: int, length: int) -> np.ndarray:
    return np.arange(offset, offset + length, dtype=np.float64)
