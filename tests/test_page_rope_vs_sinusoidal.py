"""The RoPE against sinusoidal page: RoPE's scores depend only on m − n, additive sinusoidal ones do not."""

import numpy as np
import pytest

import rope_core
from apptest_utils import (assert_one_chart, assert_unknown_view_falls_back, assert_view_shows,
                           assert_views_switch_by_click, chart_titled, raster_of, run_page, view_case_fixture)
from explorer import raster
from rope_core import RopeConfig
from explorer.frames.common import make_qk

CASES = {
    "defaults": {},
    "heavy": {"d": "512", "L": "8192", "offset": "100000", "heads": "16"},
    "small": {"d": "2", "L": "2", "theta": "10"},
    "ones_interleaved": {"content": "ones", "layout": "interleaved", "offset": "777", "L": "300"},
}
VIEWS = {  # view → the title of its one chart
    "additive": "Score with additive sinusoidal PE",
    "rope": "Score with RoPE",
    "spread": "Spread of the scores along each diagonal",
    "terms": "The four terms, each over its own largest |value|",
}
TERMS = ("content · content", "content · position", "position · content", "position · position")


# each case's model, written out
CONFIGS = {"defaults": RopeConfig(), "heavy": RopeConfig(head_dim=512), "small": RopeConfig(head_dim=2, rope_theta=10.0),
           "ones_interleaved": RopeConfig(layout="interleaved")}


def config_for(query):
    return next(CONFIGS[name] for name, q in CASES.items() if q == query)


def spread_per_diagonal(df, column):
    return df.groupby("m_minus_n")[column].agg(lambda s: s.max() - s.min())


case = view_case_fixture("rope_vs_sinusoidal", CASES)


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_draws_its_one_bounded_chart(case, view):
    _, opened = case
    assert_view_shows(opened(view), view, VIEWS[view])


def test_the_default_view_is_the_sinusoidal_scores_and_a_click_switches_view_and_url():
    assert_views_switch_by_click("rope_vs_sinusoidal", VIEWS, clicks=["rope", "terms", "spread", "additive"])


def test_an_unknown_view_in_the_url_warns_and_shows_the_default():
    assert_unknown_view_falls_back("rope_vs_sinusoidal", VIEWS, bad="heatmap")  # another page's view


def test_rope_scores_are_constant_along_diagonals(case):
    _, opened = case
    at = opened("rope")
    _, rope = chart_titled(at, "Score with RoPE")
    assert spread_per_diagonal(rope, "score").max() < 1e-9


def test_sinusoidal_scores_are_not(case):
    query, opened = case
    at = opened("additive")
    _, additive = chart_titled(at, "Score with additive sinusoidal PE")
    if len(additive) == 4 and query.get("L") == "2":  # 2 × 2: only the main diagonal has two cells
        assert spread_per_diagonal(additive, "score").loc[0] > 1e-3
        return
    spread = spread_per_diagonal(additive, "score").max()
    assert spread > 1e-2 * additive["score"].abs().max()


def test_spread_chart_shows_zero_for_rope_and_nonzero_for_sinusoidal(case):
    _, opened = case
    _, df = chart_titled(opened("spread"), "Spread of the scores along each diagonal")
    by_method = df.groupby("method")["spread"].max()
    assert by_method["RoPE"] < 1e-9
    assert by_method["additive sinusoidal PE"] > 1e-3
    # every diagonal of the heatmap's n×n grid (its hover cells sample them): 2n − 1 evenly spaced distances
    shown = chart_titled(opened("rope"), "Score with RoPE")[1]
    assert set(shown["m_minus_n"]) <= set(df["m_minus_n"])
    images, _, _ = raster_of(opened("rope"), "Score with RoPE")
    n = raster.decode_png_data_url(images["_url"].iloc[0]).shape[1]
    dist = np.sort(df["m_minus_n"].unique())
    assert len(dist) == 2 * n - 1 and np.allclose(dist, -dist[::-1]) and np.ptp(np.diff(dist)) < 1e-9


