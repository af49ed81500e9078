"""Every config fragment the app emits loads in transformers and gives rope_core's frequencies.

Each fragment (v4 `rope_scaling` and v5 `rope_parameters` form) goes through `LlamaConfig(**fragment)`,
whose constructor runs transformers' own standardize_rope_params and validate_rope, and then through
transformers' `ROPE_INIT_FUNCTIONS[rope_type]` (GPT-NeoX's default function for plain RoPE, since it
honours partial_rotary_factor as every scaled type does). A vision tower ("axial") goes through its own
config class and rotary embedding (Pixtral, Qwen2-VL). transformers computes in float32: rtol 2e-6.
"""

from __future__ import annotations

import ast
import dataclasses
import logging
import math

import numpy as np
import pytest
import torch
from transformers import LlamaConfig, PixtralVisionConfig
from transformers.models.pixtral.modeling_pixtral import PixtralVisionRotaryEmbedding
from transformers.models.qwen2_vl.configuration_qwen2_vl import Qwen2VLVisionConfig
from transformers.models.qwen2_vl.modeling_qwen2_vl import Qwen2VLVisionRotaryEmbedding
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS, yarn_apply_mscale
from transformers.models.gpt_neox.modeling_gpt_neox import GPTNeoXRotaryEmbedding

from rope_core import PRESETS, SCALING_TYPES, RopeConfig, attention_factor, inv_freq, preset_config
from rope_core.hf_export import FORMS, hf_fragment, ntk_note, scaling_parameters

# Long enough to vary per pair, so a dropped or reversed list shows.
_LONG = tuple(1.0 + 0.25 * i for i in range(48))
_SHORT = tuple(1.0 + 0.01 * i for i in range(48))


def _method_configs() -> dict[str, RopeConfig]:
    """Every method on two heads: a full 128-dim one and a partial, interleaved 96-dim one."""
    out = {}
    # the towers' own head sizes (Pixtral 1024 / 16, Qwen2-VL 1280 / 16): their config classes check them
    for split, head_dim in (("alternate", 64), ("shared", 80)):
        out[f"axial {split}"] = RopeConfig(head_dim=head_dim, rope_type="axial", axial_split=split, rope_theta=10000.0)
    out["mrope contiguous"] = RopeConfig(head_dim=128, rope_theta=1e6, mrope_section=(16, 24, 24))
    out["mrope interleaved yarn"] = RopeConfig(head_dim=128, rope_type="yarn", factor=4.0, mrope_section=(24, 20, 20),
                                               mrope_interleaved=True, original_max_position_embeddings=4096)
    for rope_type in SCALING_TYPES:
        if rope_type == "axial":
            continue
        for head_dim, partial, layout in ((128, 1.0, "half"), (192, 0.5, "interleaved")):
            kw = dict(head_dim=head_dim, partial_rotary_factor=partial, layout=layout, rope_type=rope_type,
                      rope_theta=500000.0, factor=4.5, max_position_embeddings=32768,
                      original_max_position_embeddings=4096 if rope_type in ("yarn", "llama3", "longrope") else None)
            if rope_type == "longrope":
                if head_dim * partial != 96:
                    continue
                kw.update(short_factor=_SHORT, long_factor=_LONG)
            out[f"{rope_type} d={head_dim}x{partial}"] = RopeConfig(**kw)
    out["yarn truncate=false beta 16/2"] = RopeConfig(rope_type="yarn", factor=32.0, beta_fast=16.0, beta_slow=2.0,
                                                      truncate=False, original_max_position_embeddings=4096)
    out["yarn mscale 0.707/1"] = RopeConfig(rope_type="yarn", factor=16.0, mscale=0.707, mscale_all_dim=1.0)
    out["yarn attention_factor 1.3"] = RopeConfig(rope_type="yarn", factor=8.0, attention_factor=1.3)
    out["llama3 low 2 high 8"] = RopeConfig(rope_type="llama3", factor=16.0, low_freq_factor=2.0,
                                            high_freq_factor=8.0, original_max_position_embeddings=2048,
                                            max_position_embeddings=65536)
    out["ntk d=4"] = RopeConfig(head_dim=4, rope_type="ntk", factor=3.0)
    out["default d=2"] = RopeConfig(head_dim=2)
    for name in PRESETS:
        out[f"preset {name}"] = preset_config(name)
    return out


CONFIGS = _method_configs()
CASES = [(name, form) for name in CONFIGS for form in FORMS]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


TOWERS = {"pixtral": PixtralVisionConfig, "qwen2_vl_vision": Qwen2VLVisionConfig}


def _load(fragment: dict) -> tuple[LlamaConfig, list[str]]:
    """The fragment through its transformers config class (LlamaConfig for a language model) and the warnings
    transformers logged while validating it."""
    handler = _Records()
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    fragment = dict(fragment)
    cls = TOWERS.get(fragment.pop("model_type", None), LlamaConfig)
    try:
        config = cls(**fragment)
    finally:
        logger.removeHandler(handler)
    return config, handler.messages


