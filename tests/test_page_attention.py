"""The Attention patterns page: binned softmax rows of identical tokens, with and without RoPE."""

import numpy as np
import pytest

from rope_core import RopeConfig

from apptest_utils import (assert_raster_shows, assert_unknown_view_falls_back, assert_view_shows,
                           assert_views_switch_by_click, chart_titled, charts, view_case_fixture)
from explorer import charts as chart_lib

CASES = {
    "defaults": {},
    "heavy": {"d": "512", "L": "8192", "offset": "100000", "heads": "16"},
    "small": {"d": "2", "L": "2", "theta": "10", "heads": "1"},
    "no_mask": {"causal": "0", "L": "1000", "offset": "5", "heads": "3", "content": "ones"},
}
VIEWS = {  # view → the title of its one chart
    "head1": "Head 1 with and without RoPE",
    "heads": "Every head with RoPE",
}
PANELS = ("with RoPE", "without RoPE")  # the head-1 chart's facets, left to right
# what each case's link means, written out: (model, window, offset, content, seed, heads)
EXPECTED = {
    "defaults": (RopeConfig(), 256, 0, "random", 0, 4),
    "heavy": (RopeConfig(head_dim=512), 8192, 100000, "random", 0, 16),
    "small": (RopeConfig(head_dim=2, rope_theta=10.0), 2, 0, "random", 0, 1),
    "no_mask": (RopeConfig(), 1000, 5, "ones", 0, 3),
}


def expected_for(query):
    return next(EXPECTED[name] for name, q in CASES.items() if q == query)


case = view_case_fixture("attention", CASES)


def head1_panels(at):
    """The head-1 chart's hover cells, split into its two panels: (with RoPE, without RoPE)."""
    _, df = chart_titled(at, VIEWS["head1"])
    assert set(df["rope"]) == set(PANELS)
    return tuple(df[df["rope"] == name].reset_index(drop=True) for name in PANELS)


def full_views(case, view):
    """The frames of `view`'s chart (head1: with RoPE, without; heads: every head), recomputed with the page's
    parameters by the function the page calls, after checking that the page shows exactly them (image pixel by
    pixel, hover cells value by value)."""
    import pandas as pd

    from explorer.frames import attention

    query, opened = case
    at = opened(view)
    cfg, window, offset, content, seed, heads = expected_for(query)
    causal = query.get("causal", "1") != "0"
    args = (cfg, window, offset, content, seed, heads, causal)
    if view == "head1":
        frames = (attention.attention_view(*args, chart_lib.MAX_AXIS, True, 1)["frame"],
                  attention.attention_view(*args, chart_lib.MAX_AXIS, False, 1)["frame"])
        shown = pd.concat([f.assign(rope=name) for f, name in zip(frames, PANELS)], ignore_index=True)
        assert_raster_shows(at, VIEWS["head1"], shown, "n", "m", "attention", facet="rope")
        return frames
    frames = (attention.attention_view(*args, attention.cells_per_axis(heads), True)["frame"],)
    assert_raster_shows(at, VIEWS["heads"], frames[0], "n", "m", "attention", facet="head")
    return frames


def metric(at, label_part):
    found = [m.value for m in at.metric if label_part in m.label]
    assert len(found) == 1, f"{label_part!r}: {[m.label for m in at.metric]}"
    return found[0]


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_draws_its_one_bounded_chart(case, view):
    query, opened = case
    spec, df = assert_view_shows(opened(view), view, VIEWS[view])
    if view == "heads":  # every head is drawn
        assert df["head"].nunique() == int(query.get("heads", 4))
    else:  # head 1 in two panels side by side
        assert set(df["rope"]) == set(PANELS)
        assert spec["columns"] == 2 and spec["facet"]["sort"] == list(PANELS)


def test_shift_metric_is_in_the_head1_view_only(case):
    _, opened = case
    assert [m for m in opened("head1").metric if "A(0)" in m.label]
    assert not [m for m in opened("heads").metric if "A(0)" in m.label]


def test_the_default_view_is_head1_and_a_click_switches_view_and_url():
    assert_views_switch_by_click("attention", VIEWS)


def test_an_unknown_view_in_the_url_warns_and_shows_the_default():
    assert_unknown_view_falls_back("attention", VIEWS)


