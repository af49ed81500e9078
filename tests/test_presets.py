"""rope_core.presets: every model's config.json keys parse to the RoPE the reference describes."""

from __future__ import annotations

import json
import math

import pytest

from rope_core.frequencies import attention_factor, yarn_correction_range
from rope_core.presets import PRESETS, preset_config, preset_dict

ISSUE_MODELS = ["Llama-2-7B", "Llama-3-8B", "Llama-3.1-8B", "Llama-3.2-1B", "Mistral-7B", "Mixtral-8x7B",
                "Qwen2.5-7B", "YaRN x4", "Gemma-2-9B", "global layers", "local layers", "DeepSeek-V3",
                "Phi-3-mini-128k", "GPT-NeoX-20B", "GPT-J-6B", "CodeLlama", "gpt-oss"]


def test_every_model_in_the_issue_has_a_preset():
    for model in ISSUE_MODELS:
        assert any(model in name for name in PRESETS), model


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_parses_is_json_and_has_a_note(name):
    preset = PRESETS[name]
    config = preset_config(name)
    assert preset.name == name and preset.note
    json.dumps(preset.config)
    assert preset_dict(name) == preset.config and preset_dict(name) is not preset.config
    assert config.rotary_dim % 2 == 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Llama-2-7B", dict(head_dim=128, rope_theta=10000.0, rope_type="default", max_position_embeddings=4096)),
        ("Llama-3-8B", dict(head_dim=128, rope_theta=500000.0, rope_type="default")),
        ("Llama-3.1-8B", dict(rope_type="llama3", factor=8.0, original_max_position_embeddings=8192,
                              max_position_embeddings=131072)),
        ("Llama-3.2-1B", dict(head_dim=64, rope_type="llama3", factor=32.0)),
        ("Mistral-7B-v0.1", dict(rope_theta=10000.0, max_position_embeddings=32768)),
        ("Mixtral-8x7B-v0.1", dict(rope_theta=1000000.0)),
        ("Qwen2.5-7B-Instruct", dict(head_dim=128, rope_theta=1000000.0, rope_type="default")),
        ("Qwen2.5-7B-Instruct + YaRN x4", dict(rope_type="yarn", factor=4.0, original_max_position_embeddings=32768)),
        ("Gemma-2-9B", dict(head_dim=256, rope_theta=10000.0)),
        ("Gemma-3-12B (global layers)", dict(head_dim=256, rope_theta=1000000.0, rope_type="linear", factor=8.0)),
        ("Gemma-3-12B (local layers)", dict(head_dim=256, rope_theta=10000.0, rope_type="default")),
        ("DeepSeek-V3 (rope part)", dict(head_dim=64, layout="interleaved", rope_type="yarn", factor=40.0, mscale=1.0,
                                         mscale_all_dim=1.0)),
        ("Phi-3-mini-128k", dict(head_dim=96, rope_type="longrope", factor=32.0, original_max_position_embeddings=4096)),
        ("GPT-NeoX-20B", dict(head_dim=96, rotary_dim=24, rope_theta=10000.0, max_position_embeddings=2048)),
        ("GPT-J-6B", dict(head_dim=256, rotary_dim=64, layout="interleaved", max_position_embeddings=2048)),
        ("CodeLlama-7B-Instruct", dict(rope_theta=1000000.0, max_position_embeddings=16384)),
        ("gpt-oss-20b", dict(head_dim=64, rope_theta=150000.0, rope_type="yarn", factor=32.0, truncate=False)),
    ],
)
def test_preset_values(name, expected):
    config = preset_config(name)
    for key, value in expected.items():
        assert getattr(config, key) == value, key


def test_derived_values_of_real_models():
    assert attention_factor(preset_config("Phi-3-mini-128k")) == pytest.approx(math.sqrt(17 / 12), abs=1e-9)
    assert attention_factor(preset_config("DeepSeek-V3 (rope part)")) == 1.0
    assert yarn_correction_range(preset_config("DeepSeek-V3 (rope part)")) == (10, 23)
    assert yarn_correction_range(preset_config("Qwen2.5-7B-Instruct + YaRN x4")) == (23, 40)
    low, high = yarn_correction_range(preset_config("gpt-oss-20b"))
    assert low == pytest.approx(8.09278, abs=1e-5) and high == pytest.approx(17.39802, abs=1e-5)


def test_phi3_preset_says_its_factor_lists_are_placeholders():
    preset = PRESETS["Phi-3-mini-128k"]
    assert "NOT verified" in preset.note and "1.0" in preset.note
    assert set(preset_config("Phi-3-mini-128k").short_factor) == {1.0}


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown preset 'GPT-5'; presets: Llama-2-7B"):
        preset_config("GPT-5")
