"""rope_core.config: validation messages, hashing, config.json parsing and writing."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from rope_core.config import SCALING_TYPES, RopeConfig
from rope_core.frequencies import ntk_base
from rope_core.hf_export import hf_fragment

LONG64 = tuple(1.0 + 0.1 * i for i in range(64))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"head_dim": 127}, r"rotary dim = int\(head_dim \* partial_rotary_factor\) must be even and >= 2, got 127"),
        ({"head_dim": 100, "partial_rotary_factor": 0.25}, r"must be even and >= 2, got 25"),
        ({"partial_rotary_factor": 0.0}, r"partial_rotary_factor must be in \(0, 1\], got 0.0"),
        ({"partial_rotary_factor": 1.5}, r"partial_rotary_factor must be in \(0, 1\], got 1.5"),
        ({"rope_theta": 1.0}, r"rope_theta must be a finite number > 1, got 1.0"),
        ({"rope_theta": -10000.0}, r"rope_theta must be a finite number > 1, got -10000.0"),
        ({"rope_theta": math.nan}, r"rope_theta must be a finite number, got nan"),
        ({"rope_theta": math.inf}, r"rope_theta must be a finite number, got inf"),
        ({"rope_theta": "10000"}, r"rope_theta must be a number, got '10000'"),
        ({"factor": 0.5}, r"factor must be a finite number >= 1, got 0.5"),
        ({"factor": math.nan}, r"factor must be a finite number, got nan"),
        ({"factor": math.inf}, r"factor must be a finite number, got inf"),
        ({"rope_type": "llama3", "low_freq_factor": 4.0, "high_freq_factor": 1.0},
         r"high_freq_factor must be >= low_freq_factor for rope_type 'llama3', got high_freq_factor=1.0 < low_freq_factor=4.0"),
        ({"rope_type": "longrope", "short_factor": (1.0, 2.0, 3.0), "long_factor": LONG64},
         r"short_factor must have length rotary_dim/2 = 64, got 3"),
        ({"rope_type": "longrope", "short_factor": LONG64, "long_factor": LONG64[:-1]},
         r"long_factor must have length rotary_dim/2 = 64, got 63"),
        ({"rope_type": "longrope"}, r"short_factor is required for rope_type 'longrope' \(a list of 64 numbers\)"),
        ({"rope_type": "longrope", "short_factor": LONG64[:-1] + (math.nan,), "long_factor": LONG64},
         r"short_factor\[63\] must be a finite number, got nan"),
        ({"layout": "rotate_half"}, r"layout must be one of 'half', 'interleaved', got 'rotate_half'"),
        ({"rope_type": "ntk-by-parts"},
         r"rope_type 'ntk-by-parts' is not supported; supported rope types: default, linear, ntk, dynamic, yarn, llama3, longrope, proportional, axial"),
        ({"rope_type": "proportional", "head_dim": 8, "partial_rotary_factor": 0.2},
         r"proportional RoPE rotates int\(partial_rotary_factor \* head_dim // 2\) pairs, which must be >= 1, got 0"),
        ({"rope_type": "axial", "head_dim": 66}, r"head_dim must be a multiple of 4 for rope_type 'axial'"),
        ({"mrope_section": (16, 24, 20)}, r"mrope_section must add up to the number of rotated pairs rotary_dim/2 = 64, "
                                          r"got \[16, 24, 20\] \(sum 60\)"),
        ({"mrope_section": (32, 32)}, r"mrope_section must be a list of 3 integers \(t, h, w pairs\), got 2"),
        ({"mrope_section": (16, 24.5, 24)}, r"mrope_section\[1\] must be an integer >= 0, got 24.5"),
        ({"mrope_interleaved": True}, r"mrope_interleaved needs an mrope_section"),
        ({"rope_type": "axial", "mrope_section": (16, 8, 8)}, r"mrope_section cannot be combined with rope_type 'axial'"),
        ({"axial_split": "hw"}, r"axial_split must be one of 'alternate', 'shared', got 'hw'"),
        ({"beta_fast": math.nan}, r"beta_fast must be a finite number, got nan"),
        ({"rope_type": "yarn", "beta_fast": 1.0, "beta_slow": 32.0}, r"beta_fast must be >= beta_slow"),
        ({"rope_type": "yarn", "beta_slow": 0.0}, r"beta_slow must be > 0"),
        ({"attention_factor": 0.0}, r"attention_factor must be a finite number > 0 \(or None\), got 0.0"),
        ({"attention_factor": math.inf}, r"attention_factor must be a finite number, got inf"),
        ({"mscale": math.nan}, r"mscale must be a finite number, got nan"),
        ({"mscale_all_dim": -1.0}, r"mscale_all_dim must be a finite number >= 0"),
        ({"max_position_embeddings": 0}, r"max_position_embeddings must be an integer >= 1, got 0"),
        ({"original_max_position_embeddings": 4096.5}, r"original_max_position_embeddings must be an integer >= 1"),
        ({"truncate": "no"}, r"truncate must be true or false"),
        ({"rope_type": "ntk", "head_dim": 2}, r"rotary dim must be >= 4 for rope_type 'ntk', got 2"),
    ],
)
def test_bad_config_raises_value_error_naming_field_and_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RopeConfig(**kwargs)


def test_replace_switches_layout_and_revalidates():
    config = RopeConfig()
    assert dataclasses.replace(config, layout="interleaved").layout == "interleaved"
    with pytest.raises(ValueError, match="rope_theta"):
        dataclasses.replace(config, rope_theta=0.5)


def test_config_is_hashable_and_lists_become_tuples():
    a = RopeConfig(rope_type="longrope", short_factor=list(LONG64), long_factor=list(LONG64))
    b = RopeConfig(rope_type="longrope", short_factor=LONG64, long_factor=LONG64)
    assert isinstance(a.short_factor, tuple)
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1


def test_derived_sizes():
    config = RopeConfig(head_dim=96, partial_rotary_factor=0.25, max_position_embeddings=2048)
    assert (config.rotary_dim, config.n_pairs, config.original_context) == (24, 12, 2048)
    assert RopeConfig(original_max_position_embeddings=8192).original_context == 8192


def test_integer_valued_numbers_are_normalised():
    config = RopeConfig(head_dim=128.0, rope_theta=10000, factor=2)
    assert isinstance(config.head_dim, int) and isinstance(config.rope_theta, float) and config.factor == 2.0


# --- from_hf_config -------------------------------------------------------------------------------


def test_v4_form_with_rope_type():
    config = RopeConfig.from_hf_config(
        {"hidden_size": 4096, "num_attention_heads": 32, "max_position_embeddings": 131072, "rope_theta": 500000.0,
         "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                          "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
    )
    assert (config.head_dim, config.rope_theta, config.rope_type, config.factor) == (128, 500000.0, "llama3", 8.0)
    assert config.original_max_position_embeddings == 8192 and config.max_position_embeddings == 131072


def test_v4_legacy_type_key_and_su_alias():
    yarn = RopeConfig.from_hf_config({"head_dim": 128, "rope_scaling": {"type": "yarn", "factor": 4.0,
                                                                          "original_max_position_embeddings": 32768}})
    assert yarn.rope_type == "yarn" and yarn.factor == 4.0
    su = RopeConfig.from_hf_config({"head_dim": 4, "rope_scaling": {"type": "su", "short_factor": [1, 1],
                                                                      "long_factor": [2, 2]}})
    assert su.rope_type == "longrope" and su.long_factor == (2.0, 2.0)
    phi3_yarn = RopeConfig.from_hf_config({"model_type": "phi3", "head_dim": 4, "rope_scaling": {
        "type": "yarn", "short_factor": [1, 1], "long_factor": [2, 2]}})
    assert phi3_yarn.rope_type == "longrope"


def test_v5_flat_rope_parameters():
    config = RopeConfig.from_hf_config(
        {"head_dim": 64, "max_position_embeddings": 131072,
         "rope_parameters": {"rope_type": "yarn", "rope_theta": 150000.0, "factor": 32.0, "truncate": False,
                             "original_max_position_embeddings": 4096, "partial_rotary_factor": 0.5}}
    )
    assert (config.rope_theta, config.factor, config.truncate, config.rotary_dim) == (150000.0, 32.0, False, 32)


def test_v5_nested_rope_parameters_by_layer_type():
    mapping = {"head_dim": 256, "rope_parameters": {
        "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}}
    glob = RopeConfig.from_hf_config(mapping)
    local = RopeConfig.from_hf_config(mapping, layer_type="local")
    assert (glob.rope_type, glob.rope_theta, glob.factor) == ("linear", 1000000.0, 8.0)
    assert (local.rope_type, local.rope_theta) == ("default", 10000.0)
    assert RopeConfig.from_hf_config(mapping, layer_type="full_attention") == glob


def test_gemma3_v4_local_layers_use_rope_local_base_freq_and_no_scaling():
    mapping = {"model_type": "gemma3", "text_config": {"head_dim": 256, "rope_theta": 1000000.0,
                                                       "rope_local_base_freq": 10000.0,
                                                       "rope_scaling": {"factor": 8.0, "rope_type": "linear"}}}
    local = RopeConfig.from_hf_config(mapping, layer_type="local")
    glob = RopeConfig.from_hf_config(mapping, layer_type="global")
    assert (local.rope_theta, local.rope_type) == (10000.0, "default")
    assert (glob.rope_theta, glob.rope_type, glob.factor) == (1000000.0, "linear", 8.0)


def test_head_dim_sources():
    assert RopeConfig.from_hf_config({"hidden_size": 3584, "num_attention_heads": 28}).head_dim == 128
    assert RopeConfig.from_hf_config({"head_dim": 256, "hidden_size": 3584, "num_attention_heads": 16}).head_dim == 256
    gptj = RopeConfig.from_hf_config({"model_type": "gptj", "n_embd": 4096, "n_head": 16, "rotary_dim": 64})
    assert (gptj.head_dim, gptj.rotary_dim, gptj.layout) == (256, 64, "interleaved")
    deepseek = RopeConfig.from_hf_config({"model_type": "deepseek_v3", "hidden_size": 7168, "num_attention_heads": 128,
                                          "qk_rope_head_dim": 64})
    assert (deepseek.head_dim, deepseek.layout) == (64, "interleaved")
    assert RopeConfig.from_hf_config({"head_dim": 8, "rope_interleave": False, "model_type": "deepseek_v3",
                                      "qk_rope_head_dim": 8}).layout == "half"


def test_partial_rotary_keys():
    neox = RopeConfig.from_hf_config({"model_type": "gpt_neox", "hidden_size": 6144, "num_attention_heads": 64,
                                      "rotary_pct": 0.25, "rotary_emb_base": 20000})
    assert (neox.rotary_dim, neox.rope_theta) == (24, 20000.0)
    assert RopeConfig.from_hf_config({"head_dim": 64, "partial_rotary_factor": 0.5}).rotary_dim == 32
    # transformers' GPTNeoXConfig defaults rotary_pct to 0.25 when the key is absent.
    assert RopeConfig.from_hf_config({"model_type": "gpt_neox", "head_dim": 96}).rotary_dim == 24


def test_phi3_top_level_original_wins_and_factor_defaults_to_the_length_ratio():
    config = RopeConfig.from_hf_config(
        {"hidden_size": 3072, "num_attention_heads": 32, "max_position_embeddings": 131072,
         "original_max_position_embeddings": 4096,
         "rope_scaling": {"type": "longrope", "short_factor": [1.0] * 48, "long_factor": [2.0] * 48,
                          "original_max_position_embeddings": 999}}
    )
    assert config.original_max_position_embeddings == 4096 and config.factor == 32.0


def test_missing_rope_theta_defaults_to_10000_and_null_scaling_is_default():
    config = RopeConfig.from_hf_config({"head_dim": 128, "rope_scaling": None})
    assert (config.rope_theta, config.rope_type) == (10000.0, "default")


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ([1, 2, 3], r"config must be a JSON object \(a dict of config.json keys\), got list"),
        ("{}", r"config must be a JSON object .* got str"),
        (None, r"config must be a JSON object .* got NoneType"),
        ({"head_dim": 128, "rope_theta": "10000"}, r"rope_theta must be a number, got '10000'"),
        ({"head_dim": 128, "rope_theta": True}, r"rope_theta must be a number, got True"),
        ({"head_dim": 128, "rope_theta": -10000.0}, r"rope_theta must be a finite number > 1, got -10000.0"),
        ({"head_dim": "128"}, r"head_dim must be an integer >= 2, got '128'"),
        ({"head_dim": 128, "rope_scaling": "yarn"}, r"rope_scaling / rope_parameters must be a JSON object or null"),
        ({"head_dim": 128, "rope_scaling": {"rope_type": "linear", "factor": "4"}}, r"factor must be a number, got '4'"),
        ({"head_dim": 128, "rope_scaling": {"rope_type": "mystery", "factor": 2.0}},
         r"rope_type 'mystery' is not supported for a text model; supported rope types: default, linear, ntk, "
         r"dynamic, yarn, llama3, longrope, proportional$"),
        ({"head_dim": 128, "rope_scaling": {"rope_type": 3}}, r"rope_type must be a string, got 3"),
        ({"head_dim": 4, "rope_scaling": {"type": "longrope", "short_factor": "1,1", "long_factor": [1, 1]}},
         r"short_factor must be a list of numbers"),
        ({"head_dim": 4, "rope_scaling": {"type": "longrope", "short_factor": [1, "x"], "long_factor": [1, 1]}},
         r"short_factor\[1\] must be a number, got 'x'"),
        ({"rope_theta": 10000.0}, r"cannot determine the head size: the config needs head_dim, or hidden_size and num_attention_heads"),
        ({"head_dim": 128, "rope_scaling": {"rope_type": "yarn", "factor": 8.0, "truncate": "false"}},
         r"truncate must be true or false, got 'false'"),
        ({"head_dim": 128, "max_position_embeddings": -1}, r"max_position_embeddings must be an integer >= 1, got -1"),
        ({"head_dim": 64, "rotary_dim": 128}, r"rotary_dim must be <= head_dim = 64, got 128"),
    ],
)
def test_from_hf_config_rejects_bad_input_with_a_clear_message(mapping, message):
    with pytest.raises(ValueError, match=message):
        RopeConfig.from_hf_config(mapping)


def test_from_hf_config_rejects_unknown_layer_type():
    with pytest.raises(ValueError, match=r"layer_type must be one of .* got 'middle'"):
        RopeConfig.from_hf_config({"head_dim": 128}, layer_type="middle")


def test_from_hf_config_leaves_its_input_unchanged():
    mapping = {"head_dim": 4, "rope_scaling": {"type": "su", "short_factor": [1, 1], "long_factor": [2, 2]}}
    before = json.dumps(mapping, sort_keys=True)
    RopeConfig.from_hf_config(mapping)
    assert json.dumps(mapping, sort_keys=True) == before


ROUND_TRIP = [
    RopeConfig(),
    RopeConfig(head_dim=96, partial_rotary_factor=0.25, layout="interleaved"),
    RopeConfig(rope_type="linear", factor=4.0),
    RopeConfig(rope_type="ntk", factor=8.0),
    RopeConfig(rope_type="dynamic", factor=2.0, max_position_embeddings=2048),
    RopeConfig(rope_type="yarn", factor=40.0, original_max_position_embeddings=4096, max_position_embeddings=163840,
               mscale=1.0, mscale_all_dim=0.707, beta_fast=16.0, beta_slow=2.0, truncate=False, head_dim=64,
               layout="interleaved"),
    RopeConfig(rope_type="yarn", factor=8.0, attention_factor=1.5),
    RopeConfig(rope_type="llama3", rope_theta=500000.0, factor=8.0, original_max_position_embeddings=8192,
               max_position_embeddings=131072),
    RopeConfig(rope_type="longrope", head_dim=8, factor=32.0, original_max_position_embeddings=4096,
               short_factor=(1.0, 1.5, 2.0, 2.5), long_factor=(3.0, 3.5, 4.0, 4.5), attention_factor=1.2),
]


def _as_written(config: RopeConfig) -> RopeConfig:
    """What hf_fragment's config.json reads back as: the same frequencies, in transformers' terms."""
    if config.rope_type == "ntk":  # no transformers rope_type: plain RoPE on the enlarged base
        return dataclasses.replace(config, rope_type="default", rope_theta=float(ntk_base(config)), factor=1.0)
    if config.rope_type in ("yarn", "llama3", "longrope"):  # the pre-training length is always written
        return dataclasses.replace(config, original_max_position_embeddings=config.original_context)
    return config


@pytest.mark.parametrize("form", ["v4", "v5"])
@pytest.mark.parametrize("config", ROUND_TRIP, ids=[c.rope_type + "-" + c.layout for c in ROUND_TRIP])
def test_hf_fragment_round_trips_through_json_and_from_hf_config(config, form):
    fragment = json.loads(json.dumps(hf_fragment(config, form)))
    assert RopeConfig.from_hf_config(fragment) == _as_written(config)


def test_round_trip_keeps_what_a_reader_would_lose():
    """The normalisation above changes only what it names: a yarn config that states its length is kept whole."""
    cfg = RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=2048, max_position_embeddings=16384)
    assert RopeConfig.from_hf_config(hf_fragment(cfg, "v4")) == cfg
    ntk = RopeConfig.from_hf_config(hf_fragment(RopeConfig(rope_type="ntk", factor=8.0, head_dim=4), "v4"))
    assert ntk.rope_type == "default" and ntk.rope_theta == pytest.approx(10000.0 * 8.0 ** 2, rel=1e-15)


def test_scaling_types_lists_every_registered_method():
    from rope_core.frequencies import ROPE_INIT_FUNCTIONS

    assert set(SCALING_TYPES) == set(ROPE_INIT_FUNCTIONS)


# --- config.json of current models (issue 17): fields as published / as transformers 5.25's config classes ----

from rope_core import AttnTemperature, LayerRope, attention_temperature, layer_ropes  # noqa: E402

GEMMA4_TEXT = {
    "model_type": "gemma4_text", "head_dim": 256, "global_head_dim": 512, "num_hidden_layers": 12,
    "max_position_embeddings": 262144, "sliding_window": 1024,
    "rope_parameters": {
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
        "full_attention": {"rope_type": "proportional", "partial_rotary_factor": 0.25, "rope_theta": 1000000.0},
    },
}
LLAMA4_TEXT = {
    "model_type": "llama4_text", "hidden_size": 5120, "num_attention_heads": 40, "head_dim": 128,
    "num_hidden_layers": 8, "max_position_embeddings": 10485760, "rope_theta": 500000.0,
    "rope_scaling": {"factor": 16.0, "high_freq_factor": 1.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "no_rope_layers": [1, 1, 1, 0, 1, 1, 1, 0], "attention_chunk_size": 8192,
    "attn_temperature_tuning": 4, "floor_scale": 8192, "attn_scale": 0.1,
}


def test_gemma4_reads_per_layer_type_rope_and_global_head_dim():
    cfg = {"model_type": "gemma4", "text_config": GEMMA4_TEXT, "vision_config": {"model_type": "gemma4_vision"}}
    full = RopeConfig.from_hf_config(cfg)
    assert (full.rope_type, full.head_dim, full.partial_rotary_factor, full.rope_theta) == ("proportional", 512, 0.25, 1e6)
    local = RopeConfig.from_hf_config(cfg, layer_type="local")
    assert (local.rope_type, local.head_dim, local.rope_theta) == ("default", 256, 1e4)
    assert RopeConfig.from_hf_config(cfg, layer_type="full_attention") == full
    listed = layer_ropes(cfg)
    assert [(x.layer_type, x.layers) for x in listed] == [
        ("sliding_attention", (0, 1, 2, 3, 4, 6, 7, 8, 9, 10)), ("full_attention", (5, 11))]
    assert listed[0].rope == local and listed[1].rope == full and listed[1].temperature is None


def test_gemma4_global_head_dim_defaults_to_512_as_its_config_class():
    cfg = {k: v for k, v in GEMMA4_TEXT.items() if k != "global_head_dim"}
    assert RopeConfig.from_hf_config(cfg).head_dim == 512


def test_llama4_scout_loads_with_low_equal_high_and_lists_nope_layers_with_temperature():
    cfg = {"model_type": "llama4", "text_config": LLAMA4_TEXT, "vision_config": {"model_type": "llama4_vision_model"}}
    rope = RopeConfig.from_hf_config(cfg)
    assert (rope.rope_type, rope.factor, rope.low_freq_factor, rope.high_freq_factor) == ("llama3", 16.0, 1.0, 1.0)
    assert rope.layout == "interleaved"  # Llama 4 multiplies adjacent pairs as complex numbers
    listed = layer_ropes(cfg)
    assert [(x.layer_type, x.layers, x.rope is None) for x in listed] == [
        ("chunked_attention", (0, 1, 2, 4, 5, 6), False), ("full_attention", (3, 7), True)]
    assert listed[1].temperature == AttnTemperature(8192.0, 0.1) and listed[0].temperature is None
    with pytest.raises(ValueError, match=r"full_attention layers have no RoPE \(no_rope_layers is 0 for them\)"):
        RopeConfig.from_hf_config(cfg, layer_type="global")
    no_tuning = layer_ropes({**LLAMA4_TEXT, "attn_temperature_tuning": False})
    assert no_tuning[1].temperature is None


def test_llama4_default_no_rope_layers_every_fourth():
    cfg = {k: v for k, v in LLAMA4_TEXT.items() if k != "no_rope_layers"}
    listed = layer_ropes(cfg)
    assert listed[1].layers == (3, 7)


def test_attention_temperature_against_transformers_formula():
    # 1 + 0.1 ln(1 + floor((m + 1) / 8192)), values printed by transformers 5.25 (rope-frontier.md B3)
    m = [0, 8190, 8191, 16383, 65535, 131071, 999_999, 9_999_999]
    expected = [1, 1, 1.06931472, 1.10986123, 1.21972246, 1.28332133, 1.48121844, 1.71074255]
    np.testing.assert_allclose(attention_temperature(m), expected, rtol=1e-8)
    np.testing.assert_allclose(AttnTemperature(4.0, 0.5)([2, 3, 7]), [1, 1 + 0.5 * math.log(2), 1 + 0.5 * math.log(3)])


def test_qwen2_vl_mrope_and_vision_tower():
    cfg = {"model_type": "qwen2_5_vl", "hidden_size": 3584, "num_attention_heads": 28,
           "max_position_embeddings": 128000, "rope_theta": 1000000.0,
           "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
           "vision_config": {"hidden_size": 1280, "num_heads": 16, "spatial_merge_size": 2, "tokens_per_second": 2}}
    text = RopeConfig.from_hf_config(cfg)
    assert (text.rope_type, text.mrope_section, text.mrope_interleaved, text.head_dim) == ("default", (16, 24, 24), False, 128)
    vision = RopeConfig.from_hf_config(cfg, tower="vision")
    assert (vision.rope_type, vision.axial_split, vision.head_dim, vision.rope_theta) == ("axial", "shared", 80, 1e4)
    assert RopeConfig.from_hf_config(hf_fragment(RopeConfig.from_hf_config(cfg))) == text


def test_qwen3_vl_and_qwen3_5_interleave_whatever_the_flag_says():
    qwen3_vl = {"model_type": "qwen3_vl", "text_config": {
        "model_type": "qwen3_vl_text", "head_dim": 128, "hidden_size": 4096, "num_attention_heads": 32,
        "max_position_embeddings": 262144, "rope_theta": 5000000,
        "rope_scaling": {"rope_type": "default", "mrope_section": [24, 20, 20], "mrope_interleaved": True}}}
    c = RopeConfig.from_hf_config(qwen3_vl)
    assert (c.mrope_section, c.mrope_interleaved, c.rope_theta) == ((24, 20, 20), True, 5e6)
    qwen3_5 = {"model_type": "qwen3_5", "text_config": {
        "model_type": "qwen3_5_text", "head_dim": 256, "hidden_size": 4096, "num_attention_heads": 16,
        "num_hidden_layers": 8, "max_position_embeddings": 262144,
        "rope_parameters": {"rope_type": "default", "rope_theta": 10000000, "partial_rotary_factor": 0.25,
                            "mrope_section": [11, 11, 10], "mrope_interleaved": True}}}
    c = RopeConfig.from_hf_config(qwen3_5)
    assert (c.n_pairs, c.mrope_section, c.mrope_interleaved) == (32, (11, 11, 10), True)
    listed = layer_ropes(qwen3_5)
    assert [(x.layer_type, x.layers, x.rope is None) for x in listed] == [
        ("linear_attention", (0, 1, 2, 4, 5, 6), True), ("full_attention", (3, 7), False)]


def test_lfm3_proportional_and_conv_layers():
    cfg = {"model_type": "lfm3", "head_dim": 128, "hidden_size": 2048, "num_attention_heads": 16,
           "num_hidden_layers": 8, "max_position_embeddings": 128000,
           "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                               "full_attention": {"rope_type": "proportional", "rope_theta": 1000000.0,
                                                  "partial_rotary_factor": 0.5}}}
    listed = layer_ropes(cfg)
    assert [(x.layer_type, x.layers) for x in listed] == [
        ("conv", (0, 1, 3, 5, 7)), ("full_attention", (2, 6)), ("sliding_attention", (4,))]
    assert listed[0].rope is None and listed[1].rope.rope_type == "proportional" and listed[2].rope.rope_theta == 1e4


def test_pixtral_vision_config_alone_or_inside_llava():
    vision = {"model_type": "pixtral", "hidden_size": 1024, "num_attention_heads": 16, "head_dim": 64,
              "rope_theta": 10000.0, "image_size": 1024, "patch_size": 16}
    c = RopeConfig.from_hf_config(vision)
    assert (c.rope_type, c.axial_split, c.head_dim, c.position_axes) == ("axial", "alternate", 64, 2)
    llava = {"model_type": "llava", "vision_config": vision,
             "text_config": {"model_type": "mistral", "head_dim": 128, "hidden_size": 5120,
                             "num_attention_heads": 32, "rope_theta": 1000000000.0, "max_position_embeddings": 1024000}}
    assert RopeConfig.from_hf_config(llava, tower="vision") == c
    assert RopeConfig.from_hf_config(llava).rope_theta == 1e9


@pytest.mark.parametrize(("mapping", "kwargs", "message"), [
    (GEMMA4_TEXT, {"tower": "vision"}, r"vision_config is missing"),
    ({"model_type": "gemma4", "text_config": GEMMA4_TEXT, "vision_config": {"model_type": "gemma4_vision"}},
     {"tower": "vision"}, r"vision_config.model_type 'gemma4_vision': its 2-D RoPE is not supported"),
    (GEMMA4_TEXT, {"tower": "audio"}, r"tower must be 'text' or 'vision', got 'audio'"),
    ({"head_dim": 128, "rope_scaling": {"type": "mrope", "mrope_section": "16,24,24"}}, {},
     r"mrope_section must be a list of 3 integers"),
    ({"head_dim": 128, "rope_scaling": {"rope_type": "default", "xdrope_section": [16, 16, 16, 16]}}, {},
     r"xdrope_section \(HunYuan-VL's XD-RoPE\) is not supported"),
    ({**LLAMA4_TEXT, "no_rope_layers": "1,1,1,0"}, {}, r"no_rope_layers must be a list of 0/1 flags"),
    ({**GEMMA4_TEXT, "layer_types": "sliding"}, {}, r"layer_types must be a list of strings"),
    ({"head_dim": 128, "text_config": [1, 2]}, {}, r"text_config must be a JSON object"),
])
def test_unrepresentable_fields_are_named(mapping, kwargs, message):
    with pytest.raises(ValueError, match=message):
        RopeConfig.from_hf_config(mapping, **kwargs)


def test_layer_ropes_of_a_plain_model_is_one_entry():
    listed = layer_ropes({"model_type": "llama", "head_dim": 64, "num_hidden_layers": 3})
    assert listed == (LayerRope("full_attention", (0, 1, 2), RopeConfig(head_dim=64)),)
    assert listed[0].label == "full_attention: default RoPE"


def test_gemma3_v4_form_without_layer_count_lists_local_and_global():
    cfg = {"model_type": "gemma3_text", "head_dim": 256, "rope_theta": 1e6, "rope_local_base_freq": 1e4,
           "rope_scaling": {"rope_type": "linear", "factor": 8.0}}
    listed = layer_ropes(cfg)
    assert [(x.layer_type, x.rope.rope_type, x.rope.rope_theta) for x in listed] == [
        ("sliding_attention", "default", 1e4), ("full_attention", "linear", 1e6)]


@pytest.mark.parametrize("config", [
    RopeConfig(rope_type="proportional", head_dim=512, partial_rotary_factor=0.25, rope_theta=1e6, factor=2.0),
    RopeConfig(head_dim=256, partial_rotary_factor=0.25, rope_theta=1e7, mrope_section=(11, 11, 10),
               mrope_interleaved=True),
    RopeConfig(mrope_section=(16, 24, 24), rope_type="yarn", factor=4.0, original_max_position_embeddings=1024),
    RopeConfig(rope_type="axial", head_dim=64, axial_split="alternate"),
    RopeConfig(rope_type="axial", head_dim=80, axial_split="shared"),
    RopeConfig(rope_type="llama3", factor=16.0, low_freq_factor=1.0, high_freq_factor=1.0,
               original_max_position_embeddings=8192, max_position_embeddings=131072),
], ids=["proportional", "mrope-interleaved-partial", "mrope-yarn", "axial-alternate", "axial-shared", "llama3-step"])
@pytest.mark.parametrize("form", ["v4", "v5"])
def test_new_types_round_trip_through_config_json(config, form):
    written = json.loads(json.dumps(hf_fragment(config, form)))
    assert RopeConfig.from_hf_config(written) == config


def test_llama4_maverick_plain_rope_with_its_own_no_rope_layers():
    text = {**LLAMA4_TEXT, "rope_scaling": None, "num_hidden_layers": 4, "no_rope_layers": [1, 0, 1, 0],
            "max_position_embeddings": 1048576}
    cfg = {"model_type": "llama4", "text_config": text}
    rope = RopeConfig.from_hf_config(cfg)
    assert (rope.rope_type, rope.rope_theta, rope.layout) == ("default", 5e5, "interleaved")
    assert [(x.layer_type, x.layers) for x in layer_ropes(cfg)] == [("chunked_attention", (0, 2)),
                                                                     ("full_attention", (1, 3))]
