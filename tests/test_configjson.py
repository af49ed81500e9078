"""explorer/configjson: hostile config.json text and link tokens get messages; sizes are checked; tokens round-trip.

The memory test runs the real Models page in a fresh Python process and reads its peak RSS (VmHWM).
"""

from __future__ import annotations

import base64
import json
import math
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from explorer import configjson as cj
from explorer import controls

ROOT = Path(__file__).resolve().parent.parent
PHI35 = json.loads(Path("/work/shared/reference/phi-3.5-mini-instruct.rope.json").read_text()) \
    if Path("/work/shared/reference/phi-3.5-mini-instruct.rope.json").exists() else None
# Phi-3.5-mini-instruct's config.json (RoPE keys), written out so the test does not depend on a file elsewhere.
PHI35_LONG = [
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
PHI35_SHORT = [
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
PHI35_RAW = {
    "_name_or_path": "microsoft/Phi-3.5-mini-instruct", "model_type": "phi3", "hidden_size": 3072,
    "num_attention_heads": 32, "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
    "rope_theta": 10000.0, "vocab_size": 32064,
    "rope_scaling": {"type": "longrope", "long_factor": PHI35_LONG, "short_factor": PHI35_SHORT},
}
LLAMA31 = {
    "model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "rope_theta": 500000.0,
    "max_position_embeddings": 131072,
    "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
}


def _list_text(n: int) -> str:
    return "[" + ",".join(["1"] * n) + "]"


def _token(payload: bytes) -> str:
    return cj.TOKEN_VERSION + base64.urlsafe_b64encode(zlib.compress(payload, 9)).decode().rstrip("=")


# name -> (pasted text, words every message together must contain). Used by the memory test too.
HOSTILE = {
    "head_dim 1e8": ('{"head_dim": 100000000, "rope_theta": 10000}', ["`head_dim`", "100,000,000", "2 to 512"]),
    "head_dim 1e9": ('{"head_dim": 1000000000, "rope_theta": 10000}', ["`head_dim`", "2 to 512"]),
    "hidden_size 1e9": ('{"hidden_size": 1000000000, "num_attention_heads": 1, "rope_theta": 10000}',
                        ["`hidden_size`", "1 to 65,536", "head dim", "2 to 512"]),
    "text_config.head_dim 1e8": ('{"model_type": "gemma3", "text_config": {"head_dim": 100000000}}',
                                 ["`text_config.head_dim`", "2 to 512"]),
    "max_position_embeddings 1e9": ('{"head_dim": 128, "max_position_embeddings": 1000000000}',
                                    ["`max_position_embeddings`", "1 to 16,777,216"]),
    "factor 1e9": ('{"head_dim": 128, "rope_scaling": {"rope_type": "linear", "factor": 1e9}}',
                   ["`rope_scaling.factor`", "1 to 1024"]),
    "per-layer rope_theta 1e300": (
        '{"head_dim": 128, "rope_parameters": {"full_attention": {"rope_type": "default", "rope_theta": 1e300},'
        ' "sliding_attention": {"rope_type": "default", "rope_theta": 10000}}}',
        ["`rope_parameters.full_attention.rope_theta`", "at most 1e+12"]),
    "long_factor of 10^6": ('{"head_dim": 128, "rope_scaling": {"rope_type": "longrope", "long_factor": '
                            + _list_text(10**6) + "}}", ["limit", "1 MB"]),
    "long_factor of 2*10^5": ('{"head_dim": 128, "rope_scaling": {"rope_type": "longrope", "long_factor": '
                              + _list_text(200_000) + "}}", ["`rope_scaling.long_factor`", "4,096 items"]),
    "long_factor of 300": ('{"head_dim": 128, "rope_scaling": {"rope_type": "longrope", "long_factor": '
                           + _list_text(300) + "}}", ["`rope_scaling.long_factor`", "300 items", "1 to 256"]),
    "layer_types of 3000": ('{"head_dim": 128, "layer_types": ' + json.dumps(["full_attention"] * 3000) + "}",
                            ["`layer_types`", "3,000 items", "at most 1,024"]),
    "mrope_section": ('{"head_dim": 128, "rope_scaling": {"rope_type": "default", "mrope_section": [16, 24, 100000000]}}',
                      ["`rope_scaling.mrope_section`", "0 to 256"]),
    "vision grid": ('{"head_dim": 128, "vision_config": {"image_size": 1000000000, "patch_size": 1}}',
                    ["`vision_config.image_size`", "1 to 16,384"]),
    "deep nesting": ('{"head_dim": 128, "x": ' + "[" * 100_000 + "]" * 100_000 + "}", ["`x", "nested", "16 levels"]),
    "NaN": ('{"head_dim": 128, "rope_theta": NaN}', ["`rope_theta` is NaN", "finite"]),
    "Infinity nested": ('{"head_dim": 128, "rope_scaling": {"rope_type": "linear", "factor": Infinity}}',
                        ["`rope_scaling.factor` is Infinity", "finite"]),
    "repeated key": ('{"head_dim": 128, "rope_theta": 10000, "head_dim": 100000000}',
                     ["`head_dim` is given more than once"]),
    "repeated nested key": ('{"head_dim": 128, "rope_scaling": {"rope_type": "linear", "factor": 2, "factor": 4}}',
                            ["`rope_scaling.factor` is given more than once"]),
    "not json": ('{"head_dim": 128,, "rope_theta": 1e4}', ["Not valid JSON", "line 1", "column 18"]),
    "empty": ("   \n", ["empty"]),
    "json list": ("[128, 10000]", ["JSON list", "JSON object"]),
}


# --- read_config_text ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [c for c in HOSTILE if c not in ("long_factor of 300", "layer_types of 3000")
                                  and not c.startswith(("head_dim", "hidden", "text_config", "max_pos", "factor",
                                                        "per-layer", "mrope", "vision"))])
