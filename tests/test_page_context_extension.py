"""Context extension page: every method's chart data against rope_core and known maths."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import rope_core
from rope_core import RopeConfig
from tests.apptest_utils import (assert_columns_fit, dataframe_columns, assert_unknown_view_falls_back, assert_view_shows, assert_views_switch_by_click,
                                 charts, open_view, run_page, warnings_text)

MAX_ROWS = 20_000


def _titles(spec: dict) -> str:
    """Every title in a (possibly layered) spec: layered line charts keep theirs on a sub-layer."""
    out = []
    t = spec.get("title")
    if t:
        out.append(t.get("text", "") if isinstance(t, dict) else str(t))
    for sub in spec.get("layer", []):
        out.append(_titles(sub))
    return " | ".join(out)


def chart(at, text: str):
    found = [(s, df) for s, df in charts(at) if text in _titles(s)]
    assert found, f"no chart titled {text!r}; have {[_titles(s) for s, _ in charts(at)]}"
    return found[0]


def by_method(df, label: str):
    sub = df[df["method"] == label].sort_values("pair")
    assert len(sub), f"no rows for {label!r}; have {sorted(df['method'].unique())}"
    return sub


VIEWS = {
    "stretch": "Wavelength stretch",
    "ood": "Largest angle per pair",
    "longrange": "Correlation of RoPE-encoded vectors",
    "yarnattn": "YaRN attention factor",
}
DEFAULT = {"scaling": "llama3"}  # the test's default settings: Llama 3 selected


def default_page(view: str):
    """The page at the test's default settings, showing `view` (one run per view, shared)."""
    return open_view("context_extension", view, DEFAULT)


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_draws_exactly_its_own_bounded_chart(view):
    spec, _ = assert_view_shows(default_page(view), view, VIEWS[view])
    assert all(other not in _titles(spec) for v, other in VIEWS.items() if v != view)


def test_page_wide_prose_shows_in_every_view():
    for view in VIEWS:
        at = default_page(view)
        assert any("one chart at a time" in m.value for m in at.markdown), view
        assert any("Base model: rotary dim" in c.value for c in at.caption), view


def test_metrics_belong_to_the_stretch_view():
    labels = {m.label for m in default_page("stretch").metric}
    assert {"NTK-aware base θ'", "Dynamic NTK base at target", "YaRN ramp (pairs)"} <= labels
    for view in ("ood", "longrange", "yarnattn"):  # the context model's two numbers are page-wide
        assert {m.label for m in default_page(view).metric} == {"Target ÷ original", "factor"}, view


def test_llama_3_1_sets_both_contexts_and_says_that_factor_is_not_their_ratio():
    """Llama-3.1-8B's config.json: original_max_position_embeddings 8192, max_position_embeddings 131072, factor 8."""
    at = run_page("context_extension", {"preset": "llama-3.1-8b"})
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Target ÷ original"] == "× 16" and shown["factor"] == "8"
    assert any("factor 8 is not target ÷ original context = 131,072 ÷ 8,192 = ×16" in i.value for i in at.info)
    at.button(key="agree_target").click().run()
    assert at.session_state["_rope_values"]["max_position_embeddings"] == 65536
    assert {m.label: m.value for m in at.metric}["Target ÷ original"] == "× 8"
    assert not at.info and at.query_params.get("max_position_embeddings") == "65536"


def test_agreeing_factor_and_contexts_say_nothing():
    at = default_page("stretch")  # 4,096 → 32,768 at factor 8
    assert not any("disagree" in i.value for i in at.info)


def test_summary_table_belongs_to_the_ood_view():
    assert len(default_page("ood").dataframe) == 1
    # every shown column fits beside the sidebar at 1,280 px (none cut, no horizontal scroll); the long texts are
    # read in full elsewhere: the notes under the table, the config.json blocks in the Plan view
    at = default_page("ood")
    table = at.dataframe[0]
    assert_columns_fit(table, texts_after=0)
    assert dataframe_columns(table)[0] == ["method", "attention factor", "pairs out of distribution", "of pairs",
                                           "first OOD pair", "its wavelength (tokens)"]
    shown = "\n".join(m.value for m in at.markdown)
    # NTK-aware's note, as written out: 10,000 · 8^(128/126) at the defaults
    assert ("plain RoPE with rope_theta = θ·α^(d/(d−2)) = 10,000·8^(128/126) = "
            f"{round(10000 * 8 ** (128 / 126)):,}.") in shown
    for view in ("stretch", "longrange", "yarnattn"):
        assert not default_page(view).dataframe, view


