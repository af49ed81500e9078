"""Frames of the RoPE against sinusoidal page: one token, the same W_Q and W_K, two position encodings."""

from __future__ import annotations

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.diagonals import diagonal_spreads

from explorer import charts
from explorer.cache import cached
from explorer.charts import sample_axis
from explorer.frames.common import make_qk, stack_frames

SCORES = {"additive": "additive sinusoidal PE", "rope": "RoPE"}
TERMS = {
    "content_content": "content · content",
    "content_position": "content · position",
    "position_content": "position · content",
    "position_position": "position · position",
}


@cached
def _weights(head_dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One head's seeded W_Q, W_K (d_model = head_dim); kept while only rope_theta, L or the offset move."""
    w_q, w_k = rope_core.random_projections(np.random.default_rng(seed), 1, head_dim, head_dim)
    return w_q[0], w_k[0]


def _inputs(cfg: RopeConfig, content: str, seed: int):
    """The token x (d_model = head_dim) that sits at every position, and one head's seeded W_Q, W_K."""
    x, _ = make_qk(cfg.head_dim, content, seed)
    return (x, *_weights(cfg.head_dim, seed))


def _grid_frame(grid: dict, values: np.ndarray, name: str) -> pd.DataFrame:
    """m, n, m − n and the values, without copies: the grid arrays are shared by the frames of one call and, like
    the cached values, read-only."""
    return pd.DataFrame({**grid, name: values.ravel()}, copy=False)


@cached
def _scores(cfg: RopeConfig, length: int, offset: int, content: str, seed: int, per_axis: int) -> dict:
    """The (per_axis, per_axis) arrays of rope_core.additive_vs_rope_same_token on the displayed positions, their
    measurements, and without an offset no second computation: at offset 0 the shifted grid is the grid."""
    idx, stride = sample_axis(length, per_axis)
    pos = (offset + idx).astype(np.float64)
    x, w_q, w_k = _inputs(cfg, content, seed)
    # the same token everywhere: additive_vs_rope with x projected once (equal up to rounding)
    res = rope_core.additive_vs_rope_same_token(x, w_q, w_k, cfg, pos)
    res0 = res if offset == 0 else rope_core.additive_vs_rope_same_token(x, w_q, w_k, cfg, idx.astype(np.float64))
    spreads = {key: diagonal_spreads(res[key]) for key in SCORES}
    return {
        "arrays": res, "pos": pos, "spreads": spreads,
        "max_spread": {key: float(spreads[key][1].max()) for key in SCORES},
        "shift_change": {key: float(np.max(np.abs(res[key] - res0[key]))) for key in SCORES},
        "scale": {key: float(np.max(np.abs(res[key]))) for key in (*SCORES, *TERMS)},
        "stride": stride,
    }


def comparison(cfg: RopeConfig, length: int, offset: int, content: str, seed: int, per_axis: int,
               frames: str = "all") -> dict:
    """Scores with additive sinusoidal PE and with RoPE on the displayed grid, and their measurements.

    Returns "scores" {key: frame}, "terms" {key: frame} (the four terms of the additive expansion),
    "spreads" (per-diagonal max − min against m − n, both methods), "max_spread" {key: float},
    "shift_change" {key: max |S(offset + p) − S(p)|}, "scale" {key: max |S|} and "stride".
    frames: which frames to build ("all", a key of SCORES, "terms" or "spreads"); the others are left out (each
    view draws one chart).
    """
    core = _scores(cfg, length, offset, content, seed, per_axis)
    out = {k: core[k] for k in ("max_spread", "shift_change", "scale", "stride")}
    # the frames straight from the cached arrays: building one costs less than a second cached call
    keys = [key for key in SCORES if frames in ("all", key)] + [key for key in TERMS if frames in ("all", "terms")]
    if keys:
        m, n = np.meshgrid(core["pos"], core["pos"], indexing="ij")
        grid = {"m": m.ravel(), "n": n.ravel(), "m_minus_n": (m - n).ravel()}
        for column in grid.values():
            column.flags.writeable = False  # shared by the frames built here: a write raises, never leaks
        built = {key: _grid_frame(grid, core["arrays"][key], "score" if key in SCORES else "term") for key in keys}
    out["scores"] = {key: built[key] for key in SCORES if key in keys}
    out["terms"] = {key: built[key] for key in TERMS if key in keys}
    if frames in ("all", "spreads"):
        out["spreads"] = _spread_frame(core)
    return out


def _spread_frame(core: dict) -> pd.DataFrame:
    """Both methods' spreads against m − n, one frame."""
    parts = [core["spreads"][key] for key in SCORES]
    # one frame from the arrays, the method a categorical (no per-row strings, no concat)
    method = pd.Categorical.from_codes(np.repeat(np.arange(len(parts)), [len(d) for d, _ in parts]),
                                       list(SCORES.values()))
    return pd.DataFrame({"method": method, "m_minus_n": np.concatenate([d for d, _ in parts]) * core["stride"],
                         "spread": np.concatenate([s for _, s in parts])}, copy=False)


@cached
def terms_chart(cfg: RopeConfig, length: int, offset: int, content: str, seed: int,
                per_axis: int) -> tuple[charts.Chart, pd.DataFrame]:
    """The four terms as small multiples, each over its own largest |value|, and their frame (for the CSV).

    Built once per input: no RoPE control moves this view (they are drawn disabled), so its reruns (another
    control, the Download popover) reuse the chart instead of re-stacking and re-colouring four grids."""
    res = comparison(cfg, length, offset, content, seed, per_axis, frames="terms")
    scale, stride = res["scale"], res["stride"]
    panels = [f"{label} (max |term| = {scale[key]:.4g})" for key, label in TERMS.items()]
    parts = [res["terms"][key] for key in TERMS]
    # the panel name as a categorical: no per-row strings to build and serialise
    terms = stack_frames(parts, "panel", panels)
    terms["relative"] = terms["term"] / np.repeat([scale[key] or 1.0 for key in TERMS], [len(f) for f in parts])
    note = charts.downsample_note(stride, length)
    chart = charts.heatmap(
        terms, "n", "m", "relative", step=stride, facet="panel", facet_sort=panels, columns=2, panel=300,
        domain=(-1.0, 1.0), title="The four terms, each over its own largest |value|",
        subtitle=["Colour: term / max |term| of its panel (the maximum is in the panel title); hover: the term itself."]
        + ([note] if note else []),
        x_title="key position n", y_title="query position m", z_title="term / max |term|",
        tooltip=["panel", "m", "n", "m_minus_n", "term"],
    )
    return chart, terms
