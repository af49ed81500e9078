"""Frames of the Attention patterns page: softmax attention of identical tokens, per head.

Only the displayed query rows are computed (each against every key, as softmax needs). The same token
sits at every position, so each head's logits are g_h(m − n) / sqrt(d): rope_core.same_token_attention
takes g_h once for all 2L − 1 distances and every head, then normalises each displayed row over all
its keys. The keys are aggregated into at most charts.MAX_AXIS bins, and each cell shows the mean weight
per key of its bin that the query may see (bin mass ÷ visible keys): a bin's mass grows with how many of
its keys are unmasked, so at long lengths the diagonal bins (one visible key each) would draw as the
faintest although the most recent keys hold the most attention. The shift check stays naive.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.same_token import same_token_attention, same_token_rows_naive

from explorer.cache import cached
from explorer.charts import MAX_AXIS, MAX_ROWS, sample_axis
from explorer.frames.common import make_qk, positions

COLOR_DOMAIN = (1e-5, 1.0)  # attention weight per key; smaller values share the darkest colour


def cells_per_axis(heads: int) -> int:
    """Cells per axis of each small multiple, so that all heads together stay ≤ MAX_ROWS rows."""
    return max(2, min(MAX_AXIS, math.isqrt(MAX_ROWS // max(1, heads))))


def _inputs(cfg: RopeConfig, content: str, seed: int, heads: int):
    """One token x (d_model = head_dim) repeated at every position, and each head's W_Q, W_K."""
    x, _ = make_qk(cfg.head_dim, content, seed)
    w_q, w_k = rope_core.random_projections(np.random.default_rng(seed), heads, cfg.head_dim, cfg.head_dim)
    return x, w_q, w_k


@cached
def head_vectors(head_dim: int, content: str, seed: int, heads: int) -> tuple[np.ndarray, np.ndarray]:
    """Every head's query and key of the token: q_h = x W_Q[h], k_h = x W_K[h], each (heads, head_dim).

    Drawing the W's is the costly part at head dim 512 and 16 heads (8.4 M normal draws), so it is keyed
    on what they depend on only: moving rope_theta, L, the offset or the scaling reuses them.
    """
    x, w_q, w_k = _inputs(RopeConfig(head_dim=head_dim), content, seed, heads)
    # one (d,) @ (d, d) product per head: quicker than a broadcast (d,) @ (heads, d, d) matmul
    return np.stack([x @ w for w in w_q]), np.stack([x @ w for w in w_k])


def visible_keys(rows_pos: np.ndarray, first: np.ndarray, last: np.ndarray, causal: bool) -> np.ndarray:
    """Keys of bin [first_b, last_b] that the query at rows_pos[r] may see: (rows, bins) int64."""
    top = np.minimum(last[None, :], rows_pos[:, None]) if causal else np.broadcast_to(last, (len(rows_pos), len(last)))
    return np.clip(top - first[None, :] + 1, 0, None).astype(np.int64)


def _frame(heads: int, rows_pos: np.ndarray, first: np.ndarray, last: np.ndarray, mass: np.ndarray,
           causal: bool) -> pd.DataFrame:
    """mass (heads, rows, bins) as one row per head, query row and key bin; attention = mass per visible key."""
    cells = len(rows_pos) * len(first)
    m, n = np.meshgrid(rows_pos, first, indexing="ij")
    keys = visible_keys(rows_pos, first, last, causal)
    # a fully masked bin has mass 0 and no keys: it stays 0 (drawn blank)
    mean = np.divide(mass, keys[None], out=np.zeros_like(mass), where=keys[None] > 0)
    # a categorical: no per-row strings to build, infer, pickle or serialise (Arrow sends a dictionary)
    head = pd.Categorical.from_codes(np.repeat(np.arange(heads), cells), [f"head {h + 1}" for h in range(heads)])
    return pd.DataFrame({"head": head, "m": np.tile(m.ravel(), heads),
                         "n": np.tile(n.ravel(), heads),
                         "n_last": np.tile(np.broadcast_to(last, m.shape).ravel(), heads),
                         "attention": mean.reshape(-1),
                         "keys": np.tile(keys.ravel(), heads),
                         "mass": mass.reshape(-1)}, copy=False)  # fresh arrays: not copied into one block


