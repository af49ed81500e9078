"""Today's RoPE types in the app's state: proportional, M-RoPE sections, per-layer models, old preset names.

Every expected configuration is written out by hand from the model's config.json (or its transformers config
class), never through the app's mapping. The sidebar's RopeConfig is read where a user reads it: the Share box's
rope_core snippet, executed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import rope_core
from rope_core import RopeConfig

from explorer import configjson, controls, sidebar
from tests.apptest_utils import exceptions, open_url, run_page

PAGE = "frequencies"  # a light page whose charts follow the sidebar's model


def shared_config(at) -> RopeConfig:
    """The RopeConfig of this view, as the Share box's rope_core snippet rebuilds it."""
    at.session_state[sidebar.SHARE_KEY] = True
    at.run()
    assert not at.exception, exceptions(at)
    snippet = at.main.code[-1].value  # link, config.json fragment(s), then the rope_core snippet
    scope: dict = {}
    exec(snippet, scope)
    at.session_state[sidebar.SHARE_KEY] = False
    at.run()
    return scope["cfg"]


def choose_preset(slug: str):
    at = run_page(PAGE)
    at.sidebar.selectbox(key="w_preset").set_value(slug).run()
    assert not at.exception, exceptions(at)
    return at


def fields(cfg: RopeConfig) -> dict:
    return {k: getattr(cfg, k) for k in cfg.__dataclass_fields__}


def _phi35_lists() -> tuple[tuple[float, ...], tuple[float, ...]]:
    scaling = json.loads(Path("/work/shared/reference/phi-3.5-mini-instruct.rope.json").read_text())["rope_scaling"]
    return tuple(scaling["short_factor"]), tuple(scaling["long_factor"])


# Written from each model's config.json by hand (RopeConfig's own defaults for what the file leaves out).
LITERAL = {
    # Gemma4TextConfig: full_attention rope_parameters {proportional, partial_rotary_factor 0.25, theta 1e6};
    # full-attention layers use global_head_dim 512; max_position_embeddings 262144
    "gemma-4-31b-global-layers": dict(
        head_dim=512, rope_theta=1_000_000.0, partial_rotary_factor=0.25, layout="half", rope_type="proportional",
        factor=1.0, max_position_embeddings=262_144, original_max_position_embeddings=None),
    # Llama 4 Scout: llama3 factor 16, low = high = 1, original 8192, 10M context, complex (interleaved) pairs
    "llama-4-scout-17b-16e": dict(
        head_dim=128, rope_theta=500_000.0, partial_rotary_factor=1.0, layout="interleaved", rope_type="llama3",
        factor=16.0, low_freq_factor=1.0, high_freq_factor=1.0, max_position_embeddings=10_485_760,
        original_max_position_embeddings=8192),
    # Qwen2.5-VL-7B: head_dim 3584 / 28 = 128, theta 1e6, mrope (rewritten to default) sections 16, 24, 24
    "qwen2.5-vl-7b-instruct": dict(
        head_dim=128, rope_theta=1_000_000.0, partial_rotary_factor=1.0, layout="half", rope_type="default",
        factor=1.0, max_position_embeddings=128_000, original_max_position_embeddings=None,
        mrope_section=(16, 24, 24), mrope_interleaved=False),
    # Phi-3.5-mini: 3072 / 32 = 96, longrope with the published lists, factor 131072 / 4096 = 32
    "phi-3.5-mini-instruct": dict(
        head_dim=96, rope_theta=10_000.0, partial_rotary_factor=1.0, layout="half", rope_type="longrope",
        factor=32.0, max_position_embeddings=131_072, original_max_position_embeddings=4096,
        attention_factor=None),
}


@pytest.mark.parametrize("slug", list(LITERAL))
def test_choosing_a_preset_gives_its_config_json_exactly(slug):
    at = choose_preset(slug)
    assert not at.warning, [w.value for w in at.warning]
    expected = dict(LITERAL[slug])
    if slug == "phi-3.5-mini-instruct":
        expected["short_factor"], expected["long_factor"] = _phi35_lists()
    assert fields(shared_config(at)) == fields(RopeConfig(**expected))
    # the sidebar shows it: proportional is a rope_type of its own, not "default"
    assert at.sidebar.selectbox(key="w_rope_type").value == expected["rope_type"]
    assert at.sidebar.slider(key="w_head_dim").value == expected["head_dim"]
    assert dict(at.query_params) == {"preset": slug}


@pytest.mark.parametrize("name", list(rope_core.PRESETS))
def test_every_preset_chosen_in_the_sidebar_is_its_rope_config_field_by_field(name):
    at = choose_preset(controls.slug(name))
    assert fields(shared_config(at)) == fields(rope_core.preset_config(name))
    assert "custom" not in at.session_state["_rope_values"]["preset"]
    assert not any("custom (from" in c.value for c in at.sidebar.caption), "the preset's own values read as edited"


