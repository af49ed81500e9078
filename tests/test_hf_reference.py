"""rope_core against what transformers itself computes (tests/hf_reference/hf_reference.json).

The file is written by tests/hf_reference/make_hf_reference.py in a separate torch+transformers
environment; this test needs only numpy. transformers computes inv_freq and cos/sin in float32,
so frequencies are compared with rtol 1e-6 (float32 rounding of theta ** (2i/d) for bases up to 1e6
is a few 1e-7) and rotated vectors with atol 1e-5 (float32 angles at positions up to 50).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from rope_core import PRESETS, RopeConfig, apply_rope, attention_factor, inv_freq, pair_indices

DATA = json.loads((pathlib.Path(__file__).parent / "hf_reference" / "hf_reference.json").read_text())
FREQ_CASES = DATA["frequencies"]
APPLY_CASES = DATA["apply"]


def test_reference_file_records_versions_and_covers_every_method():
    assert DATA["transformers_version"].startswith("5.")
    assert DATA["torch_version"]
    types = {RopeConfig.from_hf_config(c["hf_config"], layer_type=c["layer_type"]).rope_type for c in FREQ_CASES}
    assert types >= {"default", "linear", "dynamic", "yarn", "llama3", "longrope"}
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


@pytest.mark.parametrize("case", APPLY_CASES, ids=[c["name"] for c in APPLY_CASES])
def test_apply_rope_matches_transformers_rotation(case):
    config = RopeConfig.from_hf_config(case["hf_config"])
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
