"""explorer.raster and the raster heatmaps of explorer.charts.

- ColorMap.rgba matches a naive per-value implementation (find the segment, interpolate, round), for linear
  and log scales, inside and outside the domain, and gives no colour to NaN, ±inf and (log) values ≤ 0;
- Vega itself, rendering rect marks through ColorMap.scale() (the legend's scale), paints the colours
  ColorMap.rgba computes: the image and its legend agree;
- a heatmap's image has one pixel per grid cell, each the colour of that cell's value, blank where no cell is;
  one image per facet panel; its hover cells carry the data's exact values and span their blocks;
- a matrix's image puts each (row, col) at its rank, and every non-zero entry is a hover cell.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from explorer import charts, raster

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


def naive_rgba(cmap: raster.ColorMap, value: float) -> tuple[int, int, int, int]:
    stops = list(cmap.stops)
    colours = [tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) for h in cmap.colours]
    if not np.isfinite(value) or (cmap.log and value <= 0):
        return (0, 0, 0, 0)
    if cmap.log:
        value, stops = np.log10(value), [np.log10(s) for s in stops]
    if value <= stops[0]:
        return (*colours[0], 255)
    if value >= stops[-1]:
        return (*colours[-1], 255)
    for k in range(len(stops) - 1):
        if stops[k] <= value <= stops[k + 1]:
            t = (value - stops[k]) / (stops[k + 1] - stops[k])
            return (*(int(np.floor(a + t * (b - a) + 0.5)) for a, b in zip(colours[k], colours[k + 1])), 255)
    raise AssertionError("unreachable")


MAPS = {
    "diverging": raster.diverging(np.array([-3.0, 2.0])),
    "diverging_domain": raster.diverging(np.array([0.0]), (-1.0, 1.0)),
    "diverging_positive_domain": raster.diverging(np.array([0.0]), (2.0, 6.0)),
    "sequential": raster.sequential(np.array([0.5, 4.0])),
    "sequential_flat": raster.sequential(np.array([2.0, 2.0])),
    "log": raster.sequential(np.array([]), (1e-4, 1.0), log=True),
}


@pytest.mark.parametrize("name", list(MAPS))
@settings(max_examples=200, deadline=None)
@given(values=st.lists(FLOATS, min_size=1, max_size=20))
def test_rgba_matches_a_naive_colour_map(name, values):
    cmap = MAPS[name]
    got = cmap.rgba(np.array(values))
    want = np.array([naive_rgba(cmap, v) for v in values], dtype=np.uint8).reshape(-1, 4)
    # transparent pixels carry no colour: compare only alpha there
    assert np.array_equal(got[:, 3], want[:, 3])
    shown = want[:, 3] == 255
    # ≤ 1 level: a value landing on .5 may round either way between two float evaluations of the same line
    assert np.abs(got[shown].astype(int) - want[shown].astype(int)).max(initial=0) <= 1, (values, got, want)


def _toeplitz(diagonals: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """grid[i, j] = diagonals[j − i + rows − 1], built by plain indexing."""
    i, j = np.arange(rows)[:, None], np.arange(cols)[None, :]
    return diagonals[j - i + rows - 1]


@pytest.mark.parametrize("name", list(MAPS))
@settings(max_examples=100, deadline=None)
@given(data=st.data(), rows=st.integers(1, 9), cols=st.integers(1, 9), panels=st.integers(0, 3),
       broken=st.booleans())
def test_rgba_of_a_grid_constant_along_its_diagonals(name, data, rows, cols, panels, broken):
    """rgba's per-diagonal path (a Toeplitz grid) gives the pixels of the per-value path and of the naive map, for
    one grid or a stack of panels, and a grid with one entry off its diagonal's value takes the per-value path."""
    cmap = MAPS[name]
    shape = (panels, rows, cols) if panels else (rows, cols)
    diagonals = data.draw(st.lists(FLOATS, min_size=(max(panels, 1)) * (rows + cols - 1),
                                   max_size=(max(panels, 1)) * (rows + cols - 1)))
    diagonals = np.array(diagonals).reshape(max(panels, 1), rows + cols - 1)
    grid = np.stack([_toeplitz(d, rows, cols) for d in diagonals]).reshape(shape)
    if broken:
        grid[(*([0] if panels else []), rows - 1, cols - 1)] = 0.123
    got = cmap.rgba(grid)
    assert got.shape == shape + (4,) and got.dtype == np.uint8
    assert np.array_equal(got, cmap.rgba(grid.ravel()).reshape(shape + (4,)))  # 1-D: one colour per value
    want = np.array([naive_rgba(cmap, v) for v in grid.ravel()], dtype=np.uint8).reshape(shape + (4,))
    assert np.array_equal(got[..., 3], want[..., 3])
    shown = want[..., 3] == 255
    assert np.abs(got[shown].astype(int) - want[shown].astype(int)).max(initial=0) <= 1


