"""Planning a context extension: every method's config block for a target length, and the pitfalls of the block.

plan(base, target) applies each transformers scaling method to a model trained on L0 = base.original_context
positions, with factor s = target / L0 (static NTK: α = s), and reports per method what a user checks before
pasting: both config.json forms (hf_export), the pairs whose angles leave the training range at the target
(extension.ood_angles), the attention factor, how much θ_i change for texts no longer than L0 (static YaRN and
Llama 3 change them; dynamic NTK does not), and Men et al.'s B(m) >= 0 check at the target.
pitfalls(mapping, target) reads a config.json for the mistakes transformers does not report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from .config import RopeConfig
from .extension import ood_angles, unscaled
from .frequencies import attention_factor, inv_freq, ntk_base
from .hf_export import hf_fragment
from .men import men_first_negative

METHODS: tuple[str, ...] = ("linear", "ntk", "dynamic", "yarn", "llama3")


def methods_for(base: RopeConfig) -> tuple[str, ...]:
    """The methods transformers can extend `base` with: METHODS, or for a "proportional" model only its own factor.

    transformers computes linear, dynamic, yarn, llama3 and longrope over int(head_dim * partial_rotary_factor)
    features with exponents over that dim, which are not a proportional model's frequencies, and Gemma 4's and
    LFM3's rotary embeddings then fail on the shape (cos/sin that wide against the whole head).
    """
    return ("proportional",) if base.rope_type == "proportional" else METHODS


def not_for_proportional(base: RopeConfig, rope_type: str) -> str:
    """Why `rope_type` cannot extend the proportional model `base` in transformers (see methods_for)."""
    d = int(base.head_dim * base.partial_rotary_factor)
    return (f"rope_type {rope_type!r} on this proportional model: transformers computes it over "
            f"int(head_dim * partial_rotary_factor) = {d} features ({d // 2} pairs, θ_i = rope_theta^(−2i/{d})), "
            f"not the model's {base.n_pairs} pairs with θ_i = rope_theta^(−2i/{base.head_dim}), and Gemma 4's and "
            f"LFM3's rotary embedding then fails on the shape (cos/sin {d} wide, head {base.head_dim}); "
            "proportional's own factor (θ_i / factor on the rotating pairs) is the extension it runs")


@dataclasses.dataclass(frozen=True)
class MethodPlan:
    """One method at the target. short_change: max_i |θ'_i / θ_i − 1| at seq_len = L0 (0 = short texts see the
    model's own frequencies); men_first_negative: first m < target with B(m) < 0 for the frequencies at the
    target, or None when B(m) >= 0 everywhere below it (or when men_checked is False: the check scans every m
    up to the first negative, long at millions of positions)."""

    rope_type: str
    config: RopeConfig
    factor: float
    v4: dict
    v5: dict
    ood_pairs: int
    n_pairs: int
    attention_factor: float
    short_change: float
    men_first_negative: int | None
    short_mean_change: float = 0.0  # mean_i |θ'_i / θ_i − 1| at seq_len = L0
    men_checked: bool = True


def method_config(base: RopeConfig, rope_type: str, target: int, template: RopeConfig | None = None) -> RopeConfig:
    """base (its own scaling removed) extended to `target` with `rope_type`, factor = target / L0. template: a
    config whose method parameters (beta_fast, beta_slow, truncate, mscale, mscale_all_dim, low_freq_factor,
    high_freq_factor) are kept; factor and the contexts are the plan's."""
    original = base.original_context
    keep = {} if template is None else {k: getattr(template, k) for k in (
        "beta_fast", "beta_slow", "truncate", "mscale", "mscale_all_dim", "low_freq_factor", "high_freq_factor")}
    plain = dataclasses.replace(unscaled(base), **keep)
    s = max(float(target) / original, 1.0)
    if rope_type not in methods_for(base):
        if base.rope_type == "proportional":
            raise ValueError(not_for_proportional(base, rope_type))
        raise ValueError(f"rope_type must be one of {', '.join(METHODS)}, got {rope_type!r}")
    if rope_type == "proportional":  # transformers divides the rotating pairs' θ_i by factor
        return dataclasses.replace(plain, factor=s)
    if rope_type in ("linear", "ntk"):
        return dataclasses.replace(plain, rope_type=rope_type, factor=s)
    if rope_type == "dynamic":  # transformers reads L0 from max_position_embeddings for dynamic NTK
        return dataclasses.replace(plain, rope_type="dynamic", factor=s)
    if rope_type in ("yarn", "llama3"):
        return dataclasses.replace(plain, rope_type=rope_type, factor=s, original_max_position_embeddings=original,
                                   max_position_embeddings=max(int(target), original))
    raise AssertionError(rope_type)  # every name methods_for allows is handled above


def _at_target(cfg: RopeConfig, target: int) -> RopeConfig:
    """A plain-RoPE config with the frequencies `cfg` has at seq_len = target (dynamic NTK's grown base)."""
    if cfg.rope_type == "dynamic":
        return dataclasses.replace(cfg, rope_type="default", factor=1.0, rope_theta=ntk_base(cfg, target))
    return cfg


