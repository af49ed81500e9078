"""One-glance facts about a configuration's frequency spectrum (the app's Home page)."""

from __future__ import annotations

import numpy as np

from rope_core.config import RopeConfig
from rope_core.frequencies import attention_factor, inv_freq, wavelengths


def spectrum_summary(config: RopeConfig, context_length: int) -> dict:
    """Pairs, extreme wavelengths and how many pairs turn fully within `context_length` tokens.

    wavelength_i = 2π/θ_i (tokens per full turn of pair i). A pair "completes a full turn" within
    the context when wavelength_i ≤ context_length, i.e. positions 0..L cover every angle.
    θ_i is taken with seq_len = context_length, so dynamic NTK and LongRoPE switch as HF does.
    Returns: dict with pairs, shortest, longest, full_turns, attention_factor.
    """
    theta = inv_freq(config, seq_len=context_length)
    wl = wavelengths(theta)
    return {
        "pairs": int(theta.size),
        "shortest": float(wl.min()),
        "longest": float(wl.max()),
        "full_turns": int(np.sum(wl <= context_length)),
        "attention_factor": float(attention_factor(config, seq_len=context_length)),
    }