@pytest.mark.parametrize("view", list(VIEWS))
def test_binned_rows_sum_to_one(case, view):
    _, opened = case
    for df in full_views(case, view):
        sums = df.groupby(["head", "m"], observed=True)["mass"].sum()
        np.testing.assert_allclose(df["attention"] * df["keys"], df["mass"], rtol=1e-12, atol=0)
        np.testing.assert_allclose(sums, 1.0, rtol=0, atol=1e-12)
    assert float(metric(opened(view), "row sum")) < 1e-12


@pytest.mark.parametrize("view", list(VIEWS))
def test_bins_cover_every_key_exactly_once(case, view):
    query, _ = case
    L, offset = int(query.get("L", 256)), int(query.get("offset", 0))
    for df in full_views(case, view):
        bins = df[["n", "n_last"]].drop_duplicates().sort_values("n")
        assert bins["n"].iloc[0] == offset and bins["n_last"].iloc[-1] == offset + L - 1
        assert (bins["n"].iloc[1:].to_numpy() == bins["n_last"].iloc[:-1].to_numpy() + 1).all()


def test_without_rope_identical_tokens_attend_uniformly_to_allowed_keys(case):
    query, opened = case
    causal = query.get("causal", "1") != "0"
    L, offset = int(query.get("L", 256)), int(query.get("offset", 0))
    df = head1_panels(opened("head1"))[1]
    first, last, m = df["n"].to_numpy(), df["n_last"].to_numpy(), df["m"].to_numpy()
    if causal:
        allowed_in_bin = np.clip(np.minimum(last, m) - first + 1, 0, None)
        allowed = m - offset + 1
    else:
        allowed_in_bin = last - first + 1
        allowed = np.full_like(m, L)
    np.testing.assert_allclose(df["mass"], allowed_in_bin / allowed, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(df["keys"], allowed_in_bin)
    # the mean per visible key is the same 1/allowed in every bin the query reaches, diagonal bins included
    np.testing.assert_allclose(df["attention"], np.where(allowed_in_bin > 0, 1.0 / allowed, 0.0), rtol=1e-12)


@pytest.mark.parametrize("view", list(VIEWS))
def test_causal_mask_leaves_no_weight_above_the_diagonal(case, view):
    query, opened = case
    ((_, df),) = charts(opened(view))
    above = df[df["n"] > df["m"]]
    if query.get("causal", "1") != "0":
        assert (above["attention"] == 0).all()
    elif len(above):
        assert (above["attention"] > 0).all()


def test_rope_makes_rows_differ_from_uniform(case):
    _, opened = case
    with_rope, without = head1_panels(opened("head1"))
    assert np.max(np.abs(with_rope["attention"].to_numpy() - without["attention"].to_numpy())) > 1e-6


def test_shift_by_the_offset_does_not_change_attention(case):
    _, opened = case
    assert float(metric(opened("head1"), "A(0)")) < 1e-9


def test_every_head_matches_naive_rotate_then_dot_attention(case):
    """The page's fast path (g_h(m − n) per head) against rope_core.attention_rows, which rotates every key."""
    import rope_core
    from explorer.frames.common import make_qk

    query, _ = case
    cfg, L, offset, content, seed, heads = expected_for(query)
    if L * cfg.head_dim * heads > 2_000_000:  # the naive reference is slow at the heavy case
        return
    causal = query.get("causal", "1") != "0"
    x, _ = make_qk(cfg.head_dim, content, seed)
    w_q, w_k = rope_core.random_projections(np.random.default_rng(seed), heads, cfg.head_dim,
                                            cfg.head_dim)
    df = full_views(case, "heads")[0]
    positions = offset + np.arange(L, dtype=np.float64)
    for h in range(heads):
        part = df[df["head"] == f"head {h + 1}"]
        rows = np.unique(part["m"].to_numpy()).astype(np.int64) - offset
        starts = np.unique(part["n"].to_numpy()).astype(np.int64) - offset
        naive = rope_core.attention_rows(x, w_q[h], w_k[h], cfg, positions, rows, causal=causal, seq_len=offset + L)
        expected = np.add.reduceat(naive, starts, axis=1)
        got = part.pivot(index="m", columns="n", values="mass").to_numpy()
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        visible = np.add.reduceat((naive > 0).astype(np.int64), starts, axis=1) if causal else \
            np.diff(np.append(starts, L))[None, :].repeat(len(rows), axis=0)
        got_mean = part.pivot(index="m", columns="n", values="attention").to_numpy()
        np.testing.assert_allclose(got_mean, np.where(visible > 0, expected / np.maximum(visible, 1), 0.0),
                                   rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("heads", [1, 16])
def test_at_the_longest_length_each_rows_largest_cell_is_never_drawn_darker_than_its_median(heads):
    """L = 8192 (the Sequence length slider's top), causal: the cell whose keys hold the row's largest weight per
    visible key, measured on the naive rotate-then-dot rows, is drawn at least as light as the row's median drawn
    cell. Summed bins failed this: the diagonal bin, where the most recent keys sit, has one visible key of its
    stride and drew darkest."""
    import rope_core
    from explorer.frames import attention
    from explorer.frames.common import make_qk
    from rope_core import RopeConfig

    lo = attention.COLOR_DOMAIN[0]  # weights below share the darkest colour
    L, seed, content = 8192, 0, "random"
    cfg = RopeConfig(head_dim=64, rope_theta=10000.0)
    per_axis = chart_lib.MAX_AXIS if heads == 1 else attention.cells_per_axis(heads)
    view = attention.attention_view(cfg, L, 0, content, seed, heads, True, per_axis)
    df = view["frame"]
    assert view["stride"] > 1
    x, _ = make_qk(cfg.head_dim, content, seed)
    w_q, w_k = rope_core.random_projections(np.random.default_rng(seed), heads, cfg.head_dim, cfg.head_dim)
    checked = 0
    for h in range(heads):
        part = df[df["head"] == f"head {h + 1}"]
        rows = np.unique(part["m"].to_numpy()).astype(np.int64)
        naive = rope_core.attention_rows(x, w_q[h], w_k[h], cfg, np.arange(L, dtype=np.float64), rows, causal=True)
        drawn = np.maximum(part.pivot(index="m", columns="n", values="attention").to_numpy(), lo)
        starts = np.unique(part["n"].to_numpy()).astype(np.int64)
        keys = np.add.reduceat((np.arange(L)[None, :] <= rows[:, None]).astype(np.int64), starts, axis=1)
        truth = np.add.reduceat(naive, starts, axis=1) / np.maximum(keys, 1)
        for r, row in enumerate(rows):
            visible = keys[r] > 0
            largest = int(np.argmax(np.where(visible, truth[r], -1.0)))
            assert drawn[r, largest] >= np.median(drawn[r, visible]), (h, row)
            checked += 1
    assert checked == heads * len(np.unique(df["m"]))


@pytest.mark.parametrize("name", ["defaults", "no_mask", "small"])
def test_head1_frame_built_from_the_masses_is_the_two_panel_frames_one_below_the_other(name):
    """panels_frame (what the head-1 view draws) against the naive path: each panel's own frame, stacked."""
    from explorer.frames import attention
    from explorer.frames.common import stack_frames

    cfg, window, offset, content, seed, heads = EXPECTED[name]
    causal = CASES[name].get("causal", "1") != "0"
    args = (cfg, window, offset, content, seed, heads, causal, chart_lib.MAX_AXIS)
    lean = [attention.attention_view(*args, True, 1, frame=False), attention.attention_view(*args, False, 1, frame=False)]
    assert all(v["frame"] is None for v in lean)
    full = [attention.attention_view(*args, True, 1)["frame"], attention.attention_view(*args, False, 1)["frame"]]
    got = attention.panels_frame(lean, "rope", PANELS, causal)
    want = stack_frames(full, "rope", PANELS)
    assert list(got.columns) == list(want.columns)
    for column in want.columns:
        assert got[column].tolist() == want[column].tolist(), column
    assert len(set(got["rope"])) == 2 and not got["rope"].isna().any()


def test_shift_change_at_offset_zero_is_zero_and_at_an_offset_is_measured():
    """The shift check is skipped at offset 0 (both places are the same positions); at an offset it still runs."""
    from explorer.frames import attention

    cfg = RopeConfig(rope_theta=100.0)
    at0 = attention.attention_view(cfg, 64, 0, "random", 3, 2, True, 64, True, 1, True)
    at5 = attention.attention_view(cfg, 64, 5, "random", 3, 2, True, 64, True, 1, True)
    assert at0["shift_change"] == 0.0
    # RoPE is shift-invariant: the naive change is rounding, not zero and not large
    assert 0.0 < at5["shift_change"] < 1e-10
