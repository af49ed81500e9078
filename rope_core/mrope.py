"""Multimodal RoPE position ids: numbering text, image grids and video frames in 3 axes (t, h, w).

Text tokens count 0, 1, 2, ... on all three axes (so M-RoPE on text is plain RoPE). An image or a video
placed at position s gets t = s + temporal index (times an interval for Qwen2.5-VL videos), h = s + row,
w = s + column on the merged patch grid; the text after it resumes at s + max(rows, columns).
The resulting (L, 3) array is what rope_core.angles / apply_rope take for a config with mrope_section.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .fields import check_finite, check_int

SEGMENT_KINDS = ("text", "image", "video")


def mrope_position_ids(
    segments: Sequence[tuple],
    spatial_merge_size: int = 2,
    tokens_per_second: float | None = None,
) -> tuple[np.ndarray, int]:
    """3-axis position ids of a sequence, as Qwen2-VL / Qwen2.5-VL's `get_rope_index` number it.

    segments, in sequence order:
        ("text", n)                                  n text tokens
        ("image", t, h, w)                           an image's patch grid (grid_thw, before the merge)
        ("video", t, h, w[, second_per_grid_t])      a video's grid; second_per_grid_t defaults to 1.0
    A vision segment yields (t/1) x (h/m) x (w/m) tokens, m = spatial_merge_size, in (t, row, column) order.
    Temporal index k of a video maps to floor(k * interval):
        tokens_per_second None: interval 1 (Qwen2-VL; also Qwen3-VL, whose processor splits a video into
            one-frame grids with timestamp text between them; give those as separate segments);
        else interval = tokens_per_second * second_per_grid_t (Qwen2.5-VL's absolute-time alignment;
            vision_config.tokens_per_second). Images always use interval 1.
    Source: transformers 5.25 `Qwen2_5_VLModel.get_rope_index` / `get_vision_position_ids`
    (Qwen2VLModel's equivalents for tokens_per_second None).
    Returns:
        positions: (L, 3) int64, columns t, h, w;
        rope_delta: max(positions) + 1 - L, what generation adds to the next text positions.
    Raises: ValueError naming the segment and field.
    """
    m = check_int("spatial_merge_size", spatial_merge_size, 1)
    if tokens_per_second is not None:
        tokens_per_second = check_finite("tokens_per_second", tokens_per_second)
        if tokens_per_second < 0:
            raise ValueError(f"tokens_per_second must be >= 0, got {tokens_per_second}")
    blocks: list[np.ndarray] = []
    current = 0
    for k, segment in enumerate(segments):
        kind, fields = _parse_segment(k, segment, m)
        if kind == "text":
            (n,) = fields
            blocks.append(np.repeat(np.arange(current, current + n, dtype=np.int64)[:, None], 3, axis=1))
            current += n
            continue
        t, h, w, seconds = fields
        interval = 1.0 if kind == "image" or tokens_per_second is None else tokens_per_second * seconds
        temporal = np.array([math.floor(i * interval) for i in range(t)], dtype=np.int64)
        tt, hh, ww = np.meshgrid(temporal, np.arange(h // m), np.arange(w // m), indexing="ij")
        blocks.append(np.stack([tt.ravel(), hh.ravel(), ww.ravel()], axis=1).astype(np.int64) + current)
        current += max(h, w) // m
    positions = np.concatenate(blocks, axis=0) if blocks else np.zeros((0, 3), dtype=np.int64)
    rope_delta = int(positions.max()) + 1 - len(positions) if len(positions) else 0
    return positions, rope_delta


def _parse_segment(k: int, segment, m: int) -> tuple[str, tuple]:
    if not isinstance(segment, (tuple, list)) or not segment or segment[0] not in SEGMENT_KINDS:
        raise ValueError(f"segments[{k}] must start with one of {', '.join(SEGMENT_KINDS)}, got {segment!r}")
    kind, *rest = segment
    if kind == "text":
        if len(rest) != 1:
            raise ValueError(f"segments[{k}] must be ('text', n), got {segment!r}")
        return kind, (check_int(f"segments[{k}] text length", rest[0], 0),)
    if len(rest) not in (3, 4) or (kind == "image" and len(rest) != 3):
        form = "('image', t, h, w)" if kind == "image" else "('video', t, h, w[, second_per_grid_t])"
        raise ValueError(f"segments[{k}] must be {form}, got {segment!r}")
    t, h, w = (check_int(f"segments[{k}] grid {name}", v, 1) for name, v in zip("thw", rest[:3]))
    for name, v in (("h", h), ("w", w)):
        if v % m:
            raise ValueError(f"segments[{k}] grid {name} = {v} must be a multiple of spatial_merge_size = {m}")
    seconds = check_finite(f"segments[{k}] second_per_grid_t", rest[3]) if len(rest) == 4 else 1.0
    if seconds < 0:
        raise ValueError(f"segments[{k}] second_per_grid_t must be >= 0, got {seconds}")
    return kind, (t, h, w, seconds)