def test_read_config_text_refuses_hostile_text_with_a_message_saying_where(case):
    text, words = HOSTILE[case]
    obj, messages = cj.read_config_text(text)
    assert obj is None and messages
    joined = " ".join(messages)
    for w in words:
        assert w in joined, f"{case}: {w!r} not in {joined!r}"


def test_text_longer_than_the_limit_is_refused_before_parsing():
    text = '{"pad": "' + "x" * cj.MAX_TEXT_CHARS + '"}'
    obj, messages = cj.read_config_text(text)
    assert obj is None and f"{len(text):,} characters" in messages[0] and "1,048,576" in messages[0]


def test_a_list_of_a_million_items_is_refused_by_the_item_count_when_short_enough_to_pass_the_length():
    # 10^6 one-character items do not fit in 1 MB of text; without whitespace 400,000 do, and are refused
    obj, messages = cj.read_config_text('{"a": {"b": ' + _list_text(400_000) + "}}")
    assert obj is None and messages == [
        "`a.b` has more than 4,096 items; the allowed range is 0 to 4,096 items per list or object."]


def test_many_small_lists_are_refused_by_the_total_value_count():
    text = '{"a": [' + ",".join([_list_text(3000)] * 20) + "]}"
    obj, messages = cj.read_config_text(text)
    assert obj is None and "more than 50,000 values" in messages[0]


def test_repeated_keys_are_reported_by_path_at_every_level():
    text = '{"a": 1, "b": {"c": [{"d": 1, "d": 2}], "c": 3}, "a": 2}'
    obj, messages = cj.read_config_text(text)
    assert obj is None
    assert sorted(m.split("`")[1] for m in messages) == ["a", "b.c", "b.c[0].d"]


