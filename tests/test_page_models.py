"""Models page: the presets table and spectra against rope_core; hostile and valid config.json input."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import rope_core
from explorer import controls, sidebar
from explorer.frames import models
from tests.apptest_utils import assert_columns_fit, chart_titled, charts, dataframe_columns, page_file, run_page

KEY = "models_json"
LLAMA31 = {
    "model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "rope_theta": 500000.0,
    "max_position_embeddings": 131072,
    "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
}
BIG = '{"head_dim": 128, "pad": "' + "x" * (1 << 20) + '"}'

# issue 4's hostile config.json list: (input, words the message must contain)
HOSTILE = {
    "not json": ('{"head_dim": 128,, "rope_theta": 1e4}', ["Not valid JSON", "line 1", "column 18"]),
    "not json, line 3": ('{\n  "head_dim": 128\n  "rope_theta": 1e4\n}', ["Not valid JSON", "line 3", "column 3"]),
    "json list": ("[1, 2, 3]", ["JSON list", "JSON object"]),
    "json string": ('"config"', ["JSON string", "JSON object"]),
    "wrong type theta": ('{"head_dim": 128, "rope_theta": "10000"}', ["`rope_theta`", "finite number"]),
    "wrong type head_dim": ('{"head_dim": [128], "rope_theta": 10000}', ["`head_dim`", "integer from 2 to 512"]),
    "wrong type rope_scaling": ('{"head_dim": 128, "rope_scaling": "yarn"}', ["rope_scaling", "JSON object"]),
    "wrong type factor": ('{"head_dim": 128, "rope_scaling": {"rope_type": "linear", "factor": true}}',
                          ["factor", "number"]),
    "unknown rope_type": ('{"head_dim": 128, "rope_scaling": {"rope_type": "magic", "factor": 2}}',
                          ["'magic'", "not supported", "yarn", "llama3", "longrope"]),
    "negative theta": ('{"head_dim": 128, "rope_theta": -10000}', ["`rope_theta`", "greater than 1", "-10,000"]),
    "nan theta": ('{"head_dim": 128, "rope_theta": NaN}', ["rope_theta", "finite"]),
    "longrope wrong length": (json.dumps({
        "head_dim": 96, "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
        "rope_scaling": {"type": "longrope", "short_factor": [1.0, 1.1, 1.2], "long_factor": [2.0] * 48}}),
        ["short_factor", "length", "48", "got 3"]),
    "more than 1 MB": (BIG, ["limit is 1 MB", "1,048,576 bytes"]),
    "empty object": ("{}", ["head"]),
    "huge integer": ('{"head_dim": ' + "9" * 5000 + "}", ["Not usable JSON"]),
    "overflowing float": ('{"head_dim": 128, "rope_theta": 1e400}', ["rope_theta", "finite"]),
}


def paste(at, text: str):
    at.text_area(key=KEY).input(text).run()
    return at


def keep_pasted_preset(at):
    """Work around an AppTest-only issue before the next run: the sidebar's preset format_func reads
    st.session_state, which is empty outside a script run, so AppTest cannot map the value "pasted" to
    its label "pasted: <name>". Selecting the label itself sends the same option back."""
    sel = at.sidebar.selectbox(key="w_preset")
    if not sel.disabled:  # disabled on the Models page, which lists every preset
        sel.set_value(f"pasted: {at.session_state['_rope_pasted']['name']}")


@pytest.fixture(scope="module")
def models_page():
    at = run_page("models")
    assert not at.exception
    return at


def test_table_has_every_preset_with_rope_core_numbers(models_page):
    table = models_page.dataframe[0].value
    assert list(table["model"]) == list(rope_core.PRESETS)
    for _, row in table.iterrows():
        cfg = rope_core.preset_config(row["model"])
        # features that rotate: proportional's 2·int(prf·head_dim // 2) (Gemma 4 global 128, LFM3 64), else rotary dim
        assert row["rotary dim"] == {"Gemma-4-31B (global layers)": 128, "LFM3 (global layers)": 64}.get(
            row["model"], cfg.rotary_dim)
        # one number style: round bases as 10k / 500k / 1M, contexts in binary k, notes without "[copy]"
        assert row["rope_theta"] == {10000.0: "10k", 150000.0: "150k", 500000.0: "500k", 1e6: "1M", 5e6: "5M",
                                     1e7: "10M"}[cfg.rope_theta]
        assert row["max context"] == {2048: "2k", 4096: "4k", 8192: "8k", 16384: "16k", 32768: "32k",
                                      128000: "128,000", 131072: "128k", 163840: "160k", 262144: "256k",
                                      10485760: "10M"}[cfg.max_position_embeddings]
        assert "[copy]" not in row["note"]
        theta = rope_core.inv_freq(cfg, seq_len=cfg.max_position_embeddings)
        longest = rope_core.wavelengths(theta[theta > 0]).max()  # pairs at frequency 0 do not rotate
        assert np.isfinite(row["longest wavelength"])
        # shown as fmt.tokens writes a wavelength: whole from 1,000 tokens (20,470,000), else to 0.01
        assert row["longest wavelength"] == (round(longest) if longest >= 1000 else round(longest, 2))
        assert row["attention factor"] == pytest.approx(
            rope_core.attention_factor(cfg, seq_len=cfg.max_position_embeddings), rel=1e-12)
    # transformers 5.25 (Gemma4TextRotaryEmbedding / Lfm3RotaryEmbedding, float32): 2π/θ of the slowest rotating pair
    by_model = table.set_index("model")["longest wavelength"]
    assert by_model["Gemma-4-31B (global layers)"] == 188.25  # 188.253202
    assert by_model["LFM3 (global layers)"] == 5063  # 5063.25541


def test_spectra_overlay_every_model(models_page):
    _, df = chart_titled(models_page, "Wavelength of every pair")
    assert set(df["model"]) == set(rope_core.PRESETS)
    for name in rope_core.PRESETS:
        cfg = rope_core.preset_config(name)
        sub = df[df["model"] == name].sort_values("pair")
        theta = rope_core.inv_freq(cfg, seq_len=cfg.max_position_embeddings)
        # pairs that do not turn (proportional RoPE: θ_i = 0) have no wavelength to draw
        np.testing.assert_allclose(sub["wavelength"], rope_core.wavelengths(theta[theta > 0]), rtol=1e-12)
        assert sub["fraction"].min() == 0 and sub["fraction"].max() < 1


def test_spectra_log_axis_spans_only_finite_wavelengths(models_page):
    spec, df = chart_titled(models_page, "Wavelength of every pair")
    assert np.isfinite(df["wavelength"]).all() and (df["wavelength"] > 0).all()
    assert any(not np.isfinite(rope_core.wavelengths(rope_core.inv_freq(rope_core.preset_config(n)))).all()
               for n in rope_core.PRESETS), "no preset has a pair of frequency 0: this test checks nothing"


def test_table_shows_max_context_and_every_note_without_a_horizontal_scroll(models_page):
    table = models_page.dataframe[0]
    order, _ = dataframe_columns(table)
    assert "max context" in order and "original context" in order and order[-1] == "scaling"
    assert_columns_fit(table)
    # the notes and the full scaling parameters are read under the table, in full
    text = "\n".join(m.value for m in models_page.markdown)
    for _, row in table.value.iterrows():
        assert f"**{row['model']}** — {row['scaling']}. {row['note']}" in text


def test_unscaled_spectra_use_the_base_frequencies():
    at = run_page("models", {"scaled": "0"})
    _, df = chart_titled(at, "Wavelength of every pair")
    for name in rope_core.PRESETS:
        cfg = rope_core.preset_config(name)
        sub = df[df["model"] == name].sort_values("pair")
        want = rope_core.default_inv_freq(cfg.rotary_dim, cfg.rope_theta)
        if cfg.rope_type == "proportional":  # its own at factor 1: int(prf·d // 2) pairs turn with θ^(−2i/head_dim)
            want = want[:int(cfg.partial_rotary_factor * cfg.head_dim // 2)]
        np.testing.assert_allclose(sub["theta"], want, rtol=1e-12)
    gemma4 = df[df["model"] == "Gemma-4-31B (global layers)"].sort_values("pair")["theta"].to_numpy()
    assert gemma4.size == 64  # transformers 5.25: 64 of 256 pairs rotate, θ_1 = 0.947463512 (float32)
    assert gemma4[1] == pytest.approx(0.947463512, rel=1e-6)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_config_json_gets_a_clear_message(case):
    text, words = HOSTILE[case]
    at = paste(run_page("models"), text)
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    for w in words:
        assert w in errors, f"{case}: {w!r} not in {errors!r}"
    assert "_rope_pasted" not in at.session_state
    assert charts(at), "the page keeps working"
    assert at.session_state["_rope_values"]["preset"] == "custom"


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_inputs_raise_config_error_as_bytes_too(case):
    text, _ = HOSTILE[case]
    with pytest.raises(models.ConfigError):
        models.parse_config_json(text.encode())


def test_non_utf8_upload_is_rejected():
    with pytest.raises(models.ConfigError, match="not UTF-8"):
        models.parse_config_json(b'{"head_dim": 128, "x": "\xff\xfe"}')


def test_a_valid_config_becomes_the_sidebar_model_on_every_page():
    raw = dict(LLAMA31, model_type="mytest", rope_theta=123456.0)
    at = paste(run_page("models"), json.dumps(raw))
    assert not at.exception and not at.error
    pasted = at.session_state["_rope_pasted"]
    assert pasted["name"] == "mytest" and pasted["config"] == rope_core.RopeConfig.from_hf_config(raw)
    values = at.session_state["_rope_values"]
    assert values["preset"] == "pasted" and values["rope_theta"] == 123456.0 and values["rope_type"] == "llama3"
    # what was understood: the parsed config as a config.json fragment
    fragments = [json.loads(c.value) for c in at.code if c.language == "json"]
    assert len(fragments) == 2  # transformers' v4 and v5 forms, each reading back to the pasted config
    assert [rope_core.RopeConfig.from_hf_config(f) for f in fragments] == [pasted["config"]] * 2
    assert fragments[0]["rope_scaling"]["rope_type"] == fragments[1]["rope_parameters"]["rope_type"] == "llama3"
    # the table and spectra gain the pasted model
    assert "pasted: mytest" in list(at.dataframe[0].value["model"])

    keep_pasted_preset(at)
    at.switch_page(page_file("frequencies")).run()
    assert not at.exception
    _, df = chart_titled(at, "θ_i per pair")
    expected = rope_core.default_inv_freq(128, 123456.0)
    assert any(np.allclose(g.sort_values("pair")["theta"], expected, rtol=1e-12)
               for _, g in df.groupby("frequencies")), "Frequencies must use the pasted rope_theta"
    assert at.session_state["_rope_values"]["preset"] == "pasted"
    assert not at.code, "the share box's content is sent only while it is open"
    at.session_state[sidebar.SHARE_KEY] = True
    at.run()
    assert any("123456" in c.value for c in at.main.code), "the share box's config.json fragment"


def test_config_outside_the_sidebar_ranges_is_accepted_with_a_note():
    raw = {"model_type": "wide", "head_dim": 128, "rope_theta": 5e8}
    at = paste(run_page("models"), json.dumps(raw))
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "rope_theta" in text and "5e+08" in text


def test_head_dim_beyond_the_apps_limit_is_refused_naming_the_range():
    at = paste(run_page("models"), json.dumps({"model_type": "wide", "head_dim": 1024, "rope_theta": 5e8}))
    assert not at.exception
    assert "_rope_pasted" not in at.session_state
    assert any("`head_dim` = 1,024" in e.value and "2 to 512" in e.value for e in at.error)


def test_repasting_the_same_text_does_not_override_later_sidebar_edits():
    at = paste(run_page("models"), json.dumps(LLAMA31))
    assert at.session_state["_rope_values"]["rope_theta"] == 500000.0
    at.session_state["_rope_values"]["rope_theta"] = 10000.0
    keep_pasted_preset(at)
    at.run()
    assert at.session_state["_rope_values"]["rope_theta"] == 10000.0


def test_parsed_name_is_sanitised():
    parsed = models.parse_config_json(json.dumps({"model_type": "<script>alert(1)</script>" * 5, "head_dim": 64}))
    assert "<" not in parsed.name and len(parsed.name) <= 40
    assert models.parse_config_json('{"head_dim": 64}').name == "pasted config"


def test_quoted_input_cannot_become_markup_or_a_huge_message():
    text = json.dumps({"head_dim": 128, "rope_scaling": {"rope_type": "[x](http://e.vil) $x$ " + "y" * 5000}})
    at = paste(run_page("models"), text)
    msg = " ".join(e.value for e in at.error)
    assert "not supported" in msg and "\\[x\\]" in msg and "\\$x\\$" in msg
    assert len(msg) < 600


def test_the_scaling_column_shows_what_transformers_loads_not_ntk():
    # static NTK has no transformers rope_type: plain RoPE with base 10,000 · 4^(128/126) = 40,889.9…
    tbl = models.table(("mine", rope_core.RopeConfig(head_dim=128, rope_type="ntk", factor=4.0)))
    text = tbl.loc[tbl["model"] == "pasted: mine", "scaling"].item()
    assert "ntk" not in text.split("(")[0] and text.startswith("default with rope_theta 40,890")
    llama = rope_core.RopeConfig(head_dim=128, rope_theta=5e5, rope_type="llama3", factor=8.0,
                                 original_max_position_embeddings=8192, max_position_embeddings=131072)
    text = models.table(("l3", llama)).set_index("model").loc["pasted: l3", "scaling"]
    assert text == "llama3: factor 8, low_freq_factor 1, high_freq_factor 4"


def _highlighted(spec: dict) -> set[str]:
    """The models the spectra chart's highlight layers draw on top (their filter on the model)."""
    text = json.dumps(spec)
    return {f["equal"] for f in (json.loads(m) for m in re.findall(r'\{"equal": [^{}]*, "field": "model"\}', text))}


