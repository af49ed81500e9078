"""The app's state: the model's config.json names, their controls, and the one mapping onto a RopeConfig.

State keys are RopeConfig / config.json names (`head_dim`, `rope_theta`, `rope_type`, `factor`,
`original_max_position_embeddings`, `max_position_embeddings`, `beta_fast`, …) plus what is not the model
(`window`, `offset`, `content`, `seed`, `heads`, `preset`). Short names of older links (`theta`, `d`,
`scaling=none`, …) are read at the URL edge only (`canonical_query`). `config_from_values` and
`values_from_config` are the only translation between values and a RopeConfig; pages and frames get the
RopeConfig (and the context lengths) from explorer.page, never the widget values.

Pure Python and rope_core: no streamlit.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import Sequence

import rope_core
from rope_core import RopeConfig

from explorer import fmt
from explorer.fmt import ROPE_TYPE_LABELS
from explorer.params import POSITION_GRID, THETA_GRID, ParamSpec, Values, human

ROPE_TYPES = tuple(ROPE_TYPE_LABELS)  # the text model types; "axial" is a vision tower's

HEAD_DIM_MAX = 512
WINDOW_MAX = 8192
OFFSET_MAX = 100_000
CONTEXTS = tuple(2**k for k in range(7, 23))  # 128 … 4,194,304 tokens: every context length on one grid
CONTEXT_MAX = CONTEXTS[-1]
PASTED = "pasted"


def _uses(*rope_types):
    return lambda v: v.get("rope_type") in rope_types


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")


@lru_cache(maxsize=1)
def preset_slugs() -> dict[str, str]:
    """URL id -> rope_core preset name, former names included (rope_core.PRESET_ALIASES: old links)."""
    out = {slug(name): name for name in rope_core.PRESETS}
    for old, new in rope_core.PRESET_ALIASES.items():
        out.setdefault(slug(old), new)
    return out


@lru_cache(maxsize=1)
def listed_preset_slugs() -> tuple[str, ...]:
    """The presets the selectbox lists: current names only."""
    return tuple(slug(name) for name in rope_core.PRESETS)


@lru_cache(maxsize=1)
def preset_slug_aliases() -> dict[str, str]:
    """Former preset URL id -> current URL id: an old link is read, and rewritten, under today's name."""
    return {slug(old): slug(new) for old, new in rope_core.PRESET_ALIASES.items()}


@lru_cache(maxsize=64)
def preset_layers(name: str) -> tuple:
    """rope_core.layer_ropes of a preset's raw config.json keys (every layer type with its RopeConfig)."""
    return rope_core.layer_ropes(rope_core.preset_dict(name))


# ------------------------------------------------------------------------------------------ layer types
ATTENTION_LAYER_TYPES = ("full_attention", "sliding_attention", "chunked_attention")


def layer_choices(layers: Sequence[rope_core.LayerRope]) -> dict[str, rope_core.LayerRope]:
    """The attention layer types a model's layers offer (key → LayerRope), RoPE and NoPE; empty when there is one.

    Layers without attention (LFM3's convolutions, Qwen3.5's linear attention) have no position embedding to show.
    A layer type listed twice (Llama 4 with attention_chunk_size null: RoPE and NoPE full_attention) keeps
    its NoPE entry as "<type>_nope".
    """
    out: dict[str, rope_core.LayerRope] = {}
    for layer in layers:
        if layer.rope is None and layer.temperature is None and layer.layer_type not in ATTENTION_LAYER_TYPES:
            continue
        key = layer.layer_type if layer.layer_type not in out else f"{layer.layer_type}_nope"
        out[key] = layer
    return out if len(out) > 1 else {}


def default_layer(choices: dict[str, rope_core.LayerRope], main: RopeConfig | None) -> str:
    """The layer type whose RoPE is the model's own (the preset's or pasted config's RopeConfig)."""
    with_rope = [k for k, layer in choices.items() if layer.rope is not None]
    return next((k for k in with_rope if choices[k].rope == main), with_rope[0] if with_rope else "")


