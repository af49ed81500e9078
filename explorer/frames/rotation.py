"""Frames of the Rotation page: one pair of q's features turning in its plane as the position grows.

Every point drawn is an output of rope_core.apply_rope_pairs (RoPE(q, p) at features a_i, b_i: exactly
apply_rope's values there, computed for the drawn pairs only); every angle is rope_core.angles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig

from explorer import fmt
from explorer.cache import cached
from explorer.charts import LINE_POINTS, sample_axis
from explorer.frames.common import make_qk

RING_POINTS = 73  # points on the traced circle and on the swept arc: every 5° looks round, and each point is repainted
# on every slider move
MAX_TOKENS = 48  # token dots per panel; more would hide the arrows
MAX_CURVE = LINE_POINTS  # positions per pair on the angle chart, as every line chart


def highlight_pairs(n_pairs: int) -> list[tuple[int, str]]:
    """A fast, a middle and a slow pair (fewer when there are fewer pairs)."""
    out: dict[int, str] = {}
    for i, speed in ((0, "fast"), (n_pairs - 1, "slow"), (n_pairs // 2, "middle")):
        out.setdefault(i, speed)
    return sorted(out.items())


def curve_pairs(n_pairs: int, pair: int) -> tuple[tuple[int, str], ...]:
    """The highlighted pairs plus the chosen one, for the angle chart."""
    picks = dict(highlight_pairs(n_pairs))
    picks.setdefault(pair, "chosen")
    return tuple(sorted(picks.items()))


def _rotated_pair(cfg: RopeConfig, q: np.ndarray, positions: np.ndarray, pair: int,
                  seq_len: int) -> np.ndarray:
    """(len(positions), 2): features (a_i, b_i) of RoPE(q, p) for every p (apply_rope's values)."""
    x = np.broadcast_to(q, (len(positions), q.size))
    return rope_core.apply_rope_pairs(x, positions, cfg, [pair], seq_len=seq_len)[:, 0, :]


@cached
def pair_plane(cfg: RopeConfig, pair: int, m: int, seq_len: int, content: str, seed: int,
               panel: str) -> dict:
    """One pair's plane: the traced circle, the arc swept from 0 to m, token dots, two arrows.

    Rows (kinds as charts.plane): "ring" = RoPE(q, p) for p over one full wavelength (the circle
    every position lands on); "path" = p from 0 to m (at most one turn); "dot" = integer positions
    0..m (every stride-th); "vector" = positions 0 and m; "text" = the label m·θ_i at the tip of m.
    """
    q, _ = make_qk(cfg.head_dim, content, seed)
    a, b = (int(v) for v in rope_core.pair_indices(cfg.rotary_dim, cfg.layout)[pair])
    theta = float(rope_core.inv_freq(cfg, seq_len)[pair])
    wavelength = float(rope_core.wavelengths(np.array([theta]))[0])
    af = float(rope_core.attention_factor(cfg, seq_len))

    # a pair proportional RoPE leaves unrotated (θ_i = 0) never turns: its "circle" is the point at position 0
    ring_pos = np.linspace(0.0, wavelength, RING_POINTS) if np.isfinite(wavelength) else np.zeros(RING_POINTS)
    arc_pos = np.linspace(0.0, min(float(m), wavelength), RING_POINTS)
    tok, stride = sample_axis(m + 1, MAX_TOKENS)
    tok = np.union1d(tok, [m]).astype(np.float64)
    ends = np.array([0.0, float(m)])

    kinds = ("ring", "path", "dot", "vector")
    parts = (ring_pos, arc_pos, tok, ends)
    pos = np.concatenate(parts)
    # one apply_rope_pairs / angles call for every point (row by row the same values as one call per kind)
    xy = _rotated_pair(cfg, q, pos, pair, seq_len)
    angle = rope_core.angles(cfg, pos, seq_len)[:, pair]
    kind = np.repeat(np.array(kinds, dtype=object), [len(v) for v in parts])
    order = np.concatenate([np.arange(len(v)) for v in parts])
    series = np.full(len(pos), "", dtype=object)
    n_vec = len(ends)
    series[-n_vec:] = np.where(ends == 0, "position 0", f"position m = {m}")
    angle_m = float(angle[-1])  # the tip: the vector at position m
    radius = float(np.hypot(q[a], q[b])) * af
    frame = pd.DataFrame({
        "panel": panel, "pair": pair,
        "kind": np.append(kind, "text"),
        "position": np.append(pos, float(m)),
        "x": np.append(xy[:, 0], xy[-1, 0] * 1.22),
        "y": np.append(xy[:, 1], xy[-1, 1] * 1.22),
        "order": np.append(order, 0),
        "angle_rad": np.append(angle, angle_m),
        "turns": np.append(angle / (2 * np.pi), angle_m / (2 * np.pi)),
        "series": np.append(series, ""),
        "text": np.append(np.full(len(pos), "", dtype=object), f"m·θ_{pair} = {fmt.plain(angle_m)} rad"),
    })
    return {
        "frame": frame, "a": a, "b": b, "theta": theta, "wavelength": wavelength, "angle": angle_m,
        "turns": angle_m / (2 * np.pi), "radius": radius, "q_norm": float(np.hypot(q[a], q[b])),
        "attention_factor": af, "token_stride": stride,
    }


@cached
def angle_curves(cfg: RopeConfig, pairs: tuple[tuple[int, str], ...], length: int, seq_len: int,
                 content: str, seed: int) -> tuple[pd.DataFrame, int]:
    """Angle of each listed pair at positions 0..length−1 (at most MAX_CURVE of them).

    "angle_rad" is m·θ_i from rope_core.angles (unwrapped). "wrapped_rad" is measured: the signed
    angle from (q_a, q_b) to RoPE(q, m)'s (a_i, b_i), in (−π, π], read off apply_rope_pairs' output
    (apply_rope's values at those features).
    """
    q, _ = make_qk(cfg.head_dim, content, seed)
    idx, stride = sample_axis(length, MAX_CURVE)
    pos = idx.astype(np.float64)
    phi = rope_core.angles(cfg, pos, seq_len)
    ab = rope_core.pair_indices(cfg.rotary_dim, cfg.layout)
    x = np.broadcast_to(q, (len(pos), q.size))
    out = rope_core.apply_rope_pairs(x, pos, cfg, [pair for pair, _ in pairs], seq_len=seq_len)
    chosen = [pair for pair, _ in pairs]
    qa, qb = q[ab[chosen, 0]], q[ab[chosen, 1]]
    ya, yb = out[:, :, 0], out[:, :, 1]  # (positions, pairs)
    wrapped = np.arctan2(qa * yb - qb * ya, qa * ya + qb * yb)
    angle = phi[:, chosen]
    # one frame, pair after pair (columns of the (positions, pairs) arrays, transposed); the pair's name a
    # categorical (no per-row strings to build and serialise), the arrays new (no copy)
    labels = pd.Categorical.from_codes(np.repeat(np.arange(len(pairs)), len(pos)),
                                       [f"pair {pair} ({speed})" for pair, speed in pairs])
    return pd.DataFrame({
        "pair": labels, "position": np.tile(pos, len(pairs)), "angle_rad": angle.T.ravel(),
        "wrapped_rad": wrapped.T.ravel(), "turns": (angle / (2 * np.pi)).T.ravel(),
    }, copy=False), stride


def small_multiples(cfg: RopeConfig, m: int, seq_len: int, content: str, seed: int) -> tuple[pd.DataFrame, list[dict]]:
    """pair_plane for the fast, middle and slow pairs: one frame, and each plane's numbers."""
    planes = []
    for pair, speed in highlight_pairs(cfg.n_pairs):
        plane = dict(pair_plane(cfg, pair, m, seq_len, content, seed, f"pair {pair} ({speed})"))
        plane.update(pair=pair, speed=speed, panel=f"pair {pair} ({speed})")
        planes.append(plane)
    return pd.concat([pl["frame"] for pl in planes], ignore_index=True), planes