def _coinciding_groups(df) -> list[set[str]]:
    """Groups of models whose shipped lines are the same (same fractions, wavelengths equal to 1e-9 relative),
    worked out from the chart's own data, pair by pair."""
    lines = {name: g.sort_values("pair") for name, g in df.groupby("model", observed=True)}
    groups: list[set[str]] = []
    for name, g in lines.items():
        for group in groups:
            other = lines[next(iter(group))]
            if len(other) == len(g) and np.array_equal(other["fraction"].to_numpy(), g["fraction"].to_numpy()) \
                    and np.allclose(other["wavelength"].to_numpy(), g["wavelength"].to_numpy(), rtol=1e-9, atol=0):
                group.add(name)
                break
        else:
            groups.append({name})
    return [g for g in groups if len(g) > 1]


def _caption_groups(at) -> list[set[str]]:
    captions = [c.value for c in at.caption if c.value.startswith("One line, several models")]
    assert len(captions) <= 1
    if not captions:
        return []
    body = captions[0].split(": ", 1)[1].rstrip(".")
    return [set(group.split(" = ")) for group in body.split("; ")]


def test_the_highlighted_line_follows_the_sidebar_preset():
    """The chart is kept per (pasted config, scaling, highlighted preset): each preset in turn gets its own line on
    top, and coming back to one gives its own again."""
    for name in ("Llama-3.1-8B", "Gemma-2-9B", "Llama-3.1-8B"):
        slug = next(s for s, n in controls.preset_slugs().items() if n == name)
        spec, _ = chart_titled(run_page("models", {"preset": slug}), "Wavelength of every pair")
        assert _highlighted(spec) == {name}


