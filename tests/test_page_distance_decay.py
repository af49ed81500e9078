"""The Distance decay page draws rope_core's numbers: correlation, RoFormer bound, Men et al.'s B(m)."""

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import rope_core
from rope_core import RopeConfig
from apptest_utils import (assert_unknown_view_falls_back, assert_view_shows, assert_views_switch_by_click,
                           chart_titled, run_page, view_case_fixture, warnings_text)
from explorer.frames import decay

DEFAULT = {}
HEAVY = {"d": "512", "L": "8192", "offset": "100000", "target": "1048576"}
SMALL = {"d": "2", "L": "2", "theta": "10", "target": "128"}
CASES = {"defaults": DEFAULT, "heavy": HEAVY, "small": SMALL}
# each case's model and target context, written out: the curves reach the target context, and Men et al.'s
# bound is checked within it
CONFIGS = {
    "defaults": RopeConfig(original_max_position_embeddings=4096, max_position_embeddings=32768),
    "heavy": RopeConfig(head_dim=512, original_max_position_embeddings=4096, max_position_embeddings=1048576),
    "small": RopeConfig(head_dim=2, rope_theta=10.0, original_max_position_embeddings=4096,
                        max_position_embeddings=128),
}
VIEWS = {  # view → the title of its one chart
    "heatmap": "over positions m, n",
    "theta": "Correlation against distance",
    "bound": "RoFormer",
    "men": "B(m) = ",
    "random": "Score of the sidebar's q and k",
}


def config_for(query):
    return next(CONFIGS[name] for name, q in CASES.items() if q == query)


def target_of(query):
    return config_for(query).max_position_embeddings


def chart_frames(at, title):
    """Every dataset of the chart titled `title` (main data, rules, labels)."""
    for el in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        spec = json.loads(el.proto.spec)
        t = spec.get("title", "")
        t = t.get("text", "") if isinstance(t, dict) else t
        if title in str(t):
            return [pa.ipc.open_stream(ds.data.data).read_all().to_pandas() for ds in el.proto.datasets]
    raise AssertionError(f"no chart titled {title!r}")


def metric(at, label_part):
    for m in at.metric:
        if label_part in m.label:
            return m.value
    raise AssertionError(f"no metric with {label_part!r}; have {[m.label for m in at.metric]}")


case = view_case_fixture("distance_decay", CASES)


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_draws_its_one_bounded_chart(case, view):
    _, opened = case
    assert_view_shows(opened(view), view, VIEWS[view])


def page_controls_follow_the_view(at, view):
    """Only the heatmap draws a window of positions; only the random score reads q and k and the pair layout."""
    sliders = {s.key for s in at.sidebar.slider}
    assert ("w_window" in sliders and "w_offset" in sliders) == (view == "heatmap"), (view, sliders)
    assert ("w_seed" in sliders) == (view == "random"), (view, sliders)
    assert at.sidebar.radio(key="w_layout").disabled == (view != "random")


def test_the_default_view_is_the_heatmap_and_a_click_switches_view_and_url():
    assert_views_switch_by_click("distance_decay", VIEWS, also=page_controls_follow_the_view)


def test_an_unknown_view_in_the_url_warns_and_shows_the_default():
    assert_unknown_view_falls_back("distance_decay", VIEWS, bad="nope")


def test_heatmap_correlation_is_one_on_the_diagonal_and_matches_rope_core(case):
    query, opened = case
    at = opened("heatmap")
    cfg = config_for(query)
    _, df = chart_titled(at, "over positions m, n")
    diagonal = df[df["m_minus_n"] == 0]
    assert len(diagonal) > 0
    np.testing.assert_allclose(diagonal["correlation"], 1.0, rtol=0, atol=1e-12)
    L = int(query.get("L", 256))
    offset = int(query.get("offset", 0))
    expected = rope_core.correlation(cfg, df["m_minus_n"].to_numpy(), seq_len=offset + L)
    np.testing.assert_allclose(df["correlation"], expected, rtol=0, atol=1e-12)
    assert df["correlation"].abs().max() <= 1.0 + 1e-12


