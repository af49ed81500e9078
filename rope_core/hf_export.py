"""A RopeConfig as the config.json fragment transformers loads, in both of its forms.

v4 form: top-level `rope_theta`, `partial_rotary_factor`, `head_dim`, `max_position_embeddings` and
`rope_scaling` (null without scaling). v5 form: the same numbers with `rope_theta`, `rope_type` and
`partial_rotary_factor` inside `rope_parameters` (what transformers >= 5 writes when it saves a config).
Keys and their meaning follow transformers 5.x `modeling_rope_utils.py` (`RopeParameters`, the
`_validate_<rope_type>_rope_parameters` checks and `ROPE_INIT_FUNCTIONS`).

Static NTK-aware scaling ("ntk") has no transformers rope_type: it is written as plain RoPE with the
enlarged base rope_theta * factor ** (d / (d - 2)), which gives the same frequencies (`ntk_note`).
M-RoPE's mrope_section (and mrope_interleaved) ride in the scaling block, as Qwen2-VL / Qwen3-VL configs
keep them. A vision tower ("axial") is written as its own config: model_type (pixtral for the
"alternate" split, qwen2_vl_vision for "shared"), head_dim and rope_theta.
"""

from __future__ import annotations

from typing import Any

from .config import RopeConfig
from .frequencies import ntk_base

FORMS: tuple[str, ...] = ("v4", "v5")

# rope_types whose pre-training length transformers reads from original_max_position_embeddings
# (standardize_rope_params fills it with max_position_embeddings when absent; we always write it).
_NEEDS_ORIGINAL = ("yarn", "llama3", "longrope")


def hf_rope_type(config: RopeConfig) -> str:
    """The transformers rope_type that gives this config's frequencies ("default" for static NTK)."""
    return "default" if config.rope_type == "ntk" else config.rope_type


def hf_rope_theta(config: RopeConfig) -> float:
    """The rope_theta to write: the config's, or the NTK-enlarged base theta * alpha ** (d / (d - 2))."""
    return float(ntk_base(config)) if config.rope_type == "ntk" else float(config.rope_theta)


def scaling_parameters(config: RopeConfig) -> dict[str, Any] | None:
    """The v4 `rope_scaling` block: rope_type and its parameters, or None for plain RoPE (and static NTK)
    without M-RoPE sections. None for "axial" too: a vision tower has no scaling block."""
    rope_type = hf_rope_type(config)
    block: dict[str, Any] | None = None
    if rope_type == "proportional":
        block = {"rope_type": rope_type, "partial_rotary_factor": config.partial_rotary_factor}
        if config.factor != 1.0:  # transformers reads factor here (default 1), though its validator omits it
            block["factor"] = config.factor
    elif rope_type not in ("default", "axial"):
        block = {"rope_type": rope_type, "factor": config.factor}
        if rope_type in _NEEDS_ORIGINAL:
            block["original_max_position_embeddings"] = config.original_context
    if rope_type == "yarn":
        block.update(beta_fast=config.beta_fast, beta_slow=config.beta_slow, truncate=config.truncate)
        for key in ("attention_factor", "mscale", "mscale_all_dim"):
            if getattr(config, key) is not None:
                block[key] = getattr(config, key)
    elif rope_type == "llama3":
        block.update(low_freq_factor=config.low_freq_factor, high_freq_factor=config.high_freq_factor)
    elif rope_type == "longrope":
        block.update(short_factor=list(config.short_factor), long_factor=list(config.long_factor))
        if config.attention_factor is not None:
            block["attention_factor"] = config.attention_factor
    if config.mrope_section is not None:
        block = block or {"rope_type": "default"}
        block["mrope_section"] = list(config.mrope_section)
        if config.mrope_interleaved:
            block["mrope_interleaved"] = True
    return block


def hf_fragment(config: RopeConfig, form: str = "v4") -> dict[str, Any]:
    """The config.json keys that decide RoPE, in transformers' v4 or v5 form (see the module docstring).

    Both forms load with e.g. `LlamaConfig(**fragment)` and give rope_core's inv_freq and
    attention factor. `rope_interleave: true` is added for the interleaved layout (DeepSeek-V3's key).
    Raises: ValueError for a form other than "v4" and "v5".
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    if config.rope_type == "axial":
        tower = {"model_type": "pixtral" if config.axial_split == "alternate" else "qwen2_vl_vision",
                 "head_dim": config.head_dim}
        if form == "v4":
            return {**tower, "rope_theta": config.rope_theta}
        return {**tower, "rope_parameters": {"rope_type": "axial", "rope_theta": config.rope_theta}}
    scaling = scaling_parameters(config)
    out: dict[str, Any] = {"head_dim": config.head_dim, "max_position_embeddings": config.max_position_embeddings}
    if form == "v4":
        out.update(rope_theta=hf_rope_theta(config), partial_rotary_factor=config.partial_rotary_factor,
                   rope_scaling=scaling)
    else:
        params: dict[str, Any] = {"rope_type": hf_rope_type(config), "rope_theta": hf_rope_theta(config),
                                  "partial_rotary_factor": config.partial_rotary_factor}
        params.update({k: v for k, v in (scaling or {}).items() if k != "rope_type"})
        out["rope_parameters"] = params
    if config.layout == "interleaved":
        out["rope_interleave"] = True
    return out


def ntk_note(config: RopeConfig) -> str | None:
    """For static NTK: why the fragment has no scaling block and where its rope_theta comes from; else None."""
    if config.rope_type != "ntk":
        return None
    d = config.rotary_dim
    return (f"transformers has no static NTK rope_type; the same frequencies are plain RoPE with "
            f"rope_theta = θ·α^(d/(d−2)) = {config.rope_theta:g}·{config.factor:g}^({d}/{d - 2}) "
            f"= {hf_rope_theta(config):.6g}.")
