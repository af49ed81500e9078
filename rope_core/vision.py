"""Patch positions of vision encoders with 2-D RoPE (rope_type "axial"): (row, column) on the patch grid.

The frequencies and their split between rows and columns are frequencies.ROPE_INIT_FUNCTIONS["axial"]
and rotation.pair_axes; rope_core.angles / apply_rope take the (L, 2) positions made here.
"""

from __future__ import annotations

import numpy as np

from .fields import check_int


def vision_patch_positions(h: int, w: int, spatial_merge_size: int = 1, t: int = 1) -> np.ndarray:
    """(row, column) of every patch of an h x w grid in a vision encoder's token order, for 2-D RoPE.

    spatial_merge_size 1: row-major (Pixtral). m > 1: block-major over m x m merge blocks, row-major
    inside each block (the Qwen2-VL family's vision towers, whose merger then joins each block);
    t frames repeat the grid.
    Source: transformers 5.25 `vision_utils.get_vision_position_ids`; Pixtral's meshgrid in
    `PixtralTransformer.forward`.
    Returns: (t * h * w, 2) int64.
    """
    m = check_int("spatial_merge_size", spatial_merge_size, 1)
    h, w, t = check_int("h", h, 1), check_int("w", w, 1), check_int("t", t, 1)
    if h % m or w % m:
        raise ValueError(f"the grid ({h} x {w}) must be a multiple of spatial_merge_size = {m} on both sides")
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    block = (h // m, m, w // m, m)
    rows = rows.reshape(block).transpose(0, 2, 1, 3).ravel()
    cols = cols.reshape(block).transpose(0, 2, 1, 3).ravel()
    return np.tile(np.stack([rows, cols], axis=1), (t, 1)).astype(np.int64)
