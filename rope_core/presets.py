"""Real models' RoPE settings, stored as their config.json keys and parsed by RopeConfig.from_hf_config.

Each preset keeps only the config.json keys that decide RoPE, with the values and spelling of the
published file (e.g. Llama 2 has no rope_theta key; DeepSeek-V3 uses the legacy "type").
Where a value could not be checked against a copy of the file, the note says so.
Values were taken from ../shared/reference/rope-formulas.md Sec. 11 ([copy] = read in a third-party
verbatim copy of the config) unless the note says otherwise.
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


# Phi-3-mini-128k's short/long factor lists have 48 entries each (96 / 2); their values were not
# verified here, so the preset uses 1.0 everywhere and says so. Never shown as real data.
_PHI3_PLACEHOLDER = [1.0] * 48

_GEMMA3_TEXT = {
    "head_dim": 256,
    "max_position_embeddings": 131072,
    "rope_theta": 1000000.0,
    "rope_local_base_freq": 10000.0,
    "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
    "sliding_window": 1024,
    "model_type": "gemma3_text",
}

_RAW: list[tuple[str, dict[str, Any], str, str | None]] = [
    (
        "Llama-2-7B",
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 4096, "rope_scaling": None},
        "[copy] No rope_theta key, so transformers uses 10000.0. HF checkpoint layout is rotate_half; "
        "Meta's original code pairs interleaved (the HF converter permutes W_q/W_k rows).",
        None,
    ),
    (
        "Llama-3-8B",
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 8192, "rope_theta": 500000.0, "rope_scaling": None},
        "[copy] rope_theta raised to 500000; no scaling.",
        None,
    ),
    (
        "Llama-3.1-8B",
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 131072, "rope_theta": 500000.0,
         "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                          "original_max_position_embeddings": 8192, "rope_type": "llama3"}},
        "[copy] llama3 scaling x8 from the 8192-token pre-training length.",
        None,
    ),
    (
        "Llama-3.2-1B",
        {"model_type": "llama", "hidden_size": 2048, "num_attention_heads": 32, "head_dim": 64,
         "max_position_embeddings": 131072, "rope_theta": 500000.0,
         "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                          "original_max_position_embeddings": 8192, "rope_type": "llama3"}},
        "[copy] llama3 scaling x32 (Llama 3.2 1B/3B), head_dim 64.",
        None,
    ),
    (
        "Mistral-7B-v0.1",
        {"model_type": "mistral", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 32768, "rope_theta": 10000.0, "sliding_window": 4096},
        "[copy] Plain RoPE; attention is limited by a 4096-token sliding window, not by RoPE.",
        None,
    ),
    (
        "Mixtral-8x7B-v0.1",
        {"model_type": "mixtral", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 32768, "rope_theta": 1000000.0},
        "[copy] rope_theta 1e6, no scaling.",
        None,
    ),
    (
        "Qwen2.5-7B-Instruct",
        {"model_type": "qwen2", "hidden_size": 3584, "num_attention_heads": 28,
         "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rope_scaling": None},
        "[copy] head_dim 128 = 3584 / 28. max_position_embeddings 32768 is the Instruct file "
        "(the base model's 131072 is from memory, not verified).",
        None,
    ),
    (
        "Qwen2.5-7B-Instruct + YaRN x4",
        {"model_type": "qwen2", "hidden_size": 3584, "num_attention_heads": 28,
         "max_position_embeddings": 32768, "rope_theta": 1000000.0,
         "rope_scaling": {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}},
        "[copy] The rope_scaling block the model card recommends adding for 128k contexts. "
        "transformers 5.x uses factor 4 (v4.5x overwrote it with 32768/32768 = 1, issue #38224).",
        None,
    ),
    (
        "Gemma-2-9B",
        {"model_type": "gemma2", "hidden_size": 3584, "num_attention_heads": 16, "head_dim": 256,
         "max_position_embeddings": 8192, "rope_theta": 10000.0, "sliding_window": 4096},
        "[copy] head_dim 256 (not hidden_size / heads); sliding window 4096 on alternate layers.",
        None,
    ),
    (
        "Gemma-3-12B (global layers)",
        {"model_type": "gemma3", "text_config": dict(_GEMMA3_TEXT)},
        "[copy] Global (full-attention) layers: rope_theta 1e6 with linear scaling x8. Values "
        "as in the text_config of Gemma 3 4B/12B (27B has head_dim 128).",
        "global",
    ),
    (
        "Gemma-3-12B (local layers)",
        {"model_type": "gemma3", "text_config": dict(_GEMMA3_TEXT)},
        "[copy] Local (sliding-window 1024, 5 of every 6 layers): transformers builds them with "
        "rope_theta = rope_local_base_freq = 10000 and rope_type default (no scaling).",
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
        "[copy] Only the 64-dim qk_rope part rotates (MLA), interleaved (transformers "
        "rope_interleave defaults to true). mscale = mscale_all_dim = 1 gives attention_factor 1; "
        "the softmax scale is multiplied by (0.1 ln 40 + 1)^2 = 1.8739 instead.",
        None,
    ),
    (
        "Phi-3-mini-128k",
        {"model_type": "phi3", "hidden_size": 3072, "num_attention_heads": 32,
         "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
         "rope_theta": 10000.0,
         "rope_scaling": {"type": "longrope", "short_factor": _PHI3_PLACEHOLDER,
                          "long_factor": _PHI3_PLACEHOLDER}},
        "Factor lists NOT verified: the real short_factor/long_factor (48 values each) are not "
        "reproduced here, and this preset uses 1.0 for every entry, so its frequencies equal "
        "plain RoPE. head_dim 96, rope_theta 10000, max 131072, original 4096 (top level) are "
        "[copy]; attention_factor sqrt(1 + ln 32 / ln 4096) = 1.1902 follows from them. The "
        "first releases spelled the type \"su\".",
        None,
    ),
    (
        "GPT-NeoX-20B",
        {"model_type": "gpt_neox", "hidden_size": 6144, "num_attention_heads": 64,
         "rotary_pct": 0.25, "rotary_emb_base": 10000, "max_position_embeddings": 2048},
        "[copy] Only the first 24 of 96 head features rotate (rotary_pct 0.25); base key is "
        "rotary_emb_base.",
        None,
    ),
    (
        "GPT-J-6B",
        {"model_type": "gptj", "n_embd": 4096, "n_head": 16, "rotary_dim": 64, "n_positions": 2048},
        "[copy] Base 10000 is hard-coded in modeling_gptj.py (no config key); the first 64 of 256 "
        "head features rotate, interleaved (rotate_every_two).",
        None,
    ),
    (
        "CodeLlama-7B-Instruct",
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
         "max_position_embeddings": 16384, "rope_theta": 1000000, "rope_scaling": None},
        "[copy] rope_theta raised to 1e6 for long-context code fine-tuning.",
        None,
    ),
    (
        "gpt-oss-20b",
        {"model_type": "gpt_oss", "hidden_size": 2880, "num_attention_heads": 64, "head_dim": 64,
         "max_position_embeddings": 131072, "rope_theta": 150000,
         "rope_scaling": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 32.0,
                          "original_max_position_embeddings": 4096, "rope_type": "yarn",
                          "truncate": False}},
        "[copy] YaRN x32 with truncate false: the ramp bounds stay fractional.",
        None,
    ),
]


PRESETS: dict[str, Preset] = {name: Preset(name, cfg, note, layer) for name, cfg, note, layer in _RAW}


def preset_dict(name: str) -> dict[str, Any]:
    """A deep copy of the preset's config.json keys (what a user would paste), safe to edit."""
    return copy.deepcopy(_preset(name).config)


def preset_config(name: str) -> RopeConfig:
    """RopeConfig.from_hf_config(preset's config.json keys, layer_type=preset.layer_type)."""
    preset = _preset(name)
    return RopeConfig.from_hf_config(preset.config, layer_type=preset.layer_type)


def _preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}")
    return PRESETS[name]
