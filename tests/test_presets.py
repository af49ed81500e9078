"""rope_core.presets: every model's config.json keys parse to the RoPE the reference describes."""

from __future__ import annotations

import json
import math
import pathlib

import pytest

import numpy as np

from rope_core import layer_ropes, pair_axes
from rope_core.frequencies import attention_factor, default_inv_freq, inv_freq, yarn_correction_range
from rope_core.presets import PRESET_ALIASES, PRESETS, preset_config, preset_dict

PHI35 = json.loads((pathlib.Path("/work/shared/reference/phi-3.5-mini-instruct.rope.json")).read_text()) \
    if pathlib.Path("/work/shared/reference/phi-3.5-mini-instruct.rope.json").exists() else None

ISSUE_MODELS = ["Llama-2-7B", "Llama-3-8B", "Llama-3.1-8B", "Llama-3.2-1B", "Mistral-7B", "Mixtral-8x7B",
                "Qwen2.5-7B", "YaRN x4", "Gemma-2-9B", "global layers", "local layers", "DeepSeek-V3",
                "Phi-3.5-mini-instruct", "GPT-NeoX-20B", "GPT-J-6B", "CodeLlama", "gpt-oss",
                # issue 17
                "Gemma-4-31B (global layers)", "Gemma-4-31B (local layers)", "Qwen2.5-VL-7B", "Qwen3-VL-8B",
                "Qwen3.5", "Llama-4-Scout", "LFM3"]


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
        ("Phi-3.5-mini-instruct", dict(head_dim=96, rope_type="longrope", factor=32.0,
                                       original_max_position_embeddings=4096)),
        ("Gemma-4-31B (global layers)", dict(head_dim=512, rope_type="proportional", partial_rotary_factor=0.25,
                                             rope_theta=1e6, n_pairs=256)),
        ("Gemma-4-31B (local layers)", dict(head_dim=256, rope_type="default", rope_theta=1e4)),
        ("Qwen2.5-VL-7B-Instruct", dict(head_dim=128, rope_theta=1e6, mrope_section=(16, 24, 24),
                                        mrope_interleaved=False)),
        ("Qwen3-VL-8B-Instruct", dict(head_dim=128, rope_theta=5e6, mrope_section=(24, 20, 20),
                                      mrope_interleaved=True)),
        ("Qwen3.5-27B", dict(head_dim=256, rotary_dim=64, rope_theta=1e7, mrope_section=(11, 11, 10),
                             mrope_interleaved=True)),
        ("Llama-4-Scout-17B-16E", dict(head_dim=128, rope_type="llama3", factor=16.0, low_freq_factor=1.0,
                                       high_freq_factor=1.0, layout="interleaved")),
        ("LFM3 (global layers)", dict(head_dim=128, rope_type="proportional", partial_rotary_factor=0.5)),
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
    assert attention_factor(preset_config("Phi-3.5-mini-instruct")) == pytest.approx(math.sqrt(17 / 12), abs=1e-9)
    assert attention_factor(preset_config("DeepSeek-V3 (rope part)")) == 1.0
    assert yarn_correction_range(preset_config("DeepSeek-V3 (rope part)")) == (10, 23)
    assert yarn_correction_range(preset_config("Qwen2.5-7B-Instruct + YaRN x4")) == (23, 40)
    low, high = yarn_correction_range(preset_config("gpt-oss-20b"))
    assert low == pytest.approx(8.09278, abs=1e-5) and high == pytest.approx(17.39802, abs=1e-5)


def test_phi35_preset_carries_the_published_longrope_lists_and_the_old_name_resolves():
    config = preset_config("Phi-3.5-mini-instruct")
    assert len(config.short_factor) == len(config.long_factor) == 48
    assert config.short_factor[:3] == (1.0, 1.0199999809265137, 1.0299999713897705)
    assert config.long_factor[-1] == 64.83999633789062
    if PHI35 is not None:  # the copy of the published file this preset was taken from
        assert list(config.short_factor) == PHI35["rope_scaling"]["short_factor"]
        assert list(config.long_factor) == PHI35["rope_scaling"]["long_factor"]
    # long contexts divide theta_i by long_factor_i
    np.testing.assert_allclose(inv_freq(config, 131072), default_inv_freq(96, 1e4) / np.array(config.long_factor))
    assert PRESET_ALIASES["Phi-3-mini-128k"] == "Phi-3.5-mini-instruct"
    assert preset_config("Phi-3-mini-128k") == config and preset_dict("Phi-3-mini-128k") == preset_dict(
        "Phi-3.5-mini-instruct")


def test_no_preset_note_carries_internal_markers():
    for preset in PRESETS.values():
        assert "[copy]" not in preset.note and "Source" in preset.note, preset.name


def test_per_layer_presets_list_their_layer_types():
    scout = layer_ropes(PRESETS["Llama-4-Scout-17B-16E"].config)
    assert [(x.layer_type, len(x.layers), x.rope is None) for x in scout] == [
        ("chunked_attention", 36, False), ("full_attention", 12, True)]
    gemma4 = layer_ropes(PRESETS["Gemma-4-31B (global layers)"].config)
    assert [x.rope for x in gemma4] == [preset_config("Gemma-4-31B (local layers)"),
                                        preset_config("Gemma-4-31B (global layers)")]
    assert "".join("thw"[a] for a in pair_axes(preset_config("Qwen3.5-27B"))) == "thw" * 10 + "th"


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown preset 'GPT-5'; presets: Llama-2-7B"):
        preset_config("GPT-5")