def test_correlation_curves_start_at_one_and_include_the_current_theta(case):
    query, opened = case
    at = opened("theta")
    cfg = config_for(query)
    _, df = chart_titled(at, "Correlation against distance")
    assert df["distance"].min() == 0 and df["distance"].max() == target_of(query)
    for label, group in df.groupby("rope_theta"):
        assert group.loc[group["distance"] == 0, "correlation"].item() == pytest.approx(1.0, abs=1e-12)
    current = df[df["rope_theta"] == decay.CURRENT]
    assert len(current) > 0
    expected = rope_core.correlation(cfg, current["distance"].to_numpy(), seq_len=target_of(query))
    np.testing.assert_allclose(current["correlation"], expected, rtol=0, atol=1e-12)
    assert {"1k", "10k", "500k", "1M"} <= {s.split(" ")[0] for s in df["rope_theta"]}


def test_roformer_bound_is_d_over_4_plus_half_at_distance_zero(case):
    query, opened = case
    at = opened("bound")
    cfg = config_for(query)
    _, df = chart_titled(at, "RoFormer")
    assert df.loc[df["distance"] == 0, "bound"].item() == pytest.approx(cfg.rotary_dim / 4 + 0.5, abs=1e-9)
    np.testing.assert_allclose(df["bound"], rope_core.roformer_bound(cfg, df["distance"].to_numpy(),
                                                                      seq_len=target_of(query)),
                               rtol=0, atol=1e-9)


def test_men_b_and_its_first_crossing_come_from_rope_core(case):
    query, opened = case
    at = opened("men")
    cfg = config_for(query)
    maxdist = target_of(query)
    frames = chart_frames(at, "B(m) = ")
    data = max(frames, key=len)
    np.testing.assert_allclose(data["B"], rope_core.men_b(cfg, data["m"].to_numpy()), rtol=0, atol=1e-9)
    first = rope_core.men_first_negative(cfg, maxdist + 1)
    shown = metric(at, "First m with B(m) < 0")
    if first is None:
        assert shown.startswith("none")
    else:
        assert shown == f"{first:,}"
        rules = [f for f in frames if "v" in f.columns]
        assert any(float(first) in set(f["v"]) for f in rules), "the first crossing is marked by a rule"
        assert rope_core.men_b(cfg, np.array([first]))[0] < 0


def test_smallest_theta_for_the_context(case):
    query, opened = case
    at = opened("men")
    cfg = config_for(query)
    ctx = target_of(query)
    first = rope_core.men_first_negative(cfg, ctx)  # the neighbouring tile: the sidebar's own (scaled) θᵢ
    assert metric(at, "Sidebar's own θᵢ") == ("B ≥ 0 everywhere" if first is None else f"B < 0 at m = {first:,}")
    shown = metric(at, f"Smallest base, unscaled θᵢ, d = {cfg.rotary_dim}")
    try:
        expected = rope_core.men_min_theta(cfg.rotary_dim, ctx)
    except ValueError:
        assert shown == "none"
        assert "No base keeps B ≥ 0" in warnings_text(at)
        return
    assert shown == f"{expected:,.0f}"


def test_one_pair_has_no_admissible_base_and_says_why():
    at = run_page("distance_decay", {"d": "2", "ctx": "1048576", "view": "men"})  # today's link form
    assert not at.exception
    assert metric(at, "Smallest base") == "none"
    assert "No base keeps B ≥ 0" in warnings_text(at)


def test_a_context_above_2_20_off_the_table_is_not_searched_and_says_so():
    at = run_page("distance_decay", {"d": "62", "ctx": "2097152", "view": "men"})
    assert not at.exception
    assert metric(at, "Smallest base, unscaled θᵢ, d = 62") == "not searched"
    assert any("rope_core.men_min_theta(62, 2097152)" in i.value for i in at.info)


def test_a_long_search_off_the_table_waits_for_the_button_and_then_shows_rope_cores_value():
    """d = 130 at 20,000 tokens is neither on rope_core's table nor cheap: the first visit does not search (it would
    not fit the rerun budget); the button runs the exact search and the value then stays for a new visit."""
    from explorer.frames import decay

    decay._MEN_FOUND.pop((130, 20000), None)
    query = {"head_dim": "130", "max_position_embeddings": "20000", "view": "men"}
    at = run_page("distance_decay", query)
    assert not at.exception
    label = "Smallest base, unscaled θᵢ, d = 130"
    assert metric(at, label) == "not searched yet"
    expected = f"{rope_core.men_min_theta(130, 20000):,.0f}"
    at.button(key="men_search").click().run()
    assert not at.exception
    assert metric(at, label) == expected
    assert metric(run_page("distance_decay", query), label) == expected