def test_colour_maps_have_the_expected_shape():
    d = MAPS["diverging"]
    assert d.stops[0] == -3.0 and d.stops[-1] == 3.0 and d.stops[5] == 0.0  # ±max|value|, white at 0
    assert tuple(d.rgba(np.array([0.0]))[0]) == (0xF7, 0xF7, 0xF7, 255)
    assert tuple(d.rgba(np.array([-99.0]))[0][:3]) == (0x05, 0x30, 0x61)  # clamped: darkest blue
    assert tuple(d.rgba(np.array([99.0]))[0][:3]) == (0x67, 0x00, 0x1F)  # darkest red
    p = MAPS["diverging_positive_domain"]
    assert p.stops[5] == 4.0  # a domain without 0: white at its midpoint
    assert raster.diverging(np.zeros(3)).stops[-1] == 1.0  # all zero: ±1
    assert MAPS["sequential_flat"].stops[0] < 2.0 < MAPS["sequential_flat"].stops[-1]
    log = MAPS["log"]
    assert np.allclose(np.diff(np.log10(log.stops)), 0.5) and log.scale()["type"] == "log"
    with pytest.raises(ValueError, match="domain"):
        raster.sequential(np.array([1.0]), log=True)


def test_png_round_trip():
    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    url = raster.png_data_url(rgba)
    assert url.startswith("data:image/png;base64,")
    assert np.array_equal(raster.decode_png_data_url(url), rgba)
    with pytest.raises(ValueError, match="PNG data URL"):
        raster.decode_png_data_url("data:text/plain;base64,AAAA")

@pytest.mark.parametrize("shape", [(1, 1), (256, 256), (3, 300)])
def test_png_round_trip_sizes_and_transparency(shape):
    """PIL decodes the hand-written PNG to the same pixels, transparent ones included; other shapes are refused."""
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, size=shape + (4,), dtype=np.uint8)
    rgba[..., 3] = np.where(rng.random(shape) < 0.3, 0, 255)
    img = Image.open(io.BytesIO(base64.b64decode(raster.png_data_url(rgba).partition(",")[2])))
    assert img.format == "PNG" and img.mode == "RGBA" and img.size == (shape[1], shape[0])
    assert np.array_equal(np.asarray(img), rgba)
    with pytest.raises(ValueError, match="RGBA"):
        raster.png_data_url(rgba[..., :3])


@pytest.mark.parametrize("name", ["diverging", "sequential", "log"])
def test_vega_paints_the_colours_rgba_computes(name):
    """Rects coloured by Vega through ColorMap.scale() (what the legend shows) against ColorMap.rgba."""
    import vl_convert as vlc

    cmap = MAPS[name]
    lo, hi = cmap.stops[0], cmap.stops[-1]
    values = np.geomspace(lo / 3, hi * 3, 25) if cmap.log else np.linspace(lo - 1, hi + 1, 25)
    df = pd.DataFrame({"i": np.arange(len(values)), "v": values})
    if cmap.zmax is not None:  # a scale that follows the data reads its extent from the first row, as on a page
        df[raster.ZMAX] = [cmap.zmax] + [None] * (len(df) - 1)
    spec = {"$schema": charts.SCHEMA, "data": {"name": "d"}, "datasets": {"d": charts.records(df)},
            "params": cmap.param("d"), "mark": {"type": "rect"},
            "width": 20 * len(values), "height": 20, "config": {"view": {"stroke": None}},
            "encoding": {"x": {"field": "i", "type": "ordinal", "axis": None, "scale": {"paddingInner": 0}},
                         "color": {"field": "v", "type": "quantitative", "scale": cmap.scale(), "legend": None}}}
    png = np.asarray(Image.open(io.BytesIO(vlc.vegalite_to_png(spec, scale=1))).convert("RGB")).astype(int)
    rows = np.where((png != 255).any(axis=(1, 2)))[0]
    cols = np.where((png != 255).any(axis=(0, 2)))[0]
    y = (rows[0] + rows[-1]) // 2
    width = (cols[-1] - cols[0] + 1) / len(values)
    painted = np.array([png[y, int(cols[0] + (k + 0.5) * width)] for k in range(len(values))])
    want = cmap.rgba(values)[:, :3].astype(int)
    assert np.abs(painted - want).max() <= 1, np.c_[values, painted, want]


def grid(n: int, step: float = 2.0, heads: int = 0) -> pd.DataFrame:
    pos = np.arange(n) * step
    m, k = np.meshgrid(pos, pos, indexing="ij")
    df = pd.DataFrame({"m": m.ravel(), "n": k.ravel(), "score": np.sin(0.3 * m - 0.1 * k).ravel()})
    df["m_minus_n"] = df["m"] - df["n"]
    if heads:
        df = pd.concat([df.assign(head=f"head {h}", score=df["score"] * (h + 1)) for h in range(heads)],
                       ignore_index=True)
    return df


def image_of(chart: charts.Chart, **where) -> tuple[np.ndarray, pd.Series]:
    frame = chart.datasets[charts.DATA]
    rows = frame[frame["_kind"] == "image"]
    for k, v in where.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1
    row = rows.iloc[0]
    return raster.decode_png_data_url(row["_url"]), row


