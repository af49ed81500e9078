"""Frames of the Distance decay page: correlation, the RoFormer bound and Men et al.'s B(m)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig

from explorer.cache import cached
from explorer import fmt
from explorer.charts import LINE_POINTS, sample_axis
from explorer.frames.common import make_qk
from explorer.frames.relative import block_means

MAX_LINE_POINTS = LINE_POINTS  # distances per curve (log-spaced beyond it)
COMPARE_THETAS = (1e3, 1e4, 5e5, 1e6)
CURRENT = "current"


def distances(max_distance: int, max_points: int = MAX_LINE_POINTS) -> tuple[np.ndarray, bool]:
    """Integer distances 0..max_distance: all of them, or ≤ max_points log-spaced ones.

    Returns (distances as float64, True when every integer is present).
    """
    max_distance = int(max_distance)
    if max_distance + 1 <= max_points:
        return np.arange(max_distance + 1, dtype=np.float64), True
    logd = np.unique(np.round(np.geomspace(1, max_distance, max_points - 1)))
    return np.concatenate([[0.0], logd]), False


def theta_label(theta: float) -> str:
    return fmt.theta(theta)


@cached
def correlation_grid(cfg: RopeConfig, length: int, offset: int) -> dict:
    """(2/d) Σ cos((m−n)θ_i) over the window: the exact values on the displayed m × n grid (every stride-th
    position: hover and CSV) and the picture drawn, block means over every position (relative.block_means).

    The value depends only on m − n, so the correlation is evaluated once per distinct difference of the grid
    (evenly spaced: rope_core.correlation_on_grid, by angle addition) and placed on the grid.
    """
    idx, stride = sample_axis(length)
    n = len(idx)
    corr = rope_core.correlation_on_grid(cfg, -(n - 1) * float(stride), float(stride), 2 * n - 1,
                                         seq_len=offset + length)
    # grid[i, j] = corr[i − j + n − 1]: row i is the window of the reversed values starting at n − 1 − i
    grid = np.lib.stride_tricks.sliding_window_view(corr[::-1], n)[::-1]
    pos = (offset + idx).astype(np.float64)
    m, k = np.meshgrid(pos, pos, indexing="ij")
    frame = pd.DataFrame({"m": m.ravel(), "n": k.ravel(), "m_minus_n": (m - k).ravel(),
                          "correlation": grid.ravel()})
    # the correlation is the score of a q = k with one unit feature per pair (pair cosines, weight 1 each) over the
    # pairs and the squared attention factor the score carries: block means in O(cells · d) (rope_core.block_means)
    unit = np.zeros(cfg.head_dim)
    unit[rope_core.pair_indices(cfg.rotary_dim, cfg.layout)[:, 0]] = 1.0
    image, block = block_means(unit, unit, cfg, length, offset + length)
    image = image / (cfg.n_pairs * rope_core.attention_factor(cfg, seq_len=offset + length) ** 2)
    return {"frame": frame, "stride": stride, "image": image, "block": block}


def cell_note(block: int, length: int, stride: int) -> list[str]:
    """What a drawn cell of the correlation heatmap is, in lines that fit its square plot."""
    lines = (["Each cell: one query position m and one key position n."] if block == 1 else
             [f"Each cell: the mean over {block} × {block} positions",
              f"(all {length:,} count; a point sample would alias)."])
    if stride > 1:
        lines.append(f"CSV: 1 position in {stride} of each axis, exact values.")
    return lines


def theta_variants(cfg: RopeConfig) -> list[tuple[str, RopeConfig]]:
    """The current config and the same config at each of COMPARE_THETAS (current first, labelled CURRENT: a label
    holding the value would change the chart's spec, and so rebuild the chart, at every move of rope_theta)."""
    out = [(CURRENT, cfg)]
    for theta in COMPARE_THETAS:  # all of them, also one equal to the current (same legend at every rope_theta)
        out.append((theta_label(theta), dataclasses.replace(cfg, rope_theta=float(theta))))
    return out


@cached
def _correlation_curve(cfg: RopeConfig, max_distance: int, context: int) -> np.ndarray:
    """rope_core.correlation at distances(max_distance); cached per config, so that moving rope_theta
    recomputes only the current curve, not the COMPARE_THETAS ones."""
    return rope_core.correlation(cfg, distances(max_distance)[0], seq_len=context)


@cached
def correlation_by_theta(cfg: RopeConfig, max_distance: int, context: int) -> tuple[pd.DataFrame, bool]:
    """Correlation against distance for the current rope_theta and COMPARE_THETAS."""
    deltas, exact = distances(max_distance)
    variants = theta_variants(cfg)
    return pd.DataFrame({
        "rope_theta": np.repeat(np.array([label for label, _ in variants], dtype=object), deltas.size),
        "distance": np.tile(deltas, len(variants)),
        "correlation": np.concatenate([_correlation_curve(c, max_distance, context) for _, c in variants]),
    }), exact


@cached
def roformer_bound(cfg: RopeConfig, max_distance: int, context: int) -> tuple[pd.DataFrame, bool]:
    """RoFormer's (1/(d/2)) Σ_j |S_j| against distance for the current config."""
    deltas, exact = distances(max_distance)
    bound = rope_core.roformer_bound(cfg, deltas, seq_len=context)
    return pd.DataFrame({"distance": deltas, "bound": bound}), exact


@cached
def men_curve(cfg: RopeConfig, max_distance: int) -> dict:
    """B(m) = Σ cos(mθ_i) at the sampled distances, and its first negative m (exact, every integer)."""
    deltas, exact = distances(max_distance)
    b = rope_core.men_b(cfg, deltas)
    return {
        "frame": pd.DataFrame({"m": deltas, "B": b}),
        "exact": exact,
        "first_negative": rope_core.men_first_negative(cfg, int(max_distance) + 1),
        "n_pairs": cfg.n_pairs,
    }


MEN_LIVE_MAX = 2**20  # above this context the exact search is too slow even on request: only rope_core's table is shown
MEN_TABLE_DIMS = rope_core.men_table.ROTARY_DIMS
_MEN_FOUND: dict[tuple[int, int], tuple[float | None, str | None]] = {}  # searches run on request, shared by sessions
_MEN_FOUND_MAX = 512  # a few floats each; the oldest go first
MEN_AUTO_WORK = 2**21  # rotary dim × context up to which the sweep runs unasked (its cost grows with both)


def _men_search(rotary_dim: int, context_length: int) -> tuple[float | None, str | None]:
    try:
        return rope_core.men_min_theta(rotary_dim, context_length), None
    except ValueError as exc:
        return None, str(exc)


def men_min_theta(rotary_dim: int, context_length: int, *, search: bool = False) -> tuple[float | None, str | None] | None:
    """(smallest base with B ≥ 0 for every m < context_length, None), (None, why there is none), or None: not known
    without a long search (off rope_core's table, not searched on this server yet, rotary dim × context above
    MEN_AUTO_WORK) and `search` is false, or the context is above MEN_LIVE_MAX.

    rope_core.men_min_theta: unscaled θᵢ = base^(−2i/d) with d = the rotary dim, exact to 0.1 %. Its table (every
    rotary dim at power-of-two contexts up to 8k, the presets' dims up to 1M) answers at once; elsewhere its exact sweep grows with
    d × context up to minutes, so beyond MEN_AUTO_WORK the page runs it only when asked and keeps the result for
    every session. It depends on the rotary dim and the context only (not on rope_theta or the scaling method).
    There is none when no base up to 1e15 works, e.g. with one pair B(m) = cos(m) is negative at m = 2 for every base.
    """
    key = (int(rotary_dim), int(context_length))
    if key in rope_core.men_table.MIN_THETA:
        return _men_search(*key)
    if key in _MEN_FOUND:
        return _MEN_FOUND[key]
    if key[1] > MEN_LIVE_MAX or not (search or key[0] * key[1] <= MEN_AUTO_WORK):
        return None
    found = _men_search(*key)
    while len(_MEN_FOUND) >= _MEN_FOUND_MAX:
        _MEN_FOUND.pop(next(iter(_MEN_FOUND)))
    _MEN_FOUND[key] = found
    return found


@cached
def random_score(cfg: RopeConfig, max_distance: int, context: int, content: str, seed: int) -> tuple[pd.DataFrame, bool]:
    """⟨RoPE(q, m), RoPE(k, n)⟩ against m − n for the sidebar's q and k (one sample, not an expectation)."""
    q, k = make_qk(cfg.head_dim, content, seed)
    deltas, exact = distances(max_distance)
    g = rope_core.score_vs_distance(q, k, cfg, deltas, seq_len=context)
    return pd.DataFrame({"distance": deltas, "score": g}), exact
