"""The Multimodal RoPE page: scores on an image's patch grid, the pairs of t, h and w, a sequence's position ids.

Expected values are written by hand from Qwen2-VL's rules (transformers 5.25 `get_rope_index`,
`Qwen2VLRotaryEmbedding` / `Qwen3VLTextRotaryEmbedding`): pair axes as explicit lists, scores as sums of
2·cos(θ_i·Δ) over the pairs in plain numpy, position ids as literal tables.
"""

import math

import numpy as np
import pandas as pd
import pytest

from apptest_utils import (assert_unknown_view_falls_back, assert_view_shows, assert_views_switch_by_click,
                           chart_titled, exceptions, open_view, raster_of, resolved_domain, run_page, warnings_text)
from explorer import raster

VIEWS = {
    "grid": "Score of query patch",
    "sections": "Which pairs turn with t, h and w",
    "sequence": "Position ids (t, h, w)",
}
QWEN25 = "qwen2.5-vl-7b-instruct"
QWEN3 = "qwen3-vl-8b-instruct"
QWEN35 = "qwen3.5-27b"
# Qwen2.5-VL-7B: head_dim 128, rope_theta 1e6, mrope_section [16, 24, 24] contiguous
QWEN25_AXES = [0] * 16 + [1] * 24 + [2] * 24
# Qwen3-VL-8B: head_dim 128, rope_theta 5e6, [24, 20, 20] interleaved: t h w repeated 20 times, then 4 t
QWEN3_AXES = [0, 1, 2] * 20 + [0] * 4


def theta(base: float, d: int, n: int) -> np.ndarray:
    return np.array([base ** (-2 * i / d) for i in range(n)])


def naive_scores(rows, cols, qrow, qcol, base, d, axes, rest=0) -> pd.DataFrame:
    """Σ_i 2 cos(θ_i Δ_axis(i)) + rest for every patch, one loop per patch (q = k = ones)."""
    th = theta(base, d, len(axes))
    out = []
    for r in range(rows):
        for c in range(cols):
            delta = {0: 0, 1: r - qrow, 2: c - qcol}
            out.append({"row": r, "col": c,
                        "score": sum(2 * math.cos(th[i] * delta[a]) for i, a in enumerate(axes)) + rest})
    return pd.DataFrame(out)


def assert_grid_shows(at, expected: pd.DataFrame) -> None:
    """The heatmap's hover cells carry the hand-computed scores (to 1e-10) and every pixel of its image is the
    colour of the hand-computed score of its patch (to one unit of 255: the sums differ in the last bits)."""
    images, cells, scale = raster_of(at, VIEWS["grid"])
    merged = cells.merge(expected, on=["row", "col"], suffixes=("", "_hand"), validate="one_to_one")
    assert len(merged) == len(cells) > 0
    np.testing.assert_allclose(merged["score"], merged["score_hand"], rtol=0, atol=1e-10)
    assert len(images) == 1
    img = raster.decode_png_data_url(images["_url"].iloc[0]).astype(int)
    rows, cols = int(expected["row"].max()) + 1, int(expected["col"].max()) + 1
    assert img.shape[:2] == (rows, cols), img.shape
    cmap = raster.ColorMap(tuple(resolved_domain(scale, images)), tuple(scale["range"]))
    want = np.zeros((rows, cols, 4), dtype=int)
    want[expected["row"], expected["col"]] = cmap.rgba(expected["score"].to_numpy(dtype=float))
    assert np.abs(img - want).max() <= 1, f"{int((np.abs(img - want) > 1).any(axis=2).sum())} pixels differ"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# ------------------------------------------------------------------------------------------------ views

