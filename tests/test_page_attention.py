"""The Attention patterns page: binned softmax rows of identical tokens, with and without RoPE."""

import numpy as np
import pytest

from apptest_utils import assert_raster_shows, chart_titled, charts, run_page, values_for
from explorer import charts as chart_lib

CASES = {
    "defaults": {},
    "heavy": {"d": "512", "L": "8192", "offset": "100000", "heads": "16"},
    "small": {"d": "2", "L": "2", "theta": "10", "heads": "1"},
    "no_mask": {"causal": "0", "L": "1000", "offset": "5", "heads": "3", "content": "ones"},
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    query = CASES[request.param]
    at = run_page("attention", query)
    assert not at.exception, at.exception
    return query, at


def views(at):
    """The three heatmaps: head 1 with RoPE, head 1 without, every head with RoPE."""
    return (chart_titled(at, "Head 1 with RoPE")[1], chart_titled(at, "Head 1 without RoPE")[1],
            chart_titled(at, "Every head with RoPE")[1])


def full_views(case):
    """The page's three frames, recomputed with its parameters by the function the page calls, after checking
    that the page shows exactly them (image pixel by pixel, hover cells value by value)."""
    from explorer import controls
    from explorer.frames import attention

    query, at = case
    values = values_for(query)
    cfg = controls.config_from_values(values)
    heads, causal = int(values["heads"]), query.get("causal", "1") != "0"
    args = (cfg, int(values["L"]), int(values["offset"]), values["content"], int(values["seed"]), heads, causal)
    frames = (attention.attention_view(*args, chart_lib.MAX_AXIS, True, 1)["frame"],
              attention.attention_view(*args, chart_lib.MAX_AXIS, False, 1)["frame"],
              attention.attention_view(*args, attention.cells_per_axis(heads), True)["frame"])
    for title, frame, facet in zip(("Head 1 with RoPE", "Head 1 without RoPE", "Every head with RoPE"), frames,
                                   (None, None, "head")):
        assert_raster_shows(at, title, frame, "n", "m", "attention", facet=facet)
    return frames


def test_every_chart_is_bounded_and_every_head_is_drawn(case):
    query, at = case
    found = charts(at)
    assert len(found) == 3
    for _, df in found:
        assert 0 < len(df) <= chart_lib.MAX_ROWS
    heads = int(query.get("heads", 4))
    assert views(at)[2]["head"].nunique() == heads


def test_binned_rows_sum_to_one(case):
    _, at = case
    for df in full_views(case):
        sums = df.groupby(["head", "m"])["attention"].sum()
        np.testing.assert_allclose(sums, 1.0, rtol=0, atol=1e-12)
    row_sums = next(m.value for m in at.metric if "row sum" in m.label)
    assert float(row_sums) < 1e-12


def test_bins_cover_every_key_exactly_once(case):
    query, at = case
    L, offset = int(query.get("L", 256)), int(query.get("offset", 0))
    for df in full_views(case):
        bins = df[["n", "n_last"]].drop_duplicates().sort_values("n")
        assert bins["n"].iloc[0] == offset and bins["n_last"].iloc[-1] == offset + L - 1
        assert (bins["n"].iloc[1:].to_numpy() == bins["n_last"].iloc[:-1].to_numpy() + 1).all()


def test_without_rope_identical_tokens_attend_uniformly_to_allowed_keys(case):
    query, at = case
    causal = query.get("causal", "1") != "0"
    L, offset = int(query.get("L", 256)), int(query.get("offset", 0))
    df = views(at)[1]
    first, last, m = df["n"].to_numpy(), df["n_last"].to_numpy(), df["m"].to_numpy()
    if causal:
        allowed_in_bin = np.clip(np.minimum(last, m) - first + 1, 0, None)
        allowed = m - offset + 1
    else:
        allowed_in_bin = last - first + 1
        allowed = np.full_like(m, L)
    np.testing.assert_allclose(df["attention"], allowed_in_bin / allowed, rtol=1e-12, atol=1e-15)


def test_causal_mask_leaves_no_weight_above_the_diagonal(case):
    query, at = case
    for df in views(at):
        above = df[df["n"] > df["m"]]
        if query.get("causal", "1") != "0":
            assert (above["attention"] == 0).all()
        elif len(above):
            assert (above["attention"] > 0).all()


def test_rope_makes_rows_differ_from_uniform(case):
    _, at = case
    with_rope, without, _ = views(at)
    assert np.max(np.abs(with_rope["attention"].to_numpy() - without["attention"].to_numpy())) > 1e-6


def test_shift_by_the_offset_does_not_change_attention(case):
    _, at = case
    shift = next(m.value for m in at.metric if "A(0)" in m.label)
    assert float(shift) < 1e-9


def test_every_head_matches_naive_rotate_then_dot_attention(case):
    """The page's fast path (g_h(m − n) per head) against rope_core.attention_rows, which rotates every key."""
    import rope_core
    from explorer import controls
    from explorer.frames.common import make_qk

    query, at = case
    values = values_for(query)
    cfg = controls.config_from_values(values)
    L, offset, heads = int(values["L"]), int(values["offset"]), int(values["heads"])
    if L * cfg.head_dim * heads > 2_000_000:  # the naive reference is slow at the heavy case
        return
    causal = query.get("causal", "1") != "0"
    x, _ = make_qk(cfg.head_dim, values["content"], int(values["seed"]))
    w_q, w_k = rope_core.random_projections(np.random.default_rng(int(values["seed"])), heads, cfg.head_dim,
                                            cfg.head_dim)
    df = full_views(case)[2]
    positions = offset + np.arange(L, dtype=np.float64)
    for h in range(heads):
        part = df[df["head"] == f"head {h + 1}"]
        rows = np.unique(part["m"].to_numpy()).astype(np.int64) - offset
        starts = np.unique(part["n"].to_numpy()).astype(np.int64) - offset
        naive = rope_core.attention_rows(x, w_q[h], w_k[h], cfg, positions, rows, causal=causal, seq_len=offset + L)
        expected = np.add.reduceat(naive, starts, axis=1)
        got = part.pivot(index="m", columns="n", values="attention").to_numpy()
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