def test_the_old_phi_3_link_opens_phi_3_5_mini():
    at = open_url(PAGE, {"preset": "phi-3-mini-128k"})  # the literal link of yesterday's preset
    assert not at.exception, exceptions(at)
    assert not at.warning, [w.value for w in at.warning]
    assert at.session_state["_rope_values"]["preset"] == "phi-3.5-mini-instruct"
    assert dict(at.query_params) == {"preset": "phi-3.5-mini-instruct"}  # rewritten under today's name
    short, long = _phi35_lists()
    assert shared_config(at) == RopeConfig(
        head_dim=96, rope_type="longrope", factor=32.0, max_position_embeddings=131_072,
        original_max_position_embeddings=4096, short_factor=short, long_factor=long)
    options = at.sidebar.selectbox(key="w_preset").options
    assert "Phi-3.5-mini-instruct" in options and "Phi-3-mini-128k" not in options


# ------------------------------------------------------------------------------------------------- layer types

GEMMA4_LOCAL = RopeConfig(head_dim=256, rope_theta=10_000.0, max_position_embeddings=262_144)


def test_a_layer_type_link_selects_that_layers_rope_and_reproduces_in_a_new_session():
    at = open_url(PAGE, {"preset": "gemma-4-31b-global-layers", "layer_type": "sliding_attention"})
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert shared_config(at) == GEMMA4_LOCAL
    assert at.sidebar.selectbox(key="w_layer_type").value == "sliding_attention"
    assert "Preset: **Gemma-4-31B (global layers), sliding_attention layers**" in [c.value for c in at.sidebar.caption]
    # switching back in the sidebar gives the global layers' proportional RoPE and drops layer_type from the link
    at.sidebar.selectbox(key="w_layer_type").set_value("full_attention").run()
    assert fields(shared_config(at)) == fields(RopeConfig(**LITERAL["gemma-4-31b-global-layers"]))
    assert dict(at.query_params) == {"preset": "gemma-4-31b-global-layers"}
    # and to the local layers again: the link carries the choice to another page
    at.sidebar.selectbox(key="w_layer_type").set_value("sliding_attention").run()
    link = dict(at.query_params)
    assert link == {"preset": "gemma-4-31b-global-layers", "layer_type": "sliding_attention"}
    other = open_url("rotation", link)
    assert not other.exception and not other.warning
    assert shared_config(other) == GEMMA4_LOCAL


def test_the_layer_type_choice_is_offered_only_for_models_with_several():
    for slug in ("llama-3.1-8b", "qwen2.5-vl-7b-instruct", "qwen3.5-27b"):
        at = open_url(PAGE, {"preset": slug})
        assert not any(w.key == "w_layer_type" for w in at.sidebar.selectbox), slug
    at = open_url(PAGE, {"preset": "llama-3.1-8b", "layer_type": "sliding_attention"})
    text = " ".join(w.value for w in at.warning)
    assert "`layer_type`" in text and "one kind of attention layer" in text
    at = open_url(PAGE, {"preset": "lfm3-global-layers", "layer_type": "conv"})  # convolutions have no attention
    text = " ".join(w.value for w in at.warning)
    assert "`layer_type`" in text and "one of full_attention, sliding_attention" in text
    assert at.session_state["_rope_values"]["layer_type"] == "full_attention"


def test_a_nope_layer_says_so_and_the_pages_show_the_rope_layers():
    at = open_url(PAGE, {"preset": "llama-4-scout-17b-16e", "layer_type": "full_attention"})
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    info = " ".join(i.value for i in at.info)
    assert "no rotary embedding (NoPE)" in info and "12 of its 48 attention layers" in info
    assert "show this model's RoPE layers, **chunked_attention**" in info
    # Llama 4's attention temperature at the last position of the 10,485,760-token context, by hand
    last = 1 + 0.1 * math.log(1 + math.floor(10_485_760 / 8192))
    assert f"×{last:.4g}" in info and last == pytest.approx(1.7155, abs=1e-4)
    assert fields(shared_config(at)) == fields(RopeConfig(**LITERAL["llama-4-scout-17b-16e"]))
    assert dict(at.query_params) == {"preset": "llama-4-scout-17b-16e", "layer_type": "full_attention"}
    # the RoPE layers: no note
    at.sidebar.selectbox(key="w_layer_type").set_value("chunked_attention").run()
    assert not at.info
    assert dict(at.query_params) == {"preset": "llama-4-scout-17b-16e"}