@pytest.mark.parametrize("query", [{}, {"preset": QWEN3}, {"preset": QWEN35, "sections_layout": "false"}],
                         ids=["example", "qwen3-vl", "qwen3.5-contiguous"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_draws_its_one_bounded_chart(view, query):
    assert_view_shows(open_view("multimodal", view, query), view, VIEWS[view])


def test_the_default_view_is_the_grid_and_a_click_switches_view_and_url():
    assert_views_switch_by_click("multimodal", VIEWS)


def test_an_unknown_view_in_the_url_warns_and_shows_the_default():
    assert_unknown_view_falls_back("multimodal", VIEWS, bad="delta")


# ------------------------------------------------------------------------------------------------ grid

def test_grid_without_mrope_says_so_and_uses_qwen25_vl_and_matches_the_hand_sum():
    at = open_view("multimodal", "grid", {"preset": "llama-3.1-8b"})
    info = " ".join(i.value for i in at.info)
    assert "Qwen2.5-VL-7B-Instruct" in info and "no mrope_section" in info, info
    assert metrics(at)["Score at the query patch"] == "128"  # |q|² = head_dim for q = ones
    assert_grid_shows(at, naive_scores(12, 16, 6, 8, 1e6, 128, QWEN25_AXES))


def test_grid_of_an_mrope_preset_uses_its_own_sections_without_a_note():
    at = open_view("multimodal", "grid", {"preset": QWEN3})
    assert not at.info
    expected = naive_scores(12, 16, 6, 8, 5e6, 128, QWEN3_AXES)
    assert_grid_shows(at, expected)


@pytest.mark.parametrize("sections,axes", [("model", QWEN25_AXES), ("false", QWEN25_AXES),
                                           ("true", [0, 1, 2] * 21 + [0])])
def test_the_sections_control_switches_contiguous_and_interleaved(sections, axes):
    """Qwen2.5-VL's [16, 24, 24] interleaved: h on i ≡ 1, w on i ≡ 2 (mod 3) below 72, i.e. every such pair."""
    at = open_view("multimodal", "grid", {"preset": QWEN25, "sections_layout": sections, "rows": "5", "cols": "7",
                                          "qrow": "1", "qcol": "2"})
    expected = naive_scores(5, 7, 1, 2, 1e6, 128, axes)
    assert_grid_shows(at, expected)
    assert ("interleaved" if sections == "true" else "contiguous") in str(chart_titled(at, VIEWS["grid"])[0]["title"])


def test_partial_rotary_adds_the_pass_through_features_and_the_self_score_is_q_squared():
    # Qwen3.5-27B: head_dim 256, a quarter rotated (32 pairs, [11, 11, 10] interleaved), 192 pass through
    at = open_view("multimodal", "grid", {"preset": QWEN35, "rows": "3", "cols": "4", "qrow": "2", "qcol": "0"})
    assert metrics(at)["Score at the query patch"] == "256"
    axes = [0, 1, 2] * 10 + [0, 1]
    expected = naive_scores(3, 4, 2, 0, 1e7, 64, axes, rest=192)
    assert_grid_shows(at, expected)
    assert "+ 192 (the features that pass through unrotated)" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("query,size,lowest", [
    ({"rows": "1", "cols": "1", "qrow": "0", "qcol": "0"}, 1, "128"),
    ({"rows": "64", "cols": "64", "qrow": "63", "qcol": "63"}, 4096, None),
    ({"rows": "64", "cols": "64", "qrow": "0", "qcol": "0"}, 4096, None),
], ids=["smallest", "largest-last-patch", "largest-first-patch"])
def test_grid_controls_at_both_ends(query, size, lowest):
    at = open_view("multimodal", "grid", {"preset": QWEN25, **query})
    _, cells = chart_titled(at, VIEWS["grid"])
    assert metrics(at)["Score at the query patch"] == "128"
    if lowest:
        assert metrics(at)["Lowest score"] == lowest
    rows, cols = int(query["rows"]), int(query["cols"])
    qrow, qcol = int(query["qrow"]), int(query["qcol"])
    expected = naive_scores(rows, cols, qrow, qcol, 1e6, 128, QWEN25_AXES)
    assert len(expected) == size
    assert_grid_shows(at, expected)
    assert "Lowest score" in metrics(at) and float(metrics(at)["Lowest score"]) == pytest.approx(
        expected["score"].min(), abs=1e-3 * 128)


# ------------------------------------------------------------------------------------------------ sections

def test_sections_of_qwen25_vl_are_contiguous_blocks_with_their_wavelengths():
    at = open_view("multimodal", "sections", {"preset": QWEN25})
    _, df = chart_titled(at, VIEWS["sections"])
    df = df.sort_values("pair")
    assert list(df["axis"]) == ["t"] * 16 + ["h"] * 24 + ["w"] * 24
    np.testing.assert_allclose(df["wavelength"], 2 * np.pi / theta(1e6, 128, 64), rtol=1e-12)
    assert df["wavelength"].iloc[0] == pytest.approx(2 * math.pi)
    caption = " ".join(c.value for c in at.caption)
    assert "t: 16 pairs" in caption and "h: 24 pairs" in caption and "w: 24 pairs" in caption, caption


def test_sections_of_qwen3_vl_interleave_and_end_in_four_t_pairs():
    at = open_view("multimodal", "sections", {"preset": QWEN3})
    _, df = chart_titled(at, VIEWS["sections"])
    df = df.sort_values("pair")
    assert list(df["axis"]) == [("t", "h", "w")[a] for a in QWEN3_AXES]
    np.testing.assert_allclose(df["theta"], theta(5e6, 128, 64), rtol=1e-12)
    # forced contiguous: the same model's [24, 20, 20] as blocks
    _, blocks = chart_titled(open_view("multimodal", "sections", {"preset": QWEN3, "sections_layout": "false"}),
                             VIEWS["sections"])
    assert list(blocks.sort_values("pair")["axis"]) == ["t"] * 24 + ["h"] * 20 + ["w"] * 20


# ------------------------------------------------------------------------------------------------ sequence

def positions_of(at) -> list[tuple[int, int, int]]:
    _, df = chart_titled(at, VIEWS["sequence"])
    wide = df.pivot(index="token", columns="axis", values="position").sort_index()
    assert list(wide.index) == list(range(len(wide)))
    return [tuple(int(v) for v in r) for r in wide[["t", "h", "w"]].to_numpy()]


def test_a_tiny_sequence_is_numbered_as_qwen2_vl_does():
    """2 text tokens, an image of 4 × 6 patches merged 2 × 2 into 2 × 3 tokens, 2 text tokens."""
    at = open_view("multimodal", "sequence", {"text_before": "2", "grid_t": "1", "grid_h": "4", "grid_w": "6",
                                              "spatial_merge_size": "2", "text_after": "2"})
    assert positions_of(at) == [
        (0, 0, 0), (1, 1, 1),                                       # text
        (2, 2, 2), (2, 2, 3), (2, 2, 4), (2, 3, 2), (2, 3, 3), (2, 3, 4),  # image at s = 2: (s, s + row, s + col)
        (5, 5, 5), (6, 6, 6),                                       # text resumes at s + max(2, 3) = 5
    ]
    assert metrics(at) == {"Tokens": "10", "Image tokens": "6", "rope_delta": "-3"}  # 6 + 1 − 10


@pytest.mark.parametrize("query,first,last,tokens,delta", [
    ({"text_before": "0", "grid_t": "1", "grid_h": "2", "grid_w": "2", "spatial_merge_size": "1", "text_after": "0"},
     (0, 0, 0), (0, 1, 1), 4, -2),
    ({"text_before": "0", "grid_t": "1", "grid_h": "2", "grid_w": "2", "spatial_merge_size": "2", "text_after": "0"},
     (0, 0, 0), (0, 0, 0), 1, 0),
    # 32 text, 4 × 16 × 16 merged tokens at s = 32 (t 32..35, h and w 32..47), 32 text from 32 + 16 = 48 to 79
    ({"text_before": "32", "grid_t": "4", "grid_h": "32", "grid_w": "32", "spatial_merge_size": "2",
      "text_after": "32"}, (0, 0, 0), (79, 79, 79), 1088, 80 - 1088),
    ({"text_before": "32", "grid_t": "4", "grid_h": "32", "grid_w": "32", "spatial_merge_size": "1",
      "text_after": "0"}, (0, 0, 0), (35, 63, 63), 32 + 4 * 32 * 32, 64 - (32 + 4096)),
], ids=["lowest-unmerged", "lowest-merged", "highest", "highest-unmerged"])
def test_sequence_controls_at_both_ends(query, first, last, tokens, delta):
    at = open_view("multimodal", "sequence", query)
    pos = positions_of(at)
    assert (pos[0], pos[-1], len(pos)) == (first, last, tokens)
    assert metrics(at)["rope_delta"] == str(delta) and metrics(at)["Tokens"] == str(tokens)


def test_the_highest_sequence_has_the_image_block_where_qwen2_vl_puts_it():
    pos = positions_of(open_view("multimodal", "sequence", {
        "text_before": "32", "grid_t": "4", "grid_h": "32", "grid_w": "32", "spatial_merge_size": "2",
        "text_after": "32"}))
    image = pos[32:32 + 1024]
    assert image[0] == (32, 32, 32) and image[15] == (32, 32, 47) and image[16] == (32, 33, 32)
    assert image[256] == (33, 32, 32) and image[-1] == (35, 47, 47)
    assert pos[32 + 1024] == (48, 48, 48)


# ------------------------------------------------------------------------------------------------ controls

def _main_data(at, view):
    _, df = chart_titled(at, VIEWS[view])
    return df.drop(columns=[c for c in df.columns if c.startswith("_")]).reset_index(drop=True)


MOVES = {  # control -> (view, a new value for the widget)
    "rows": ("grid", 20), "cols": ("grid", 9), "qrow": ("grid", 0), "qcol": ("grid", 15),
    "sections_layout": ("grid", "true"),
    "text_before": ("sequence", 9), "grid_t": ("sequence", 3), "grid_h": ("sequence", 16),
    "grid_w": ("sequence", 4), "spatial_merge_size": ("sequence", 1), "text_after": ("sequence", 0),
}


@pytest.mark.parametrize("key", list(MOVES))
def test_moving_each_control_changes_the_view_and_the_url(key):
    view, value = MOVES[key]
    at = run_page("multimodal", {"preset": QWEN25, "view": view})
    before = _main_data(at, view)
    widget = next(w for w in [*at.slider, *at.radio] if w.key == f"w_{key}")
    widget.set_value(value).run()
    assert not at.exception, exceptions(at)
    after = _main_data(at, view)
    assert not (before.shape == after.shape and before.equals(after)), f"{key}: the chart did not change"
    assert at.query_params.get(key) == str(value), dict(at.query_params)


def test_the_sections_control_changes_the_sections_view():
    at = run_page("multimodal", {"preset": QWEN25, "view": "sections"})
    before = _main_data(at, "sections")
    at.radio(key="w_sections_layout").set_value("true").run()
    assert list(_main_data(at, "sections")["axis"]) != list(before["axis"])


def test_each_view_shows_only_its_own_controls():
    shown = {}
    for view in VIEWS:
        at = open_view("multimodal", view)
        shown[view] = {w.key for w in [*at.slider, *at.radio]}
    assert {"w_rows", "w_cols", "w_qrow", "w_qcol", "w_sections_layout"} <= shown["grid"]
    assert "w_grid_h" not in shown["grid"] and "w_rows" not in shown["sequence"]
    assert "w_sections_layout" in shown["sections"] and "w_rows" not in shown["sections"]
    assert {"w_text_before", "w_grid_t", "w_grid_h", "w_grid_w", "w_spatial_merge_size",
            "w_text_after"} <= shown["sequence"]


def test_a_sidebar_edit_that_breaks_the_sections_falls_back_to_the_presets_own_config():
    at = open_view("multimodal", "sections", {"preset": QWEN25, "d": "64"})
    assert "do not fit this model's mrope_section [16, 24, 24]" in " ".join(i.value for i in at.info)
    _, df = chart_titled(at, VIEWS["sections"])
    assert len(df) == 64
    # the controls that cannot change the chart now are drawn disabled; head_dim stays live to set it back
    assert at.select_slider(key="w_rope_theta").disabled and not at.slider(key="w_head_dim").disabled


@pytest.mark.parametrize("view,query,live", [
    ("grid", {}, False),                      # no mrope_section: the example is drawn whatever the sidebar says
    ("grid", {"preset": QWEN25}, True),
    ("sections", {"preset": QWEN3, "rope_theta": "10000"}, True),
    ("sequence", {"preset": QWEN25}, False),  # position ids do not depend on the model
])
def test_the_sidebar_model_is_live_only_where_it_changes_the_view(view, query, live):
    at = run_page("multimodal", {**query, "view": view})
    assert at.select_slider(key="w_rope_theta").disabled is not live
    assert at.selectbox(key="w_preset").disabled is (view == "sequence")
    if live:  # and moving it changes the chart
        before = _main_data(at, view)
        at.select_slider(key="w_rope_theta").set_value(100000.0).run()
        assert not _main_data(at, view).equals(before)


# ------------------------------------------------------------------------------------------------ bad URLs

def test_malformed_url_values_warn_naming_the_field_and_range_and_the_page_still_draws():
    at = run_page("multimodal", {"view": "grid", "rows": "abc", "cols": "1e9", "qrow": "-3", "qcol": "2.5",
                                 "sections_layout": "maybe"})
    text = warnings_text(at)
    for key in ("rows", "cols", "qrow", "qcol", "sections_layout"):
        assert f"`{key}`" in text, (key, text)
    assert "an integer from 1 to 64" in text and "one of model, false, true" in text
    assert_view_shows(at, "grid", VIEWS["grid"])
    assert metrics(at)["Score at the query patch"] == "128"

    at = run_page("multimodal", {"view": "sequence", "grid_h": "7", "grid_w": "nan", "spatial_merge_size": "3",
                                 "text_before": "-1", "text_after": "<b>", "grid_t": "99"})
    text = warnings_text(at)
    for key in ("grid_h", "grid_w", "spatial_merge_size", "text_before", "text_after", "grid_t"):
        assert f"`{key}`" in text, (key, text)
    assert "must be even" in text and "<b>" not in text
    assert_view_shows(at, "sequence", VIEWS["sequence"])
    assert at.session_state["_rope_values"]["grid_h"] == 6  # 7 is not even: the even value below


def test_contiguous_grid_explains_its_flat_columns_and_interleaved_does_not():
    """Qwen2.5-VL [16, 24, 24], θ 1e6, head 128: w's fastest pair is i = 40, θ = 1e6^(−80/128) = 1.778e-4, so over
    16 columns its angle moves 15 · 1.778e-4 = 0.0027 rad (wavelength 2π / θ = 35,333 tokens)."""
    at = open_view("multimodal", "grid", {"preset": QWEN25, "sections_layout": "false"})
    caption = " ".join(c.value for c in at.caption)
    assert "last 24 pairs" in caption and "35,333 to" in caption and "0.0027 rad" in caption, caption
    assert "mrope_interleaved" in caption
    at = open_view("multimodal", "grid", {"preset": QWEN25, "sections_layout": "true"})
    assert "nearly flat" not in " ".join(c.value for c in at.caption)
