"""rope_core.planner: each method's plan at a target length, against hand values, naive loops and transformers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from transformers import LlamaConfig
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

import rope_core
from rope_core import RopeConfig, preset_config, preset_dict
from rope_core.hf_export import hf_fragment
from rope_core.planner import METHODS, method_config, pitfalls, plan

BASE = RopeConfig(head_dim=128, rope_theta=10000.0, max_position_embeddings=4096)  # Llama 2's RoPE
TARGET = 16384


@pytest.fixture(scope="module")
def plans():
    return {p.rope_type: p for p in plan(BASE, TARGET)}


def _naive_first_negative(theta: np.ndarray, length: int) -> int | None:
    """First m < length with Σ_i cos(m θ_i) < 0, one m at a time (chunks of m only for memory)."""
    for start in range(0, length, 4096):
        m = np.arange(start, min(start + 4096, length), dtype=np.float64)
        b = np.cos(np.outer(m, theta)).sum(axis=1)
        neg = np.nonzero(b < 0)[0]
        if neg.size:
            return int(m[neg[0]])
    return None


def test_every_method_extends_by_target_over_original(plans):
    assert list(plans) == list(METHODS)
    assert all(p.factor == 4.0 for p in plans.values())  # 16,384 / 4,096
    assert plans["yarn"].config.original_max_position_embeddings == 4096
    assert plans["yarn"].config.max_position_embeddings == TARGET
    assert plans["dynamic"].config.max_position_embeddings == 4096  # transformers' dynamic L0


def test_attention_factor_and_short_text_change_by_hand(plans):
    assert plans["yarn"].attention_factor == pytest.approx(0.1 * math.log(4) + 1, rel=1e-15)  # 1.1386
    assert all(plans[m].attention_factor == 1.0 for m in ("linear", "ntk", "dynamic", "llama3"))
    # PI divides every θ_i by 4: short texts see θ_i / 4 (change 1 − 1/4); dynamic NTK keeps θ_i up to L0
    assert plans["linear"].short_change == pytest.approx(0.75, rel=1e-15)
    assert plans["dynamic"].short_change == 0.0 and plans["dynamic"].short_mean_change == 0.0
    assert plans["linear"].short_mean_change == pytest.approx(0.75, rel=1e-15)
    # static YaRN and Llama 3 interpolate their slowest pairs fully whatever the length
    assert plans["yarn"].short_change == pytest.approx(0.75, rel=1e-12)
    assert plans["llama3"].short_change == pytest.approx(0.75, rel=1e-12)
    # NTK-aware: the slowest pair's θ falls by α = 4 exactly, every other by less
    assert plans["ntk"].short_change == pytest.approx(0.75, rel=1e-12)


def test_out_of_distribution_pairs_match_a_naive_count(plans):
    trained = rope_core.default_inv_freq(128, 10000.0)
    for name, p in plans.items():
        theta = rope_core.inv_freq(p.config, TARGET if name == "dynamic" else None)
        naive = sum(1 for i in range(64)
                    if (TARGET - 1) * theta[i] >= 4096 * trained[i] * (1 - 1e-12) and 4095 * trained[i] < 2 * math.pi)
        assert p.ood_pairs == naive, name
    assert plans["linear"].ood_pairs == 0  # PI maps the target exactly onto the trained range
    assert plans["ntk"].ood_pairs > 0  # α = s is too little for NTK-aware scaling: its slow pairs overshoot


def test_men_check_at_the_target_matches_a_naive_scan(plans):
    for name, p in plans.items():
        theta = rope_core.inv_freq(p.config, TARGET if name == "dynamic" else None)
        assert p.men_first_negative == _naive_first_negative(theta, TARGET), name


def test_plan_blocks_load_in_transformers_with_the_same_frequencies(plans):
    for name, p in plans.items():
        assert p.v4 == hf_fragment(p.config, "v4") and p.v5 == hf_fragment(p.config, "v5")
        for frag in (p.v4, p.v5):
            hf = LlamaConfig(**frag)
            kind = hf.rope_parameters["rope_type"]
            if kind == "default":  # static NTK: plain RoPE with the enlarged base
                theirs = 1.0 / hf.rope_parameters["rope_theta"] ** (torch.arange(0, 128, 2).double() / 128)
            else:
                theirs, _ = ROPE_INIT_FUNCTIONS[kind](hf, seq_len=TARGET if name == "dynamic" else None)
            ours = rope_core.inv_freq(p.config, TARGET if name == "dynamic" else None)
            np.testing.assert_allclose(ours, theirs.double().numpy(), rtol=2e-6, err_msg=name)


def test_a_scaled_preset_is_planned_from_its_trained_length():
    """Llama 3.1 was trained on 8,192 positions: its own llama3 block is removed, factor = target / 8,192."""
    plans = {p.rope_type: p for p in plan(preset_config("Llama-3.1-8B"), 65536, methods=("yarn", "llama3"))}
    assert plans["llama3"].factor == 8.0 and plans["llama3"].v4["rope_scaling"]["original_max_position_embeddings"] == 8192
    assert plans["yarn"].v5["rope_parameters"]["rope_theta"] == 500000.0


def test_bad_inputs_are_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="target must be >= 1"):
        plan(BASE, 0)
    with pytest.raises(ValueError, match="rope_type must be one of linear, ntk, dynamic, yarn, llama3"):
        method_config(BASE, "longrope", TARGET)


def test_pitfalls_name_each_mistake():
    missing = pitfalls({"max_position_embeddings": 32768, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}})
    assert len(missing) == 1 and "fills it with max_position_embeddings (32768)" in missing[0]
    clash = pitfalls({"original_max_position_embeddings": 4096, "max_position_embeddings": 131072,
                      "rope_scaling": {"rope_type": "longrope", "original_max_position_embeddings": 8192,
                                       "short_factor": [1], "long_factor": [1]}})
    assert len(clash) == 1 and "transformers uses the top level's 4096" in clash[0]
    wrong_factor = pitfalls({"max_position_embeddings": 32768, "rope_scaling": {
        "rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096}}, target=16384)
    assert len(wrong_factor) == 1 and "factor 8 but target ÷ original = 16,384 / 4,096 = 4" in wrong_factor[0]
    nested = pitfalls({"max_position_embeddings": 8192, "rope_parameters": {
        "full_attention": {"rope_type": "yarn", "factor": 2.0, "original_max_position_embeddings": 4096,
                           "truncate": False},
        "sliding_attention": {"rope_type": "default"}}})
    assert len(nested) == 1 and "rope_parameters['full_attention']: truncate" in nested[0]
    step = pitfalls({"max_position_embeddings": 131072, "rope_scaling": {
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 2.0, "high_freq_factor": 2.0,
        "original_max_position_embeddings": 8192}})
    assert len(step) == 1 and "low_freq_factor == high_freq_factor (2)" in step[0]


def test_a_consistent_config_has_no_pitfalls_and_llama31_has_its_real_one():
    assert pitfalls(preset_dict("Qwen2.5-7B-Instruct + YaRN x4"), target=131072) == []
    assert pitfalls(preset_dict("Llama-2-7B"), target=4096) == []
    # Meta's own block: factor 8 for 8,192 → 131,072 positions (16×); the message says so, transformers uses 8
    (only,) = pitfalls(preset_dict("Llama-3.1-8B"), target=131072)
    assert "factor 8 but target ÷ original = 131,072 / 8,192 = 16" in only


def test_transformers_turns_equal_llama3_factors_into_a_hard_step_without_nan():
    """What the low == high message says: no NaN, each pair kept or divided by factor (transformers 5.25)."""
    hf = LlamaConfig(head_dim=128, max_position_embeddings=131072, rope_theta=500000.0,
                     rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 2.0,
                                   "high_freq_factor": 2.0, "original_max_position_embeddings": 8192})
    theirs = ROPE_INIT_FUNCTIONS["llama3"](hf)[0].double().numpy()
    plain = rope_core.default_inv_freq(128, 500000.0)
    assert not np.isnan(theirs).any()
    ratio = plain / theirs
    assert np.all(np.isclose(ratio, 1.0, rtol=1e-6) | np.isclose(ratio, 8.0, rtol=1e-6))
    assert np.all(np.isclose(ratio[2 * np.pi / plain > 4096], 8.0, rtol=1e-6))


def test_a_template_keeps_the_methods_parameters_but_not_its_factor_or_contexts():
    template = RopeConfig(rope_type="yarn", factor=2.0, beta_fast=16.0, beta_slow=2.0, truncate=False,
                          mscale=0.707, mscale_all_dim=1.0, original_max_position_embeddings=1024)
    (p,) = plan(BASE, TARGET, methods=("yarn",), check_men=False, templates={"yarn": template})
    assert (p.config.beta_fast, p.config.beta_slow, p.config.truncate) == (16.0, 2.0, False)
    assert (p.config.mscale, p.config.mscale_all_dim) == (0.707, 1.0)
    assert p.factor == 4.0 and p.config.original_max_position_embeddings == 4096
    assert p.v4["rope_scaling"]["beta_fast"] == 16.0 and p.men_checked is False


# --- a proportional model (Gemma 4's global layers) --------------------------------------------------------------
GEMMA4_GLOBAL = RopeConfig(rope_type="proportional", head_dim=512, partial_rotary_factor=0.25, rope_theta=1e6,
                           max_position_embeddings=262144)


def _gemma4_full_attention_inv_freq(block: dict) -> np.ndarray:
    """transformers' own Gemma 4 rotary embedding for the full-attention layers with this rope_parameters block."""
    from transformers import Gemma4TextConfig
    from transformers.models.gemma4.modeling_gemma4 import Gemma4TextRotaryEmbedding

    cfg = Gemma4TextConfig(hidden_size=256, num_attention_heads=2, num_key_value_heads=1, head_dim=256,
                           global_head_dim=512, num_hidden_layers=6, intermediate_size=64, vocab_size=100,
                           max_position_embeddings=262144, pad_token_id=None, bos_token_id=None, eos_token_id=None,
                           rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                            "full_attention": block})
    return Gemma4TextRotaryEmbedding(cfg).full_attention_inv_freq.double().numpy()


