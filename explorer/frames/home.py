"""Numbers of the Home page."""

from __future__ import annotations

import numpy as np

import rope_core
from rope_core import RopeConfig
from rope_core.extension import unscaled

from explorer.cache import cached


@cached
def summary(cfg: RopeConfig, context: int) -> dict:
    """rope_core.spectrum_summary at the target context, plus the mean wavelength stretch θ_i / θ'_i over pairs
    (1 without scaling): one figure that every scaling parameter moves."""
    out = dict(rope_core.spectrum_summary(cfg, context))
    trained = rope_core.inv_freq(unscaled(cfg))  # the model without scaling: proportional's own at factor 1
    scaled = rope_core.inv_freq(cfg, seq_len=context)
    turning = scaled > 0  # proportional RoPE's unrotated pairs have frequency 0: no wavelength to stretch
    out["mean_stretch"] = float(np.mean(trained[turning] / scaled[turning]))
    out["rotating"] = int(np.count_nonzero(turning))
    out["longest_turning"] = float(rope_core.wavelengths(scaled[turning]).max())
    return out
