"""Frames of the Frequencies page: θ_i, wavelengths and turns within the context, per pair."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.extension import unscaled
from rope_core.spectrum import spectrum_summary

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


def _columns(cfg: RopeConfig, context: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """θ_i, 2π/θ_i and the turns a pair has swept at position `context`."""
    theta = rope_core.inv_freq(cfg, seq_len=context)
    turns = rope_core.angles(cfg, [context], seq_len=context)[0] / (2 * np.pi)
    return theta, rope_core.wavelengths(theta), turns


def curve_names(cfg: RopeConfig) -> list[str]:
    """spectrum()'s curves in drawing order: the original, then the scaled frequencies when a method is on."""
    return [original_label(cfg), scaled_label(cfg)] if is_scaled(cfg) else [original_label(cfg)]


@functools.lru_cache(maxsize=64)
def _names(labels: tuple[str, ...]) -> pd.CategoricalDtype:
    """The curve names as a categorical dtype, in drawing order: built (and validated) once per set of names."""
    return pd.CategoricalDtype(list(labels))


def spectrum(cfg: RopeConfig, context: int) -> pd.DataFrame:
    """One row per pair (and per original/scaled when a method is on): θ_i, 2π/θ_i, turns in the context.
    The original is extension.unscaled(cfg): plain RoPE, or for "proportional" its own frequencies at factor 1.

    θ_i comes from rope_core.inv_freq with seq_len = context (what dynamic NTK and LongRoPE see).
    The curve names are a categorical in drawing order (original first): each name is stored and sent once.
    Not cached: a few numpy operations on at most 2 × 256 pairs cost less than a cache lookup, and every slider
    of the model changes the config (a cache would miss on each move).
    """
    curves = list(zip([unscaled(cfg), cfg] if is_scaled(cfg) else [cfg], curve_names(cfg)))
    columns = [_columns(c, context) for c, _ in curves]
    sizes = [theta.size for theta, _, _ in columns]
    theta, wavelength, turns = (np.concatenate(c) for c in zip(*columns))
    return pd.DataFrame({
        "frequencies": pd.Categorical.from_codes(np.repeat(np.arange(len(curves), dtype=np.int8), sizes),
                                                 dtype=_names(tuple(label for _, label in curves))),
        "pair": np.concatenate([np.arange(n) for n in sizes]), "theta": theta, "wavelength": wavelength,
        "turns": turns, "full_turn": turns >= 1.0,
    })


def summary(cfg: RopeConfig, context: int) -> dict:
    """rope_core's spectrum summary: a few numpy operations, cheaper than a cache lookup."""
    return spectrum_summary(cfg, context)