def _unknown_keys(warnings: list[str]) -> set[str]:
    """Keys transformers' validator called unrecognized or missing, from its log lines."""
    out: set[str] = set()
    for w in warnings:
        if "Unrecognized keys" in w or "Missing validation" in w:
            out |= ast.literal_eval(w[w.index("{"):]) if "{" in w else {w}
    return out


def _transformers_rope(hf_config, seq_len: int | None) -> tuple[np.ndarray, float]:
    rope_type = hf_config.rope_parameters["rope_type"]
    if isinstance(hf_config, PixtralVisionConfig):
        inv, factor = PixtralVisionRotaryEmbedding.compute_axial_rope_parameters(hf_config)
    elif isinstance(hf_config, Qwen2VLVisionConfig):
        inv, factor = Qwen2VLVisionRotaryEmbedding.compute_axial_rope_parameters(hf_config)
        inv = torch.cat([inv, inv])  # the same set for patch rows and columns
    elif rope_type == "default":
        inv, factor = GPTNeoXRotaryEmbedding.compute_default_rope_parameters(hf_config)
    else:
        inv, factor = ROPE_INIT_FUNCTIONS[rope_type](hf_config, seq_len=seq_len)
    return inv.double().numpy(), float(factor)


@pytest.mark.parametrize(("name", "form"), CASES, ids=[f"{n} {f}" for n, f in CASES])
def test_fragment_loads_in_transformers_with_rope_cores_frequencies(name, form):
    config = CONFIGS[name]
    hf_config, warnings = _load(hf_fragment(config, form))
    # An unknown rope_type or key would only be logged, so the log is part of the check. Allowed: the M-RoPE keys
    # (Qwen-VL config classes list them in ignore_keys_at_rope_validation) and proportional's factor (transformers
    # 5.25's compute function reads it, its validator does not list it).
    allowed = {"mrope_section", "mrope_interleaved"} | ({"factor"} if config.rope_type == "proportional" else set())
    assert _unknown_keys(warnings) <= allowed, warnings
    assert hf_config.rope_parameters["rope_type"] in (*ROPE_INIT_FUNCTIONS, "default", "axial")
    long = 2 * config.original_context + 1
    for seq_len in (None, long) if config.rope_type in ("dynamic", "longrope") else (None,):
        theirs, their_factor = _transformers_rope(hf_config, seq_len)
        np.testing.assert_allclose(inv_freq(config, seq_len), theirs, rtol=2e-6, atol=0)
        assert attention_factor(config, seq_len) == pytest.approx(their_factor, rel=1e-6)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_v4_and_v5_forms_standardize_to_the_same_rope_parameters(name):
    v4, _ = _load(hf_fragment(CONFIGS[name], "v4"))
    v5, _ = _load(hf_fragment(CONFIGS[name], "v5"))
    assert v4.rope_parameters == v5.rope_parameters
    assert v4.head_dim == v5.head_dim == CONFIGS[name].head_dim


def test_v4_form_has_top_level_theta_and_rope_scaling_and_v5_nests_them():
    cfg = preset_config("Llama-3.1-8B")
    v4, v5 = hf_fragment(cfg, "v4"), hf_fragment(cfg, "v5")
    assert v4["rope_theta"] == 500000.0 and v4["partial_rotary_factor"] == 1.0
    assert v4["max_position_embeddings"] == 131072
    assert v4["rope_scaling"] == {"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192,
                                  "low_freq_factor": 1.0, "high_freq_factor": 4.0}
    assert "rope_scaling" not in v5 and "rope_theta" not in v5
    assert v5["rope_parameters"]["rope_theta"] == 500000.0 and v5["rope_parameters"]["rope_type"] == "llama3"
    assert hf_fragment(RopeConfig(), "v4")["rope_scaling"] is None


def test_static_ntk_is_written_as_plain_rope_with_the_enlarged_base():
    cfg = RopeConfig(head_dim=128, rope_theta=10000.0, rope_type="ntk", factor=4.0)
    frag = hf_fragment(cfg, "v4")
    assert frag["rope_scaling"] is None and scaling_parameters(cfg) is None
    assert frag["rope_theta"] == pytest.approx(10000.0 * 4.0 ** (128 / 126), rel=1e-14)  # 40,889.9 (the 40,890)
    assert hf_fragment(cfg, "v5")["rope_parameters"]["rope_type"] == "default"
    assert "40889.9" in ntk_note(cfg)
    assert ntk_note(dataclasses.replace(cfg, rope_type="linear")) is None


def test_unknown_form_is_refused():
    with pytest.raises(ValueError, match="form must be one of v4, v5"):
        hf_fragment(RopeConfig(), "v6")


def test_deepseek_v3_softmax_scale_gains_mscale_squared_in_transformers():
    """transformers' DeepseekV3Attention: scaling = qk_head_dim**-0.5 * get_mscale(40, 1)**2, cos/sin factor 1."""
    hf_config, _ = _load(hf_fragment(preset_config("DeepSeek-V3 (rope part)"), "v5"))
    assert yarn_apply_mscale(hf_config.rope_parameters, 1.0) == pytest.approx((0.1 * math.log(40) + 1) ** 2)
    assert round((0.1 * math.log(40) + 1) ** 2, 4) == 1.8739
    assert attention_factor(preset_config("DeepSeek-V3 (rope part)")) == 1.0