def test_a_cheap_search_off_the_table_runs_unasked():
    at = run_page("distance_decay", {"head_dim": "38", "max_position_embeddings": "20000", "view": "men"})
    assert not at.exception and not at.button
    assert metric(at, "Smallest base, unscaled θᵢ, d = 38") == f"{rope_core.men_min_theta(38, 20000):,.0f}"


def test_barbero_note_is_shown_with_the_random_score(case):
    _, opened = case
    assert any("Barbero" in i.value for i in opened("random").info)


def test_smallest_base_is_searched_live_for_any_rotary_dim_and_context():
    """The page's value is rope_core.men_min_theta's for that (rotary dim, context), on its table or off it (38)."""
    from explorer.frames import decay

    for dim, ctx in [(2, 256), (64, 4096), (128, 1024), (38, 2048)]:
        try:
            expected = (rope_core.men_min_theta(dim, ctx), None)
        except ValueError as exc:
            expected = (None, str(exc))
        assert decay.men_min_theta(dim, ctx, search=True) == expected, (dim, ctx)
    assert not list(Path(decay.__file__).parent.glob("*.json")), "no precomputed answers next to the frames"



def test_men_tiles_write_the_context_as_researchers_do_with_the_exact_count_in_the_help():
    at = run_page("distance_decay", {"d": "128", "ctx": "32768", "view": "men"})
    assert not at.exception
    labels = {m.label: m for m in at.metric}
    own = labels["Sidebar's own θᵢ, m < 32k"]
    smallest = labels["Smallest base, unscaled θᵢ, d = 128, m < 32k"]
    assert "0 ≤ m < 32,768" in own.proto.help and "m < 32,768" in smallest.proto.help
    assert not any("32,768" in label for label in labels)


def test_a_long_heatmap_window_draws_block_means_of_the_correlation_not_point_samples():
    """At L = 8192 each drawn cell is the mean correlation over its 32 × 32 block of positions, computed here the
    naive way (the whole 8192² matrix would be 0.5 GB: each block as a mean over its own 32² positions)."""
    from explorer import raster
    from apptest_utils import raster_of, resolved_domain

    L, block, offset = 8192, 32, 1000
    at = run_page("distance_decay", {"view": "heatmap", "L": str(L), "offset": str(offset)})
    images, _, scale = raster_of(at, VIEWS["heatmap"])
    pixels = raster.decode_png_data_url(images["_url"].iloc[0])
    cmap = raster.ColorMap(tuple(resolved_domain(scale, images)), tuple(scale["range"]))
    cells = L // block
    assert pixels.shape == (cells, cells, 4)
    assert (images["_x"].iloc[0], images["_x2"].iloc[0]) == (float(offset), float(offset + L))
    cfg = RopeConfig(original_max_position_embeddings=4096, max_position_embeddings=32768)
    rng = np.random.default_rng(0)
    for a, b in [(0, 0), (0, 1), (5, 3), (cells - 1, 0), *rng.integers(0, cells, size=(6, 2))]:
        m = np.arange(a * block, (a + 1) * block)[:, None]
        n = np.arange(b * block, (b + 1) * block)[None, :]
        want = rope_core.correlation(cfg, (m - n).ravel(), seq_len=offset + L).mean()
        assert np.abs(pixels[a, b].astype(int) - cmap.rgba(np.array([want]))[0].astype(int)).max() <= 1, (a, b)
    # a point sample of a correlation that oscillates faster than the cells would not be constant along diagonals
    assert (pixels[1:, 1:] == pixels[:-1, :-1]).all()
    spec, _ = chart_titled(at, VIEWS["heatmap"])
    assert "the mean over 32 × 32 positions" in " ".join(spec["title"]["subtitle"])



def test_men_smallest_base_of_a_proportional_model_is_any_base():
    # Gemma 4's global layers (transformers 5.25): 64 of 256 pairs rotate, the other 192 have frequency 0, so
    # B(m) = Σ cos(m θ_i) ≥ 192 − 64 for any base; men_min_theta(512, ·) would answer for plain RoPE on 512 features
    at = run_page("distance_decay", {"preset": "gemma-4-31b-global-layers", "view": "men"})
    assert not at.exception
    shown = {m.label: m for m in at.metric}
    smallest = shown["Smallest base, this model's θᵢ, m < 256k"]
    assert smallest.value == "any base" and "B(m) ≥ 192 − 64 ≥ 0" in smallest.help
    assert not any(label.startswith("Smallest base, unscaled θᵢ, d = 512") for label in shown)
