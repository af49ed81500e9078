"""Frames of the Frequencies page: θ_i, wavelengths and turns within the context, per pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.extension import unscaled
from rope_core.spectrum import spectrum_summary

from explorer.cache import cached
from explorer.fmt import ROPE_TYPE_LABELS

ORIGINAL = ROPE_TYPE_LABELS["default"]


def scaled_label(cfg: RopeConfig) -> str:
    return f"scaled: {cfg.rope_type}"


def _rows(cfg: RopeConfig, context: int, label: str) -> pd.DataFrame:
    theta = rope_core.inv_freq(cfg, seq_len=context)
    wavelength = rope_core.wavelengths(theta)
    # the angle a pair has swept at position `context`, in turns
    turns = rope_core.angles(cfg, [context], seq_len=context)[0] / (2 * np.pi)
    return pd.DataFrame({
        "frequencies": label, "pair": np.arange(theta.size), "theta": theta, "wavelength": wavelength,
        "turns": turns, "full_turn": turns >= 1.0,
    })


@cached
def spectrum(cfg: RopeConfig, context: int) -> pd.DataFrame:
    """One row per pair (and per original/scaled when a method is on): θ_i, 2π/θ_i, turns in the context.

    θ_i comes from rope_core.inv_freq with seq_len = context (what dynamic NTK and LongRoPE see).
    """
    if cfg.rope_type == "default":
        return _rows(cfg, context, ORIGINAL)
    return pd.concat([_rows(unscaled(cfg), context, ORIGINAL), _rows(cfg, context, scaled_label(cfg))],
                     ignore_index=True)


@cached
def summary(cfg: RopeConfig, context: int) -> dict:
    return spectrum_summary(cfg, context)
