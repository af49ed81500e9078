"""The Relative position page in views: the score matrix over m, n and the score against m − n."""

import numpy as np
import pytest

import rope_core
from rope_core import RopeConfig
from apptest_utils import (assert_unknown_view_falls_back, assert_view_shows, assert_views_switch_by_click,
                           chart_titled, run_page, view_case_fixture)
from explorer.frames.common import make_qk

CASES = {
    "defaults": {},
    "heavy": {"d": "512", "L": "8192", "offset": "100000"},
    "yarn_interleaved": {"layout": "interleaved", "scaling": "yarn", "factor": "64", "theta": "10", "offset": "300"},
}
# each case's model, written out (the default contexts: original 4,096, target 32,768)
CONFIGS = {
    "defaults": RopeConfig(),
    "heavy": RopeConfig(head_dim=512),
    "yarn_interleaved": RopeConfig(layout="interleaved", rope_type="yarn", factor=64.0, rope_theta=10.0,
                                   original_max_position_embeddings=4096, max_position_embeddings=32768),
}
VIEWS = {  # view → the title of its one chart
    "matrix": "⟨RoPE(q, m), RoPE(k, n)⟩",
    "delta": "Score against m − n",
}
METRICS = ("Largest spread along a diagonal", "Relative to the largest score",
           "Change from shifting all positions by the offset")


case = view_case_fixture("relative_position", CASES)


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_draws_its_one_bounded_chart(case, view):
    _, opened = case
    assert_view_shows(opened(view), view, VIEWS[view])


def test_the_default_view_is_the_matrix_and_a_click_switches_view_and_url():
    assert_views_switch_by_click("relative_position", VIEWS)


def test_an_unknown_view_in_the_url_warns_and_shows_the_default():
    assert_unknown_view_falls_back("relative_position", VIEWS, bad="terms")  # another page's view


def test_the_matrix_view_measures_its_diagonals_and_the_offset(case):
    _, opened = case
    values = {m.label: float(m.value) for m in opened("matrix").metric}
    assert set(METRICS) <= set(values), values
    _, df = chart_titled(opened("matrix"), VIEWS["matrix"])
    scale = df["score"].abs().max()
    assert values["Largest spread along a diagonal"] <= 1e-9 * max(scale, 1.0)
    assert values["Relative to the largest score"] <= 1e-9
    assert values["Change from shifting all positions by the offset"] <= 1e-9 * max(scale, 1.0)
    assert not set(METRICS) & {m.label for m in opened("delta").metric}, "the matrix's metrics belong to its view"


def test_the_score_against_distance_is_the_naive_score_and_the_matrix_diagonal(case):
    query, opened = case
    _, line = chart_titled(opened("delta"), VIEWS["delta"])
    L, offset = int(query.get("L", 256)), int(query.get("offset", 0))
    deltas = line["m_minus_n"].to_numpy()
    assert deltas.min() == -(L - 1) and deltas.max() <= L - 1 and np.all(np.diff(deltas) > 0)
    # rotate q at n + Δ and k at n, then the dot product: the naive way, at positions of the page's range
    cfg = next(CONFIGS[name] for name, q in CASES.items() if q == query)
    q, k = make_qk(cfg.head_dim, "random", 0)
    n = offset + L - 1
    naive = rope_core.scores_absolute(q, k, cfg, n + deltas, [n], seq_len=offset + L)[:, 0]
    scale = max(1.0, np.abs(naive).max())
    np.testing.assert_allclose(line["score"].to_numpy(), naive, rtol=0, atol=1e-9 * scale)
    # where the two views sample the same m − n, the line is the matrix's (constant) diagonal
    _, cells = chart_titled(opened("matrix"), VIEWS["matrix"])
    diagonal = cells.groupby("m_minus_n")["score"].mean()
    shared = line[line["m_minus_n"].isin(diagonal.index)]
    if L <= 1000:  # both views draw every distance of a short sequence
        assert len(shared) == len(diagonal) > 0
    np.testing.assert_allclose(shared["score"].to_numpy(), diagonal.loc[shared["m_minus_n"]].to_numpy(),
                               rtol=0, atol=1e-9 * scale)


def _drawn_pixels(at):
    from explorer import raster
    from apptest_utils import raster_of, resolved_domain

    images, _, scale = raster_of(at, VIEWS["matrix"])
    assert len(images) == 1
    pixels = raster.decode_png_data_url(images["_url"].iloc[0])
    stops = resolved_domain(scale, images)
    return pixels, raster.ColorMap(tuple(stops), tuple(scale["range"])), images


def test_the_default_matrix_draws_every_position():
    at = run_page("relative_position")
    pixels, cmap, images = _drawn_pixels(at)
    assert pixels.shape == (256, 256, 4)  # one cell per (m, n), none downsampled
    assert (images["_x"].iloc[0], images["_x2"].iloc[0]) == (0.0, 256.0)
    q, k = make_qk(128, "random", 0)
    pos = np.arange(256.0)
    naive = rope_core.scores_absolute(q, k, RopeConfig(), pos, pos, seq_len=256)  # rotate, then dot
    assert np.abs(pixels.astype(int) - cmap.rgba(naive).astype(int)).max() <= 1


def test_a_long_window_draws_block_means_constant_along_diagonals():
    L, block = 8192, 32
    at = run_page("relative_position", {"window": str(L)})
    pixels, cmap, images = _drawn_pixels(at)
    cells = L // block
    assert pixels.shape == (cells, cells, 4)
    # constant along every diagonal, byte for byte (an aliased, striped picture is not)
    assert (pixels[1:, 1:] == pixels[:-1, :-1]).all()
    # each cell is the mean of S[m, n] = g(m − n) over its block: Σ_t (block − |t|)/block² · g(k·block + t)
    q, k = make_qk(128, "random", 0)
    t = np.arange(-(block - 1), block)
    weights = (block - np.abs(t)) / block**2
    diag = np.array([weights @ rope_core.score_vs_distance(q, k, RopeConfig(), kk * block + t, seq_len=L)
                     for kk in range(-(cells - 1), cells)])
    want = diag[np.subtract.outer(np.arange(cells), np.arange(cells)) + cells - 1]
    assert np.abs(pixels.astype(int) - cmap.rgba(want).astype(int)).max() <= 1
    spec, _ = chart_titled(at, VIEWS["matrix"])
    assert "Each cell: the mean score over a block of 32 × 32 positions" in spec["title"]["subtitle"]