def test_a_pasted_config_with_layer_types_offers_them():
    raw = {"model_type": "gemma3_text", "head_dim": 128, "max_position_embeddings": 32768, "num_hidden_layers": 12,
           "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                               "full_attention": {"rope_type": "linear", "factor": 4.0, "rope_theta": 1000000.0}}}
    token = configjson.encode_config(raw)
    at = open_url(PAGE, {"config": token, "layer_type": "sliding_attention"})
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert shared_config(at) == RopeConfig(head_dim=128, rope_theta=10_000.0, max_position_embeddings=32768)
    at.sidebar.selectbox(key="w_layer_type").set_value("full_attention").run()
    assert shared_config(at) == RopeConfig(head_dim=128, rope_theta=1_000_000.0, rope_type="linear", factor=4.0,
                                           max_position_embeddings=32768)
    labels = at.sidebar.selectbox(key="w_layer_type").options
    assert labels == ["sliding_attention: default (no scaling), θ 10k, head_dim 128, 10 layers",
                      "full_attention: linear / PI, θ 1M, head_dim 128, 2 layers"]


# ------------------------------------------------------------------------------------------------- proportional

def test_proportional_is_a_rope_type_with_its_own_parameters():
    at = open_url(PAGE, {"rope_type": "proportional", "head_dim": "256", "partial_rotary_factor": "0.3",
                         "factor": "2"})
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    # int(0.3 · 256 // 2) = 38 pairs turn; the fraction is used as given (no rounding of the rotated dim to even)
    cfg = shared_config(at)
    # the app's default lengths: trained at 4,096, run at 32,768
    assert cfg == RopeConfig(head_dim=256, partial_rotary_factor=0.3, rope_type="proportional", factor=2.0,
                             max_position_embeddings=32768, original_max_position_embeddings=4096)
    assert int((rope_core.inv_freq(cfg) > 0).sum()) == 38
    assert at.sidebar.slider(key="w_factor").value == 2.0


# ------------------------------------------------------------------------------------------------- M-RoPE sections

def test_mrope_sections_are_state_a_link_reproduces():
    at = open_url(PAGE, {"preset": "qwen3-vl-8b-instruct"})
    assert at.sidebar.text_input(key="w_mrope_section").value == "24,20,20"
    assert at.sidebar.toggle(key="w_mrope_interleaved").value is True
    link = {"preset": "qwen3-vl-8b-instruct", "mrope_section": "16,24,24", "mrope_interleaved": "0"}
    at = open_url(PAGE, link)
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert shared_config(at) == RopeConfig(head_dim=128, rope_theta=5_000_000.0, max_position_embeddings=262_144,
                                           mrope_section=(16, 24, 24), mrope_interleaved=False)
    assert dict(at.query_params) == link
    # with text positions (t = h = w) the sections change no angle: shown, disabled here, with the reason
    for widget in (at.sidebar.text_input(key="w_mrope_section"), at.sidebar.toggle(key="w_mrope_interleaved")):
        assert widget.disabled and "t = h = w" in widget.help
    # a view that places tokens in (t, h, w) enables them (controls.unused(..., positions_3d=True))
    assert "mrope_section" not in controls.unused({"rope_type": "default"}, positions_3d=True)
    assert "mrope_section" in controls.unused({"rope_type": "default"})


def test_mrope_controls_are_shown_only_for_models_that_have_sections():
    at = open_url(PAGE, {"preset": "llama-3.1-8b"})
    assert not at.sidebar.text_input and not any(t.key == "w_mrope_interleaved" for t in at.sidebar.toggle)


@pytest.mark.parametrize("section,why", [
    ("16,24,25", "adds up to 65: the t, h and w pairs must add up to the rotated pairs, 64 here"),
    ("16,24", "allowed: 3 integers from 0 to 256 separated by commas"),
    ("x,y,z", "allowed: 3 integers from 0 to 256 separated by commas"),
])
def test_bad_sections_warn_naming_the_field_and_range(section, why):
    at = open_url(PAGE, {"preset": "qwen2.5-vl-7b-instruct", "mrope_section": section})
    assert not at.exception, exceptions(at)
    text = " ".join(w.value for w in at.warning)
    assert "mrope_section" in text and why in text, text
    # the app keeps working, on the model without sections
    assert shared_config(at) == RopeConfig(head_dim=128, rope_theta=1_000_000.0, max_position_embeddings=128_000)


def test_a_bad_section_in_a_link_warns_naming_the_field():
    at = open_url(PAGE, {"preset": "qwen3.5-27b", "mrope_section": "11,11,11"})
    text = " ".join(w.value for w in at.warning)
    assert "mrope_section 11,11,11 adds up to 33" in text and "32 here" in text, text
    at = open_url(PAGE, {"preset": "qwen3.5-27b", "mrope_section": "<b>1,2</b>"})
    text = " ".join(w.value for w in at.warning)
    assert "`mrope_section`" in text and "3 integers from 0 to 256" in text and "<b>" not in text, text
