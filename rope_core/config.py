"""RopeConfig: every number that decides a model's rotary position embedding.

Field names are the config.json keys (`rope_theta`, `factor`, `beta_fast`, ...) so a
model card reads straight into the dataclass. Conventions follow Hugging Face
transformers 5.x, `src/transformers/modeling_rope_utils.py` (`RopeParameters`,
`RotaryEmbeddingConfigMixin.standardize_rope_params`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

SCALING_TYPES: tuple[str, ...] = ("default", "linear", "ntk", "dynamic", "yarn", "llama3", "longrope")
LAYOUTS: tuple[str, ...] = ("half", "interleaved")

# Legacy rope_scaling "type" names that transformers still maps onto a current one.
# "su" was LongRoPE's name in the first Phi-3 configs (transformers Phi3Config maps it).
_LEGACY_TYPE_ALIASES = {"su": "longrope"}

# Layer names accepted by from_hf_config(layer_type=...), mapped onto the v5 nested keys.
_LAYER_ALIASES = {
    "local": "sliding_attention",
    "sliding": "sliding_attention",
    "sliding_attention": "sliding_attention",
    "global": "full_attention",
    "full": "full_attention",
    "full_attention": "full_attention",
}

# model_type values whose checkpoints rotate interleaved pairs (2i, 2i+1):
# GPT-J (`rotate_every_two` in modeling_gptj.py); DeepSeek-V3 when `rope_interleave` is unset
# (its config class defaults it to True).
_INTERLEAVED_MODEL_TYPES = ("gptj",)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_finite(name: str, value: Any) -> float:
    if not _is_number(value):
        raise ValueError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


@dataclasses.dataclass(frozen=True)
class RopeConfig:
    """One rotary embedding: head size, base, pair layout and scaling method.

    Fields use the config.json names. `factor` is the scale s of every scaling method
    (the NTK alpha for "ntk"). Factor lists are stored as tuples so the config is
    hashable (the app caches on it); lists passed in are converted.

    Properties:
        rotary_dim = int(head_dim * partial_rotary_factor)  (HF `dim`)
        n_pairs = rotary_dim // 2
        original_context = original_max_position_embeddings or max_position_embeddings
            (what transformers' `standardize_rope_params` fills in for yarn/llama3/longrope).

    Raises:
        ValueError naming the field and its allowed range for any invalid value.
    """

    head_dim: int = 128
    rope_theta: float = 10000.0
    partial_rotary_factor: float = 1.0
    layout: str = "half"
    rope_type: str = "default"
    factor: float = 1.0
    max_position_embeddings: int = 4096
    original_max_position_embeddings: int | None = None
    low_freq_factor: float = 1.0
    high_freq_factor: float = 4.0
    beta_fast: float = 32.0
    beta_slow: float = 1.0
    truncate: bool = True
    attention_factor: float | None = None
    mscale: float | None = None
    mscale_all_dim: float | None = None
    short_factor: tuple[float, ...] | None = None
    long_factor: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        # object.__setattr__ because the dataclass is frozen; we only normalise types here.
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        if not isinstance(self.rope_type, str) or self.rope_type not in SCALING_TYPES:
            raise ValueError(
                f"rope_type {self.rope_type!r} is not supported; supported rope types: {', '.join(SCALING_TYPES)}"
            )
        if not isinstance(self.layout, str) or self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(repr(x) for x in LAYOUTS)}, got {self.layout!r}")

        put("head_dim", _check_int("head_dim", self.head_dim, 2))
        prf = _check_finite("partial_rotary_factor", self.partial_rotary_factor)
        if not 0.0 < prf <= 1.0:
            raise ValueError(f"partial_rotary_factor must be in (0, 1], got {prf}")
        put("partial_rotary_factor", prf)
        rotary_dim = int(self.head_dim * prf)
        if rotary_dim < 2 or rotary_dim % 2:
            raise ValueError(
                f"rotary dim = int(head_dim * partial_rotary_factor) must be even and >= 2, "
                f"got {rotary_dim} (head_dim={self.head_dim}, partial_rotary_factor={prf})"
            )

        theta = _check_finite("rope_theta", self.rope_theta)
        if theta <= 1.0:
            raise ValueError(f"rope_theta must be a finite number > 1, got {theta}")
        put("rope_theta", theta)

        factor = _check_finite("factor", self.factor)
        if factor < 1.0:
            raise ValueError(f"factor must be a finite number >= 1, got {factor}")
        put("factor", factor)

        put("max_position_embeddings", _check_int("max_position_embeddings", self.max_position_embeddings, 1))
        if self.original_max_position_embeddings is not None:
            put(
                "original_max_position_embeddings",
                _check_int("original_max_position_embeddings", self.original_max_position_embeddings, 1),
            )

        low = _check_finite("low_freq_factor", self.low_freq_factor)
        high = _check_finite("high_freq_factor", self.high_freq_factor)
        put("low_freq_factor", low)
        put("high_freq_factor", high)
        if self.rope_type == "llama3":
            if low <= 0:
                raise ValueError(f"low_freq_factor must be > 0 for rope_type 'llama3', got {low}")
            if high <= low:
                raise ValueError(
                    f"high_freq_factor must be > low_freq_factor for rope_type 'llama3', "
                    f"got high_freq_factor={high} <= low_freq_factor={low}"
                )

        beta_fast = _check_finite("beta_fast", self.beta_fast)
        beta_slow = _check_finite("beta_slow", self.beta_slow)
        put("beta_fast", beta_fast)
        put("beta_slow", beta_slow)
        if self.rope_type == "yarn":
            # find_correction_dim takes log(L / (2 pi beta)): beta must be positive.
            if beta_slow <= 0:
                raise ValueError(f"beta_slow must be > 0 for rope_type 'yarn', got {beta_slow}")
            if beta_fast < beta_slow:
                raise ValueError(f"beta_fast must be >= beta_slow, got beta_fast={beta_fast} < beta_slow={beta_slow}")

        if not isinstance(self.truncate, bool):
            raise ValueError(f"truncate must be true or false, got {self.truncate!r}")

        if self.attention_factor is not None:
            af = _check_finite("attention_factor", self.attention_factor)
            if af <= 0:
                raise ValueError(f"attention_factor must be a finite number > 0 (or None), got {af}")
            put("attention_factor", af)
        for name in ("mscale", "mscale_all_dim"):
            value = getattr(self, name)
            if value is not None:
                value = _check_finite(name, value)
                if value < 0:
                    raise ValueError(f"{name} must be a finite number >= 0 (or None), got {value}")
                put(name, value)

        n_pairs = rotary_dim // 2
        for name in ("short_factor", "long_factor"):
            value = getattr(self, name)
            if value is None:
                if self.rope_type == "longrope":
                    raise ValueError(f"{name} is required for rope_type 'longrope' (a list of {n_pairs} numbers)")
                continue
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise ValueError(f"{name} must be a list of numbers, got {value!r}")
            items = tuple(_check_finite(f"{name}[{i}]", v) for i, v in enumerate(value))
            if len(items) != n_pairs:
                raise ValueError(
                    f"{name} must have length rotary_dim/2 = {n_pairs}, got {len(items)}"
                )
            if any(v <= 0 for v in items):
                raise ValueError(f"{name} entries must be > 0")
            put(name, items)

        if self.rope_type in ("ntk", "dynamic") and rotary_dim < 4:
            # base' uses the exponent d / (d - 2), undefined for d = 2.
            raise ValueError(f"rotary dim must be >= 4 for rope_type {self.rope_type!r}, got {rotary_dim}")

    @property
    def rotary_dim(self) -> int:
        """Number of rotated features, int(head_dim * partial_rotary_factor) (HF `dim`)."""
        return int(self.head_dim * self.partial_rotary_factor)

    @property
    def n_pairs(self) -> int:
        """Number of rotated 2-D pairs (= number of frequencies), rotary_dim // 2."""
        return self.rotary_dim // 2

    @property
    def original_context(self) -> int:
        """Pre-training context L0: original_max_position_embeddings, else max_position_embeddings."""
        if self.original_max_position_embeddings is not None:
            return self.original_max_position_embeddings
        return self.max_position_embeddings

    @classmethod
    def from_hf_config(cls, mapping: Mapping[str, Any], layer_type: str | None = None) -> RopeConfig:
        """Build a RopeConfig from a model's config.json (a dict).

        Accepts transformers' v4 form (`rope_theta` + `rope_scaling`, with `rope_type` or the
        legacy `type`, "su" meaning longrope) and the v5 form (`rope_parameters`, flat or nested
        per layer type as in Gemma 3). Multimodal configs are read from their `text_config`.

        Keys read (first found wins):
            head_dim: qk_rope_head_dim (DeepSeek MLA rope part), head_dim,
                hidden_size / num_attention_heads, n_embd / n_head (GPT-J).
            rotary part: partial_rotary_factor, rotary_pct (GPT-NeoX; its config class defaults
                it to 0.25), rotary_dim (GPT-J, absolute count).
            rope_theta: rope_parameters / rope_theta / rotary_emb_base (GPT-NeoX); default 10000.0.
            max_position_embeddings: max_position_embeddings / n_positions; default 4096.
            original_max_position_embeddings: top level wins over rope_scaling, as in
                transformers' standardize_rope_params (Phi-3 keeps it at the top level).
            layout: "interleaved" for GPT-J, or when `rope_interleave` is true (DeepSeek-V3's
                config class defaults it to true); "half" otherwise.
        layer_type: None or "global"/"full_attention" for the full-attention layers;
            "local"/"sliding_attention" for Gemma 3's local layers, which transformers builds with
            rope_theta = rope_local_base_freq (default 10000.0) and rope_type "default".
        Scaling factor: if `factor` is absent for yarn/longrope, transformers uses
            max_position_embeddings / original_max_position_embeddings; so do we.

        Raises:
            ValueError with a user-facing message for a non-dict input, wrong value types,
            unknown rope types and out-of-range values.
        """
        if not isinstance(mapping, Mapping):
            raise ValueError(f"config must be a JSON object (a dict of config.json keys), got {type(mapping).__name__}")
        top = dict(mapping)
        text_config = top.get("text_config")
        if isinstance(text_config, Mapping):
            # Multimodal checkpoints (Gemma 3 4B+, ...) keep the language model under text_config.
            top = {**{k: v for k, v in top.items() if k != "text_config"}, **dict(text_config)}

        model_type = top.get("model_type")
        layer_key = None
        if layer_type is not None:
            if layer_type not in _LAYER_ALIASES:
                raise ValueError(
                    f"layer_type must be one of {', '.join(sorted(_LAYER_ALIASES))} (or None), got {layer_type!r}"
                )
            layer_key = _LAYER_ALIASES[layer_type]

        head_dim = _read_head_dim(top)
        partial = _read_partial_rotary_factor(top, head_dim)

        max_pos = top.get("max_position_embeddings", top.get("n_positions", 4096))
        max_pos = _check_int("max_position_embeddings", max_pos, 1)

        params = _read_rope_parameters(top, layer_key)
        if "partial_rotary_factor" in params:
            partial = _check_finite("partial_rotary_factor", params["partial_rotary_factor"])

        theta = params.get("rope_theta")
        if theta is None:
            if layer_key == "sliding_attention" and not _is_nested(top):
                theta = top.get("rope_local_base_freq", 10000.0)
            else:
                theta = top.get("rope_theta", top.get("rotary_emb_base", 10000.0))
        theta = _check_finite("rope_theta", theta)

        rope_type = params.get("rope_type", params.get("type", "default"))
        if not isinstance(rope_type, str):
            raise ValueError(f"rope_type must be a string, got {rope_type!r}")
        rope_type = _LEGACY_TYPE_ALIASES.get(rope_type, rope_type)
        if model_type == "phi3" and rope_type == "yarn":
            # transformers Phi3Config rewrites a legacy "yarn" type to "longrope" as well.
            rope_type = "longrope"
        if rope_type not in SCALING_TYPES:
            raise ValueError(
                f"rope_type {rope_type!r} is not supported; supported rope types: {', '.join(SCALING_TYPES)}"
            )

        original = params.get("original_max_position_embeddings")
        if rope_type in ("yarn", "llama3", "longrope") and top.get("original_max_position_embeddings") is not None:
            original = top["original_max_position_embeddings"]
        if original is not None:
            original = _check_int("original_max_position_embeddings", original, 1)

        factor = params.get("factor")
        if factor is None and rope_type in ("yarn", "longrope"):
            factor = max_pos / (original if original is not None else max_pos)
        if factor is None:
            factor = 1.0
        factor = _check_finite("factor", factor)

        kwargs: dict[str, Any] = {}
        for key in ("low_freq_factor", "high_freq_factor", "beta_fast", "beta_slow"):
            # transformers: `rope_parameters.get("beta_fast") or 32`, so null means the default.
            if params.get(key) is not None:
                kwargs[key] = _check_finite(key, params[key])
        for key in ("attention_factor", "mscale", "mscale_all_dim"):
            if params.get(key) is not None:
                kwargs[key] = _check_finite(key, params[key])
        if "truncate" in params and params["truncate"] is not None:
            if not isinstance(params["truncate"], bool):
                raise ValueError(f"truncate must be true or false, got {params['truncate']!r}")
            kwargs["truncate"] = params["truncate"]
        for key in ("short_factor", "long_factor"):
            if params.get(key) is not None:
                value = params[key]
                if not isinstance(value, (list, tuple)):
                    raise ValueError(f"{key} must be a list of numbers, got {value!r}")
                kwargs[key] = tuple(_check_finite(f"{key}[{i}]", v) for i, v in enumerate(value))

        interleave = top.get("rope_interleave")
        if interleave is None:
            interleave = model_type in _INTERLEAVED_MODEL_TYPES or (
                model_type == "deepseek_v3" and "qk_rope_head_dim" in top
            )
        layout = "interleaved" if interleave else "half"

        return cls(
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

    def to_hf_dict(self) -> dict[str, Any]:
        """The config.json fragment for this config (v4 form), which from_hf_config reads back.

        Keys: rope_theta, rope_scaling (null for "default"), head_dim, partial_rotary_factor,
        max_position_embeddings, and rope_interleave (only when layout is "interleaved").
        "ntk" is not a transformers 5.x rope_type; it is written as {"rope_type": "ntk", "factor": alpha}
        (the key transformers commit 0044e3b used).
        """
        scaling: dict[str, Any] | None
        if self.rope_type == "default":
            scaling = None
        else:
            scaling = {"rope_type": self.rope_type, "factor": self.factor}
            if self.rope_type in ("yarn", "llama3", "longrope") and self.original_max_position_embeddings is not None:
                scaling["original_max_position_embeddings"] = self.original_max_position_embeddings
            if self.rope_type == "yarn":
                scaling.update(beta_fast=self.beta_fast, beta_slow=self.beta_slow, truncate=self.truncate)
                for key in ("attention_factor", "mscale", "mscale_all_dim"):
                    if getattr(self, key) is not None:
                        scaling[key] = getattr(self, key)
            elif self.rope_type == "llama3":
                scaling.update(low_freq_factor=self.low_freq_factor, high_freq_factor=self.high_freq_factor)
            elif self.rope_type == "longrope":
                scaling.update(short_factor=list(self.short_factor), long_factor=list(self.long_factor))
                if self.attention_factor is not None:
                    scaling["attention_factor"] = self.attention_factor
        out: dict[str, Any] = {
            "rope_theta": self.rope_theta,
            "rope_scaling": scaling,
            "head_dim": self.head_dim,
            "partial_rotary_factor": self.partial_rotary_factor,
            "max_position_embeddings": self.max_position_embeddings,
        }
        if self.layout == "interleaved":
            out["rope_interleave"] = True
        return out


def _is_nested(top: Mapping[str, Any]) -> bool:
    rp = top.get("rope_parameters")
    return isinstance(rp, Mapping) and any(k in rp for k in ("full_attention", "sliding_attention"))


def _read_head_dim(top: Mapping[str, Any]) -> int:
    if top.get("qk_rope_head_dim") is not None:
        # DeepSeek MLA: only the qk_rope_head_dim part of each head is rotated
        # (transformers DeepseekV3Config sets head_dim = qk_rope_head_dim).
        return _check_int("qk_rope_head_dim", top["qk_rope_head_dim"], 2)
    if top.get("head_dim") is not None:
        return _check_int("head_dim", top["head_dim"], 2)
    for hidden_key, heads_key in (("hidden_size", "num_attention_heads"), ("n_embd", "n_head")):
        if top.get(hidden_key) is not None and top.get(heads_key) is not None:
            hidden = _check_int(hidden_key, top[hidden_key], 1)
            heads = _check_int(heads_key, top[heads_key], 1)
            return hidden // heads
    raise ValueError(
        "cannot determine the head size: the config needs head_dim, or hidden_size and "
        "num_attention_heads (n_embd and n_head for GPT-J)"
    )


def _read_partial_rotary_factor(top: Mapping[str, Any], head_dim: int) -> float:
    if top.get("partial_rotary_factor") is not None:
        return _check_finite("partial_rotary_factor", top["partial_rotary_factor"])
    if top.get("rotary_pct") is not None:
        return _check_finite("rotary_pct", top["rotary_pct"])
    if top.get("rotary_dim") is not None:
        rotary_dim = _check_int("rotary_dim", top["rotary_dim"], 2)
        if rotary_dim > head_dim:
            raise ValueError(f"rotary_dim must be <= head_dim = {head_dim}, got {rotary_dim}")
        return rotary_dim / head_dim
    if top.get("model_type") == "gpt_neox":
        return 0.25  # transformers GPTNeoXConfig: rotary_pct defaults to 0.25
    return 1.0


def _read_rope_parameters(top: Mapping[str, Any], layer_key: str | None) -> dict[str, Any]:
    """The rope parameter dict for one layer kind, from rope_parameters (v5) or rope_scaling (v4)."""
    params = top.get("rope_parameters")
    if params is None:
        params = top.get("rope_scaling")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValueError(f"rope_scaling / rope_parameters must be a JSON object or null, got {params!r}")
    if _is_nested(top) and "rope_parameters" in top:
        key = layer_key or "full_attention"
        inner = params.get(key)
        if inner is None:
            inner = {}
        if not isinstance(inner, Mapping):
            raise ValueError(f"rope_parameters[{key!r}] must be a JSON object, got {inner!r}")
        return dict(inner)
    if layer_key == "sliding_attention":
        # Gemma 3 v4 form: local layers ignore rope_scaling and use plain RoPE
        # (transformers Gemma3Config builds them with {"rope_type": "default"}).
        return {}
    return dict(params)