def test_a_proportional_model_is_planned_with_its_own_factor_only():
    (p,) = plan(GEMMA4_GLOBAL, 8 * 262144, check_men=False)
    assert p.rope_type == "proportional" and p.factor == 8.0 and p.n_pairs == 256
    assert p.v5["rope_parameters"] == {"rope_type": "proportional", "rope_theta": 1e6, "partial_rotary_factor": 0.25,
                                       "factor": 8.0}
    # the block, loaded by transformers' Gemma 4, gives rope_core's frequencies; the model as trained is factor 1
    hf = _gemma4_full_attention_inv_freq(dict(p.v5["rope_parameters"]))
    np.testing.assert_allclose(rope_core.inv_freq(p.config), hf, rtol=1e-6, atol=0)
    trained = _gemma4_full_attention_inv_freq({"rope_type": "proportional", "rope_theta": 1e6,
                                               "partial_rotary_factor": 0.25})
    assert np.count_nonzero(hf) == 64 and np.all(hf[64:] == 0)
    np.testing.assert_allclose(trained[:64] / hf[:64], 8.0, rtol=1e-6)
    # every rotating pair divided by 8 (|1/8 − 1|), the frequency-0 pairs unchanged (no 0/0); PI: nothing OOD
    assert p.short_change == pytest.approx(0.875, rel=1e-12) and p.short_mean_change == pytest.approx(0.875, rel=1e-12)
    assert p.ood_pairs == 0 and p.attention_factor == 1.0


