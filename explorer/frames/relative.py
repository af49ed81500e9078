"""Frames of the Relative position page."""

from __future__ import annotations

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.block_means import score_block_means

from explorer.cache import cached
from explorer.charts import LINE_POINTS, sample_axis
from explorer.frames.common import make_qk


@cached
def score_grid(cfg: RopeConfig, length: int, offset: int, content: str, seed: int) -> dict:
    """⟨RoPE(q,m), RoPE(k,n)⟩ on the displayed grid, computed the naive way (rotate, then dot).

    The spread along diagonals is measured on this naively computed matrix, so a zero spread is
    evidence, not construction. The same grid without the offset gives the shift check.
    """
    q, k = make_qk(cfg.head_dim, content, seed)
    idx, stride = sample_axis(length)
    pos = (offset + idx).astype(np.float64)
    ctx = offset + length
    s = rope_core.scores_absolute(q, k, cfg, pos, pos, seq_len=ctx)
    # at offset 0 the unshifted grid is this grid: the same computation would give the same numbers
    s0 = s if offset == 0 else rope_core.scores_absolute(q, k, cfg, idx.astype(np.float64), idx.astype(np.float64),
                                                        seq_len=ctx)
    m, n = np.meshgrid(pos, pos, indexing="ij")
    frame = pd.DataFrame({"m": m.ravel(), "n": n.ravel(), "score": s.ravel(), "m_minus_n": (m - n).ravel()})
    image, block = block_means(q, k, cfg, length, ctx)
    return {
        "frame": frame,
        "stride": stride,
        "image": image,
        "block": block,
        "spread": float(rope_core.diagonal_spread(s)),
        "shift_change": float(np.max(np.abs(s - s0))),
        "scale": float(np.max(np.abs(s))) if s.size else 1.0,
    }


IMAGE_AXIS = 256  # image cells per axis: every position of the default window; above, block means


def block_means(q: np.ndarray, k: np.ndarray, cfg: RopeConfig, length: int, seq_len: int,
                max_cells: int = IMAGE_AXIS) -> tuple[np.ndarray, int]:
    """The score matrix S[m, n] = g(m − n) over the window, as the mean over each block × block cell of positions
    (block 1: every position), blocks counted from the window's start, the last one holding what is left.

    A mean, not a point sample: every position counts, so a score oscillating faster than the cells cannot alias
    into stripes, and equal blocks at the same block distance average the same g values, so the picture is as
    constant along its diagonals as S itself. Exact, in O(cells · d) (rope_core.block_means).
    Returns (cells × cells array, block)."""
    block = max(1, -(-length // max_cells))
    edges = np.minimum(np.arange(0, length + block, block), length)
    edges = edges[np.concatenate([[True], np.diff(edges) > 0])]
    return score_block_means(q, k, cfg, edges, seq_len=seq_len), block


def cell_note(block: int, length: int, stride: int) -> list[str]:
    """What a drawn cell is, and which positions the CSV and the spread use: short lines, since the plot is a fixed
    square whose title lines must fit its width."""
    if block == 1:
        lines = ["Each cell: one query position m and one key position n,", f"all {length:,} of each."]
    else:
        lines = [f"Each cell: the mean score over a block of {block} × {block} positions",
                 f"(all {length:,} positions count; a point sample would alias)."]
    if stride > 1:
        lines.append(f"CSV and the spread: 1 position in {stride} of each axis, exact values.")
    return lines


@cached
def score_by_distance(cfg: RopeConfig, length: int, offset: int, content: str, seed: int,
                      max_points: int = LINE_POINTS) -> tuple[pd.DataFrame, int]:
    """g(Δ) = ⟨RoPE(q, n+Δ), RoPE(k, n)⟩ for Δ in −(L−1)..L−1, at most max_points of them.

    The distances are evenly spaced, so the per-pair sum is taken by angle addition (rope_core.score_on_grid:
    O(√count · d) cosines instead of O(count · d), equal to score_vs_distance to ~1e-13 relative)."""
    q, k = make_qk(cfg.head_dim, content, seed)
    idx, stride = sample_axis(2 * length - 1, max_points)
    deltas = (idx - (length - 1)).astype(np.float64)
    g = rope_core.score_on_grid(q, k, cfg, deltas[0], float(stride), len(deltas), seq_len=offset + length)
    return pd.DataFrame({"m_minus_n": deltas, "score": g}), stride