def plan(base: RopeConfig, target: int, methods: tuple[str, ...] | None = None, check_men: bool = True,
         templates: Mapping[str, RopeConfig] | None = None) -> list[MethodPlan]:
    """Every method of `methods` (default methods_for(base)) on `base` at `target` (see the module docstring); Men
    et al.'s check only with check_men; templates: per rope_type, a config whose method parameters to keep
    (method_config). θ change up to L0 is taken over the pairs that rotate in training (proportional's frequency-0
    pairs stay at 0).
    Raises ValueError for a target < 1 or a method the base cannot take (e.g. NTK with rotary dim 2)."""
    target = int(target)
    if target < 1:
        raise ValueError(f"target must be >= 1, got {target}")
    original = base.original_context
    plain = inv_freq(unscaled(base))
    turning = plain > 0
    out = []
    for rope_type in methods_for(base) if methods is None else methods:
        cfg = method_config(base, rope_type, target, (templates or {}).get(rope_type))
        seq = target if rope_type == "dynamic" else None
        ood = ood_angles(cfg, original, target, seq_len=seq)["ood"]
        short = inv_freq(cfg, original) if rope_type == "dynamic" else inv_freq(cfg)
        out.append(MethodPlan(
            rope_type=rope_type, config=cfg, factor=cfg.factor, v4=hf_fragment(cfg, "v4"), v5=hf_fragment(cfg, "v5"),
            ood_pairs=int(np.sum(ood)), n_pairs=cfg.n_pairs, attention_factor=attention_factor(cfg, seq),
            short_change=float(np.max(np.abs(short[turning] / plain[turning] - 1.0))),
            short_mean_change=float(np.mean(np.abs(short[turning] / plain[turning] - 1.0))),
            men_first_negative=men_first_negative(_at_target(cfg, target), target) if check_men else None,
            men_checked=check_men,
        ))
    return out


def _blocks(mapping: Mapping[str, Any]) -> tuple[dict, list[tuple[str, dict]]]:
    """The top-level rope block (rope_parameters or rope_scaling, {} if none) and the per-layer ones."""
    top = mapping.get("rope_parameters")
    if top is None:
        top = mapping.get("rope_scaling")
    top = dict(top) if isinstance(top, Mapping) else {}
    layers = [(k, dict(v)) for k, v in top.items() if isinstance(v, Mapping)]
    return top, layers


def pitfalls(mapping: Mapping[str, Any], target: int | None = None) -> list[str]:
    """What in a config.json extends the context differently from what its author likely meant.

    - factor ≠ target ÷ original (when target is given): transformers uses the factor as written.
    - yarn / llama3 / longrope without original_max_position_embeddings: transformers fills it with
      max_position_embeddings, so an extended max_position_embeddings becomes the "original" length; and a
      top-level original_max_position_embeddings that differs from the block's wins (Phi-3 style).
    - YaRN's truncate inside a per-layer rope_parameters block: transformers 5.25 reads truncate only from the
      top level of rope_parameters, so it is ignored there.
    - llama3 with low_freq_factor == high_freq_factor: no smooth band, a hard step (transformers only warns).
    """
    out: list[str] = []
    top, layers = _blocks(mapping)
    blocks = layers or [("", top)]
    max_pos = mapping.get("max_position_embeddings")
    top_orig = mapping.get("original_max_position_embeddings")
    for name, block in blocks:
        where = f"rope_parameters[{name!r}]" if name else "the rope block"
        rope_type = block.get("rope_type", block.get("type", "default"))
        orig = block.get("original_max_position_embeddings")
        if rope_type in ("yarn", "llama3", "longrope"):
            if orig is None and top_orig is None:
                out.append(f"{where}: {rope_type} without original_max_position_embeddings; transformers fills it "
                           f"with max_position_embeddings ({max_pos}), the extended length, not the trained one.")
            elif orig is not None and top_orig is not None and orig != top_orig:
                out.append(f"{where}: original_max_position_embeddings is {orig} in the block but {top_orig} at the "
                           f"top level; transformers uses the top level's {top_orig}.")
        factor = block.get("factor")
        original = top_orig if top_orig is not None else orig
        if target is not None and factor is not None and original and rope_type != "default":
            if abs(float(factor) - float(target) / float(original)) > 1e-9:
                out.append(f"{where}: factor {factor:g} but target ÷ original = {target:,} / {original:,} = "
                           f"{target / original:g}; transformers uses the factor as written.")
        if name and rope_type == "yarn" and "truncate" in block:
            out.append(f"{where}: truncate inside a per-layer block is ignored: transformers 5.25 reads it only from "
                       "the top level of rope_parameters (default true).")
        if rope_type == "llama3" and block.get("low_freq_factor") is not None and \
                block.get("low_freq_factor") == block.get("high_freq_factor"):
            out.append(f"{where}: low_freq_factor == high_freq_factor ({block['low_freq_factor']:g}) leaves no "
                       "smooth band: each pair is kept or divided by factor, a hard step at wavelength "
                       "original / low_freq_factor. transformers only logs a warning; rope_core refuses it.")
    return out
