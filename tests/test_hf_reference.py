"""rope_core against what transformers itself computes (tests/hf_reference/hf_reference.json).

The file is written by tests/hf_reference/make_hf_reference.py in a separate torch+transformers
environment (transformers 5.25); this test needs only numpy. transformers computes inv_freq and
cos/sin in float32, so frequencies are compared with rtol 1e-6 (float32 rounding of theta ** (2i/d)
for bases up to 1e7 is a few 1e-7) and rotated vectors with atol 1e-5 (float32 angles at positions
up to 50). Rotated vectors come from each model's own rotary embedding and apply function
(Llama, GPT-NeoX, GPT-J, DeepSeek-V3, Gemma 4, LFM3, Llama 4, Qwen2.5-VL, Qwen3-VL, Qwen3.5,
Pixtral, the Qwen2-VL vision tower); M-RoPE position ids from Qwen2-VL / Qwen2.5-VL get_rope_index.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from rope_core import PRESETS, RopeConfig, apply_rope, attention_factor, inv_freq, mrope_position_ids, pair_indices

DATA = json.loads((pathlib.Path(__file__).parent / "hf_reference" / "hf_reference.json").read_text())
FREQ_CASES = DATA["frequencies"]
APPLY_CASES = DATA["apply"]
POSITION_CASES = DATA["position_ids"]


def test_reference_file_records_versions_and_covers_every_method():
    major, minor = (int(v) for v in DATA["transformers_version"].split(".")[:2])
    assert (major, minor) >= (5, 25)
    assert DATA["torch_version"]
    types = {RopeConfig.from_hf_config(c["hf_config"], layer_type=c["layer_type"]).rope_type for c in FREQ_CASES}
    assert types >= {"default", "linear", "dynamic", "yarn", "llama3", "longrope", "proportional"}
    applied = {_config(c) for c in APPLY_CASES}
    assert {c.rope_type for c in applied} >= {"default", "yarn", "longrope", "dynamic", "proportional", "llama3", "axial"}
    assert {c.mrope_interleaved for c in applied if c.mrope_section} == {False, True}
    assert {c.axial_split for c in applied if c.rope_type == "axial"} == {"alternate", "shared"}
    names = {c["name"] for c in FREQ_CASES}
    for preset in PRESETS.values():
        if preset.config.get("model_type") != "gptj":
            assert f"preset {preset.name}" in names


@pytest.mark.parametrize("case", FREQ_CASES, ids=[f"{c['name']} seq_len={c['seq_len']}" for c in FREQ_CASES])
def test_inv_freq_and_attention_factor_match_transformers(case):
    config = RopeConfig.from_hf_config(case["hf_config"], layer_type=case["layer_type"])
    ours = inv_freq(config, case["seq_len"])
    np.testing.assert_allclose(ours, case["inv_freq"], rtol=1e-6, atol=0)
    assert attention_factor(config, case["seq_len"]) == pytest.approx(case["attention_factor"], rel=1e-12)


def _config(case) -> RopeConfig:
    return RopeConfig.from_hf_config(case["hf_config"], layer_type=case.get("layer_type"),
                                     tower=case.get("tower", "text"))


@pytest.mark.parametrize("case", APPLY_CASES, ids=[c["name"] for c in APPLY_CASES])
def test_apply_rope_matches_transformers_rotation(case):
    config = _config(case)
    positions = np.array(case["positions"])
    x = np.array(case["x"])
    # transformers' forward recomputes dynamic/longrope frequencies at max(position_ids) + 1.
    ours = apply_rope(x, positions, config, seq_len=int(positions.max()) + 1)
    expected = np.array(case["expected"])
    if case["hf_config"]["model_type"] == "deepseek_v3":
        # DeepSeek-V3 returns the interleaved pairs de-interleaved: [a_0, a_1, ... | b_0, b_1, ...].
        idx = pair_indices(config.rotary_dim, "interleaved")
        ours = np.concatenate([ours[:, idx[:, 0]], ours[:, idx[:, 1]]], axis=1)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-5)


def test_partial_rotary_pass_through_is_untouched_like_gpt_neox():
    case = next(c for c in APPLY_CASES if "pass-through" in c["name"])
    config = RopeConfig.from_hf_config(case["hf_config"])
    x, expected = np.array(case["x"]), np.array(case["expected"])
    np.testing.assert_array_equal(expected[:, config.rotary_dim :], x[:, config.rotary_dim :])


@pytest.mark.parametrize("case", POSITION_CASES, ids=[c["name"] for c in POSITION_CASES])
def test_mrope_position_ids_match_get_rope_index(case):
    segments = [tuple(s) for s in case["segments"]]
    positions, delta = mrope_position_ids(segments, case["spatial_merge_size"], case["tokens_per_second"])
    np.testing.assert_array_equal(positions, np.array(case["positions"]))
    assert delta == case["rope_delta"]


def test_proportional_cases_pass_most_pairs_through_unrotated():
    case = next(c for c in APPLY_CASES if c["name"].startswith("gemma4 full_attention"))
    config = _config(case)
    x, expected = np.array(case["x"]), np.array(case["expected"])
    n = config.n_pairs
    rotating = int(config.partial_rotary_factor * config.head_dim // 2)
    still = np.r_[rotating:n, n + rotating:2 * n]
    np.testing.assert_allclose(expected[:, still], x[:, still], rtol=0, atol=1e-12)
    assert np.abs(expected[1:, :rotating] - x[1:, :rotating]).max() > 0.1
