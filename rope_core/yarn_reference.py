"""YaRN where the code and the paper part ways, and the softmax scale of DeepSeek-style (MLA) attention.

frequencies._yarn follows transformers and the official code (jquesnelle/yarn): its ramp is linear in the
pair index between the correction bounds. Peng et al. 2023 (arXiv 2309.00071, Sec. 3.2, "NTK-by-parts")
write the ramp γ as linear in r = L0 / λ_i instead, so the blended pairs get other frequencies.

transformers' MLA models (DeepSeek-V2/V3 and kin) also multiply the softmax scale 1/sqrt(qk_head_dim)
by get_mscale(factor, mscale_all_dim)² (`modeling_rope_utils.yarn_apply_mscale`), on top of the cos/sin
attention factor get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim).
"""

from __future__ import annotations

import math

import numpy as np

from .config import RopeConfig
from .frequencies import default_inv_freq, wavelengths


def paper_inv_freq(config: RopeConfig) -> np.ndarray:
    """θ'_i = (1 − γ_i) θ_i / s + γ_i θ_i with γ_i = clip((r_i − β_slow) / (β_fast − β_slow), 0, 1), r_i = L0 / λ_i.

    Peng et al. 2023 Sec. 3.2 (α = beta_slow, β = beta_fast), L0 = original_context, s = factor, no
    rounding of the bounds. Returns: (rotary_dim // 2,) float64.
    """
    theta = default_inv_freq(config.rotary_dim, config.rope_theta)
    r = config.original_context / wavelengths(theta)
    span = config.beta_fast - config.beta_slow
    if span > 0:
        gamma = np.clip((r - config.beta_slow) / span, 0.0, 1.0)
    else:  # a step at r = beta
        gamma = (r >= config.beta_fast).astype(np.float64)
    return (1.0 - gamma) * theta / config.factor + gamma * theta


def _get_mscale(scale: float, mscale: float) -> float:
    """0.1 · mscale · ln(s) + 1 for s > 1, else 1 (transformers `yarn_get_mscale`)."""
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def mla_softmax_scales(config: RopeConfig, factors) -> np.ndarray:
    """What transformers' MLA attention multiplies its softmax scale by, at each scaling factor s.

    get_mscale(s, mscale_all_dim)² when the config has a scaling method and a non-zero mscale_all_dim,
    else 1 (static NTK is written as plain RoPE, so it has none). Returns: (len(factors),) float64.
    """
    s = np.asarray(factors, dtype=np.float64).reshape(-1)
    if config.rope_type in ("default", "ntk") or not config.mscale_all_dim:
        return np.ones_like(s)
    return np.array([_get_mscale(float(x), config.mscale_all_dim) ** 2 for x in s])


def mla_softmax_scale(config: RopeConfig) -> float:
    """mla_softmax_scales at the config's own factor: (0.1 ln 40 + 1)² = 1.8739 for DeepSeek-V3."""
    return float(mla_softmax_scales(config, [config.factor])[0])
