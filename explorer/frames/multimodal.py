"""Frames of the Multimodal RoPE page: scores on an image's patch grid, the t/h/w split of the pairs, and the
3-axis position ids of a text + image + text sequence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig

from explorer import controls, fmt
from explorer.cache import cached

EXAMPLE = "Qwen2.5-VL-7B-Instruct"  # the M-RoPE model shown when the sidebar's model has no mrope_section
AXES = ("t", "h", "w")
SECTIONS = ("model", "false", "true")  # the page's mrope_interleaved control: the config's own, or forced
SECTION_LABELS = {"model": "as in the config", "false": "contiguous (Qwen2-VL)", "true": "interleaved (Qwen3-VL)"}


def preset_of(preset: str, pasted: dict | None) -> RopeConfig | None:
    """The chosen preset's own config (or the pasted config.json's), before any sidebar edit; None for custom."""
    if preset == controls.PASTED:
        return pasted["config"] if pasted else None
    name = controls.preset_slugs().get(preset)
    return rope_core.preset_config(name) if name else None


def mrope_config(config: RopeConfig, preset: RopeConfig | None) -> tuple[RopeConfig, str]:
    """The M-RoPE config the page draws, and where it comes from.

    "sidebar": the sidebar's config has an mrope_section; "preset": it has none (e.g. a head dim that no longer fits
    the sections) but the chosen preset or pasted config has; "example": neither has, so EXAMPLE's config.
    """
    if config.mrope_section is not None:
        return config, "sidebar"
    if preset is not None and preset.mrope_section is not None:
        return preset, "preset"
    return rope_core.preset_config(EXAMPLE), "example"


def inert(values: dict, pasted: dict | None) -> dict[str, str]:
    """The sidebar's model controls that cannot change the current view, each with the reason."""
    if values.get("view") == "sequence":
        why = "the position ids of a sequence do not depend on the model's RoPE"
        return {k: why for k in ("preset", *controls.MODEL_KEYS)}
    chosen = preset_of(values.get("preset", "custom"), pasted)
    if chosen is None or chosen.mrope_section is None:
        why = f"this model has no mrope_section, so the page shows {EXAMPLE}'s; choose an M-RoPE model"
        return {k: why for k in controls.MODEL_KEYS}
    try:  # what the sidebar builds from these values on this model (mrope_config's "preset" case otherwise)
        controls.config_from_values(values, chosen)
    except ValueError:
        why = "these values do not fit the model's mrope_section, so the page shows the model's own config"
        return {k: why for k in controls.MODEL_KEYS if k not in ("head_dim", "partial_rotary_factor")}
    return {}


def with_sections(config: RopeConfig, mrope_interleaved: str) -> RopeConfig:
    """config with its sections contiguous ("false"), interleaved ("true") or as they are ("model")."""
    if mrope_interleaved == "model":
        return config
    return dataclasses.replace(config, mrope_interleaved=mrope_interleaved == "true")


def unit_content(head_dim: int) -> np.ndarray:
    """The q (= k) of every patch: all ones, so that every pair weighs the same and only positions differ."""
    return np.ones(head_dim)


def score_formula(cfg: RopeConfig) -> str:
    """What grid_scores computes for this config, written out."""
    af = rope_core.attention_factor(cfg)
    scale = "" if af == 1.0 else f"{af * af:.6g}·"
    rest = cfg.head_dim - cfg.rotary_dim
    tail = f" + {rest} (the features that pass through unrotated)" if rest else ""
    return f"{scale}Σᵢ 2·cos(θᵢ·Δᵢ){tail}"