def test_overflowing_float_and_every_non_finite_literal_are_named():
    obj, messages = cj.read_config_text('{"x": [1e400, -Infinity], "y": {"z": -1e999}}')
    assert obj is None
    assert messages == [
        "`x[0]` is 1e400; a config.json value must be a finite number.",
        "`x[1]` is -Infinity; a config.json value must be a finite number.",
        "`y.z` is -1e999; a config.json value must be a finite number.",
    ]


@pytest.mark.parametrize(("text", "kind"), [('"config"', "JSON string"), ("128", "JSON number"),
                                            ("null", "JSON null"), ("true", "JSON true/false")])
def test_json_that_is_not_an_object_is_named(text, kind):
    obj, messages = cj.read_config_text(text)
    assert obj is None and kind in messages[0] and "JSON object" in messages[0]


@pytest.mark.parametrize("value", [None, 128, b"\xff\xfe{", ["{}"]])
def test_read_config_text_never_raises_on_odd_input(value):
    obj, messages = cj.read_config_text(value)
    assert obj is None and len(messages) == 1


def test_unterminated_string_of_escaped_quotes_is_read_in_linear_time_and_refused():
    # a regex with backtracking would take quadratic time here
    obj, messages = cj.read_config_text('{"a": "' + '\\"' * 300_000)
    assert obj is None and "Not valid JSON" in messages[0]


def test_quoted_values_cannot_become_markup():
    obj, messages = cj.read_config_text('{"rope_scaling": {"mrope_section": ["[x](http://e.vil) $x$ <b>"]}}')
    (msg,) = cj.check_limits(obj)
    assert "\\[x\\]" in msg and "\\$x\\$" in msg and "\\<b>" in msg and "(http" in msg


def test_a_real_config_reads_back_exactly():
    obj, messages = cj.read_config_text(json.dumps(PHI35_RAW, indent=1))
    assert messages == [] and obj == PHI35_RAW


# --- check_limits ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [c for c in HOSTILE if c.startswith(
    ("head_dim", "hidden", "text_config", "max_pos", "factor", "per-layer", "mrope", "vision", "long_factor of 300",
     "layer_types"))])
def test_check_limits_names_the_field_path_and_the_allowed_range(case):
    text, words = HOSTILE[case]
    obj, messages = cj.read_config_text(text)
    assert messages == []
    problems = cj.check_limits(obj)
    joined = " ".join(problems)
    for w in words:
        assert w in joined, f"{case}: {w!r} not in {joined!r}"


@pytest.mark.parametrize(("mapping", "path"), [
    ({"hidden_size": 65536, "num_attention_heads": 1}, "`hidden_size` / `num_attention_heads` = 65,536"),
    ({"hidden_size": 65536, "num_attention_heads": 64, "text_config": {"num_attention_heads": 2}},
     "`hidden_size` / `text_config.num_attention_heads` = 32,768"),
    ({"n_embd": 60000, "n_head": 2}, "`n_embd` / `n_head` = 30,000"),
    ({"vision_config": {"hidden_size": 8192, "num_attention_heads": 1}},
     "`vision_config.hidden_size` / `vision_config.num_attention_heads` = 8,192"),
])
def test_head_dim_derived_from_hidden_size_is_checked(mapping, path):
    problems = cj.check_limits(mapping)
    assert any(path in p and "2 to 512" in p for p in problems), problems


def test_a_given_head_dim_wins_over_hidden_size_as_in_rope_core():
    assert cj.check_limits({"head_dim": 256, "hidden_size": 65536, "num_attention_heads": 1}) == []


@pytest.mark.parametrize(("key", "value"), [
    ("head_dim", 513), ("head_dim", 1), ("head_dim", 128.5), ("head_dim", True), ("head_dim", "128"),
    ("qk_rope_head_dim", 10**6), ("global_head_dim", 1024), ("rotary_dim", 10**7),
    ("num_hidden_layers", 10**6), ("num_attention_heads", 0), ("rope_theta", 1.0), ("rope_theta", 1e13),
    ("rope_theta", float("nan")), ("partial_rotary_factor", 0.0), ("partial_rotary_factor", 1.5),
    ("original_max_position_embeddings", 2**24 + 1), ("sliding_window", 10**9),
])
def test_each_size_outside_its_range_is_reported_at_top_level_and_in_text_config(key, value):
    for mapping, path in (({key: value}, key), ({"text_config": {key: value}}, f"text_config.{key}")):
        problems = cj.check_limits(mapping)
        assert len(problems) == 1 and problems[0].startswith(f"`{path}` = "), problems


