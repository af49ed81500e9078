"""The shared sidebar parameters, and how they map onto a rope_core.RopeConfig."""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

import rope_core
from rope_core import RopeConfig

from explorer.params import POW2_CONTEXTS, THETA_GRID, ParamSpec, Values, human

METHODS = ("none", "linear", "ntk", "dynamic", "yarn", "llama3", "longrope")
METHOD_LABELS = {
    "none": "default (no scaling)",
    "linear": "linear / PI",
    "ntk": "NTK-aware (static α)",
    "dynamic": "dynamic NTK",
    "yarn": "YaRN",
    "llama3": "Llama 3",
    "longrope": "LongRoPE (preset)",
}
# rope_type in config.json / rope_core for each sidebar method
ROPE_TYPE = {"none": "default", "linear": "linear", "ntk": "ntk", "dynamic": "dynamic",
             "yarn": "yarn", "llama3": "llama3", "longrope": "longrope"}
METHOD_OF_TYPE = {v: k for k, v in ROPE_TYPE.items()}

HEAD_DIM_MAX = 512
SEQ_LEN_MAX = 8192
OFFSET_MAX = 100_000


def _uses(*methods):
    return lambda v: v.get("scaling") in methods


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")


@lru_cache(maxsize=1)
def preset_slugs() -> dict[str, str]:
    """URL id -> rope_core preset name."""
    return {slug(name): name for name in rope_core.PRESETS}


PASTED = "pasted"

