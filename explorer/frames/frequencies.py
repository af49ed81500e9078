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


def original_label(cfg: RopeConfig) -> str:
    """The name of the model's frequencies without scaling: plain RoPE, or proportional's own at factor 1."""
    kind = unscaled(cfg).rope_type
    if kind == "proportional":
        return f"{ROPE_TYPE_LABELS[kind]}, factor 1"
    return ROPE_TYPE_LABELS.get(kind, kind)  # "default (no scaling)"; a vision tower's "axial" has no label


def is_scaled(cfg: RopeConfig) -> bool:
    """Whether the config's frequencies differ from the model's without scaling (a second curve is drawn)."""
    return cfg.rope_type != unscaled(cfg).rope_type or cfg.factor != 1.0


def scaled_label(cfg: RopeConfig) -> str:
    return f"scaled: {cfg.rope_type}"


def still_pairs(cfg: RopeConfig) -> str | None:
    """A note on the pairs at frequency 0 (proportional's unrotated pairs), which a log axis cannot show."""
    theta = rope_core.inv_freq(cfg)
    still = int(np.count_nonzero(theta == 0))
    if not still:
        return None
    return (f"Pairs {theta.size - still} … {theta.size - 1} ({still} of {theta.size}) have θ_i = 0: they do not rotate "
            "(wavelength ∞), so the log axis leaves them off (the CSV keeps them).")


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
    The original is extension.unscaled(cfg): plain RoPE, or for "proportional" its own frequencies at factor 1.

    θ_i comes from rope_core.inv_freq with seq_len = context (what dynamic NTK and LongRoPE see).
    """
    if not is_scaled(cfg):
        return _rows(cfg, context, original_label(cfg))
    return pd.concat([_rows(unscaled(cfg), context, original_label(cfg)), _rows(cfg, context, scaled_label(cfg))],
                     ignore_index=True)


@cached
def summary(cfg: RopeConfig, context: int) -> dict:
    return spectrum_summary(cfg, context)
