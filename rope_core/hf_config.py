"""Reading a model's config.json as transformers 5.25 builds its rotary embeddings.

The readers give RopeConfig's keyword arguments (plain dicts), so this module needs no RopeConfig:
rope_kwargs is what RopeConfig.from_hf_config builds, for the text model (inside `text_config` for
multimodal checkpoints) or the vision tower (`vision_config`, tower="vision"); layer_rope_kwargs lists
every layer type of the text model, for rope_core.layers.layer_ropes. Anything a RopeConfig cannot
represent raises ValueError naming the config.json field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import SCALING_TYPES, check_finite, check_int, is_number

# Legacy rope_scaling "type" names that transformers still maps onto a current one.
# "su" was LongRoPE's name in the first Phi-3 configs (Phi3Config maps it); "mrope" is Qwen2-VL's
# (Qwen2VLConfig rewrites it to "default" and keeps mrope_section).
_LEGACY_TYPE_ALIASES = {"su": "longrope", "mrope": "default"}

# Layer names accepted by layer_type=..., mapped onto the config.json layer type names.
_LAYER_ALIASES = {
    "local": "sliding_attention",
    "sliding": "sliding_attention",
    "sliding_attention": "sliding_attention",
    "global": "full_attention",
    "full": "full_attention",
    "full_attention": "full_attention",
    "chunked_attention": "chunked_attention",
}

# model_type values whose checkpoints rotate interleaved pairs (2i, 2i+1): GPT-J (`rotate_every_two`),
# Llama 4 (complex multiply on adjacent pairs, `view_as_complex`). DeepSeek-V3: `rope_interleave`,
# which its config class defaults to true.
_INTERLEAVED_MODEL_TYPES = ("gptj", "llama4", "llama4_text")

# M-RoPE families: (model_type prefixes, interleaved, mrope_section their rotary embedding defaults to).
# transformers ignores `mrope_interleaved` (each class hard-codes its layout); so do we for these.
_MROPE_FAMILIES = (
    (("qwen2_vl", "qwen2_5_vl", "qwen2_5_omni"), False, (16, 24, 24)),
    (("qwen3_vl",), True, (24, 20, 20)),
    (("qwen3_omni",), True, (24, 20, 20)),
    (("qwen3_5", "qwen4_exp"), True, (11, 11, 10)),
)

# Vision towers with a 2-D RoPE rope_core represents, by model_type prefix -> axial_split.
_AXIAL_SPLITS = (("pixtral", "alternate"), ("qwen2_vl", "shared"), ("qwen2_5_vl", "shared"),
                 ("qwen3_vl", "shared"), ("qwen3_5", "shared"))

# Layer types that are attention layers using the model's RoPE (others: linear attention, convolutions).
_ROPE_LAYER_TYPES = ("full_attention", "sliding_attention", "chunked_attention")


def rope_kwargs(mapping: Mapping[str, Any], layer_type: str | None = None, tower: str = "text") -> dict[str, Any]:
    """RopeConfig's keyword arguments for a model's config.json (a dict): RopeConfig.from_hf_config.

    Accepts transformers' v4 form (`rope_theta` + `rope_scaling`, with `rope_type` or the legacy `type`:
    "su" = longrope, "mrope" = default + mrope_section) and the v5 form (`rope_parameters`, flat or keyed
    by layer type as in Gemma 3/4 and LFM3). Multimodal configs are read from their `text_config`
    (tower="text") or `vision_config` (tower="vision"; a config whose own model_type is a vision tower,
    e.g. "pixtral", is read as one).

    Keys read (first found wins):
        head_dim: qk_rope_head_dim (DeepSeek MLA rope part), head_dim, hidden_size / num_attention_heads,
            n_embd / n_head (GPT-J); `global_head_dim` for Gemma 4's full-attention layers (default 512).
        rotary part: partial_rotary_factor (in the layer's rope parameters, then top level), rotary_pct
            (GPT-NeoX; default 0.25), rotary_dim (GPT-J, absolute count); Qwen3.5 defaults to 0.25.
        rope_theta: rope parameters / rope_theta / rotary_emb_base (GPT-NeoX); default 10000.0.
        max_position_embeddings: max_position_embeddings / n_positions; default 4096.
        original_max_position_embeddings: top level wins over rope_scaling for yarn/llama3/longrope,
            as in transformers' standardize_rope_params (Phi-3 keeps it at the top level).
        mrope_section, mrope_interleaved: M-RoPE (Qwen2-VL family contiguous, Qwen3-VL / Qwen3.5
            interleaved whatever the flag says, as transformers' classes do).
        layout: "interleaved" for GPT-J and Llama 4, or when `rope_interleave` is true (DeepSeek-V3's
            config class defaults it to true); "half" otherwise.
    layer_type: None for the model's main RoPE (full-attention layers; Llama 4's RoPE layers);
        "local"/"sliding_attention" for sliding-window layers (Gemma 3 v4 form: rope_local_base_freq,
        default 10000, rope_type default), "global"/"full_attention", "chunked_attention" (Llama 4).
        A layer type without RoPE (Llama 4's NoPE layers) raises ValueError.
    Scaling factor: if `factor` is absent for yarn/longrope, transformers uses
        max_position_embeddings / original_max_position_embeddings; so do we.

    Raises:
        ValueError with a user-facing message naming the field, for a non-dict input, wrong value
        types, unknown rope types and out-of-range values.
    """
    if not isinstance(mapping, Mapping):
        raise ValueError(f"config must be a JSON object (a dict of config.json keys), got {type(mapping).__name__}")
    if tower not in ("text", "vision"):
        raise ValueError(f"tower must be 'text' or 'vision', got {tower!r}")
    if tower == "vision" or (_axial_split(mapping.get("model_type")) and "text_config" not in mapping):
        return _read_vision(mapping)
    top = text_part(mapping)
    layer_key = _layer_key(layer_type)
    with_rope = _layer_types_with_rope(top)  # also checks layer_types / no_rope_layers
    if layer_key is not None and layer_key not in with_rope:
        raise ValueError(
            f"layer_type {layer_type!r}: this config's {layer_key} layers have no RoPE"
            + (" (no_rope_layers is 0 for them)" if "no_rope_layers" in top else "")
            + f"; layer types with RoPE: {', '.join(with_rope) or 'none'}"
        )
    return _read_text(top, layer_key)


def text_part(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The language model's keys: `text_config` merged over the top level (multimodal checkpoints)."""
    top = dict(mapping)
    text_config = top.get("text_config")
    if isinstance(text_config, Mapping):
        top = {**{k: v for k, v in top.items() if k != "text_config"}, **dict(text_config)}
    elif text_config is not None:
        raise ValueError(f"text_config must be a JSON object, got {text_config!r}")
    return top


def _layer_key(layer_type: str | None) -> str | None:
    if layer_type is None:
        return None
    if layer_type not in _LAYER_ALIASES:
        raise ValueError(f"layer_type must be one of {', '.join(sorted(_LAYER_ALIASES))} (or None), got {layer_type!r}")
    return _LAYER_ALIASES[layer_type]


def _model_type(top: Mapping[str, Any]) -> str:
    model_type = top.get("model_type", "")
    return model_type if isinstance(model_type, str) else ""


def _read_text(top: Mapping[str, Any], layer_key: str | None) -> dict[str, Any]:
    model_type = _model_type(top)
    params = _read_rope_parameters(top, layer_key)
    _reject_unrepresentable(params)

    head_dim = _read_head_dim(top)
    if model_type.startswith("gemma4") and (layer_key or "full_attention") == "full_attention":
        # Gemma4TextConfig: every full-attention layer overrides head_dim with global_head_dim (default 512).
        head_dim = check_int("global_head_dim", top.get("global_head_dim", 512), 2)
    partial = _read_partial_rotary_factor(top, head_dim)
    if "partial_rotary_factor" in params and params["partial_rotary_factor"] is not None:
        partial = check_finite("partial_rotary_factor", params["partial_rotary_factor"])

    max_pos = top.get("max_position_embeddings", top.get("n_positions", 4096))
    max_pos = check_int("max_position_embeddings", max_pos, 1)

    theta = params.get("rope_theta")
    if theta is None:
        if layer_key == "sliding_attention" and not _is_nested(top):
            theta = top.get("rope_local_base_freq", 10000.0)
        else:
            theta = top.get("rope_theta", top.get("rotary_emb_base", 10000.0))
    theta = check_finite("rope_theta", theta)

    rope_type = params.get("rope_type", params.get("type", "default"))
    if not isinstance(rope_type, str):
        raise ValueError(f"rope_type must be a string, got {rope_type!r}")
    rope_type = _LEGACY_TYPE_ALIASES.get(rope_type, rope_type)
    if model_type == "phi3" and rope_type == "yarn":
        # transformers Phi3Config rewrites a legacy "yarn" type to "longrope" as well.
        rope_type = "longrope"
    if rope_type not in SCALING_TYPES or rope_type == "axial":
        raise ValueError(
            f"rope_type {rope_type!r} is not supported for a text model; supported rope types: "
            f"{', '.join(t for t in SCALING_TYPES if t != 'axial')}"
        )

    original = params.get("original_max_position_embeddings")
    if rope_type in ("yarn", "llama3", "longrope") and top.get("original_max_position_embeddings") is not None:
        original = top["original_max_position_embeddings"]
    if original is not None:
        original = check_int("original_max_position_embeddings", original, 1)

    factor = params.get("factor")
    if factor is None and rope_type in ("yarn", "longrope"):
        factor = max_pos / (original if original is not None else max_pos)
    if factor is None:
        factor = 1.0
    factor = check_finite("factor", factor)

    kwargs: dict[str, Any] = {}
    for key in ("low_freq_factor", "high_freq_factor", "beta_fast", "beta_slow"):
        # transformers: `rope_parameters.get("beta_fast") or 32`, so null means the default.
        if params.get(key) is not None:
            kwargs[key] = check_finite(key, params[key])
    for key in ("attention_factor", "mscale", "mscale_all_dim"):
        if params.get(key) is not None:
            kwargs[key] = check_finite(key, params[key])
    if "truncate" in params and params["truncate"] is not None:
        if not isinstance(params["truncate"], bool):
            raise ValueError(f"truncate must be true or false, got {params['truncate']!r}")
        kwargs["truncate"] = params["truncate"]
    for key in ("short_factor", "long_factor"):
        if params.get(key) is not None:
            value = params[key]
            if not isinstance(value, (list, tuple)):
                raise ValueError(f"{key} must be a list of numbers, got {value!r}")
            kwargs[key] = tuple(check_finite(f"{key}[{i}]", v) for i, v in enumerate(value))
    kwargs.update(_read_mrope(params, model_type))

    interleave = top.get("rope_interleave")
    if interleave is None:
        interleave = model_type in _INTERLEAVED_MODEL_TYPES or (
            model_type == "deepseek_v3" and "qk_rope_head_dim" in top
        )
    layout = "interleaved" if interleave else "half"

    return dict(
        head_dim=head_dim,
        rope_theta=theta,
        partial_rotary_factor=partial,
        layout=layout,
        rope_type=rope_type,
        factor=factor,
        max_position_embeddings=max_pos,
        original_max_position_embeddings=original,
        **kwargs,
    )


def _reject_unrepresentable(params: Mapping[str, Any]) -> None:
    """Fields that change the rotation in ways RopeConfig cannot express."""
    for key, what in (("xdrope_section", "HunYuan-VL's XD-RoPE"), ("alpha", "HunYuan's NTK alpha")):
        if params.get(key) is not None:
            raise ValueError(f"{key} ({what}) is not supported")


def _read_mrope(params: Mapping[str, Any], model_type: str) -> dict[str, Any]:
    section = params.get("mrope_section")
    interleaved = params.get("mrope_interleaved")
    if interleaved is not None and not isinstance(interleaved, bool):
        raise ValueError(f"mrope_interleaved must be true or false, got {interleaved!r}")
    for prefixes, family_interleaved, default_section in _MROPE_FAMILIES:
        if model_type.startswith(prefixes):
            interleaved = family_interleaved
            if section is None:
                section = default_section
            break
    if section is None:
        return {}
    if isinstance(section, (str, bytes)) or not isinstance(section, (list, tuple)):
        raise ValueError(f"mrope_section must be a list of 3 integers (t, h, w pairs), got {section!r}")
    return {"mrope_section": tuple(section), "mrope_interleaved": bool(interleaved)}


def _axial_split(model_type: Any) -> str | None:
    if not isinstance(model_type, str):
        return None
    for prefix, split in _AXIAL_SPLITS:
        if model_type.startswith(prefix) and (prefix == "pixtral" or model_type.endswith("_vision")):
            return split
    return None


def _read_vision(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The vision tower's 2-D RoPE (rope_type "axial"), from `vision_config` or a vision config itself."""
    outer_type = mapping.get("model_type")
    vision = mapping.get("vision_config")
    if vision is None:
        if _axial_split(outer_type) is None:
            raise ValueError("vision_config is missing: this config has no vision tower")
        vision = mapping
    if not isinstance(vision, Mapping):
        raise ValueError(f"vision_config must be a JSON object, got {vision!r}")
    vision_type = vision.get("model_type")
    split = _axial_split(vision_type)
    if split is None and isinstance(outer_type, str):
        # Qwen2-VL's published vision_config has no model_type of its own.
        split = _axial_split(f"{outer_type}_vision")
    if split is None:
        raise ValueError(
            f"vision_config.model_type {vision_type!r}: its 2-D RoPE is not supported "
            "(supported: Pixtral, and the Qwen2-VL, Qwen2.5-VL, Qwen3-VL and Qwen3.5 vision towers)"
        )
    params = vision.get("rope_parameters") or vision.get("rope_scaling") or {}
    if not isinstance(params, Mapping):
        raise ValueError(f"vision_config.rope_parameters must be a JSON object or null, got {params!r}")
    rope_type = params.get("rope_type", "axial")
    if rope_type not in ("axial", "default"):
        raise ValueError(f"vision_config rope_type {rope_type!r} is not supported; the vision towers use 'axial'")
    theta = check_finite("vision_config.rope_theta", params.get("rope_theta", vision.get("rope_theta", 10000.0)))
    if vision.get("head_dim") is not None:
        head_dim = check_int("vision_config.head_dim", vision["head_dim"], 4)
    else:
        heads = vision.get("num_heads", vision.get("num_attention_heads"))
        width = vision.get("embed_dim", vision.get("hidden_size"))
        if heads is None or width is None:
            raise ValueError("vision_config needs head_dim, or embed_dim/hidden_size and num_heads/num_attention_heads")
        head_dim = check_int("vision_config.embed_dim", width, 1) // check_int("vision_config.num_heads", heads, 1)
    return dict(head_dim=head_dim, rope_theta=theta, rope_type="axial", axial_split=split,
                max_position_embeddings=check_int("vision_config.max_position_embeddings",
                                                  vision.get("max_position_embeddings", 4096), 1))


def _is_nested(top: Mapping[str, Any]) -> bool:
    """rope_parameters keyed by layer type (Gemma 3/4, LFM3 in transformers' v5 form)."""
    rp = top.get("rope_parameters")
    return isinstance(rp, Mapping) and any(isinstance(v, Mapping) for v in rp.values())


def _read_head_dim(top: Mapping[str, Any]) -> int:
    if top.get("qk_rope_head_dim") is not None:
        # DeepSeek MLA: only the qk_rope_head_dim part of each head is rotated
        # (transformers DeepseekV3Config sets head_dim = qk_rope_head_dim).
        return check_int("qk_rope_head_dim", top["qk_rope_head_dim"], 2)
    if top.get("head_dim") is not None:
        return check_int("head_dim", top["head_dim"], 2)
    for hidden_key, heads_key in (("hidden_size", "num_attention_heads"), ("n_embd", "n_head")):
        if top.get(hidden_key) is not None and top.get(heads_key) is not None:
            hidden = check_int(hidden_key, top[hidden_key], 1)
            heads = check_int(heads_key, top[heads_key], 1)
            return hidden // heads
    raise ValueError(
        "cannot determine the head size: the config needs head_dim, or hidden_size and "
        "num_attention_heads (n_embd and n_head for GPT-J)"
    )


def _read_partial_rotary_factor(top: Mapping[str, Any], head_dim: int) -> float:
    if top.get("partial_rotary_factor") is not None:
        return check_finite("partial_rotary_factor", top["partial_rotary_factor"])
    if top.get("rotary_pct") is not None:
        return check_finite("rotary_pct", top["rotary_pct"])
    if top.get("rotary_dim") is not None:
        rotary_dim = check_int("rotary_dim", top["rotary_dim"], 2)
        if rotary_dim > head_dim:
            raise ValueError(f"rotary_dim must be <= head_dim = {head_dim}, got {rotary_dim}")
        return rotary_dim / head_dim
    model_type = _model_type(top)
    if model_type == "gpt_neox":
        return 0.25  # transformers GPTNeoXConfig: rotary_pct defaults to 0.25
    if model_type.startswith("qwen3_5"):
        return 0.25  # transformers Qwen3_5TextConfig: partial_rotary_factor defaults to 0.25
    return 1.0


def _read_rope_parameters(top: Mapping[str, Any], layer_key: str | None) -> dict[str, Any]:
    """The rope parameter dict for one layer type, from rope_parameters (v5) or rope_scaling (v4)."""
    params = top.get("rope_parameters")
    if params is None:
        params = top.get("rope_scaling")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValueError(f"rope_scaling / rope_parameters must be a JSON object or null, got {params!r}")
    if _is_nested(top) and "rope_parameters" in top:
        key = layer_key or ("full_attention" if "full_attention" in params else next(iter(params)))
        if key not in params and key == "chunked_attention":
            key = next(iter(params))
        inner = params.get(key)
        if inner is None:
            inner = {}
        if not isinstance(inner, Mapping):
            raise ValueError(f"rope_parameters[{key!r}] must be a JSON object, got {inner!r}")
        return dict(inner)
    if layer_key == "sliding_attention" and (_model_type(top).startswith("gemma3") or "rope_local_base_freq" in top):
        # Gemma 3 v4 form: local layers ignore rope_scaling and use plain RoPE
        # (transformers Gemma3Config builds them with {"rope_type": "default"}).
        return {}
    return dict(params)


# --- layer types --------------------------------------------------------------------------------

def _layer_type_list(top: Mapping[str, Any]) -> list[str] | None:
    """The type of every layer: `layer_types`, else the default pattern of the model's config class."""
    listed = top.get("layer_types")
    if listed is not None:
        if not isinstance(listed, (list, tuple)) or not all(isinstance(t, str) for t in listed):
            raise ValueError(f"layer_types must be a list of strings, got {listed!r}")
        return list(listed)
    n = top.get("num_hidden_layers")
    model_type = _model_type(top)
    if _uses_llama4_flags(top):
        flags = _no_rope_flags(top)
        if flags is None:
            return None
        chunked = top.get("attention_chunk_size", 8192) is not None
        return ["chunked_attention" if f and chunked else "full_attention" for f in flags]
    if n is None:
        return None
    n = check_int("num_hidden_layers", n, 1)
    if model_type.startswith(("gemma3", "gemma4")):
        pattern = check_int("sliding_window_pattern", top.get("sliding_window_pattern", 6), 1)
        types = ["sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(n)]
        if model_type.startswith("gemma4"):
            types[-1] = "full_attention"  # Gemma4TextConfig forces the last layer to full attention
        return types
    if model_type.startswith("gemma2"):
        return ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(n)]
    if model_type.startswith("lfm3"):
        return ["full_attention" if i % 4 == 2 else "sliding_attention" if i % 4 == 0 and i > 0 else "conv"
                for i in range(n)]
    if model_type.startswith(("qwen3_5", "qwen3_next")):
        interval = check_int("full_attention_interval", top.get("full_attention_interval", 4), 1)
        return ["linear_attention" if (i + 1) % interval else "full_attention" for i in range(n)]
    return ["full_attention"] * n


def _no_rope_flags(top: Mapping[str, Any]) -> list[int] | None:
    """Llama 4's no_rope_layers (1 = RoPE, 0 = NoPE), or its default: every no_rope_layer_interval-th layer NoPE."""
    flags = top.get("no_rope_layers")
    if flags:
        if not isinstance(flags, (list, tuple)) or not all(is_number(f) for f in flags):
            raise ValueError(f"no_rope_layers must be a list of 0/1 flags, got {flags!r}")
        return [int(bool(f)) for f in flags]
    n = top.get("num_hidden_layers")
    if n is None:
        return None
    n = check_int("num_hidden_layers", n, 1)
    interval = check_int("no_rope_layer_interval", top.get("no_rope_layer_interval", 4), 1)
    return [int((i + 1) % interval != 0) for i in range(n)]


def _uses_llama4_flags(top: Mapping[str, Any]) -> bool:
    return "no_rope_layers" in top or _model_type(top).startswith("llama4")


def _layer_groups(top: Mapping[str, Any]) -> dict[tuple[str, bool], list[int]] | None:
    """(layer type, uses RoPE) -> layer indices, in order of first appearance; None without a layer count.

    A layer uses RoPE if its type has rope parameters (keyed per type) or is an attention type
    (full / sliding / chunked), unless Llama 4's no_rope_layers flag is 0 for it.
    """
    types = _layer_type_list(top)
    if types is None:
        return None
    with_params = top["rope_parameters"] if _is_nested(top) else _ROPE_LAYER_TYPES
    flags = _no_rope_flags(top) if _uses_llama4_flags(top) else None
    groups: dict[tuple[str, bool], list[int]] = {}
    for i, t in enumerate(types):
        uses = t in with_params and not (flags is not None and i < len(flags) and not flags[i])
        groups.setdefault((t, uses), []).append(i)
    return groups


def _layer_types_with_rope(top: Mapping[str, Any]) -> list[str]:
    groups = _layer_groups(top)
    if groups is None:
        return list(top["rope_parameters"]) if _is_nested(top) else list(_ROPE_LAYER_TYPES)
    return list(dict.fromkeys(t for t, uses in groups if uses))


def layer_rope_kwargs(
    mapping: Mapping[str, Any],
) -> tuple[tuple[str, tuple[int, ...], dict[str, Any] | None, dict[str, float] | None], ...]:
    """Every layer type of the config's text model, in order of first appearance, for rope_core.layers.layer_ropes.

    Each entry: (layer type, layer indices, RopeConfig keyword arguments or None for layers without RoPE,
    Llama 4's attention temperature (floor_scale, attn_scale) on a NoPE entry when `attn_temperature_tuning`
    is set, else None).
    Layer types come from `layer_types`, else from the config class's default pattern (Gemma 3/4 five
    sliding : one full, Gemma 4's last layer full; LFM3; Qwen3.5 three linear : one full; Llama 4
    `no_rope_layers`, default every fourth layer NoPE). Layers of the same type that differ in RoPE
    (Llama 4 with attention_chunk_size null) are listed separately; without a layer count the indices are ().
    Raises: ValueError naming the field, as rope_kwargs.
    """
    if not isinstance(mapping, Mapping):
        raise ValueError(f"config must be a JSON object (a dict of config.json keys), got {type(mapping).__name__}")
    top = text_part(mapping)
    groups = _layer_groups(top)
    if groups is None:  # no layer count: one entry per rope_parameters key, else the main RoPE
        if _is_nested(top):
            return tuple((t, (), _read_text(top, t), None) for t in top["rope_parameters"])
        if _model_type(top).startswith("gemma3") or "rope_local_base_freq" in top:
            return tuple((t, (), _read_text(top, t), None) for t in ("sliding_attention", "full_attention"))
        return (("full_attention", (), _read_text(top, None), None),)
    temperature = None
    if _uses_llama4_flags(top) and top.get("attn_temperature_tuning", True):
        temperature = {"floor_scale": check_finite("floor_scale", top.get("floor_scale", 8192)),
                       "attn_scale": check_finite("attn_scale", top.get("attn_scale", 0.1))}
    out = []
    for (t, uses), layers in groups.items():
        if uses:
            key = t if (_is_nested(top) or t in _LAYER_ALIASES) else None
            out.append((t, tuple(layers), _read_text(top, key), None))
        else:
            out.append((t, tuple(layers), None, temperature))
    return tuple(out)