SHARED: tuple[ParamSpec, ...] = (
    ParamSpec("preset", "Model preset", "choice", "custom",
              "Load a real model's RoPE settings from its config.json; editing any value afterwards makes it custom.",
              options=("custom",), widget="selectbox"),
    ParamSpec("d", "Head dim", "int", 128, "Features per attention head; RoPE rotates them in pairs, so it must be even.",
              lo=2, hi=HEAD_DIM_MAX, step=2, even=True),
    ParamSpec("prf", "Partial rotary fraction", "float", 1.0,
              "Fraction of the head dim that is rotated (GPT-NeoX rotary_pct); the rest passes through unrotated.",
              lo=0.05, hi=1.0, step=0.05),
    ParamSpec("layout", "Pair layout", "choice", "half",
              "half: pairs (i, i+d/2) as HF rotate_half / Llama; interleaved: pairs (2i, 2i+1) as RoFormer / GPT-J.",
              options=("half", "interleaved"), widget="radio"),
    ParamSpec("theta", "rope_theta (base)", "grid", 10000.0,
              "The base b in θ_i = b^(−2i/d): larger bases give longer wavelengths (log scale).",
              lo=10.0, hi=1e8, options=THETA_GRID),
    ParamSpec("L", "Sequence length", "int", 256, "How many positions the charts show.",
              lo=2, hi=SEQ_LEN_MAX, step=1),
    ParamSpec("offset", "Position offset", "int", 0,
              "Added to every position; relative quantities must not change with it.",
              lo=0, hi=OFFSET_MAX, step=1),
    ParamSpec("scaling", "Scaling method", "choice", "none",
              "Context-extension method applied to the frequencies (rope_scaling.rope_type).",
              options=METHODS, widget="selectbox", labels=METHOD_LABELS),
    ParamSpec("factor", "factor", "float", 8.0, "Context extension factor s (rope_scaling.factor).",
              lo=1.0, hi=64.0, step=0.5, show_if=_uses("linear", "dynamic", "yarn", "llama3")),
    ParamSpec("alpha", "NTK α", "float", 4.0, "NTK-aware alpha: the base becomes θ·α^(d/(d−2)).",
              lo=1.0, hi=64.0, step=0.5, show_if=_uses("ntk")),
    ParamSpec("orig", "Original context", "grid", 4096,
              "original_max_position_embeddings: the context the model was trained on (dynamic NTK: max_position_embeddings).",
              lo=128, hi=2**20, options=POW2_CONTEXTS, show_if=_uses("dynamic", "yarn", "llama3", "longrope")),
    ParamSpec("low", "low_freq_factor", "float", 1.0,
              "Llama 3: pairs whose wavelength is longer than original/low_freq_factor have θ_i divided by factor "
              "(their wavelength × factor).",
              lo=0.25, hi=16.0, step=0.25, show_if=_uses("llama3")),
    ParamSpec("high", "high_freq_factor", "float", 4.0,
              "Llama 3: wavelengths shorter than original/high_freq_factor are kept as they are.",
              lo=0.5, hi=32.0, step=0.25, show_if=_uses("llama3")),
    ParamSpec("bfast", "beta_fast", "float", 32.0,
              "YaRN: pairs turning more than beta_fast times within the original context are not interpolated.",
              lo=1.0, hi=128.0, step=1.0, show_if=_uses("yarn")),
    ParamSpec("bslow", "beta_slow", "float", 1.0,
              "YaRN: pairs turning fewer than beta_slow times within the original context are fully interpolated.",
              lo=0.25, hi=32.0, step=0.25, show_if=_uses("yarn")),
    ParamSpec("truncate", "YaRN truncate", "bool", True,
              "Round the YaRN correction range to whole pairs (transformers' default; gpt-oss uses false).",
              show_if=_uses("yarn")),
    ParamSpec("mscale", "YaRN mscale", "float", 0.0,
              "DeepSeek-style mscale (0 = unset); with mscale_all_dim also set, the attention factor is the ratio "
              "get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim), get_mscale(s, m) = 0.1·m·ln(s) + 1.",
              lo=0.0, hi=2.0, step=0.05, show_if=_uses("yarn")),
    ParamSpec("mscale_all", "YaRN mscale_all_dim", "float", 0.0,
              "DeepSeek-style mscale_all_dim (0 = unset). transformers' MLA attention (DeepSeek-V2/V3) also multiplies its "
              "softmax scale by get_mscale(factor, mscale_all_dim)².", lo=0.0, hi=2.0, step=0.05, show_if=_uses("yarn")),
    ParamSpec("content", "Content of q and k", "choice", "random",
              "random: independent Gaussian q and k; identical: q = k; ones: all-ones vectors.",
              options=("random", "identical", "ones"), widget="radio"),
    ParamSpec("seed", "Random seed", "int", 0, "Seed of the random q, k and projections.", lo=0, hi=9999, step=1),
    ParamSpec("heads", "Number of heads", "int", 4, "Heads drawn on the attention page, each with its own random projections.",
              lo=1, hi=16, step=1),
)
SHARED_KEYS = tuple(s.key for s in SHARED)
# Inputs only some pages read (page.setup(..., inputs=...)): the sidebar shows them, and links carry them, there only.
INPUT_KEYS = ("content", "seed", "heads")
# The scaling methods' parameters: shown for the selected method only, or all at once on pages that
# compare methods (page.setup(..., all_scaling=True)).
SCALING_PARAM_KEYS = ("factor", "alpha", "orig", "low", "high", "bfast", "bslow", "truncate", "mscale", "mscale_all")
# The parameters a preset sets; the rest (context shown, content, heads) are independent of the model.
MODEL_KEYS = ("d", "prf", "layout", "theta", "scaling", "factor", "alpha", "orig", "low", "high",
              "bfast", "bslow", "truncate", "mscale", "mscale_all")


def defaults() -> Values:
    return {s.key: s.default for s in SHARED}