@pytest.mark.parametrize(("key", "value", "words"), [
    ("factor", 0.5, "1 to 1024"), ("beta_fast", -1, "0 to 1e+06"), ("mscale", float("inf"), "0 to 1e+06"),
    ("short_factor", [1.0] * 257, "1 to 256 numbers"), ("long_factor", [1.0, 0.0], "long_factor[1]` = 0"),
    ("long_factor", "1,2", "1 to 256 numbers"), ("mrope_section", [200, 200], "summing to at most 256"),
])
def test_rope_parameters_are_checked_flat_and_per_layer_type(key, value, words):
    for mapping, path in (({"rope_scaling": {key: value}}, f"rope_scaling.{key}"),
                          ({"rope_parameters": {"sliding_attention": {key: value}}},
                           f"rope_parameters.sliding_attention.{key}"),
                          ({"text_config": {"rope_parameters": {key: value}}}, f"text_config.rope_parameters.{key}")):
        problems = cj.check_limits(mapping)
        assert len(problems) == 1 and problems[0].startswith(f"`{path}") and words in problems[0], problems


def test_check_limits_bounds_structure_it_is_handed_directly():
    assert "10,000,000 items" in cj.check_limits({"x": {"y": [0] * 10**7}})[0]
    deep: dict = {}
    node = deep
    for _ in range(100):
        node["k"] = {}
        node = node["k"]
    assert "nested" in cj.check_limits(deep)[0]
    assert cj.check_limits(["not", "a", "dict"]) == ["The config must be a JSON object, got list."]


def test_huge_integers_are_reported_not_raised():
    problems = cj.check_limits({"rope_theta": 10**5000, "rope_scaling": {"long_factor": [10**5000]}})
    assert problems == [
        "`rope_theta` = an integer of about 5000 digits: must be a finite number greater than 1 and at most 1e+12.",
        "`rope_scaling.long_factor[0]` = an integer of about 5000 digits: must be a finite number greater than 0 "
        "and at most 1e+06.",
    ]


def test_every_preset_and_phi35_pass_the_limits():
    for name, preset in rope_core.PRESETS.items():
        assert cj.check_limits(preset.config) == [], name
    assert cj.check_limits(PHI35_RAW) == []
    gemma3_vlm = {"model_type": "gemma3", "text_config": {
        "head_dim": 256, "hidden_size": 3840, "num_attention_heads": 16, "num_hidden_layers": 48,
        "sliding_window": 1024, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
        "rope_scaling": {"rope_type": "linear", "factor": 8.0}, "max_position_embeddings": 131072},
        "vision_config": {"hidden_size": 1152, "image_size": 896, "num_attention_heads": 16, "patch_size": 14}}
    qwen2vl = {"model_type": "qwen2_vl", "hidden_size": 3584, "num_attention_heads": 28, "rope_theta": 1000000.0,
               "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
               "vision_config": {"depth": 32, "embed_dim": 1280, "num_heads": 16, "patch_size": 14,
                                 "spatial_merge_size": 2, "temporal_patch_size": 2}}
    assert cj.check_limits(gemma3_vlm) == [] and cj.check_limits(qwen2vl) == []


def test_head_dim_limit_is_the_apps():
    assert cj.HEAD_DIM_MAX == controls.HEAD_DIM_MAX


# --- link tokens -----------------------------------------------------------------------------------------