def layer_label(key: str, layer: rope_core.LayerRope) -> str:
    count = f", {len(layer.layers)} layers" if layer.layers else ""
    if layer.rope is None:
        return f"{key}: no RoPE (NoPE{count})"
    kind = ROPE_TYPE_LABELS.get(layer.rope.rope_type, layer.rope.rope_type)
    return f"{key}: {kind}, θ {human(layer.rope.rope_theta)}, head_dim {layer.rope.head_dim}{count}"


def nope_note(choices: dict[str, rope_core.LayerRope], key: str, shown: str, target: int) -> str | None:
    """What a NoPE layer type means, and which layer the pages show instead; None for a RoPE layer type."""
    layer = choices.get(key)
    if layer is None or layer.rope is not None:
        return None
    total = sum(len(x.layers) for x in choices.values())
    count = f" ({len(layer.layers)} of its {total} attention layers)" if layer.layers else ""
    text = f"The **{key}** layers of this model{count} have no rotary embedding (NoPE): nothing is rotated there"
    temp = layer.temperature
    if temp is not None:
        last = float(temp([target - 1])[0])
        text += (f"; instead each query at position m is scaled by 1 + {temp.attn_scale:g}·ln(1 + ⌊(m + 1) / "
                 f"{temp.floor_scale:g}⌋), ×{last:.4g} at the target context's last position {target - 1:,}")
    return text + f". The pages show this model's RoPE layers, **{shown}**, instead."


def _target_hi(values: Values) -> int:
    """The target context's upper end: the app's grid, or a preset's own longer context (Llama 4 Scout's 10M)."""
    name = preset_slugs().get(values.get("preset", "custom"))
    return max(CONTEXT_MAX, _preset_target(name)) if name else CONTEXT_MAX


@lru_cache(maxsize=64)
def _preset_target(name: str) -> int:
    return max(values_from_config(layer.rope)["max_position_embeddings"]
               for layer in preset_layers(name) if layer.rope is not None)


def _spec(key, label, kind, default, help, **kw) -> ParamSpec:
    return ParamSpec(key, label, kind, default, help, **kw)


