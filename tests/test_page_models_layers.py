"""The Models page's per-layer RoPE: each layer type of Gemma 3/4, Llama 4 and LFM3 (rope_core.layer_ropes), and
Llama 4's query temperature on its layers without RoPE. Expected values from the models' config.json by hand."""

import json
import math

import numpy as np
import pytest

from apptest_utils import chart_titled, charts, exceptions, run_page

KEY = "layers_open"
TEMPERATURE = "Query temperature of the layers without RoPE"


def opened(at):
    at.session_state[KEY] = True
    at.run()
    assert not at.exception, exceptions(at)
    return at


@pytest.fixture(scope="module")
def page():
    return opened(run_page("models"))


def rows_of(at, model):
    table = next(d.value for d in at.dataframe if "layer type" in d.value.columns)
    return {r["layer type"]: r for r in table[table["model"] == model].to_dict("records")}


def test_closed_it_sends_neither_table_nor_chart():
    at = run_page("models")
    assert not any("layer type" in d.value.columns for d in at.dataframe)
    assert not any(TEMPERATURE in json.dumps(spec.get("title")) for spec, _ in charts(at))


def test_llama4_scout_has_36_rope_layers_and_12_nope_layers(page):
    rows = rows_of(page, "Llama-4-Scout-17B-16E")
    rope, nope = rows["chunked_attention"], rows["full_attention"]
    assert rope["layers"] == "36: 0, 1, 2, 4, 5, 6, 8, 9, …" and nope["layers"] == "12: 3, 7, 11, 15, 19, 23, 27, 31, …"
    assert (rope["rope_theta"], rope["rope_type"], rope["head dim"], rope["rotary dim"], rope["pairs that turn"]) == \
        (500000.0, "llama3", 128, 128, 64)
    assert nope["rope_type"] == "no RoPE" and nope["pairs that turn"] == 0
    assert nope["query temperature"] == "1 + 0.1·ln(1 + ⌊(m + 1)/8192⌋)"


def test_gemma4_global_layers_turn_a_quarter_of_their_512_features(page):
    rows = rows_of(page, "Gemma-4-31B")
    assert (rows["full_attention"]["rope_type"], rows["full_attention"]["head dim"],
            rows["full_attention"]["pairs that turn"], rows["full_attention"]["rope_theta"]) == \
        ("proportional", 512, 64, 1e6)  # int(0.25 · 512 // 2)
    assert (rows["sliding_attention"]["rope_type"], rows["sliding_attention"]["head dim"],
            rows["sliding_attention"]["rope_theta"]) == ("default", 256, 10000.0)


def test_gemma3_and_lfm3_are_listed_once_each_with_every_layer_type(page):
    assert set(rows_of(page, "Gemma-3-12B")) == {"sliding_attention", "full_attention"}
    assert rows_of(page, "Gemma-3-12B")["full_attention"]["rope_type"] == "linear"
    lfm3 = rows_of(page, "LFM3")
    assert {t: r["layers"] for t, r in lfm3.items()} == {
        "conv": "13: 0, 1, 3, 5, 7, 9, 11, 13, …", "full_attention": "6: 2, 6, 10, 14, 18, 22",
        "sliding_attention": "5: 4, 8, 12, 16, 20"}
    assert not rows_of(page, "Llama-3.1-8B"), "a model with one layer type has no rows"


def test_the_temperature_is_one_up_to_the_first_step_then_grows_as_llama4s_formula(page):
    spec, df = chart_titled(page, TEMPERATURE)
    assert set(df["model"]) == {"Llama-4-Scout-17B-16E"}
    m = df["position"].to_numpy()
    want = [1 + 0.1 * math.log(1 + math.floor((p + 1) / 8192)) for p in m]
    np.testing.assert_allclose(df["temperature"], want, rtol=0, atol=1e-12)
    assert (df.loc[df["position"] <= 8190, "temperature"] == 1.0).all()
    assert m.min() == 1 and m.max() == 10485759  # up to max_position_embeddings − 1
    assert df["temperature"].max() == pytest.approx(1 + 0.1 * math.log(1281))


def test_a_pasted_config_with_layer_types_gets_its_rows():
    at = run_page("models")
    raw = {"model_type": "gemma3_text", "head_dim": 128, "num_hidden_layers": 4, "rope_theta": 1e6,
           "rope_local_base_freq": 10000.0, "layer_types": ["sliding_attention"] * 3 + ["full_attention"]}
    at.text_area(key="models_json").input(json.dumps(raw)).run()
    opened(at)
    rows = rows_of(at, "pasted: gemma3_text")
    assert rows["sliding_attention"]["layers"] == "3: 0, 1, 2" and rows["full_attention"]["layers"] == "1: 3"
    assert (rows["sliding_attention"]["rope_theta"], rows["full_attention"]["rope_theta"]) == (10000.0, 1e6)


def test_the_spectra_leave_out_the_pairs_that_do_not_turn_so_the_log_axis_stays_finite(page):
    _, df = chart_titled(page, "Wavelength of every pair")
    assert np.isfinite(df["wavelength"]).all()
    # Gemma 4's global layers: 64 of 256 pairs turn, the longest 2π·1e6^(126/512) tokens
    gemma = df[df["model"] == "Gemma-4-31B (global layers)"]
    assert len(gemma) == 64 and gemma["wavelength"].max() == pytest.approx(2 * math.pi * 1e6 ** (126 / 512))
