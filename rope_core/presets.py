"""Real models' RoPE settings, stored as their config.json keys and parsed by RopeConfig.from_hf_config.

Each preset keeps only the config.json keys that decide RoPE, with the values and spelling of the
published file (e.g. Llama 2 has no rope_theta key; DeepSeek-V3 uses the legacy "type").
Each note names its source; where a value could not be checked against a copy of the file, the note
says so.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from .config import RopeConfig


@dataclasses.dataclass(frozen=True)
class Preset:
    """name: display name; config: config.json keys (a plain dict; treat as read-only and use
    preset_dict() for a copy to edit); note: provenance and caveats; layer_type: passed to
    from_hf_config (Gemma 3 "local" layers)."""

    name: str
    config: dict
    note: str
    layer_type: str | None = None


# Phi-3.5-mini-instruct rope_scaling lists (48 = head_dim 96 / 2), as published in its config.json
# (microsoft/Phi-3.5-mini-instruct; copy in ../shared/reference/phi-3.5-mini-instruct.rope.json).
_PHI35_SHORT_FACTOR = [
    1.0, 1.0199999809265137, 1.0299999713897705, 1.0299999713897705, 1.0499999523162842, 1.0499999523162842,
    1.0499999523162842, 1.0499999523162842, 1.0499999523162842, 1.0699999332427979, 1.0999999046325684,
    1.1099998950958252, 1.1599998474121094, 1.1599998474121094, 1.1699998378753662, 1.2899998426437378,
    1.339999794960022, 1.679999828338623, 1.7899998426437378, 1.8199998140335083, 1.8499997854232788,
    1.8799997568130493, 1.9099997282028198, 1.9399996995925903, 1.9899996519088745, 2.0199997425079346,
    2.0199997425079346, 2.0199997425079346, 2.0199997425079346, 2.0199997425079346, 2.0199997425079346,
    2.0299997329711914, 2.0299997329711914, 2.0299997329711914, 2.0299997329711914, 2.0299997329711914,
    2.0299997329711914, 2.0299997329711914, 2.0299997329711914, 2.0299997329711914, 2.0799996852874756,
    2.0899996757507324, 2.189999580383301, 2.2199995517730713, 2.5899994373321533, 2.729999542236328,
    2.749999523162842, 2.8399994373321533,
]
_PHI35_LONG_FACTOR = [
    1.0800000429153442, 1.1100000143051147, 1.1399999856948853, 1.340000033378601, 1.5899999141693115,
    1.600000023841858, 1.6200000047683716, 2.620000123977661, 3.2300000190734863, 3.2300000190734863,
    4.789999961853027, 7.400000095367432, 7.700000286102295, 9.09000015258789, 12.199999809265137,
    17.670000076293945, 24.46000099182129, 28.57000160217285, 30.420001983642578, 30.840002059936523,
    32.590003967285156, 32.93000411987305, 42.320003509521484, 44.96000289916992, 50.340003967285156,
    50.45000457763672, 57.55000305175781, 57.93000411987305, 58.21000289916992, 60.1400032043457,
    62.61000442504883, 62.62000274658203, 62.71000289916992, 63.1400032043457, 63.1400032043457,
    63.77000427246094, 63.93000411987305, 63.96000289916992, 63.970001220703125, 64.02999877929688,
    64.06999969482422, 64.08000183105469, 64.12000274658203, 64.41000366210938, 64.4800033569336,
    64.51000213623047, 64.52999877929688, 64.83999633789062,
]

_GEMMA3_TEXT = {
    "head_dim": 256,
    "max_position_embeddings": 131072,
    "rope_theta": 1000000.0,
    "rope_local_base_freq": 10000.0,
    "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
    "sliding_window": 1024,
    "model_type": "gemma3_text",
}

_GEMMA4_TEXT = {
    "model_type": "gemma4_text",
    "head_dim": 256,
    "global_head_dim": 512,
    "max_position_embeddings": 262144,
    "sliding_window": 1024,
    "rope_parameters": {
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
        "full_attention": {"rope_type": "proportional", "partial_rotary_factor": 0.25, "rope_theta": 1000000.0},
    },
}
_GEMMA4_SOURCE = (
    "Source: transformers 5.25 Gemma4TextConfig (rope_parameters, head_dim 256, global_head_dim 512), which "
    "the published google/gemma-4-31B-it config.json carries; sliding window 1024 and 256K context from the "
    "release (rope-frontier.md B1). Layer count not included."
)
_LLAMA4_SCOUT_TEXT = {
    "model_type": "llama4_text",
    "hidden_size": 5120,
    "num_attention_heads": 40,
    "head_dim": 128,
    "num_hidden_layers": 48,
    "max_position_embeddings": 10485760,
    "rope_theta": 500000.0,
    "rope_scaling": {"factor": 16.0, "high_freq_factor": 1.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "attention_chunk_size": 8192,
    "attn_temperature_tuning": 4,
    "floor_scale": 8192,
    "attn_scale": 0.1,
}

_RAW: list[tuple[str, dict[str, Any], str, str | None]] = [
    (
        "Llama-2-7B",
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 4096, "rope_scaling": None},
        "No rope_theta key, so transformers uses 10000.0. HF checkpoint layout is rotate_half; "
        "Meta's original code pairs interleaved (the HF converter permutes W_q/W_k rows). "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Llama-3-8B",
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 8192, "rope_theta": 500000.0, "rope_scaling": None},
        "rope_theta raised to 500000; no scaling. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Llama-3.1-8B",
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 131072, "rope_theta": 500000.0,
         "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                          "original_max_position_embeddings": 8192, "rope_type": "llama3"}},
        "llama3 scaling x8 from the 8192-token pre-training length. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Llama-3.2-1B",
        {"model_type": "llama", "hidden_size": 2048, "num_attention_heads": 32, "head_dim": 64,
         "max_position_embeddings": 131072, "rope_theta": 500000.0,
         "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                          "original_max_position_embeddings": 8192, "rope_type": "llama3"}},
        "llama3 scaling x32 (Llama 3.2 1B/3B), head_dim 64. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Mistral-7B-v0.1",
        {"model_type": "mistral", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 32768, "rope_theta": 10000.0, "sliding_window": 4096},
        "Plain RoPE; attention is limited by a 4096-token sliding window, not by RoPE. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Mixtral-8x7B-v0.1",
        {"model_type": "mixtral", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 32768, "rope_theta": 1000000.0},
        "rope_theta 1e6, no scaling. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Qwen2.5-7B-Instruct",
        {"model_type": "qwen2", "hidden_size": 3584, "num_attention_heads": 28,
         "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rope_scaling": None},
        "head_dim 128 = 3584 / 28. max_position_embeddings 32768 is the Instruct file "
        "(the base model's 131072 is from memory, not verified). "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Qwen2.5-7B-Instruct + YaRN x4",
        {"model_type": "qwen2", "hidden_size": 3584, "num_attention_heads": 28,
         "max_position_embeddings": 32768, "rope_theta": 1000000.0,
         "rope_scaling": {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}},
        "The rope_scaling block the model card recommends adding for 128k contexts. "
        "transformers 5.x uses factor 4 (v4.5x overwrote it with 32768/32768 = 1, issue #38224). "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Gemma-2-9B",
        {"model_type": "gemma2", "hidden_size": 3584, "num_attention_heads": 16, "head_dim": 256,
         "max_position_embeddings": 8192, "rope_theta": 10000.0, "sliding_window": 4096},
        "head_dim 256 (not hidden_size / heads); sliding window 4096 on alternate layers. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Gemma-3-12B (global layers)",
        {"model_type": "gemma3", "text_config": dict(_GEMMA3_TEXT)},
        "Global (full-attention) layers: rope_theta 1e6 with linear scaling x8. Values "
        "as in the text_config of Gemma 3 4B/12B (27B has head_dim 128). "
        "Source: the published config.json, read in a verbatim copy.",
        "global",
    ),
    (
        "Gemma-3-12B (local layers)",
        {"model_type": "gemma3", "text_config": dict(_GEMMA3_TEXT)},
        "Local (sliding-window 1024, 5 of every 6 layers): transformers builds them with "
        "rope_theta = rope_local_base_freq = 10000 and rope_type default (no scaling). "
        "Source: the published config.json, read in a verbatim copy.",
        "local",
    ),
    (
        "DeepSeek-V3 (rope part)",
        {"model_type": "deepseek_v3", "hidden_size": 7168, "num_attention_heads": 128,
         "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128,
         "max_position_embeddings": 163840, "rope_theta": 10000,
         "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0,
                          "mscale_all_dim": 1.0, "original_max_position_embeddings": 4096,
                          "type": "yarn"}},
        "Only the 64-dim qk_rope part rotates (MLA), interleaved (transformers "
        "rope_interleave defaults to true). mscale = mscale_all_dim = 1 gives attention_factor 1; "
        "the softmax scale is multiplied by (0.1 ln 40 + 1)^2 = 1.8739 instead. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Phi-3.5-mini-instruct",
        {"model_type": "phi3", "hidden_size": 3072, "num_attention_heads": 32,
         "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
         "rope_theta": 10000.0,
         "rope_scaling": {"type": "longrope", "short_factor": _PHI35_SHORT_FACTOR,
                          "long_factor": _PHI35_LONG_FACTOR}},
        "LongRoPE with its searched per-pair factors: short_factor (1.0 to 2.84) up to the original 4096 "
        "tokens, long_factor (1.08 to 64.84) beyond. head_dim 96, max 131072, original 4096 at the top "
        "level, so factor = 32 and attention_factor sqrt(1 + ln 32 / ln 4096) = 1.1902. Source: "
        "microsoft/Phi-3.5-mini-instruct config.json (rope keys as published).",
        None,
    ),
    (
        "GPT-NeoX-20B",
        {"model_type": "gpt_neox", "hidden_size": 6144, "num_attention_heads": 64,
         "rotary_pct": 0.25, "rotary_emb_base": 10000, "max_position_embeddings": 2048},
        "Only the first 24 of 96 head features rotate (rotary_pct 0.25); base key is "
        "rotary_emb_base. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "GPT-J-6B",
        {"model_type": "gptj", "n_embd": 4096, "n_head": 16, "rotary_dim": 64, "n_positions": 2048},
        "Base 10000 is hard-coded in modeling_gptj.py (no config key); the first 64 of 256 "
        "head features rotate, interleaved (rotate_every_two). "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "CodeLlama-7B-Instruct",
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 16384, "rope_theta": 1000000, "rope_scaling": None},
        "rope_theta raised to 1e6 for long-context code fine-tuning. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "gpt-oss-20b",
        {"model_type": "gpt_oss", "hidden_size": 2880, "num_attention_heads": 64, "head_dim": 64,
         "max_position_embeddings": 131072, "rope_theta": 150000,
         "rope_scaling": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 32.0,
                          "original_max_position_embeddings": 4096, "rope_type": "yarn",
                          "truncate": False}},
        "YaRN x32 with truncate false: the ramp bounds stay fractional. "
        "Source: the published config.json, read in a verbatim copy.",
        None,
    ),
    (
        "Gemma-4-31B (global layers)",
        {"model_type": "gemma4", "text_config": dict(_GEMMA4_TEXT)},
        "Full-attention layers (1 in 6, and the last): proportional RoPE (p-RoPE) on head_dim 512. Only "
        "int(0.25 * 512 // 2) = 64 of 256 pairs rotate, with theta^(-2i/512), wavelengths 6.3 to 188 tokens; "
        "the other 192 pairs have frequency 0 and carry no position. " + _GEMMA4_SOURCE,
        "global",
    ),
    (
        "Gemma-4-31B (local layers)",
        {"model_type": "gemma4", "text_config": dict(_GEMMA4_TEXT)},
        "Sliding-window layers (5 in 6): plain RoPE, rope_theta 10000 on head_dim 256. " + _GEMMA4_SOURCE,
        "local",
    ),
    (
        "Qwen2.5-VL-7B-Instruct",
        {"model_type": "qwen2_5_vl", "hidden_size": 3584, "num_attention_heads": 28,
         "max_position_embeddings": 128000, "rope_theta": 1000000.0,
         "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
         "vision_config": {"hidden_size": 1280, "num_heads": 16, "spatial_merge_size": 2,
                           "tokens_per_second": 2}},
        "M-RoPE, contiguous sections: pairs 0-15 turn with time, 16-39 with the image row, 40-63 with the "
        "column (transformers rewrites type mrope to default). Vision tower: 2-D RoPE on head_dim "
        "1280 / 16 = 80. Source: Qwen/Qwen2.5-VL-7B-Instruct config.json as recalled, with mrope_section and "
        "tokens_per_second checked against rope-frontier.md B2; not compared with the file here.",
        None,
    ),
    (
        "Qwen3-VL-8B-Instruct",
        {"model_type": "qwen3_vl",
         "text_config": {"model_type": "qwen3_vl_text", "hidden_size": 4096, "num_attention_heads": 32,
                         "head_dim": 128, "max_position_embeddings": 262144, "rope_theta": 5000000,
                         "rope_scaling": {"rope_type": "default", "mrope_section": [24, 20, 20],
                                          "mrope_interleaved": True}}},
        "Interleaved M-RoPE: pairs cycle t, h, w for 60 pairs, then 4 more t, so every axis spans the whole "
        "spectrum. Source: rope-frontier.md B2 (transformers 5.25 Qwen3VLTextRotaryEmbedding; section, "
        "rope_theta and head_dim of the published config); hidden_size and heads as recalled.",
        None,
    ),
    (
        "Qwen3.5-27B",
        {"model_type": "qwen3_5",
         "text_config": {"model_type": "qwen3_5_text", "head_dim": 256, "max_position_embeddings": 262144,
                         "rope_parameters": {"rope_type": "default", "rope_theta": 10000000,
                                             "partial_rotary_factor": 0.25, "mrope_section": [11, 11, 10],
                                             "mrope_interleaved": True}}},
        "Interleaved M-RoPE on a quarter of head_dim 256: 32 pairs t h w t h w ... t h, the other 192 "
        "features pass through. Only 1 layer in 4 is attention (full_attention_interval 4); the others are "
        "linear attention without RoPE. Source: transformers 5.25 Qwen3_5TextConfig defaults and "
        "rope-frontier.md B2 (checkpoint Qwen/Qwen3.5-27B); hidden size omitted.",
        None,
    ),
    (
        "Llama-4-Scout-17B-16E",
        {"model_type": "llama4", "text_config": dict(_LLAMA4_SCOUT_TEXT)},
        "iRoPE: 3 of 4 layers use llama3 RoPE with low_freq_factor = high_freq_factor = 1, a hard step that "
        "divides every pair with wavelength > 8192 by 16 (29 of 64 pairs); every 4th layer has no RoPE and "
        "scales its queries by 1 + 0.1 ln(1 + floor((m + 1) / 8192)). Pairs interleaved (complex multiply). "
        "Source: meta-llama/llama-models llama4 args (factor 16, high_freq_factor 1) and transformers 5.25 "
        "Llama4TextConfig, per rope-frontier.md B3; some copies of the config.json show factor 8 / high 4.",
        None,
    ),
    (
        "LFM3 (global layers)",
        {"model_type": "lfm3", "head_dim": 128, "hidden_size": 2048, "num_attention_heads": 16,
         "num_hidden_layers": 24, "max_position_embeddings": 128000,
         "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                             "full_attention": {"rope_type": "proportional", "rope_theta": 1000000.0,
                                                "partial_rotary_factor": 0.5}}},
        "Full-attention layers: proportional RoPE, 32 of 64 pairs rotate with theta^(-2i/128); sliding-window "
        "layers use plain RoPE (theta 10000); most layers are convolutions. Source: transformers 5.25 "
        "Lfm3Config defaults (an LFM3-1.7B style configuration); no published config.json checked.",
        None,
    ),
]


PRESETS: dict[str, Preset] = {name: Preset(name, cfg, note, layer) for name, cfg, note, layer in _RAW}

# Former preset names that still resolve (shared links carry them): old name -> current name.
PRESET_ALIASES: dict[str, str] = {"Phi-3-mini-128k": "Phi-3.5-mini-instruct"}


def preset_dict(name: str) -> dict[str, Any]:
    """A deep copy of the preset's config.json keys (what a user would paste), safe to edit."""
    return copy.deepcopy(_preset(name).config)


def preset_config(name: str) -> RopeConfig:
    """RopeConfig.from_hf_config(preset's config.json keys, layer_type=preset.layer_type)."""
    preset = _preset(name)
    return RopeConfig.from_hf_config(preset.config, layer_type=preset.layer_type)


def _preset(name: str) -> Preset:
    name = PRESET_ALIASES.get(name, name)
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}")
    return PRESETS[name]