def test_other_methods_on_a_proportional_model_are_refused_with_transformers_reason():
    # transformers computes yarn with partial_rotary_factor 0.25 over int(512 · 0.25) = 128 features: 64 pairs
    # with θ_i = 1e6^(−2i/128), which Gemma 4's rotary embedding cannot apply to a 512-wide head
    with pytest.raises(ValueError, match=r"int\(head_dim \* partial_rotary_factor\) = 128 features \(64 pairs"):
        method_config(GEMMA4_GLOBAL, "yarn", 8 * 262144)
    # what the message says, from transformers itself: yarn with Gemma 4's head and partial_rotary_factor
    hf = LlamaConfig(head_dim=512, hidden_size=1024, num_attention_heads=2, max_position_embeddings=2097152,
                     rope_parameters={"rope_type": "yarn", "rope_theta": 1e6, "partial_rotary_factor": 0.25,
                                      "factor": 8.0, "original_max_position_embeddings": 262144})
    theirs = ROPE_INIT_FUNCTIONS["yarn"](hf)[0].double().numpy()
    assert theirs.shape == (64,) and theirs[1] == pytest.approx(1e6 ** (-2 / 128), rel=1e-6)  # not 1e6^(−2/512)
    with pytest.raises(ValueError, match="rope_type must be one of"):
        method_config(BASE, "proportional", TARGET)
