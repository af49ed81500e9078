"""Frames of the Attention patterns page: softmax attention of identical tokens, per head.

Only the displayed query rows are computed (each against every key, as softmax needs), one head
at a time; the keys are then aggregated into at most charts.MAX_AXIS bins, each cell holding the
attention mass of its bin, so a row of cells still sums to 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.attention_rows import attention_rows

from explorer.cache import cached
from explorer.charts import MAX_AXIS, MAX_ROWS, sample_axis
from explorer.frames.common import make_qk, positions


def cells_per_axis(heads: int) -> int:
    """Cells per axis of each small multiple, so that all heads together stay ≤ MAX_ROWS rows."""
    return max(2, min(MAX_AXIS, math.isqrt(MAX_ROWS // max(1, heads))))


def _inputs(cfg: RopeConfig, content: str, seed: int, heads: int):
    """One token x (d_model = head_dim) repeated at every position, and each head's W_Q, W_K."""
    x, _ = make_qk(cfg.head_dim, content, seed)
    w_q, w_k = rope_core.random_projections(np.random.default_rng(seed), heads, cfg.head_dim, cfg.head_dim)
    return x, w_q, w_k


def _binned(a: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum each row of a over the key bins [starts[j], starts[j+1])."""
    return np.add.reduceat(a, starts, axis=1)


def _frame(head: int, rows_pos: np.ndarray, first: np.ndarray, last: np.ndarray, mass: np.ndarray) -> pd.DataFrame:
    m, n = np.meshgrid(rows_pos, first, indexing="ij")
    return pd.DataFrame({"head": f"head {head + 1}", "m": m.ravel(), "n": n.ravel(),
                         "n_last": np.broadcast_to(last, m.shape).ravel(), "attention": mass.ravel()})


@cached
def attention_view(cfg: RopeConfig, length: int, offset: int, content: str, seed: int, heads: int,
                   causal: bool, per_axis: int, use_rope: bool = True, shown_heads: int | None = None,
                   shift_check: bool = False) -> dict:
    """Binned attention of heads 1..shown_heads (default all) at the displayed rows, plus checks.

    The projections are drawn for all `heads`, so head h is the same head whatever shown_heads is.

    Returns "frame" (head, m, n = first key of the bin, n_last, attention = mass of the bin),
    "stride" (query rows shown every stride-th position; keys binned by stride), "row_sums"
    (max |Σ_j A[r, j] − 1| before binning), and with shift_check "shift_change": max over the shown
    heads and displayed rows of |A(offset + positions) − A(positions)|, both with the frequencies of
    seq_len = offset + length (None without shift_check: it doubles the work).
    """
    x, w_q, w_k = _inputs(cfg, content, seed, heads)
    idx, stride = sample_axis(length, per_axis)
    pos = positions(offset, length)
    pos0 = positions(0, length)
    last = np.append(idx[1:], length) - 1  # last key of each bin
    ctx = offset + length
    frames, row_err, shift = [], 0.0, (0.0 if shift_check else None)
    for h in range(heads if shown_heads is None else min(shown_heads, heads)):  # one head at a time keeps memory at (rows, L)
        a = attention_rows(x, w_q[h], w_k[h], cfg, pos, idx, causal=causal, use_rope=use_rope, seq_len=ctx)
        row_err = max(row_err, float(np.max(np.abs(a.sum(axis=1) - 1.0))))
        if shift_check:
            a0 = attention_rows(x, w_q[h], w_k[h], cfg, pos0, idx, causal=causal, use_rope=use_rope, seq_len=ctx)
            shift = max(shift, float(np.max(np.abs(a - a0))))
        frames.append(_frame(h, pos[idx], pos[idx], pos[last], _binned(a, idx)))
    return {"frame": pd.concat(frames, ignore_index=True), "stride": stride,
            "row_sums": row_err, "shift_change": shift}