def test_phi35_longrope_factors_round_trip_exactly_in_a_short_token():
    token = cj.encode_config(PHI35_RAW)
    assert len(token) <= 1100  # 1,046 characters with zlib level 9
    mapping, messages = cj.decode_config(token)
    assert messages == []
    assert mapping["rope_scaling"]["long_factor"] == PHI35_LONG and mapping["rope_scaling"]["short_factor"] == PHI35_SHORT
    assert "vocab_size" not in mapping and "_name_or_path" not in mapping  # only the RoPE keys travel
    assert rope_core.RopeConfig.from_hf_config(mapping) == rope_core.RopeConfig.from_hf_config(PHI35_RAW)


@pytest.mark.skipif(PHI35 is None, reason="the shared reference file is not on this machine")
def test_the_reference_phi35_file_matches_the_literal_copy():
    assert PHI35 == {k: v for k, v in PHI35_RAW.items() if k != "vocab_size"}


def test_every_preset_round_trips_to_the_same_rope_config():
    for name, preset in rope_core.PRESETS.items():
        mapping, messages = cj.decode_config(cj.encode_config(preset.config))
        assert messages == [] and mapping == cj.rope_keys(preset.config), name
        assert rope_core.RopeConfig.from_hf_config(mapping, preset.layer_type) == rope_core.preset_config(name)


def test_encode_refuses_what_decode_would_refuse_and_what_does_not_fit():
    with pytest.raises(ValueError, match=r"`head_dim` = 100,000,000"):
        cj.encode_config({"head_dim": 100_000_000})
    with pytest.raises(ValueError, match="finite"):
        cj.encode_config({"head_dim": 128, "rope_scaling": {"beta_fast": math.nan}})
    # 256 + 256 random-looking factors, the most a config may carry, do not compress into 4,000 characters
    factors = [1.0 + ((i * 7919) % 10007) / 10007 for i in range(256)]
    with pytest.raises(ValueError, match=r"a link carries at most 4,000"):
        cj.encode_config({"head_dim": 512, "rope_scaling": {"rope_type": "longrope", "long_factor": factors,
                                                            "short_factor": factors[::-1]}})


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
_rope_params = st.dictionaries(st.sampled_from(["rope_type", "type", "truncate", "mrope_interleaved", "note"]),
                               _scalar, max_size=4) | st.fixed_dictionaries({
                                   "rope_type": st.sampled_from(["longrope", "yarn", "llama3"]),
                                   "factor": st.floats(1.0, 1024.0),
                                   "long_factor": st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=64)})
_config = st.fixed_dictionaries(
    {"model_type": st.text(max_size=30)},
    optional={
        "head_dim": st.integers(2, 512), "rope_theta": st.floats(1.0, 1e12, exclude_min=True),
        "max_position_embeddings": st.integers(1, 2**24), "partial_rotary_factor": st.floats(0.0, 1.0, exclude_min=True),
        "rope_scaling": st.none() | _rope_params, "rope_interleave": st.booleans(),
        "layer_types": st.lists(st.sampled_from(["full_attention", "sliding_attention"]), max_size=64),
        "vocab_size": st.integers(), "architectures": st.lists(st.text(max_size=10), max_size=3),
        "text_config": st.fixed_dictionaries({}, optional={"head_dim": st.integers(2, 512), "torch_dtype": _scalar}),
    })