@pytest.mark.parametrize("scaled", ["1", "0", "1"])
def test_the_caption_names_exactly_the_models_whose_lines_coincide(scaled):
    at = run_page("models", {"scaled": scaled})
    _, df = chart_titled(at, "Wavelength of every pair")
    groups = _coinciding_groups(df)
    assert sorted(map(sorted, _caption_groups(at))) == sorted(map(sorted, groups))
    # by hand: the unscaled bases of Llama 3 and 3.1 coincide, their scaled spectra do not
    llama = {"Llama-3-8B", "Llama-3.1-8B"}
    assert any(llama <= g for g in groups) == (scaled == "0")


def test_a_pasted_copy_of_a_preset_joins_its_line_in_the_caption():
    at = paste(run_page("models"), json.dumps(dict(LLAMA31, model_type="mycopy")))
    assert not at.exception and not at.error
    keep_pasted_preset(at)
    at.run()
    _, df = chart_titled(at, "Wavelength of every pair")
    assert "pasted: mycopy" in set(df["model"])
    assert {"Llama-3.1-8B", "pasted: mycopy"} in [g & {"Llama-3.1-8B", "pasted: mycopy"} for g in _caption_groups(at)]
    assert sorted(map(sorted, _caption_groups(at))) == sorted(map(sorted, _coinciding_groups(df)))