def test_the_four_terms_add_up_to_the_additive_scores_and_have_their_structure(case):
    _, opened = case
    _, additive = chart_titled(opened("additive"), "Score with additive sinusoidal PE")
    _, panels = chart_titled(opened("terms"), "The four terms")
    terms = {t: panels[panels["panel"].str.startswith(t + " (")].sort_values(["m", "n"]).reset_index(drop=True)
             for t in TERMS}
    # the four panels hover the same cells; a facet's panels share one hover budget, so they sample the grid
    # more sparsely than the single heatmap: compare where both have a hover cell
    keys = [terms[t][["m", "n"]] for t in TERMS]
    assert all(k.equals(keys[0]) for k in keys) and len(keys[0]) > 0
    both = keys[0].reset_index().merge(additive, on=["m", "n"], validate="one_to_one")
    assert len(both) >= 4, f"only {len(both)} cells hovered in both charts"
    total = sum(terms[t]["term"].to_numpy()[both["index"].to_numpy()] for t in TERMS)
    scale = max(1.0, additive["score"].abs().max())
    np.testing.assert_allclose(total, both["score"], rtol=0, atol=1e-9 * scale)
    # the same token everywhere: content·content is one number, content·position varies with n only,
    # position·content with m only
    cc = terms["content · content"]["term"]
    assert cc.max() - cc.min() < 1e-9 * scale
    assert terms["content · position"].groupby("n")["term"].agg(np.ptp).max() < 1e-9 * scale
    assert terms["position · content"].groupby("m")["term"].agg(np.ptp).max() < 1e-9 * scale


def test_rope_scores_match_rope_core_with_the_seeded_weights(case):
    query, opened = case
    at = opened("rope")
    cfg = config_for(query)
    _, rope = chart_titled(at, "Score with RoPE")
    pos = np.unique(rope["m"].to_numpy())
    x, _ = make_qk(cfg.head_dim, query.get("content", "random"), int(query.get("seed", 0)))
    w_q, w_k = rope_core.random_projections(np.random.default_rng(int(query.get("seed", 0))), 1, cfg.head_dim,
                                            cfg.head_dim)
    expected = rope_core.additive_vs_rope(np.tile(x, (len(pos), 1)), w_q[0], w_k[0], cfg, pos)
    got = rope.pivot(index="m", columns="n", values="score").loc[pos, pos].to_numpy()
    np.testing.assert_allclose(got, expected["rope"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("view", ["additive", "rope"])
def test_offset_changes_sinusoidal_but_not_rope(view):
    """Both score views carry the comparison's metrics (at defaults, the first one is the page's)."""
    at = run_page("rope_vs_sinusoidal", {"offset": "100000", **({"view": view} if view != "additive" else {})})
    assert not at.exception
    assert_one_chart(at, VIEWS[view])
    values = {m.label: float(m.value) for m in at.metric}
    assert values["Change under offset 100,000, RoPE"] < 1e-9
    assert values["Change under offset 100,000, sinusoidal"] > 1.0
    assert values["Largest diagonal spread, RoPE"] < 1e-9
    assert values["Largest diagonal spread, sinusoidal"] > 1e-3


@pytest.mark.parametrize("length, offset", [(100, 0), (300, 7)])
def test_the_kept_terms_chart_is_the_chart_built_afresh_from_the_terms(length, offset):
    """sinusoidal.terms_chart is cached: a second call for the same input and a fresh build give the same chart,
    and its frame is each term over its own largest |value|, panel by panel (the naive path)."""
    from explorer import charts as chart_lib
    from explorer.frames import sinusoidal

    cfg = RopeConfig(head_dim=16, rope_theta=500.0)
    args = (cfg, length, offset, "random", 2, 40)
    first, frame = sinusoidal.terms_chart(*args)
    again, _ = sinusoidal.terms_chart(*args)
    fresh, fresh_frame = sinusoidal.terms_chart.__wrapped__(*args)
    assert again.spec == fresh.spec == first.spec
    for key, data in fresh.datasets.items():
        assert again.datasets[key].equals(data), key
    res = sinusoidal.comparison(*args, frames="terms")
    for key, label in sinusoidal.TERMS.items():
        part = frame[frame["panel"].str.startswith(label + " (")].reset_index(drop=True)
        want = res["terms"][key]
        np.testing.assert_array_equal(part["term"].to_numpy(), want["term"].to_numpy())
        np.testing.assert_array_equal(part["m"].to_numpy(), want["m"].to_numpy())
        scale = np.abs(want["term"].to_numpy()).max() or 1.0
        np.testing.assert_array_equal(part["relative"].to_numpy(), want["term"].to_numpy() / scale)
    assert fresh_frame.equals(frame)
    # another input, another chart
    other, _ = sinusoidal.terms_chart(cfg, length, offset, "random", 3, 40)
    assert not other.datasets[chart_lib.DATA].equals(first.datasets[chart_lib.DATA])