@pytest.mark.parametrize("n, step", [(5, 1.0), (30, 2.0), (140, 3.0)])
def test_heatmap_image_is_the_grid(n, step):
    df = grid(n, step)
    chart = charts.heatmap(df, "n", "m", "score", step=step, title="t", x_title="n", y_title="m", z_title="s")
    img, row = image_of(chart)
    assert img.shape == (n, n, 4)
    assert (row["_x"], row["_x2"], row["_y"], row["_y2"]) == (0.0, n * step, 0.0, n * step)
    cmap = charts.colormap(df["score"], True)
    assert chart.spec["layer"][1]["encoding"]["color"]["scale"] == cmap.scale()
    for _, r in df.sample(min(len(df), 300), random_state=1).iterrows():  # pixel (row = m, col = n) by hand
        px = img[int(round(r["m"] / step)), int(round(r["n"] / step))]
        assert tuple(px) == naive_rgba(cmap, r["score"])


def test_heatmap_blank_cells_and_hover_values():
    df = grid(50).query("n <= m")  # a causal triangle: the upper cells do not exist
    chart = charts.heatmap(df, "n", "m", "score", step=2, title="t", x_title="n", y_title="m", z_title="s",
                           tooltip=["m", "n", "m_minus_n", "score"])
    img, _ = image_of(chart)
    upper = np.triu(np.ones((50, 50), dtype=bool), k=1)
    assert (img[upper, 3] == 0).all() and (img[~upper, 3] == 255).all()
    frame = chart.datasets[charts.DATA]
    cells = frame[frame["_kind"] == "cell"]
    k = -(-50 // charts.HOVER_AXIS)  # 3: every third cell of each axis
    assert set(cells["m"] / 2 % k) == {0} and set(cells["n"] / 2 % k) == {0}
    exact = df.set_index(["m", "n"])
    for _, r in cells.iterrows():
        assert r["score"] == exact.loc[(r["m"], r["n"]), "score"] and r["m_minus_n"] == r["m"] - r["n"]
        assert (r["_x"], r["_y"]) == (r["n"], r["m"])
        assert r["_x2"] == min(r["n"] + 2 * k, 100.0) and r["_y2"] == min(r["m"] + 2 * k, 100.0)
    assert f"1 cell in {k} per axis" in " ".join(chart.spec["title"]["subtitle"])


def test_heatmap_facets_each_get_their_image():
    df = grid(12, heads=3)
    chart = charts.heatmap(df, "n", "m", "score", step=2, facet="head", title="t", x_title="n", y_title="m",
                           z_title="s")
    cmap = charts.colormap(df["score"], True)  # one colour scale for every panel
    for h in range(3):
        img, _ = image_of(chart, head=f"head {h}")
        sub = df[df["head"] == f"head {h}"]
        want = cmap.rgba(sub["score"].to_numpy().reshape(12, 12))
        assert np.array_equal(img, want)


def test_log_heatmap_leaves_masked_cells_blank():
    df = grid(10).assign(attention=lambda d: np.where(d["n"] <= d["m"], 1 / (1 + d["m"]), 0.0))
    chart = charts.heatmap(df, "n", "m", "attention", step=2, diverging=False, log_color=True, domain=(1e-4, 1),
                           title="t", x_title="n", y_title="m", z_title="a")
    img, _ = image_of(chart)
    assert np.array_equal(img[..., 3] == 255, (df["attention"].to_numpy() > 0).reshape(10, 10))
    cells = chart.datasets[charts.DATA].query("_kind == 'cell'")
    assert len(cells) == int((df["attention"] > 0).sum())  # 10×10: every positive cell hovers


def test_matrix_image_by_rank_and_non_zero_hover():
    idx = np.array([0, 1, 2, 64, 65, 66])
    r, c = np.meshgrid(idx, idx, indexing="ij")
    value = np.where(r == c, np.cos(0.3 * r), np.where(np.abs(r - c) == 64, np.sin(0.3 * r), 0.0))
    df = pd.DataFrame({"row": r.ravel(), "col": c.ravel(), "value": value.ravel()})
    chart = charts.matrix(df, "row", "col", "value", title="R", row_title="r", col_title="c", z_title="z",
                          domain=(-1.0, 1.0))
    img, row = image_of(chart)
    assert img.shape == (6, 6, 4) and (row["_x2"], row["_y2"]) == (6.0, 6.0)
    assert np.array_equal(img, raster.diverging(value, (-1.0, 1.0)).rgba(value))
    cells = chart.datasets[charts.DATA].query("_kind == 'cell'")
    assert len(cells) == int((value != 0).sum())
    rank = {v: i for i, v in enumerate(idx)}
    assert all(x == rank[c] and y == rank[r] for x, y, r, c in zip(cells["_x"], cells["_y"], cells["row"], cells["col"]))
    assert "exactly 0" in " ".join(chart.spec["title"]["subtitle"])