@settings(max_examples=150, deadline=None)
@given(_config)
def test_decode_of_encode_gives_back_the_rope_keys_exactly(config):
    token = cj.encode_config(config)
    assert len(token) <= cj.MAX_TOKEN_CHARS and set(token[len(cj.TOKEN_VERSION):]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    mapping, messages = cj.decode_config(token)
    assert messages == []
    assert mapping == cj.rope_keys(config)
    assert "vocab_size" not in mapping and "architectures" not in mapping
    assert cj.encode_config(mapping) == token  # canonical: the same config gives the same link


@pytest.mark.parametrize(("token", "words"), [
    (_token(b" " * 3_000_000), ["expands to more than 65,536 bytes"]),     # a 3 MB zip bomb in a 3.9 kB token
    (_token(b"[" * 20_000_000), ["characters long", "at most 4,000"]),      # a 20 MB bomb: refused by its length
    (_token(json.dumps(LLAMA31).encode())[:-12], ["cut short"]),
    (_token(json.dumps(LLAMA31).encode())[:-1] + "!", ["characters outside"]),
    ("1.not base64 at all", ["characters outside"]),
    ("1." + "A" * 5, ["cut short"]),
    ("1." + base64.urlsafe_b64encode(b"plain text, not zlib").decode().rstrip("="), ["damaged"]),
    (_token(json.dumps(LLAMA31).encode()) + "AAAA", ["extra data"]),
    ("eJyrVkrLz1eyUkpKLFKqBQA", ["not one this app wrote"]),
    ("", ["not one this app wrote"]),
    (_token(b'{"head_dim": 128, "head_dim": 100000000}'), ["`head_dim` is given more than once"]),
    (_token(b'{"head_dim": 100000000}'), ["`head_dim` = 100,000,000", "2 to 512"]),
    (_token(b'{"rope_theta": NaN}'), ["`rope_theta` is NaN"]),
    (_token(b"[1, 2]"), ["JSON list"]),
    (_token(b"\xff\xfe"), ["not UTF-8"]),
])
def test_decode_refuses_hostile_tokens_with_a_message(token, words):
    mapping, messages = cj.decode_config(token)
    assert mapping is None and messages
    joined = " ".join(messages)
    for w in words:
        assert w in joined, f"{w!r} not in {joined!r}"


@pytest.mark.parametrize("token", [None, 12, b"1.eJw"])
def test_decode_never_raises_on_odd_input(token):
    mapping, messages = cj.decode_config(token)
    assert mapping is None and len(messages) == 1


def test_use_pasted_config_refuses_a_config_past_the_limits_however_it_is_called():
    from streamlit.testing.v1 import AppTest

    def script():
        import rope_core
        from explorer import sidebar

        raw = {"head_dim": 128, "text_config": {"hidden_size": 10**9, "num_attention_heads": 1}}
        sidebar.use_pasted_config("x", rope_core.RopeConfig(), raw)

    at = AppTest.from_function(script).run()
    assert not at.exception and "_rope_pasted" not in at.session_state
    assert [e.value for e in at.error] == ["`text_config.hidden_size` = 1,000,000,000: must be an integer from 1 to 65,536."]


# --- memory: the real Models page in a fresh process ------------------------------------------------------

_PROBE = r"""
import json, re, sys
sys.path.insert(0, sys.argv[1])
from tests.apptest_utils import run_page
from tests.test_configjson import HOSTILE, LLAMA31

def status(key):
    return int(re.search(key + r":\s+(\d+) kB", open("/proc/self/status").read()).group(1))

run_page("models")  # imports and caches: what every later view already has
out = {}
for name in sys.argv[2:]:
    text = json.dumps(LLAMA31) if name == "normal" else HOSTILE[name][0]
    at = run_page("models")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak (VmHWM) to the current RSS
    before = status("VmRSS")
    at.text_area(key="models_json").input(text).run()
    out[name] = {"growth_kb": status("VmHWM") - before, "errors": [e.value for e in at.error],
                 "exception": bool(at.exception), "pasted": "_rope_pasted" in at.session_state}
print(json.dumps(out))
"""
MARGIN_KB = 16 * 1024  # a hostile text of 2 MB is held in a few copies by the widget machinery


def _probe(names: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(ROOT), *names], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to read peak memory")
def test_hostile_pasted_configs_do_not_grow_server_memory_more_than_a_normal_one():
    hostile = [name for name in HOSTILE if name != "empty"]  # blank text is no input on the page
    result = _probe(["normal", *hostile])
    normal = result["normal"]
    assert normal["pasted"] and not normal["errors"] and not normal["exception"]
    for name in hostile:
        r = result[name]
        assert not r["exception"] and not r["pasted"] and r["errors"], (name, r)
        assert r["growth_kb"] <= normal["growth_kb"] + MARGIN_KB, (
            f"{name}: peak RSS grew {r['growth_kb'] / 1024:.1f} MB; a normal config "
            f"{normal['growth_kb'] / 1024:.1f} MB")


def test_an_uploaded_file_goes_through_the_same_checks():
    from explorer.frames import models

    with pytest.raises(models.ConfigError) as err:
        models.parse_config_json(b'\xef\xbb\xbf{"head_dim": 128, "rope_scaling": {"factor": 2, "factor": 1e9}}')
    assert err.value.messages == ["`rope_scaling.factor` is given more than once; a config.json gives each key once "
                                  "(JSON readers disagree on which one wins)."]


def _scout_config(**text_changes) -> dict:
    """Llama 4 Scout's config.json as published in shape (text_config, vision_config, keys RoPE does not read)."""
    raw = rope_core.preset_dict("Llama-4-Scout-17B-16E")
    raw["text_config"].update(vocab_size=202048, intermediate_size=8192, num_local_experts=16, **text_changes)
    raw["vision_config"] = {"model_type": "llama4_vision_model", "hidden_size": 1408, "num_attention_heads": 16,
                            "image_size": 336, "patch_size": 14, "rope_theta": 10000, "vision_output_dim": 4096}
    raw["torch_dtype"] = "bfloat16"
    return raw


LAYER_KEYS = ("attn_temperature_tuning", "floor_scale", "attn_scale", "attention_chunk_size", "no_rope_layer_interval")


@pytest.mark.parametrize("changes", [{}, {"floor_scale": 4096, "attn_scale": 0.25, "no_rope_layer_interval": 3},
                                     {"attn_temperature_tuning": False, "attention_chunk_size": None}],
                         ids=["as-published", "other-temperature-and-interval", "no-tuning-no-chunks"])
def test_llama4_scout_round_trips_with_its_layer_keys_and_the_same_layer_ropes(changes):
    raw = _scout_config(**{"no_rope_layer_interval": 4, **changes})
    mapping, messages = cj.decode_config(cj.encode_config(raw))
    assert messages == []
    for key in LAYER_KEYS:  # each travels in the link, value for value
        assert mapping["text_config"][key] == raw["text_config"][key], key
    assert "vocab_size" not in mapping["text_config"] and "torch_dtype" not in mapping
    assert rope_core.layer_ropes(mapping) == rope_core.layer_ropes(raw)
    nope = [lr for lr in rope_core.layer_ropes(mapping) if lr.rope is None]
    interval = changes.get("no_rope_layer_interval", 4)
    assert [len(lr.layers) for lr in nope] == [48 // interval]
    if changes.get("attn_temperature_tuning", True):
        assert nope[0].temperature == rope_core.AttnTemperature(changes.get("floor_scale", 8192),
                                                                changes.get("attn_scale", 0.1))
    else:
        assert nope[0].temperature is None


@pytest.mark.parametrize("key,value", [("no_rope_layers", [1, 1, 0] * 16), ("layer_types", ["full_attention"] * 48),
                                       ("full_attention_interval", 2)])
def test_other_layer_keys_travel_in_the_text_config(key, value):
    raw = _scout_config(**{key: value})
    mapping, messages = cj.decode_config(cj.encode_config(raw))
    assert messages == [] and mapping["text_config"][key] == value


def test_the_vision_towers_tokens_per_second_travels_in_the_link():
    raw = rope_core.preset_dict("Qwen2.5-VL-7B-Instruct")
    mapping, messages = cj.decode_config(cj.encode_config(raw))
    assert messages == [] and mapping["vision_config"]["tokens_per_second"] == 2
