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


IMAGE_AXIS = 256  # heatmap image cells per axis: every position of the default window; above, block means


def toeplitz_block_means(g: np.ndarray, length: int, max_cells: int = IMAGE_AXIS) -> tuple[np.ndarray, int]:
    """A matrix S[m, n] = g(m − n) over a window of `length` positions, as the mean over each block × block cell
    of positions (block 1: every position), blocks counted from the window's start, the last one holding what is
    left. g: (2·length − 1,), g[t + length − 1] = g(t).

    A mean, not a point sample: every position counts, so a value oscillating faster than the cells cannot alias
    into stripes, and equal blocks at the same block distance average the same g values, so the picture is as
    constant along its diagonals as S itself. Through a double cumulative sum: Σ over m in [a, b), n in [c, e) of
    g(m − n) = Σ over m of (C(m − c) − C(m − e)), C the prefix sum of g. Returns (cells × cells array, block)."""
    block = max(1, -(-length // max_cells))
    # C[j] = Σ g(t) for t < j − length + 1 (C[0] = 0), D[j] = Σ C[i] for i < j
    c = np.concatenate([[0.0], np.cumsum(g)])
    d = np.concatenate([[0.0], np.cumsum(c)])
    edges = np.minimum(np.arange(0, length + block, block), length)
    edges = edges[np.concatenate([[True], np.diff(edges) > 0])]
    lo, hi = edges[:-1], edges[1:]
    cells = lo.size

    def means(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        # Σ_{m∈[a,b)} Σ_{n∈[c,e)} g(m − n) = Σ_{m∈[a,b)} (C[m − c + L] − C[m − e + L]), each a difference of D
        top, a, c0, e = hi[i] + length, lo[i] + length, lo[j], hi[j]
        return ((d[top - c0] - d[a - c0]) - (d[top - e] - d[a - e])) / ((top - a) * (e - c0))

    # equal blocks at the same block distance i − j have the same mean: the first column and row give every cell
    # (T[i, j] = profile[i − j + cells − 1]), and then only the last, shorter block's row and column are redone
    first = np.zeros(cells, dtype=int)
    k = np.arange(cells)
    profile = np.concatenate([means(k[:0:-1], first[1:]), means(first, k)])[::-1]
    out = np.lib.stride_tricks.sliding_window_view(profile, cells)[:, ::-1].copy()
    if cells > 1 and hi[-1] - lo[-1] != hi[0] - lo[0]:
        out[-1, :] = means(np.full(cells, cells - 1), k)
        out[:, -1] = means(k, np.full(cells, cells - 1))
    return out, block