# Sections of the sidebar, in order, by name. Every shared control is in exactly one.
SECTIONS: dict[str, tuple[ParamSpec, ...]] = {
    "Model": (
        _spec("preset", "Model preset", "choice", "custom",
              "Load a real model's RoPE settings from its config.json; editing any value afterwards makes it custom.",
              options=("custom",), widget="selectbox"),
        _spec("layer_type", "Layer type", "choice", "",
              "Models whose layers differ (Gemma 3/4 and LFM3 sliding vs full attention, Llama 4's RoPE and NoPE "
              "layers): which layer type's RoPE every page shows (config.json layer_types).",
              options=("",), widget="selectbox"),
        _spec("head_dim", "head_dim", "int", 128,
              "Features per attention head; RoPE rotates them in pairs, so it must be even.",
              lo=2, hi=HEAD_DIM_MAX, step=2, even=True),
        _spec("partial_rotary_factor", "partial_rotary_factor", "float", 1.0,
              "Fraction of the head dim that is rotated (GPT-NeoX rotary_pct); the rest passes through unrotated. "
              "proportional: int(partial_rotary_factor·head_dim/2) pairs turn, with exponents over the whole head.",
              lo=0.05, hi=1.0, step=0.05),
        _spec("layout", "Pair layout", "choice", "half",
              "half: pairs (i, i+d/2) as HF rotate_half / Llama; interleaved: pairs (2i, 2i+1) as RoFormer / GPT-J "
              "(config.json rope_interleave).",
              options=("half", "interleaved"), widget="radio"),
        _spec("rope_theta", "rope_theta (base)", "grid", 10000.0,
              "The base b in θ_i = b^(−2i/d): larger bases give longer wavelengths (log scale).",
              lo=10.0, hi=1e8, options=THETA_GRID),
        _spec("mrope_section", "mrope_section (t, h, w pairs)", "ints", "",
              "M-RoPE (Qwen2-VL family): how many pairs turn with the time, row and column position; they add up to "
              "the rotated pairs. With text positions t = h = w, so only image and video tokens see it.",
              lo=0, hi=HEAD_DIM_MAX // 2, length=3, show_if=lambda v: bool(v.get("mrope_section"))),
        _spec("mrope_interleaved", "mrope_interleaved", "bool", False,
              "M-RoPE layout: pairs cycle t, h, w, t, h, w … (Qwen3-VL, Qwen3.5) instead of three contiguous blocks "
              "(Qwen2-VL, Qwen2.5-VL).",
              show_if=lambda v: bool(v.get("mrope_section"))),
    ),
    "Context": (
        _spec("original_max_position_embeddings", "Original context (trained)", "grid", 4096,
              "original_max_position_embeddings: the context the model was trained on (for dynamic NTK, config.json's "
              "max_position_embeddings, as transformers reads it).",
              lo=CONTEXTS[0], hi=CONTEXT_MAX, options=CONTEXTS),
        _spec("max_position_embeddings", "Target context (run at)", "grid", 32768,
              "max_position_embeddings: the context the model is run at. Every page's lengths follow it (decay "
              "distances, Men et al.'s bound, the largest position on Precision, what goes out of distribution).",
              lo=CONTEXTS[0], hi=_target_hi, options=CONTEXTS),
    ),
    "Scaling": (
        _spec("rope_type", "rope_type (scaling)", "choice", "default",
              "Context-extension method applied to the frequencies (rope_scaling.rope_type).",
              options=ROPE_TYPES, widget="selectbox", labels=ROPE_TYPE_LABELS),
        _spec("factor", "factor", "float", 8.0,
              "Context extension factor s (rope_scaling.factor); for NTK-aware the α in θ·α^(d/(d−2)); proportional "
              "divides its frequencies by it.",
              lo=1.0, hi=64.0, step=0.5,
              show_if=_uses("linear", "ntk", "dynamic", "yarn", "llama3", "longrope", "proportional")),
        _spec("low_freq_factor", "low_freq_factor", "float", 1.0,
              "Llama 3: pairs whose wavelength is longer than original/low_freq_factor have θ_i divided by factor "
              "(their wavelength × factor).",
              lo=0.25, hi=16.0, step=0.25, show_if=_uses("llama3")),
        _spec("high_freq_factor", "high_freq_factor", "float", 4.0,
              "Llama 3: wavelengths shorter than original/high_freq_factor are kept as they are.",
              lo=0.5, hi=32.0, step=0.25, show_if=_uses("llama3")),
        _spec("beta_fast", "beta_fast", "float", 32.0,
              "YaRN: pairs turning more than beta_fast times within the original context are not interpolated.",
              lo=1.0, hi=128.0, step=1.0, show_if=_uses("yarn")),
        _spec("beta_slow", "beta_slow", "float", 1.0,
              "YaRN: pairs turning fewer than beta_slow times within the original context are fully interpolated.",
              lo=0.25, hi=32.0, step=0.25, show_if=_uses("yarn")),
        _spec("truncate", "truncate", "bool", True,
              "YaRN: round the correction range to whole pairs (transformers' default; gpt-oss uses false).",
              show_if=_uses("yarn")),
        _spec("mscale", "mscale", "float", 0.0,
              "YaRN, DeepSeek-style (0 = unset); with mscale_all_dim also set, the attention factor is the ratio "
              "get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim), get_mscale(s, m) = 0.1·m·ln(s) + 1.",
              lo=0.0, hi=2.0, step=0.05, show_if=_uses("yarn")),
        _spec("mscale_all_dim", "mscale_all_dim", "float", 0.0,
              "YaRN, DeepSeek-style mscale_all_dim (0 = unset). transformers' MLA attention (DeepSeek-V2/V3) also "
              "multiplies its softmax scale by get_mscale(factor, mscale_all_dim)².", lo=0.0, hi=2.0, step=0.05, show_if=_uses("yarn")),
    ),
    "Positions drawn": (
        _spec("window", "Heatmap window (positions)", "int", 256,
              "How many positions the heatmaps draw, from the offset on (not the model's context).",
              lo=2, hi=WINDOW_MAX, step=1),
        _spec("offset", "Window offset", "int", 0,
              "The first position drawn; relative quantities must not change with it.",
              lo=0, hi=OFFSET_MAX, step=1),
    ),
    "q and k": (
        _spec("content", "Content of q and k", "choice", "random",
              "random: independent Gaussian q and k; identical: q = k; ones: all-ones vectors.",
              options=("random", "identical", "ones"), widget="radio"),
        _spec("seed", "Random seed", "int", 0, "Seed of the random q, k and projections.", lo=0, hi=9999, step=1),
        _spec("heads", "Number of heads", "int", 4,
              "Heads drawn on the attention page, each with its own random projections.", lo=1, hi=16, step=1),
    ),
}
SHARED: tuple[ParamSpec, ...] = tuple(s for specs in SECTIONS.values() for s in specs)
SPEC = {s.key: s for s in SHARED}


def section_keys(name: str) -> tuple[str, ...]:
    return tuple(s.key for s in SECTIONS[name])


# What a preset sets (everything of the model); the rest belongs to the view.
MODEL_KEYS = tuple(k for name in ("Model", "Context", "Scaling") for k in section_keys(name) if k != "preset")
SCALING_PARAM_KEYS = section_keys("Scaling")[1:]
# Inputs only some pages read (page.setup(..., uses=...)): the sidebar shows them, and links carry them, there only.
OPTIONAL_KEYS = (*section_keys("Positions drawn"), *section_keys("q and k"))

# --------------------------------------------------------------------------------------------- the URL edge
# Names of older links, read as the state name they meant. Written links use the state names.
URL_ALIASES = {
    "d": "head_dim", "prf": "partial_rotary_factor", "theta": "rope_theta", "scaling": "rope_type",
    "orig": "original_max_position_embeddings", "target": "max_position_embeddings",
    "low": "low_freq_factor", "high": "high_freq_factor", "bfast": "beta_fast", "bslow": "beta_slow",
    "mscale_all": "mscale_all_dim", "L": "window",
    # page lengths that now follow the target context: Men et al.'s context, Precision's largest position
    "ctx": "max_position_embeddings", "maxpos": "max_position_embeddings",
}
# "alpha" was NTK's factor; read only when the link's rope_type is ntk (it changed nothing otherwise)
NTK_ALPHA = "alpha"
# Page parameters that became the shared context and have no exact meaning now: read and dropped.
RETIRED = ("maxdist",)
VALUE_ALIASES = {"rope_type": {"none": "default"}, "preset": preset_slug_aliases()}


def canonical_query(raw: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """A link's parameters under the state names. Returns (query, name as given for each state name)."""
    out: dict[str, list[str]] = {}
    given: dict[str, str] = {}
    kind = raw.get("rope_type", raw.get("scaling", [""]))[-1]
    for key, items in raw.items():
        if key in RETIRED:
            continue
        if key == NTK_ALPHA:
            if VALUE_ALIASES["rope_type"].get(kind, kind) != "ntk":
                continue
            name = "factor"
        else:
            name = URL_ALIASES.get(key, key)
        if name in out and key != name:  # the state name wins over an alias given beside it
            continue
        aliases = VALUE_ALIASES.get(name, {})
        out[name] = [aliases.get(v, v) for v in items]
        given[name] = key
    return out, given


# --------------------------------------------------------------------------------------------- values ↔ RopeConfig

def defaults() -> Values:
    return {s.key: s.default for s in SHARED}


def values_from_config(cfg: RopeConfig) -> Values:
    """The model's state values that reproduce a RopeConfig (as far as the controls can)."""
    out = {
        "head_dim": cfg.head_dim,
        "partial_rotary_factor": round(cfg.partial_rotary_factor, 6),
        "layout": cfg.layout,
        "rope_theta": float(cfg.rope_theta),
        "rope_type": cfg.rope_type,
        "low_freq_factor": float(cfg.low_freq_factor),
        "high_freq_factor": float(cfg.high_freq_factor),
        "beta_fast": float(cfg.beta_fast),
        "beta_slow": float(cfg.beta_slow),
        "truncate": bool(cfg.truncate),
        "mscale": float(cfg.mscale or 0.0),
        "mscale_all_dim": float(cfg.mscale_all_dim or 0.0),
        "factor": float(cfg.factor) if cfg.rope_type != "default" else SPEC["factor"].default,
        "mrope_section": ",".join(map(str, cfg.mrope_section)) if cfg.mrope_section else "",
        "mrope_interleaved": bool(cfg.mrope_interleaved),
    }
    if cfg.rope_type == "dynamic":
        # transformers reads dynamic NTK's trained context from max_position_embeddings; it runs at any length
        out["original_max_position_embeddings"] = int(cfg.max_position_embeddings)
        out["max_position_embeddings"] = int(cfg.max_position_embeddings * cfg.factor)
    else:
        out["original_max_position_embeddings"] = int(cfg.original_context)
        out["max_position_embeddings"] = int(cfg.max_position_embeddings)
    return out


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
    return frac, (f"partial_rotary_factor {prf:g} × head_dim {head_dim} rotates {rotary} features; the rotated "
                  f"part must be an even number from 2 to {head_dim}, so {target} features are rotated.")


def config_from_values(values: Values, base: RopeConfig | None = None, rope_type: str | None = None) -> RopeConfig:
    """The RopeConfig the values describe (raises ValueError if invalid).

    `base` (a preset or a pasted config) supplies what the controls cannot: LongRoPE factor lists, an explicit
    attention_factor. `rope_type` overrides the values' one (Context extension builds every method this way).
    """
    base = base or RopeConfig()
    kind = rope_type or values["rope_type"]
    d = int(values["head_dim"])
    prf = float(values["partial_rotary_factor"])
    if kind != "proportional":  # proportional counts pairs, int(prf·d // 2): any fraction giving one is valid
        prf, _ = effective_prf(d, prf)
    section = SPEC["mrope_section"].ints(values.get("mrope_section", ""))
    original = int(values["original_max_position_embeddings"])
    target = int(values["max_position_embeddings"])
    changes = dict(
        head_dim=d, partial_rotary_factor=prf, layout=values["layout"], rope_theta=float(values["rope_theta"]),
        rope_type=kind, factor=1.0 if kind == "default" else float(values["factor"]),
        mrope_section=section, mrope_interleaved=bool(values.get("mrope_interleaved")) and section is not None,
    )
    if kind == "llama3":  # each method's own parameters only: the others stay the base's
        changes.update(low_freq_factor=float(values["low_freq_factor"]),
                       high_freq_factor=float(values["high_freq_factor"]))
    if kind == "yarn":
        changes.update(beta_fast=float(values["beta_fast"]), beta_slow=float(values["beta_slow"]),
                       truncate=bool(values["truncate"]), mscale=float(values["mscale"]) or None,
                       mscale_all_dim=float(values["mscale_all_dim"]) or None)
    if kind == "dynamic":  # transformers: dynamic NTK's trained context is max_position_embeddings
        changes.update(max_position_embeddings=original, original_max_position_embeddings=None)
    else:
        # yarn, llama3 and longrope name their trained context; for the others it is max_position_embeddings
        named = kind in ("yarn", "llama3", "longrope") or original != target
        changes.update(max_position_embeddings=target, original_max_position_embeddings=original if named else None)
    if base.rope_type != kind:
        # an explicit attention factor or factor lists belong to the base's own method
        changes["attention_factor"] = None
        if kind != "longrope":
            changes.update(short_factor=None, long_factor=None)
    return dataclasses.replace(base, **changes)


def context_mismatch(values: Values) -> str | None:
    """A sentence when factor ≠ target ÷ original context (the factor then is not what the lengths say)."""
    if values["rope_type"] == "default":
        return None
    original = int(values["original_max_position_embeddings"])
    target = int(values["max_position_embeddings"])
    factor = float(values["factor"])
    if abs(target / original - factor) <= 1e-9 * factor:
        return None
    return (f"factor {factor:g} is not target ÷ original context = {target:,} ÷ {original:,} = "
            f"×{fmt.plain(target / original)}.")


def agreeing_target(values: Values) -> int:
    """The target context that agrees with factor: original × factor, within the control's range."""
    want = int(round(int(values["original_max_position_embeddings"]) * float(values["factor"])))
    return min(max(want, CONTEXTS[0]), CONTEXT_MAX)


def out_of_range_notes(cfg: RopeConfig) -> list[str]:
    """Fields of this config outside the controls' ranges: the pages show the clamped value."""
    values = dict(defaults(), **values_from_config(cfg))
    notes = []
    for key in MODEL_KEYS:
        spec = SPEC[key]
        if spec.kind not in ("int", "float", "grid") or not spec.visible(values):
            continue
        lo, hi = spec.bounds(values)
        if not lo <= float(values[key]) <= hi:
            notes.append(f"{key} = {values[key]:g} is outside the app's range ({spec.range_text(values)}); "
                         f"the pages show {spec.clamp(values[key], values):g}.")
    return notes


def n_pairs_of(values: Values) -> int:
    """Pairs of the model the values describe (the default config's if they are invalid)."""
    try:
        d = int(values["head_dim"])
        if values.get("rope_type") == "proportional":  # every pair of the head, the unrotated ones at frequency 0
            return d // 2
        return RopeConfig(head_dim=d, partial_rotary_factor=effective_prf(d, float(values["partial_rotary_factor"]))[0]
                          ).n_pairs
    except (ValueError, KeyError, TypeError):
        return RopeConfig().n_pairs


def mrope_problem(values: Values) -> str | None:
    """Why the values' mrope_section cannot be used (malformed, or not adding up to the rotated pairs), or None."""
    try:
        section = SPEC["mrope_section"].ints(values.get("mrope_section", ""))
    except ValueError as err:
        return str(err)
    if section is None:
        return None
    if values.get("rope_type") == "proportional":
        return "mrope_section cannot be combined with rope_type proportional (no model does)"
    pairs = n_pairs_of(values)
    if sum(section) != pairs:
        return (f"mrope_section {','.join(map(str, section))} adds up to {sum(section)}: the t, h and w pairs must add "
                f"up to the rotated pairs, {pairs} here (int(head_dim {values['head_dim']} × partial_rotary_factor "
                f"{float(values['partial_rotary_factor']):g}) ÷ 2); allowed: 3 integers from 0 to {pairs} with that sum")
    return None


def last_position(values: Values) -> int:
    """The largest position of the target context: max_position_embeddings − 1."""
    return int(values["max_position_embeddings"]) - 1


# "m" means the same on the Rotation and Rotation matrix pages, so both use this one spec.
POSITION_SPEC = ParamSpec(
    "m", "Position m", "grid", 3,
    "The token position m: every pair i has turned by the angle m·θ_i (0 to the target context − 1). The slider "
    "steps by 1 up to 16, then over 1, 1.5, 2, 3, 4, 5, 6, 8 per decade; a link may give any position.",
    lo=0, hi=last_position, options=POSITION_GRID)


def theta_label(v: float) -> str:
    return human(v)


COMPARED = ("default", "linear", "ntk", "dynamic", "yarn", "llama3")


def method_configs(values: Values, current: RopeConfig) -> tuple[dict[str, RopeConfig], list[str]]:
    """Every scaling method applied to the same model with the values' factor, context and parameters (the
    Context extension page), keyed by rope_type; LongRoPE when `current` has factor lists. Returns the valid
    configs and one message per method that is not valid here (e.g. NTK needs a rotary dim ≥ 4).
    A "proportional" model: transformers extends it only with its own factor (rope_core.planner.methods_for), so
    "default" is the model as trained (proportional at factor 1) and "proportional" the one method."""
    out: dict[str, RopeConfig] = {}
    problems: list[str] = []
    if current.rope_type == "proportional":
        try:
            scaled = config_from_values(values, current, rope_type="proportional")
        except ValueError as err:
            return out, [f"{ROPE_TYPE_LABELS['proportional']} left out: {err}."]
        return {"default": dataclasses.replace(scaled, factor=1.0), "proportional": scaled}, problems
    kinds = COMPARED + (("longrope",) if current.short_factor is not None else ())
    for kind in kinds:
        try:
            out[kind] = config_from_values(values, current, rope_type=kind)
        except ValueError as err:
            problems.append(f"{ROPE_TYPE_LABELS[kind]} left out: {err}.")
    return out, problems


# --------------------------------------------------------------------------------------------- controls a view ignores
NO_ORIGINAL = ("default", "linear", "ntk", "proportional")  # rope_types whose frequencies do not read the original context
SEQ_LEN_TYPES = ("dynamic", "longrope")  # rope_types whose frequencies depend on the length run at
ATTENTION_FACTOR_KEYS = ("mscale", "mscale_all_dim")
MROPE_KEYS = ("mrope_section", "mrope_interleaved")
TEXT_POSITIONS = ("with text positions t = h = w, every pair turns by the same angle whatever its axis: the "
                  "sections matter only for image and video tokens (Multimodal page)")


def unused(values: Values, *, target: str = "read", original_drawn: bool = False, attention_factor: bool = True,
           positions_3d: bool = False, **reasons: str) -> dict[str, str]:
    """The model's controls that cannot change a view, each with the reason (drawn disabled).

    target: "read" (the view's lengths follow it), "seq_len" (only dynamic NTK's and LongRoPE's seq_len),
    "unread" (the view draws the heatmap window instead). original_drawn: the view marks the original context.
    attention_factor: False where YaRN's attention factor cannot show (frequencies, angles, pure rotations).
    positions_3d: the view places tokens in (t, h, w) (images, video), where M-RoPE's sections matter.
    reasons: more state keys → why (e.g. layout="…").
    """
    kind = values.get("rope_type", "default")
    out: dict[str, str] = {}
    if not original_drawn and kind in NO_ORIGINAL:
        out["original_max_position_embeddings"] = f"rope_type {kind} does not read the original context"
    if target == "unread":
        out["max_position_embeddings"] = "this view draws the heatmap window of positions, not the target context"
    elif target == "seq_len" and kind not in SEQ_LEN_TYPES:
        out["max_position_embeddings"] = ("here the target context is only the seq_len of dynamic NTK and LongRoPE; "
                                          "it bounds the position sliders")
    if not attention_factor:
        for key in ATTENTION_FACTOR_KEYS:
            out[key] = "it sets YaRN's attention factor, which does not change frequencies or angles"
    elif not float(values.get("mscale") or 0.0):
        out["mscale_all_dim"] = "transformers uses it only together with mscale: set mscale first"
    if not positions_3d:
        out.update({key: TEXT_POSITIONS for key in MROPE_KEYS})
    out.update(reasons)
    return out
