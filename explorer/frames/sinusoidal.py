"""Frames of the RoPE against sinusoidal page: one token, the same W_Q and W_K, two position encodings."""

from __future__ import annotations

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.diagonals import diagonal_spreads

from explorer.cache import cached
from explorer.charts import sample_axis
from explorer.frames.common import make_qk

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
    return pd.DataFrame({**grid, name: values.ravel()})


@cached
def comparison(cfg: RopeConfig, length: int, offset: int, content: str, seed: int, per_axis: int) -> dict:
    """Scores with additive sinusoidal PE and with RoPE on the displayed grid, and their measurements.

    Returns "scores" {key: frame}, "terms" {key: frame} (the four terms of the additive expansion),
    "spreads" (per-diagonal max − min against m − n, both methods), "max_spread" {key: float},
    "shift_change" {key: max |S(offset + p) − S(p)|}, "scale" {key: max |S|} and "stride".
    """
    idx, stride = sample_axis(length, per_axis)
    pos = (offset + idx).astype(np.float64)
    x, w_q, w_k = _inputs(cfg, content, seed)
    # the same token everywhere: additive_vs_rope with x projected once (equal up to rounding)
    res = rope_core.additive_vs_rope_same_token(x, w_q, w_k, cfg, pos)
    res0 = rope_core.additive_vs_rope_same_token(x, w_q, w_k, cfg, idx.astype(np.float64))
    m, n = np.meshgrid(pos, pos, indexing="ij")
    grid = {"m": m.ravel(), "n": n.ravel(), "m_minus_n": (m - n).ravel()}
    spreads, max_spread = [], {}
    for key, label in SCORES.items():
        offsets, spread = diagonal_spreads(res[key])
        spreads.append(pd.DataFrame({"method": label, "m_minus_n": offsets * stride, "spread": spread}))
        max_spread[key] = float(spread.max())
    return {
        "scores": {key: _grid_frame(grid, res[key], "score") for key in SCORES},
        "terms": {key: _grid_frame(grid, res[key], "term") for key in TERMS},
        "spreads": pd.concat(spreads, ignore_index=True),
        "max_spread": max_spread,
        "shift_change": {key: float(np.max(np.abs(res[key] - res0[key]))) for key in SCORES},
        "scale": {key: float(np.max(np.abs(res[key]))) for key in (*SCORES, *TERMS)},
        "stride": stride,
    }