def attention_view(cfg: RopeConfig, length: int, offset: int, content: str, seed: int, heads: int,
                   causal: bool, per_axis: int, use_rope: bool = True, shown_heads: int | None = None,
                   shift_check: bool = False, frame: bool = True) -> dict:
    """_attention_view, keyed without RoPE on the head dim alone: no rotation reads the rest of the config, so
    moving rope_theta or the scaling leaves the no-RoPE panel cached."""
    if not use_rope:
        cfg = RopeConfig(head_dim=cfg.head_dim)
    return _attention_view(cfg, length, offset, content, seed, heads, causal, per_axis, use_rope, shown_heads,
                           shift_check, frame)


def panels_frame(views: Sequence[dict], column: str, labels: Sequence[str], causal: bool) -> pd.DataFrame:
    """One head's attention_view results on the same rows and bins (each with shown_heads=1), as one frame with
    `column` naming each row's panel (a categorical of `labels`): the frames of the views one below the other
    (explorer.frames.common.stack_frames), built once from their masses rather than built and then copied."""
    rows_pos, first, last, _ = views[0]["parts"]
    mass = np.concatenate([v["parts"][3] for v in views])  # (panels, rows, bins)
    out = _frame(len(views), rows_pos, first, last, mass, causal)
    cells = len(rows_pos) * len(first)
    out["head"] = pd.Categorical.from_codes(np.zeros(len(out), dtype=np.int64), ["head 1"])
    out[column] = pd.Categorical.from_codes(np.repeat(np.arange(len(views)), cells), list(labels))
    return out


@cached
def _attention_view(cfg: RopeConfig, length: int, offset: int, content: str, seed: int, heads: int,
                    causal: bool, per_axis: int, use_rope: bool = True, shown_heads: int | None = None,
                    shift_check: bool = False, frame: bool = True) -> dict:
    """Binned attention of heads 1..shown_heads (default all) at the displayed rows, plus checks.

    The projections are drawn for all `heads`, so head h is the same head whatever shown_heads is.

    Returns "frame" (head, m, n = first key of the bin, n_last, attention = mean weight per visible key of the
    bin, keys = how many keys of the bin the query may see, mass = the bin's total weight),
    "stride" (query rows shown every stride-th position; keys binned by stride), "row_sums"
    (max |Σ_j A[r, j] − 1| over the shown heads and rows, the row's mass summed over its bins), and with
    shift_check "shift_change": max over the shown heads of |A(offset + p) − A(p)|, where the sequence is
    the displayed positions p (every stride-th; all of them up to MAX_AXIS), computed naively (rotate,
    then dot: rope_core.same_token_rows_naive) at both places with the frequencies of
    seq_len = offset + length (None without shift_check). "parts": (query positions, first and last key of each
    bin, mass (shown heads, rows, bins)), for panels_frame; with frame=False, "frame" is None (not built).
    """
    q, k = head_vectors(cfg.head_dim, content, seed, heads)
    shown = heads if shown_heads is None else min(shown_heads, heads)
    q, k = q[:shown], k[:shown]
    idx, stride = sample_axis(length, per_axis)
    pos = positions(offset, length)
    last = np.append(idx[1:], length) - 1  # last key of each bin
    ctx = offset + length
    mass = same_token_attention(q, k, cfg, length, idx, causal=causal, use_rope=use_rope, seq_len=ctx,
                                key_bins=idx)
    row_err = float(np.max(np.abs(mass.sum(axis=2) - 1.0)))
    shift = None
    if shift_check:
        rows = np.arange(len(idx))
        shift = 0.0
        # at offset 0 both places are the same positions: the same computation twice, so the change is exactly 0
        for h in range(shown if offset else 0):
            a = same_token_rows_naive(q[h], k[h], cfg, pos[idx], rows, causal=causal, use_rope=use_rope, seq_len=ctx)
            a0 = same_token_rows_naive(q[h], k[h], cfg, idx.astype(np.float64), rows, causal=causal,
                                       use_rope=use_rope, seq_len=ctx)
            shift = max(shift, float(np.max(np.abs(a - a0))))
    parts = (pos[idx], pos[idx], pos[last], mass)
    return {"frame": _frame(shown, *parts, causal) if frame else None, "stride": stride,
            "row_sums": row_err, "shift_change": shift, "parts": parts}
