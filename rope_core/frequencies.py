"""Per-pair angular frequencies theta_i and the cos/sin attention factor, for every scaling method.

A registry as in transformers 5.x `src/transformers/modeling_rope_utils.py` (`ROPE_INIT_FUNCTIONS`):
each method is one function `(config, seq_len) -> (inv_freq, attention_factor)` citing its
source. transformers computes in float32; here everything is float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .config import RopeConfig


def default_inv_freq(rotary_dim: int, rope_theta: float) -> np.ndarray:
    """theta_i = rope_theta ** (-2i / d), i = 0 .. d/2 - 1.

    Source: RoFormer (arXiv 2104.09864) Eq. 15; transformers `compute_default_rope_parameters`.
    Returns: (rotary_dim // 2,) float64.
    """
    exponents = np.arange(0, rotary_dim, 2, dtype=np.float64) / rotary_dim
    return 1.0 / (float(rope_theta) ** exponents)


def wavelengths(inv_freq: np.ndarray) -> np.ndarray:
    """lambda_i = 2*pi / theta_i, the number of positions for pair i to turn once (inf where theta_i = 0,
    proportional RoPE's unrotated pairs). Shape as inv_freq."""
    with np.errstate(divide="ignore"):
        return 2.0 * np.pi / np.asarray(inv_freq, dtype=np.float64)


def _default(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """Plain RoPE. Source: RoFormer Eq. 15; transformers `compute_default_rope_parameters`."""
    return default_inv_freq(config.rotary_dim, config.rope_theta), 1.0


def _linear(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """Position interpolation: theta_i / factor (same as dividing positions by factor).

    Source: Chen et al. 2023 (arXiv 2306.15595), kaiokendev; transformers
    `_compute_linear_scaling_rope_parameters`.
    """
    return default_inv_freq(config.rotary_dim, config.rope_theta) / config.factor, 1.0


def ntk_base(config: RopeConfig, seq_len: int | None = None) -> float:
    """The enlarged base theta' of the NTK-aware methods (rope_theta for every other type).

    "ntk" (static): theta' = rope_theta * factor ** (d / (d - 2)), factor = alpha.
        Source: bloc97's NTK-aware post; jquesnelle/yarn `LlamaNTKScaledRotaryEmbedding`;
        transformers commit 0044e3b `_compute_ntk_parameters`.
    "dynamic": L = max(seq_len, max_position_embeddings) (seq_len None -> max_position_embeddings),
        theta' = rope_theta * (factor * L / max_position_embeddings - (factor - 1)) ** (d / (d - 2)).
        Source: transformers `_compute_dynamic_ntk_parameters`, which uses max_position_embeddings
        (not original_max_position_embeddings); so do we.
    d = rotary_dim.
    """
    d = config.rotary_dim
    if config.rope_type == "ntk":
        return config.rope_theta * config.factor ** (d / (d - 2))
    if config.rope_type == "dynamic":
        max_pos = config.max_position_embeddings
        length = max_pos if seq_len is None else max(seq_len, max_pos)
        return config.rope_theta * (config.factor * length / max_pos - (config.factor - 1)) ** (d / (d - 2))
    return config.rope_theta


def _ntk(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """Static NTK-aware scaling: default frequencies with base ntk_base(config). Source: see ntk_base."""
    return default_inv_freq(config.rotary_dim, ntk_base(config)), 1.0


def _dynamic(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """Dynamic NTK: default frequencies with base ntk_base(config, seq_len).

    Source: transformers `_compute_dynamic_ntk_parameters` (emozilla / bloc97). transformers
    caches: it recomputes when max(position_ids)+1 grows past the cache and resets below the
    original length. This function is the stateless value at one seq_len.
    """
    return default_inv_freq(config.rotary_dim, ntk_base(config, seq_len)), 1.0


def _find_correction_dim(num_rotations: float, dim: int, base: float, length: int) -> float:
    """Pair index (in units of dim) whose wavelength fits `num_rotations` turns in `length` positions.

    d * ln(L / (2*pi*r)) / (2 ln base). Source: jquesnelle/yarn; transformers `find_correction_dim`.
    """
    return (dim * math.log(length / (num_rotations * 2 * math.pi))) / (2 * math.log(base))


def yarn_correction_range(config: RopeConfig) -> tuple[float, float]:
    """YaRN's ramp bounds (low, high) in pair index.

    low = floor(corr(beta_fast)), high = ceil(corr(beta_slow)) (no rounding if truncate is False),
    then clipped to [0, d - 1], with corr(r) = d ln(L / (2 pi r)) / (2 ln rope_theta),
    L = original_context, d = rotary_dim.
    Source: transformers 5.x `_compute_yarn_parameters.find_correction_range` (clips with dim-1,
    not d/2-1; kept as is).
    """
    d, base, length = config.rotary_dim, config.rope_theta, config.original_context
    low = _find_correction_dim(config.beta_fast, d, base, length)
    high = _find_correction_dim(config.beta_slow, d, base, length)
    if config.truncate:
        low, high = math.floor(low), math.ceil(high)
    return max(low, 0), min(high, d - 1)


def _yarn_mscale(scale: float, mscale: float = 1.0) -> float:
    """0.1 * mscale * ln(s) + 1 for s > 1, else 1. Source: YaRN Eq. 27 (errata); transformers `get_mscale`."""
    if scale <= 1:
        return 1.0
    return 0.1 * mscale * math.log(scale) + 1.0


def _yarn(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """YaRN ("NTK-by-parts" frequency blend + attention temperature).

    ramp_i = clip((i - low) / (high - low), 0, 1), i = 0 .. d/2 - 1 (high += 0.001 if low == high);
    theta'_i = theta_i / factor * ramp_i + theta_i * (1 - ramp_i).
    attention_factor: the explicit value if given; else if mscale and mscale_all_dim are both
    non-zero, get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim); else
    get_mscale(factor) = 0.1 ln(factor) + 1 (a lone mscale is ignored, as in transformers).
    L = original_context and factor = config.factor, as transformers 5.x does (v4.5x overwrote
    factor with max_position_embeddings / original, bug #38224).
    Source: Peng et al. 2023 (arXiv 2309.00071); transformers 5.x `_compute_yarn_parameters`.
    """
    d = config.rotary_dim
    inv_freq_extrapolation = default_inv_freq(d, config.rope_theta)
    inv_freq_interpolation = inv_freq_extrapolation / config.factor
    low, high = yarn_correction_range(config)
    if low == high:
        high += 0.001  # transformers: "Prevent singularity"
    ramp = np.clip((np.arange(d // 2, dtype=np.float64) - low) / (high - low), 0.0, 1.0)
    extrapolation_weight = 1.0 - ramp
    inv_freq = inv_freq_interpolation * (1 - extrapolation_weight) + inv_freq_extrapolation * extrapolation_weight

    return inv_freq, _yarn_attention_factor(config, config.factor)


def _yarn_attention_factor(config: RopeConfig, scale: float) -> float:
    if config.attention_factor is not None:
        factor = config.attention_factor
    elif config.mscale and config.mscale_all_dim:
        factor = _yarn_mscale(scale, config.mscale) / _yarn_mscale(scale, config.mscale_all_dim)
    else:
        factor = _yarn_mscale(scale)
    return float(factor)


def yarn_attention_factors(config: RopeConfig, factors) -> np.ndarray:
    """YaRN's attention factor at each scaling factor s in `factors`, every other field from `config`.

    Equals attention_factor(dataclasses.replace(config, rope_type="yarn", factor=s)) for every s >= 1
    (see _yarn: the explicit attention_factor, else the mscale ratio, else 0.1 ln(s) + 1), without
    building a config and its frequencies per s.
    Returns: (len(factors),) float64.
    """
    return np.array([_yarn_attention_factor(config, float(s)) for s in np.asarray(factors, dtype=np.float64).reshape(-1)],
                    dtype=np.float64)


def _llama3(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """Llama 3.1 wavelength-banded scaling.

    With L0 = original_context, lambda_i = 2 pi / theta_i:
      lambda_i < L0 / high_freq_factor   -> theta_i                      (high frequencies kept)
      lambda_i > L0 / low_freq_factor    -> theta_i / factor             (low frequencies interpolated)
      otherwise (bounds inclusive)       -> (1 - s) theta_i / factor + s theta_i,
                                            s = (L0 / lambda_i - low_freq_factor) / (high_freq_factor - low_freq_factor)
    high_freq_factor == low_freq_factor (Llama 4 Scout) leaves only the first two bands: a hard step.
    Source: meta-llama/llama-models `apply_scaling`; transformers `_compute_llama3_parameters`.
    """
    inv_freq = default_inv_freq(config.rotary_dim, config.rope_theta)
    old_context = config.original_context
    low_freq_wavelen = old_context / config.low_freq_factor
    high_freq_wavelen = old_context / config.high_freq_factor
    wavelen = wavelengths(inv_freq)
    scaled = np.where(wavelen > low_freq_wavelen, inv_freq / config.factor, inv_freq)
    is_medium = ~(wavelen < high_freq_wavelen) & ~(wavelen > low_freq_wavelen)
    if config.high_freq_factor == config.low_freq_factor:
        # Llama 4 Scout: the medium band is the single wavelength L0 / low_freq_factor, where transformers'
        # smoothing divides 0 by 0; no real frequency lands there, so the band is left empty.
        return scaled, 1.0
    smooth = (old_context / wavelen - config.low_freq_factor) / (config.high_freq_factor - config.low_freq_factor)
    smoothed = (1 - smooth) * scaled / config.factor + smooth * scaled
    return np.where(is_medium, smoothed, scaled), 1.0


def _longrope(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """LongRoPE (Phi-3): theta'_i = theta_i / ext_i with searched per-pair factors.

    ext = long_factor if seq_len > original_context else short_factor (seq_len None -> short,
    the value transformers builds at init; its forward switches on max(position_ids) + 1).
    attention_factor: the explicit value, else sqrt(1 + ln(factor) / ln(original_context)) for
    factor > 1, else 1. from_hf_config sets factor = max_position_embeddings / original when the
    config has no `factor` (Phi-3), as transformers does.
    Source: Ding et al. 2024 (arXiv 2402.13753); transformers `_compute_longrope_parameters`.
    """
    original = config.original_context
    if seq_len is not None and seq_len > original:
        ext = np.asarray(config.long_factor, dtype=np.float64)
    else:
        ext = np.asarray(config.short_factor, dtype=np.float64)
    inv_freq = default_inv_freq(config.rotary_dim, config.rope_theta) / ext
    if config.attention_factor is not None:
        factor = config.attention_factor
    elif config.factor <= 1.0:
        factor = 1.0
    else:
        factor = math.sqrt(1 + math.log(config.factor) / math.log(original))
    return inv_freq, float(factor)


def _proportional(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """p-RoPE (Gemma 4's full-attention layers, LFM3): a fraction of the pairs rotate, the rest carry position 0.

    n_rot = int(partial_rotary_factor * head_dim // 2);
    theta_i = rope_theta ** (-2i / head_dim) / factor for i < n_rot (exponent over the FULL head_dim),
    theta_i = 0 for n_rot <= i < head_dim / 2 (cos 1, sin 0: those pairs pass through);
    attention factor 1. The frequencies cover the whole head (rotary_dim = head_dim).
    Source: Barbero et al. 2024 (arXiv 2410.06205); transformers 5.25 `_compute_proportional_rope_parameters`.
    """
    head_dim = config.head_dim
    n_rot = int(config.partial_rotary_factor * head_dim // 2)
    inv = np.zeros(head_dim // 2, dtype=np.float64)
    inv[:n_rot] = 1.0 / config.rope_theta ** (np.arange(0, 2 * n_rot, 2, dtype=np.float64) / head_dim)
    return inv / config.factor, 1.0


def _axial(config: RopeConfig, seq_len: int | None) -> tuple[np.ndarray, float]:
    """2-D RoPE of a vision encoder, in pair order: the first head_dim/4 pairs turn with the patch row,
    the last head_dim/4 with the column (rotation.pair_axes).

    "alternate" (Pixtral): theta = rope_theta ** (-2i / head_dim), i < head_dim/2, reordered as
        [theta_0, theta_2, theta_4, ... | theta_1, theta_3, ...]: rows take the even i, columns the odd i.
        Source: transformers 5.25 `PixtralVisionRotaryEmbedding.compute_axial_rope_parameters`.
    "shared" (Qwen2-VL, Qwen2.5-VL, Qwen3-VL vision towers): theta_j = rope_theta ** (-2j / (head_dim/2)),
        j < head_dim/4, the same set for rows and columns.
        Source: transformers 5.25 `Qwen2VLVisionRotaryEmbedding.compute_axial_rope_parameters`.
    attention factor 1.
    """
    if config.axial_split == "alternate":
        inv = default_inv_freq(config.head_dim, config.rope_theta)
        return np.concatenate([inv[0::2], inv[1::2]]), 1.0
    inv = default_inv_freq(config.head_dim // 2, config.rope_theta)
    return np.concatenate([inv, inv]), 1.0


ROPE_INIT_FUNCTIONS: dict[str, Callable[[RopeConfig, int | None], tuple[np.ndarray, float]]] = {
    "default": _default,
    "linear": _linear,
    "ntk": _ntk,
    "dynamic": _dynamic,
    "yarn": _yarn,
    "llama3": _llama3,
    "longrope": _longrope,
    "proportional": _proportional,
    "axial": _axial,
}


def inv_freq(config: RopeConfig, seq_len: int | None = None) -> np.ndarray:
    """theta_i for the config's scaling method (see ROPE_INIT_FUNCTIONS).

    seq_len matters only for "dynamic" and "longrope"; None gives the value transformers builds
    at init (dynamic: unscaled; longrope: short_factor).
    Returns: (rotary_dim // 2,) float64.
    """
    return ROPE_INIT_FUNCTIONS[config.rope_type](config, seq_len)[0]


def rotating_pairs(config: RopeConfig) -> int:
    """Pairs that rotate (θ_i > 0): all rotary_dim / 2, except proportional RoPE's n_rot; its other pairs have
    frequency 0 and pass through. No scaling method turns a rotating pair into a still one."""
    return int(np.count_nonzero(inv_freq(config)))


def attention_factor(config: RopeConfig, seq_len: int | None = None) -> float:
    """The factor cos and sin are multiplied by (so logits scale by its square).

    yarn: 0.1 ln(factor) + 1, or the mscale ratio; longrope: sqrt(1 + ln s / ln L0); others 1.
    An explicit `attention_factor` wins for yarn and longrope. Source: see the registry functions.
    """
    return ROPE_INIT_FUNCTIONS[config.rope_type](config, seq_len)[1]