def values_from_config(cfg: RopeConfig) -> Values:
    """The slider values that reproduce a RopeConfig (as far as sliders can)."""
    method = METHOD_OF_TYPE.get(cfg.rope_type, "none")
    base = defaults()
    out = {
        "d": cfg.head_dim,
        "prf": round(cfg.partial_rotary_factor, 6),
        "layout": cfg.layout,
        "theta": float(cfg.rope_theta),
        "scaling": method,
        "truncate": bool(cfg.truncate),
        "mscale": float(cfg.mscale or 0.0),
        "mscale_all": float(cfg.mscale_all_dim or 0.0),
        "low": float(cfg.low_freq_factor),
        "high": float(cfg.high_freq_factor),
        "bfast": float(cfg.beta_fast),
        "bslow": float(cfg.beta_slow),
    }
    if method == "ntk":
        out["alpha"] = float(cfg.factor)
    elif method != "none":
        out["factor"] = float(cfg.factor)
    # the context the model was trained on (for dynamic NTK: max_position_embeddings, as HF reads it)
    out["orig"] = int(cfg.max_position_embeddings if method == "dynamic" else cfg.original_context)
    for k in ("factor", "alpha"):
        out.setdefault(k, base[k])
    out.setdefault("orig", base["orig"])
    return out


@lru_cache(maxsize=64)
def preset_values(preset_slug: str) -> Values:
    return values_from_config(rope_core.preset_config(preset_slugs()[preset_slug]))


def effective_prf(head_dim: int, prf: float) -> tuple[float, str | None]:
    """The partial rotary fraction actually used, and why it differs from the slider's, if it does.

    transformers rotates int(head_dim * partial_rotary_factor) features, which must be an even
    number of at least 2; otherwise the nearest valid count below (or 2) is used.
    """
    rotary = int(head_dim * prf)
    target = max(2, rotary - rotary % 2)
    if target == rotary:
        return prf, None
    frac = target / head_dim
    if int(head_dim * frac) != target:  # guard the float product against rounding down
        frac = (target + 0.5) / head_dim
    return frac, (f"Partial rotary fraction {prf:g} × head dim {head_dim} rotates {rotary} features; the rotated "
                  f"part must be an even number from 2 to {head_dim}, so {target} features are rotated.")


def config_from_values(values: Values, base: RopeConfig | None = None) -> RopeConfig:
    """Build the RopeConfig the sliders describe (raises ValueError if invalid).

    `base` (a preset or a pasted config) supplies what sliders cannot: LongRoPE factor
    lists, an explicit attention_factor, max_position_embeddings.
    """
    base = base or RopeConfig()
    method = values["scaling"]
    d = int(values["d"])
    prf, _ = effective_prf(d, float(values["prf"]))
    changes = dict(
        head_dim=d,
        partial_rotary_factor=prf,
        layout=values["layout"],
        rope_theta=float(values["theta"]),
        rope_type=ROPE_TYPE[method],
    )
    if method == "ntk":
        changes["factor"] = float(values["alpha"])
    elif method == "none":
        changes["factor"] = 1.0
    else:
        changes["factor"] = float(values["factor"])
    orig = int(values["orig"])
    if method == "dynamic":
        changes["max_position_embeddings"] = orig
    elif method in ("yarn", "llama3", "longrope"):
        changes["original_max_position_embeddings"] = orig
        same_as_base = base.rope_type == ROPE_TYPE[method] and base.original_context == orig
        if method == "longrope":
            # LongRoPE's factor is max_position_embeddings / original (Phi-3 keeps it that way)
            if not same_as_base:
                changes["max_position_embeddings"] = int(orig * (base.max_position_embeddings / base.original_context))
        elif not same_as_base or base.factor != changes["factor"]:
            changes["max_position_embeddings"] = int(orig * changes["factor"])
    if method == "yarn":
        changes.update(
            beta_fast=float(values["bfast"]),
            beta_slow=float(values["bslow"]),
            truncate=bool(values["truncate"]),
            mscale=float(values["mscale"]) or None,
            mscale_all_dim=float(values["mscale_all"]) or None,
        )
    if method == "llama3":
        changes.update(low_freq_factor=float(values["low"]), high_freq_factor=float(values["high"]))
    if base.rope_type != changes["rope_type"]:
        # an explicit attention factor or factor lists belong to the base's own method
        changes.setdefault("attention_factor", None)
        if method != "longrope":
            changes.update(short_factor=None, long_factor=None)
    return dataclasses.replace(base, **changes)


def theta_label(v: float) -> str:
    return human(v)