@cached
def grid_scores(cfg: RopeConfig, rows: int, cols: int, qrow: int, qcol: int) -> pd.DataFrame:
    """⟨RoPE(q, p_query), RoPE(k, p)⟩ for every patch p of a rows × cols image, q = k = unit_content.

    Patch positions are mrope_position_ids of one image: (t, h, w) = (0, row, column); an image later in a
    sequence adds the same start to all three, which no score between two of its patches sees.
    Returns columns row, col, t, h, w, dh, dw (patch − query), score.
    """
    pos, _ = rope_core.mrope_position_ids([("image", 1, rows, cols)], spatial_merge_size=1)
    q = unit_content(cfg.head_dim)
    rq = rope_core.apply_rope(q[None, :], pos[[qrow * cols + qcol]], cfg)[0]
    rk = rope_core.apply_rope(np.broadcast_to(q, (len(pos), cfg.head_dim)), pos, cfg)
    return pd.DataFrame({
        "row": pos[:, 1], "col": pos[:, 2], "t": pos[:, 0], "h": pos[:, 1], "w": pos[:, 2],
        "dh": pos[:, 1] - qrow, "dw": pos[:, 2] - qcol, "score": rk @ rq,
    })


@cached
def sections(cfg: RopeConfig) -> pd.DataFrame:
    """Every rotated pair with the axis it turns with (rope_core.pair_axes) and its θ_i and wavelength 2π/θ_i."""
    theta = rope_core.inv_freq(cfg)
    return pd.DataFrame({
        "pair": np.arange(cfg.n_pairs), "axis": np.array(AXES)[rope_core.pair_axes(cfg)],
        "theta": theta, "wavelength": rope_core.wavelengths(theta),
    })


def section_summary(frame: pd.DataFrame) -> list[str]:
    """One line per axis: how many pairs turn with it and the range of their wavelengths."""
    out = []
    for axis in AXES:
        part = frame[frame["axis"] == axis]
        if part.empty:
            out.append(f"{axis}: no pairs")
            continue
        out.append(f"{axis}: {len(part)} pairs, wavelengths {fmt.tokens(part['wavelength'].min())} to "
                   f"{fmt.tokens(part['wavelength'].max())} tokens")
    return out


def flat_columns_note(cfg: RopeConfig, cols: int) -> str | None:
    """Why the grid barely changes along a row under contiguous sections; None when interleaved, when w has no
    pairs, or when w's angles do swing by a radian or more across the columns (then it is not flat).

    Contiguous sections give w the last mrope_section[2] pairs, the slowest of the head: across the image's
    columns their angles move by at most (cols − 1)·θ of w's fastest pair.
    """
    if cfg.mrope_interleaved:
        return None
    part = sections(cfg)
    w = part[part["axis"] == "w"]
    if w.empty:
        return None
    swing = (cols - 1) * float(w["theta"].max())
    if swing >= 1.0:
        return None
    return (f"Why the grid is nearly flat along the columns: with contiguous sections w turns with the last "
            f"{len(w)} pairs, the slowest of the head (wavelengths {w['wavelength'].min():,.0f} to "
            f"{w['wavelength'].max():,.0f} tokens), so across {cols} columns their angles move by at most "
            f"{swing:.2g} rad. Interleaved sections (`mrope_interleaved`: Qwen3-VL, Qwen3.5; Sections layout "
            "above) give t, h and w fast and slow pairs alike.")


@cached
def sequence(text_before: int, grid_t: int, grid_h: int, grid_w: int, text_after: int,
             spatial_merge_size: int) -> tuple[pd.DataFrame, int]:
    """The (t, h, w) position ids of text_before text tokens, one image of grid (grid_t, grid_h, grid_w) patches
    and text_after text tokens (rope_core.mrope_position_ids), one row per token and axis.

    Returns (columns token, segment, axis, position; rope_delta)."""
    segments = [("text", text_before), ("image", grid_t, grid_h, grid_w), ("text", text_after)]
    pos, delta = rope_core.mrope_position_ids(segments, spatial_merge_size=spatial_merge_size)
    n_image = grid_t * (grid_h // spatial_merge_size) * (grid_w // spatial_merge_size)
    segment = np.repeat(["text before", "image", "text after"], [text_before, n_image, text_after])
    tokens = np.arange(len(pos))
    frame = pd.DataFrame({
        "token": np.tile(tokens, 3), "segment": np.tile(segment, 3), "axis": np.repeat(AXES, len(pos)),
        "position": pos.T.ravel(),
    })
    return frame, delta