def test_the_default_view_is_the_stretch_and_a_click_switches_view_and_url():
    assert_views_switch_by_click("context_extension", VIEWS, DEFAULT)


@pytest.mark.parametrize("start, goal", [("stretch", "ood"), ("ood", "longrange"), ("stretch", "yarnattn"),
                                         ("yarnattn", "stretch")])
def test_clicking_the_view_picker_switches_the_chart(start, goal):
    """From a view given in the URL, as from the default."""
    assert_views_switch_by_click("context_extension", VIEWS, {**DEFAULT, "view": start}, clicks=[goal])


def test_bad_view_in_url_warns_and_falls_back_to_stretch():
    assert_unknown_view_falls_back("context_extension", VIEWS, query=DEFAULT)


def test_linear_stretch_is_factor_everywhere():
    _, df = chart(default_page("stretch"), "Wavelength stretch")
    np.testing.assert_allclose(by_method(df, "linear / PI")["ratio"], 8.0, rtol=1e-12)
    np.testing.assert_allclose(by_method(df, "default (no scaling)")["ratio"], 1.0, rtol=1e-12)


def test_llama3_stretch_is_one_for_fast_pairs_and_factor_for_slow():
    _, df = chart(default_page("stretch"), "Wavelength stretch")
    ll = by_method(df, "Llama 3")
    orig, low, high, factor = 4096, 1.0, 4.0, 8.0
    fast = ll[ll["wavelength"] < orig / high]
    slow = ll[ll["wavelength"] > orig / low]
    assert len(fast) and len(slow)
    np.testing.assert_allclose(fast["ratio"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(slow["ratio"], factor, rtol=1e-12)
    mid = ll[(ll["wavelength"] >= orig / high) & (ll["wavelength"] <= orig / low)]
    assert ((mid["ratio"] >= 1.0) & (mid["ratio"] <= factor)).all()


def test_yarn_stretch_is_one_below_low_and_factor_above_high():
    _, df = chart(default_page("stretch"), "Wavelength stretch")
    yarn = by_method(df, "YaRN")
    cfg = RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=4096,
                     max_position_embeddings=4096 * 8)
    low, high = rope_core.yarn_correction_range(cfg)
    assert (low, high) == (20, 46)  # reference table: d=128, base 1e4, L=4096
    np.testing.assert_allclose(yarn[yarn["pair"] <= low]["ratio"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(yarn[yarn["pair"] >= high]["ratio"], 8.0, rtol=1e-12)
    np.testing.assert_allclose(yarn[yarn["pair"] == 21]["ratio"], 1.034826, rtol=1e-6)


def test_ntk_stretch_grows_to_alpha_at_the_slowest_pair():
    _, df = chart(default_page("stretch"), "Wavelength stretch")
    ntk = by_method(df, "NTK-aware (static)")
    assert ntk["ratio"].iloc[0] == pytest.approx(1.0)
    assert ntk["ratio"].iloc[-1] == pytest.approx(8.0, rel=1e-12)  # α^(d/(d−2)·(d−2)/d) = α = factor
    assert np.all(np.diff(ntk["ratio"]) > 0)


def test_ood_flags_match_rope_core():
    _, df = chart(default_page("ood"), "Largest angle per pair")
    base = dict(head_dim=128, rope_theta=1e4)
    expected = {
        "default (no scaling)": (RopeConfig(**base, max_position_embeddings=4096), None),
        "linear / PI": (RopeConfig(**base, rope_type="linear", factor=8.0, max_position_embeddings=32768), None),
        "NTK-aware (static)": (RopeConfig(**base, rope_type="ntk", factor=8.0, max_position_embeddings=32768), None),
        "dynamic NTK (at target)": (RopeConfig(**base, rope_type="dynamic", factor=8.0,
                                               max_position_embeddings=4096), 32768),
        "YaRN": (RopeConfig(**base, rope_type="yarn", factor=8.0, original_max_position_embeddings=4096,
                            max_position_embeddings=32768), None),
        "Llama 3": (RopeConfig(**base, rope_type="llama3", factor=8.0, original_max_position_embeddings=4096,
                               max_position_embeddings=32768), None),
    }
    table = default_page("ood").dataframe[0].value.set_index("method")
    for label, (cfg, seq_len) in expected.items():
        res = rope_core.ood_angles(cfg, 4096, 32768, seq_len=seq_len)
        got = by_method(df, label)
        np.testing.assert_array_equal(got["ood"].to_numpy(bool), np.asarray(res["ood"], bool), err_msg=label)
        np.testing.assert_allclose(got["max_angle"], res["target_max"], rtol=1e-12, err_msg=label)
        # the table's figures, from the same flags
        flagged = np.flatnonzero(res["ood"])
        row = table.loc[label]
        assert (row["pairs out of distribution"], row["of pairs"]) == (flagged.size, 64), label
        if flagged.size:
            assert row["first OOD pair"] == flagged[0], label
            # the base model's wavelength of that pair, as on the chart's x axis
            wavelength = 2 * np.pi / rope_core.inv_freq(RopeConfig(**base))[flagged[0]]
            assert row["its wavelength (tokens)"] == pytest.approx(wavelength, rel=1e-12), label
        else:
            assert np.isnan(row["first OOD pair"]) and np.isnan(row["its wavelength (tokens)"]), label
        assert row["attention factor"] == pytest.approx(rope_core.attention_factor(cfg, seq_len=seq_len), rel=1e-12)
    # without scaling, 8× the training length pushes the slow pairs out; linear interpolation fixes all of them
    assert by_method(df, "default (no scaling)")["ood"].sum() > 0
    assert by_method(df, "linear / PI")["ood"].sum() == 0
    train = by_method(df, "training (original RoPE)")
    np.testing.assert_allclose(train["max_angle"], 4095 * rope_core.inv_freq(RopeConfig()), rtol=1e-12)


def test_yarn_attention_frame_is_cached_on_what_it_reads_only():
    """The frame is shared by configs that differ elsewhere (rope_theta: every slider move) and recomputed when
    attention_factor, mscale or mscale_all_dim change: each call equals rope_core's curves for its own config."""
    from explorer.frames import extension as ext

    yarn = RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=4096,
                      max_position_embeddings=32768)
    configs = [yarn, dataclasses.replace(yarn, rope_theta=5e5), dataclasses.replace(yarn, factor=32.0),
               dataclasses.replace(yarn, mscale=1.0, mscale_all_dim=1.0),
               dataclasses.replace(yarn, mscale=0.707, mscale_all_dim=1.0),
               dataclasses.replace(yarn, mscale=1.0, mscale_all_dim=0.8), dataclasses.replace(yarn, attention_factor=1.3),
               yarn]
    for cfg in configs:
        df = ext.yarn_attention_frame(cfg)
        af = rope_core.yarn_attention_factors(cfg, ext.FACTORS)
        want = {"attention factor (× cos, sin)": af, "logit scale = attention factor²": af ** 2}
        if cfg.mscale_all_dim:
            mla = np.array([(0.1 * cfg.mscale_all_dim * np.log(s) + 1) ** 2 for s in ext.FACTORS])
            want |= {ext.MLA_SCALE: mla, ext.MLA_TOTAL: af ** 2 * mla}
        assert set(df["quantity"]) == set(want), cfg
        for quantity, values in want.items():
            rows = df[df["quantity"] == quantity]
            np.testing.assert_array_equal(rows["factor"], ext.FACTORS)
            np.testing.assert_allclose(rows["value"], values, rtol=1e-12, err_msg=f"{quantity} {cfg}")


def test_decay_is_correlation_of_each_method():
    _, df = chart(default_page("longrange"), "Correlation of RoPE-encoded vectors")
    none = df[df["method"] == "default (no scaling)"].sort_values("distance")
    assert none["distance"].min() == 1 and none["distance"].max() == 32767
    assert np.all(none["distance"] == np.round(none["distance"]))
    np.testing.assert_allclose(none["correlation"], rope_core.correlation(RopeConfig(), none["distance"].to_numpy()),
                               rtol=1e-12, atol=1e-15)
    lin = df[df["method"] == "linear / PI"].sort_values("distance")
    # PI divides positions by the factor: its correlation at 8Δ equals the original's at Δ
    at8 = lin.set_index("distance")["correlation"]
    d = none["distance"].to_numpy()
    common = [x for x in d if 8 * x in at8.index]
    assert common
    np.testing.assert_allclose(at8.loc[[8 * x for x in common]].to_numpy(),
                               rope_core.correlation(RopeConfig(), np.array(common, float)), atol=1e-12)


def test_yarn_attention_factor_curve():
    _, df = chart(default_page("yarnattn"), "YaRN attention factor")
    af = df[df["quantity"].str.startswith("attention factor")].set_index("factor")["value"]
    assert af.loc[1.0] == pytest.approx(1.0)
    assert af.loc[8.0] == pytest.approx(1.2079442, rel=1e-7)  # 0.1 ln 8 + 1
    assert af.loc[40.0] == pytest.approx(1.368888, rel=1e-6)
    sq = df[df["quantity"].str.startswith("logit")].set_index("factor")["value"]
    np.testing.assert_allclose(sq.loc[af.index], af.to_numpy() ** 2)
    assert any("At factor 8 it is **1.20794**" in m.value for m in default_page("yarnattn").markdown)


def test_deepseek_mscale_ratio_makes_the_factor_one():
    at = run_page("context_extension", {"scaling": "yarn", "factor": "40", "mscale": "1", "mscale_all": "1",
                                    "view": "yarnattn"})
    assert not at.exception
    _, df = chart(at, "YaRN attention factor")
    np.testing.assert_allclose(df[df["quantity"].str.startswith("attention")]["value"], 1.0)


@pytest.mark.parametrize("query", [
    {"d": "512", "orig": "1048576", "factor": "64", "target": "4194304", "scaling": "yarn"},
    {"d": "2", "theta": "10", "target": "512"},
    {"d": "4", "prf": "0.5", "scaling": "llama3", "low": "16", "high": "0.5"},
    {"scaling": "yarn", "bfast": "1", "bslow": "32", "factor": "1"},
    {"target": "abc"}, {"target": "1e300"}, {"target": "-5"},
])
@pytest.mark.parametrize("view", VIEWS)
def test_extremes_render_without_exception(query, view):
    at = run_page("context_extension", {**query, "view": view})
    assert not at.exception
    got = charts(at)
    if view == "yarnattn" and not got:  # the only chart a view may leave out, and then it says why
        assert any("YaRN is left out" in i.value for i in at.info)
    else:
        assert len(got) == 1 and VIEWS[view] in _titles(got[0][0])
    for _, df in got:
        assert len(df) <= MAX_ROWS
        num = df.select_dtypes("number").to_numpy(float)
        assert np.isfinite(num).all()


def test_rotary_dim_two_leaves_ntk_out_with_a_message():
    at = run_page("context_extension", {"d": "2", "view": "stretch"})
    assert "NTK-aware (static) left out" in warnings_text(at)
    _, df = chart(at, "Wavelength stretch")
    assert "NTK-aware (static)" not in set(df["method"])


def test_target_not_longer_than_original_says_so():
    at = run_page("context_extension", {"target": "1024", "view": "ood"})
    assert any("not longer than the original" in i.value for i in at.info)
    _, df = chart(at, "Largest angle per pair")
    assert not df["ood"].any()


def test_bad_target_in_url_warns_with_the_range():
    at = run_page("context_extension", {"target": "abc"})
    text = warnings_text(at)
    assert "`target` (= `max_position_embeddings`)" in text and "128" in text and "4194304" in text


def test_longrope_only_with_factor_lists():
    from explorer import controls

    phi = next(s for s, name in controls.preset_slugs().items() if rope_core.preset_config(name).rope_type == "longrope")
    at = run_page("context_extension", {"preset": phi, "target": "131072", "view": "stretch"})
    assert not at.exception
    _, df = chart(at, "Wavelength stretch")
    assert "LongRoPE (preset)" in set(df["method"])
    cfg = rope_core.preset_config(controls.preset_slugs()[phi])
    lr = by_method(df, "LongRoPE (preset)")
    np.testing.assert_allclose(lr["ratio"], cfg.long_factor, rtol=1e-12)  # target > original: long_factor
    at = run_page("context_extension", {"scaling": "yarn", "view": "stretch"})
    _, df = chart(at, "Wavelength stretch")
    assert "LongRoPE (preset)" not in set(df["method"])
    assert math.isfinite(df["ratio"].max())


def test_ood_table_fragments_load_back_to_each_methods_frequencies():
    """The table's config.json cells (v4 and v5) rebuild each method's θ_i; NTK is plain RoPE with the enlarged base."""
    import json

    table = default_page("ood").dataframe[0].value
    rows = table.set_index("method")
    ntk = json.loads(rows.loc["NTK-aware (static)", "config.json v5 (rope_parameters)"])
    assert ntk["rope_type"] == "default"
    assert ntk["rope_theta"] == pytest.approx(1e4 * 8.0 ** (128 / 126), rel=1e-12)  # α = the sidebar's factor 8
    assert "θ·α^(d/(d−2))" in rows.loc["NTK-aware (static)", "note"]
    llama = json.loads(rows.loc["Llama 3", "config.json v4 (rope_theta, rope_scaling)"])
    assert llama["rope_scaling"]["rope_type"] == "llama3" and llama["rope_scaling"]["factor"] == 8.0
    ntk_cfg = RopeConfig(head_dim=128, rope_theta=1e4, rope_type="ntk", factor=8.0)
    for col in ("config.json v4 (rope_theta, rope_scaling)", "config.json v5 (rope_parameters)"):
        frag = json.loads(rows.loc["NTK-aware (static)", col])
        frag = frag if "rope_scaling" in frag else {"rope_parameters": frag}
        cfg = RopeConfig.from_hf_config({"head_dim": 128, **frag})
        assert cfg.rope_type == "default"
        np.testing.assert_allclose(rope_core.inv_freq(cfg), rope_core.inv_freq(ntk_cfg), rtol=1e-12)


def test_yarn_attention_view_at_deepseek_v3_shows_transformers_softmax_scale():
    """DeepSeek-V3: attention factor 1 on cos/sin, but transformers' MLA softmax scale × (0.1 ln 40 + 1)² = 1.8739."""
    from explorer import controls

    slug = next(s for s, name in controls.preset_slugs().items() if name.startswith("DeepSeek-V3"))
    at = run_page("context_extension", {"preset": slug, "target": "262144", "view": "yarnattn"})
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "**1.8739**" in text and "logits × 1)" in text
    _, df = chart(at, "YaRN attention factor")
    mla = df[(df["quantity"].str.startswith("MLA softmax")) & (df["factor"] == 40.0)]["value"]
    assert mla.item() == pytest.approx((0.1 * math.log(40) + 1) ** 2, rel=1e-12)


def test_stretch_view_says_which_yarn_ramp_is_drawn():
    at = default_page("stretch")
    note = next(c.value for c in at.caption if "YaRN here is the code's" in c.value)
    cfg = RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=4096,
                     max_position_embeddings=32768)
    from rope_core.yarn_reference import paper_inv_freq

    code, paper = rope_core.inv_freq(cfg), paper_inv_freq(cfg)
    worst = int(np.argmax(np.abs(np.log(code / paper))))
    base = rope_core.inv_freq(RopeConfig())
    assert f"pair {worst} is stretched {base[worst] / code[worst]:.3g}× by the code" in note
    assert f"{base[worst] / paper[worst]:.3g}× by the paper's formula" in note


def test_plan_view_gives_each_methods_blocks_and_numbers():
    import json

    from rope_core.planner import plan

    at = open_view("context_extension", "plan", DEFAULT)
    assert not at.exception and not charts(at)
    assert set(at.dataframe[0].value["Men et al. at 32k"]) == {"not checked"}  # off until asked: it scans every m
    at.toggle(key="plan_men").set_value(True).run()
    assert not at.exception
    table = at.dataframe[0].value
    expected = plan(RopeConfig(head_dim=128, rope_theta=1e4, max_position_embeddings=4096), 32768)
    assert list(table["factor"]) == [8.0] * 5  # 32,768 / 4,096
    assert list(table["pairs out of distribution"]) == [f"{p.ood_pairs} of 64" for p in expected]
    np.testing.assert_allclose(table["attention factor"], [p.attention_factor for p in expected], rtol=1e-12)
    blocks = [json.loads(c.value) for c in at.code if c.language == "json"]
    assert blocks == [b for p in expected for b in (p.v4, p.v5)]
    assert list(table["Men et al. at 32k"]) == [
        "B ≥ 0 everywhere" if p.men_first_negative is None else f"B < 0 at m = {p.men_first_negative:,}"
        for p in expected]
    # the sidebar's own llama3 block: factor 8 = 32,768 / 4,096, original_max_position_embeddings written
    assert any("Pitfalls in the sidebar's configuration" in m.value and "none found" in m.value for m in at.markdown)


def test_plan_view_warns_about_a_presets_factor_that_does_not_reach_the_target():
    from explorer import controls

    slug = next(s for s, name in controls.preset_slugs().items() if name == "Llama-3.1-8B")
    at = run_page("context_extension", {"preset": slug, "target": "131072", "view": "plan"})
    assert not at.exception
    assert "factor 8 but target ÷ original = 131,072 / 8,192 = 16" in warnings_text(at)
    assert any("Llama-3.1-8B preset's config.json" in m.value for m in at.markdown)


def test_plan_view_finds_no_pitfall_in_a_consistent_preset():
    from explorer import controls

    slug = next(s for s, name in controls.preset_slugs().items() if name == "Qwen2.5-7B-Instruct + YaRN x4")
    at = run_page("context_extension", {"preset": slug, "target": "131072", "view": "plan"})
    assert not at.exception and not at.warning
    assert any("preset's config.json" in m.value and "none found" in m.value for m in at.markdown)


# Gemma 4's global layers, 8× past training. Expected values from transformers 5.25's Gemma4TextRotaryEmbedding
# (float32, printed once): factor 1 θ_1 = 0.947463512, θ_63 = 0.0333762467; factor 8 θ_1 = 0.118432939,
# θ_63 = 0.00417203084; 64 of 256 pairs rotate.
GEMMA4_X8 = {"preset": "gemma-4-31b-global-layers", "factor": "8", "target": "2097152"}
AS_TRAINED, PROP = "proportional, factor 1 (as trained)", "proportional (p-RoPE)"


def test_a_proportional_model_is_compared_with_its_own_factor_against_itself_as_trained():
    at = open_view("context_extension", "stretch", GEMMA4_X8)
    assert not at.exception
    _, df = chart(at, "Wavelength stretch per pair")
    assert set(df["method"]) == {AS_TRAINED, PROP}  # transformers cannot run linear/yarn/... on this model
    trained, scaled = by_method(df, AS_TRAINED), by_method(df, PROP)
    assert list(scaled["pair"]) == list(range(64))  # the 192 pairs at frequency 0 have no stretch (0/0): left off
    np.testing.assert_allclose(scaled["theta"].to_numpy()[[1, 63]], [0.947463512, 0.0333762467], rtol=1e-6)
    np.testing.assert_allclose(scaled["scaled_theta"].to_numpy()[[1, 63]], [0.118432939, 0.00417203084], rtol=1e-6)
    np.testing.assert_allclose(scaled["ratio"], 8.0, rtol=1e-12)
    np.testing.assert_allclose(trained["ratio"], 1.0, rtol=1e-12)
    assert np.isfinite(df[["wavelength", "scaled_wavelength", "ratio"]].to_numpy(float)).all()
    info = " ".join(i.value for i in at.info)
    assert "int(head_dim · partial_rotary_factor) = 128 features (64 pairs" in info


def test_a_proportional_models_ood_and_plan_views_count_its_pairs():
    at = open_view("context_extension", "ood", GEMMA4_X8)
    _, df = chart(at, "Largest angle per pair")
    assert np.isfinite(df[["wavelength", "max_angle", "turns"]].to_numpy(float)).all()
    assert (df["pair"] < 64).all() and not df["ood"].any()
    table = at.dataframe[0].value.set_index("method")
    assert table.loc[PROP, "pairs out of distribution"] == 0 and table.loc[PROP, "of pairs"] == 256
    assert '"factor": 8.0' in table.loc[PROP, "config.json v5 (rope_parameters)"]
    plan = open_view("context_extension", "plan", GEMMA4_X8).dataframe[0].value
    assert list(plan["method"]) == [PROP] and plan["factor"].iloc[0] == 8.0
    assert plan["pairs out of distribution"].iloc[0] == "0 of 256 (64 rotate)"
    assert plan["θ change up to L0 (max |θ'/θ − 1|)"].iloc[0] == pytest.approx(0.875, rel=1e-12)  # 1 − 1/8


@pytest.mark.parametrize("view", ["stretch", "ood", "longrange"])
def test_each_chart_follows_rope_theta_when_the_slider_moves(view):
    """The views keep each chart per input (charts.kept): moving rope_theta draws the new model's numbers, and
    moving back draws the first chart again."""
    at = run_page("context_extension", {"view": view})
    first = chart(at, VIEWS[view])[1]
    for theta in (500000.0, 10000.0):
        at.select_slider(key="w_rope_theta").set_value(theta).run()
        _, df = chart(at, VIEWS[view])
        base = RopeConfig(rope_theta=theta)
        got = df[df["method"] == "default (no scaling)"] if view == "longrange" else by_method(df, "default (no scaling)")
        if view == "longrange":
            want, col = rope_core.correlation(base, got["distance"].to_numpy()), "correlation"
        else:
            want, col = 2 * np.pi / rope_core.inv_freq(base), "wavelength"
        np.testing.assert_allclose(got[col], want, rtol=1e-12, err_msg=f"{view} at rope_theta {theta}")
    pd.testing.assert_frame_equal(df, first)
