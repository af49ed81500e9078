"""Chart builders (Vega-Lite v6 specs as plain dicts) and the one way a page shows a chart.

Every chart: a title, axis titles with units, tooltips with exact values, a diverging scale
centred at 0 for signed values, width="stretch", data bounded to MAX_ROWS rows (the caller
downsamples in numpy and says so in the subtitle), and CSV / PNG / SVG downloads.

The builders write Vega-Lite JSON directly (no Altair at run time: its object machinery, shorthand
parsing, deep copies and jsonschema validation cost far more than the rest of a page rerun). A
builder returns a `Chart`: the spec, whose data are named datasets, and those datasets as the
pandas DataFrames themselves (Streamlit sends DataFrames found in spec["datasets"] as Arrow).
tests/test_charts.py validates every builder's spec, and every spec every page sends, against the
Vega-Lite v6 JSON schema and renders each builder through the Vega-Lite compiler (vl_convert).
Heatmaps and matrices send their cells as one colour-mapped PNG per panel (explorer/raster.py) plus a
bounded layer of transparent hover cells, so the browser draws a handful of marks however many cells
there are; tests/test_raster.py checks the image pixel by pixel against the legend's colour scale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from explorer import raster

MAX_ROWS = 20_000
THINNED = "Chart data thinned"
MAX_AXIS = 140  # heatmap cells per axis: 140² = 19,600 ≤ MAX_ROWS
LINE_POINTS = 512  # points per line series (all 511 distances at L = 256); each costs the browser ~25 µs per repaint
# point markers per line series at most (line(points=True)): denser series are drawn as lines alone. A marker is a mark
# of its own for the browser to draw at every repaint, and at this density they merge into the line; hover is the same
# without them (Vega's tooltip on a line is the vertex nearest the pointer).
POINT_MARKS = 32
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"  # altair 6.3's Vega-Lite (tests check it)
DATA = "data"  # the name of a builder's main dataset
RULES = "rules"  # line(): the rule lines' values and labels


@dataclass(frozen=True, eq=False)
class Chart:
    """A Vega-Lite v6 spec whose data are named datasets, and those datasets as DataFrames."""

    spec: dict[str, Any]
    datasets: dict[str, pd.DataFrame] = field(default_factory=dict)

    def to_dict(self, **_: Any) -> dict[str, Any]:
        """The spec with its DataFrames in "datasets" (what st.vega_lite_chart takes)."""
        return {**self.spec, "datasets": dict(self.datasets)}

    def with_values(self) -> dict[str, Any]:
        """The spec with every dataset inlined as JSON records (for vl_convert and schema checks)."""
        return {**self.spec, "datasets": {k: records(d) for k, d in self.datasets.items()}}


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: Python scalars, NaN and ±inf as None (as Altair's sanitizer did)."""
    out = df.replace([np.inf, -np.inf], np.nan)
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


def _py(values) -> list:
    """A list of JSON-ready scalars (numpy scalars unboxed)."""
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def sample_axis(n: int, max_points: int = MAX_AXIS) -> tuple[np.ndarray, int]:
    """Indices 0..n-1 at a whole stride so that at most max_points remain; returns (idx, stride)."""
    stride = max(1, -(-n // max_points))
    return np.arange(0, n, stride), stride


def downsample_note(stride: int, n: int, what: str = "positions") -> str:
    if stride <= 1:
        return ""
    shown = -(-n // stride)
    return f"Downsampled: {shown:,} of {n:,} {what} shown (every {stride}), exact values, not averages."


CANVAS_ABOVE = 2_000  # marks drawn one per row: Streamlit's frontend switches Vega to canvas above this
ARIA_ABOVE = 5_000  # and drops per-mark ARIA attributes above this


def _many_marks(spec: dict, rows: int) -> dict:
    """Canvas rendering (and no per-mark ARIA) for a chart drawing one mark per row of `rows` rows.

    Streamlit's frontend does this on its own for specs whose row count it can read, but it gives up
    (and keeps SVG: seconds per repaint for a 20,000-cell heatmap) on any view with a transform, so
    the builders that draw one mark per row say it explicitly.
    """
    if rows > CANVAS_ABOVE:
        spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    if rows > ARIA_ABOVE:
        spec["config"] = {"mark": {"aria": False}}
    return spec


def _title(title: str, subtitle: str | Sequence[str] | None) -> dict:
    if not subtitle:
        return {"text": title}
    return {"text": title, "subtitle": subtitle if isinstance(subtitle, str) else list(subtitle),
            "subtitleColor": "#666"}


def _tooltip(df: pd.DataFrame, fields: Sequence[str], titles: dict[str, str] | None = None) -> list[dict]:
    titles = titles or {}
    dtypes = dict(zip(df.columns, df.dtypes))  # one pass: df[f] would build a Series per field
    out = []
    for f in fields:
        if pd.api.types.is_numeric_dtype(dtypes[f]):
            out.append({"field": f, "type": "quantitative", "format": ".6~g", "title": titles.get(f, f)})
        else:
            out.append({"field": f, "type": "nominal", "title": titles.get(f, f)})
    return out


def _q(name: str, **props) -> dict:
    """A quantitative field channel."""
    return {"field": name, "type": "quantitative", **props}


def _field(name: str) -> str:
    """A field reference inside a Vega expression."""
    return f"datum[{json.dumps(name)}]"


def colormap(values, diverging: bool, domain: Sequence[float] | None = None, log: bool = False,
             zmax: float | None = None) -> raster.ColorMap:
    """Diverging RdBu centred at 0 (over ±zmax, ±max|value| or `domain`), or sequential viridis (log: over `domain`).
    Without `domain`, a diverging scale follows the data (raster.ColorMap.zmax)."""
    if diverging and not log:
        return raster.diverging(values, domain, zmax)
    return raster.sequential(values, domain, log=log)


# hover cells per axis over a raster heatmap, each with exact values: ≤ 256 per chart. A faceted heatmap draws each one
# as a mark at every repaint (24 per axis was 46 ms more per slider move, A/B); an unfaceted one draws only the cell
# under the pointer (POINTER)
HOVER_AXIS = 16
HOVER_NOTE = "Hover: exact values, 1 cell in {k} per axis (CSV: all cells)."


def _grid_index(values: np.ndarray, step: float) -> tuple[np.ndarray, float, int]:
    """Cell index of each value on a grid starting at the smallest value with spacing `step`;
    returns (index, origin, cell count)."""
    v = np.asarray(values, dtype=float)
    origin = float(v.min()) if v.size else 0.0
    idx = np.rint((v - origin) / step).astype(np.int64) if v.size else np.zeros(0, np.int64)
    return idx, origin, int(idx.max()) + 1 if idx.size else 1


def _raster_layers(df: pd.DataFrame, ix: np.ndarray, iy: np.ndarray, nx: int, ny: int, z: str,
                   cmap: raster.ColorMap, facet: str | None, facet_values: Sequence,
                   image_box: tuple[float, float, float, float], hover: np.ndarray,
                   cell_ends: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                   x_enc: dict, y_enc: dict, z_title: str, fields: Sequence[str]) -> tuple[pd.DataFrame, list[dict]]:
    """One PNG per facet value (cells coloured by `cmap` at grid indices ix, iy) and the rows flagged in
    `hover` as transparent rects carrying the exact values of `fields` (the tooltip): their one data frame
    (column _kind tells them apart; built from numpy arrays, no per-row pandas work) and the two Vega-Lite
    layers that draw them on the x/y encodings given."""
    x0, x1, y0, y1 = image_box
    zv = df[z].to_numpy(dtype=float)
    if cmap.log:
        hover = hover & (zv > 0)  # blank (masked) cells get no hover target
    panels = list(facet_values) if facet else [None]
    if facet:  # each row's panel: factorize once (a few distinct values), not one string comparison per panel
        codes, uniques = pd.factorize(df[facet])
        order = {v: p for p, v in enumerate(panels)}
        panel = np.append(np.array([order.get(u, -1) for u in _py(list(uniques))], dtype=np.int64), -1)[codes]
    else:
        panel = np.zeros(len(zv), dtype=np.int64)
    drawn = panel >= 0
    hover = hover & drawn  # a hover target only where an image is drawn
    grid = np.full((len(panels), ny, nx), np.nan)
    grid[panel[drawn], iy[drawn], ix[drawn]] = zv[drawn]
    pixels = cmap.rgba(grid)
    urls = [raster.png_data_url(pixels[p]) for p in range(len(panels))]
    n_img, rows = len(urls), np.flatnonzero(hover)
    n_cell = len(rows)
    # _kind and the facet as categoricals (Arrow sends each label once); other text columns stay object:
    # pandas would otherwise infer (and copy into) Arrow strings, only for Streamlit to convert them again
    kind_codes = np.repeat([0, 1], [n_img, n_cell])
    cols: dict[str, pd.Series] = {"_kind": pd.Series(pd.Categorical.from_codes(kind_codes, ["image", "cell"]))}
    for name in dict.fromkeys([*([facet] if facet else []), *fields, z]):
        column = df[name]
        if name == facet:
            codes = np.concatenate([np.arange(n_img), panel[rows]])
            cols[name] = pd.Series(pd.Categorical.from_codes(codes, panels))
        elif pd.api.types.is_numeric_dtype(column.dtype):
            values = column.to_numpy(dtype=float)[rows]
            cols[name] = pd.Series(np.concatenate([np.full(n_img, np.nan), values]))
        else:
            cols[name] = pd.Series([None] * n_img + column.iloc[rows].tolist(), dtype=object)
    cols["_url"] = pd.Series(urls + [None] * n_cell, dtype=object)
    if cmap.zmax is not None:  # the colour scale's extent, read by its Vega parameter from the first row
        cols[raster.ZMAX] = pd.Series(np.concatenate([np.full(n_img, cmap.zmax), np.full(n_cell, np.nan)]))
    for name, first, end in zip(("_x", "_x2", "_y", "_y2"), (x0, x1, y0, y1), cell_ends):
        cols[name] = pd.Series(np.concatenate([np.full(n_img, float(first)), np.asarray(end, dtype=float)[rows]]))
    frame = pd.DataFrame(cols)
    tooltip = _tooltip(df, fields)
    image_layer = {
        "transform": [{"filter": {"field": "_kind", "equal": "image"}}],
        "mark": {"type": "image", "aspect": False, "smooth": False, "tooltip": None},  # Streamlit turns tooltips on for all marks
        "encoding": {"x": {**x_enc, "field": "_x"}, "x2": {"field": "_x2"},
                     "y": {**y_enc, "field": "_y"}, "y2": {"field": "_y2"}, "url": {"field": "_url", "type": "nominal"}},
    }
    cells = [{"filter": {"field": "_kind", "equal": "cell"}}]
    if facet is None:  # the hover cell under the pointer only, outlined, and its values as text beside the pointer
        image_layer["params"] = [POINTER]
        cells.append({"filter": POINTER_FILTER})
    cell_layer = {
        "transform": cells,
        "mark": {"type": "rect", "fillOpacity": 0, "strokeOpacity": 0} if facet else
                {"type": "rect", "fillOpacity": 0, "stroke": "#111", "strokeWidth": 1},
        "encoding": {"x": {**x_enc, "field": "_x"}, "x2": {"field": "_x2"},
                     "y": {**y_enc, "field": "_y"}, "y2": {"field": "_y2"},
                     "color": _q(z, title=z_title, scale=cmap.scale()), "tooltip": tooltip},
    }
    if facet:
        return frame, [image_layer, cell_layer]
    return frame, [image_layer, cell_layer, *_readout_layers(cells, tooltip)]


# Hover over a single (unfaceted) heatmap draws one mark, not one per hover cell (HOVER_AXIS² rects cost ~60 ms at
# every repaint, A/B): an interval selection that starts afresh at every pointer move, so that its end is the
# pointer (pixels, in Vega-Lite's signals <name>_x, <name>_y) and its brush has no area to catch the pointer; a
# parameter inverts that into data coordinates; the hover cells are filtered to the one containing it. The
# tooltip then needs one more pointer move over that cell, so its values are also written beside the pointer.
POINTER_NAME = "hover"
POINTER = {"name": POINTER_NAME, "select": {
    "type": "interval", "encodings": ["x", "y"], "on": "[pointermove, pointerout] > pointermove",
    "clear": False, "translate": False, "zoom": False,
    "mark": {"fillOpacity": 0, "strokeOpacity": 0, "cursor": "default"}}}
_PX, _PY = f"{POINTER_NAME}_x", f"{POINTER_NAME}_y"
POINTER_AT = {"name": "hover_at", "expr": (
    f"isArray({_PX}) && length({_PX}) == 2 && isArray({_PY}) && length({_PY}) == 2"
    f" ? [invert('x', {_PX}[1]), invert('y', {_PY}[1])] : null")}
POINTER_FILTER = ("isArray(hover_at) && datum._x <= hover_at[0] && hover_at[0] < datum._x2"
                  " && datum._y <= hover_at[1] && hover_at[1] < datum._y2")
READOUT = "_readout"


def _readout_layers(cells: list[dict], tooltip: list[dict]) -> list[dict]:
    """The hovered cell's tooltip as one line of text beside the pointer (on the side with room), over a halo."""
    parts = []
    for t in tooltip:
        value = _field(t["field"])
        shown = f"format({value}, {json.dumps(t['format'])})" if "format" in t else f"'' + {value}"
        parts.append(f"{json.dumps(t['title'] + ' = ')} + (isValid({value}) ? {shown} : '–')")
    text = {"type": "text", "fontSize": 11, "fontWeight": "bold",
            "x": {"expr": f"{_PX}[1] + ({_PX}[1] > width / 2 ? -10 : 10)"},
            "y": {"expr": f"{_PY}[1] + ({_PY}[1] > 24 ? -10 : 18)"},
            "align": {"expr": f"{_PX}[1] > width / 2 ? 'right' : 'left'"}, "baseline": "bottom"}
    calc = [*cells, {"calculate": " + ' · ' + ".join(parts), "as": READOUT}]
    enc = {"text": {"field": READOUT, "type": "nominal"}}
    return [{"transform": calc, "mark": {**text, "stroke": "white", "strokeWidth": 3, "strokeOpacity": 0.9},
             "encoding": enc},
            {"transform": calc, "mark": {**text, "fill": "#111"}, "encoding": enc}]


def _hover_mask(ix: np.ndarray, iy: np.ndarray, nx: int, ny: int, per_axis: int) -> tuple[np.ndarray, int]:
    """Rows on every k-th cell of both axes, k the smallest whole stride leaving ≤ per_axis per axis."""
    k = max(1, -(-max(nx, ny) // per_axis))
    return (ix % k == 0) & (iy % k == 0), k


def _with_note(subtitle: str | Sequence[str] | None, note: str) -> str | list[str] | None:
    if not note:
        return subtitle
    lines = [] if not subtitle else [subtitle] if isinstance(subtitle, str) else list(subtitle)
    return [*lines, note]


def heatmap(df: pd.DataFrame, x: str, y: str, z: str, *, title: str, x_title: str, y_title: str,
            z_title: str, subtitle: str | Sequence[str] | None = None, diverging: bool = True,
            domain: Sequence[float] | None = None, step: float = 1.0, y_step: float | None = None,
            tooltip: Sequence[str] | None = None, height: int = 420, facet: str | None = None,
            facet_sort: Sequence[str] | None = None, columns: int = 4,
            panel: int = 180, log_color: bool = False, hover_axis: int = HOVER_AXIS,
            zmax: float | None = None) -> Chart:
    """A heatmap of z over quantitative x and y cells [x, x+step) × [y, y+y_step), y growing downwards.

    The cells are one image (explorer/raster.py: coloured here, sent as a PNG) on real quantitative
    axes, so a repaint costs one mark however many cells there are. Hover: the exact values of `tooltip` on
    every k-th cell of each axis (k chosen so ≤ hover_axis per axis, ≤ hover_axis / √panels with a facet: the
    budget is per chart; 1 on small grids); the subtitle says so when k > 1. Without a facet only the hover cell
    under the pointer is drawn, outlined, its values also written beside the pointer (POINTER); with a facet,
    each hover cell is a transparent rect.
    Colour legend: the same explicit-stop scale.
    With `facet`, small multiples: one panel×panel heatmap per value of that column (in
    `facet_sort` order), `columns` per row, sharing axes and one colour scale.
    log_color: sequential log colour scale over `domain` (required), clamped, for non-negative values
    spanning decades (e.g. attention weights); cells ≤ 0 (e.g. masked) are left blank.
    zmax: a diverging scale over ±zmax (default ±max|z|) that follows the data: the spec stays the same when
    only the values change, so the browser updates the chart instead of rebuilding it.
    """
    y_step = step if y_step is None else y_step
    cmap = colormap(df[z], diverging, domain, log=log_color, zmax=zmax)
    xs, ys = df[x].to_numpy(dtype=float), df[y].to_numpy(dtype=float)
    ix, xo, nx = _grid_index(xs, step)
    iy, yo, ny = _grid_index(ys, y_step)
    facet_values = (_py(facet_sort) if facet_sort else sorted(_py(pd.unique(df[facet])))) if facet else []
    # the hover budget is per chart, not per panel: every hover cell is a mark for the browser to redraw
    per_axis = max(2, int(hover_axis / np.sqrt(max(1, len(facet_values)))))
    hover, k = _hover_mask(ix, iy, nx, ny, per_axis)
    box = (xo, xo + nx * step, yo, yo + ny * y_step)
    x_enc = _q(x, title=x_title, scale={"domain": list(box[:2]), "nice": False, "zero": False})
    y_enc = _q(y, title=y_title, scale={"domain": list(box[2:]), "nice": False, "zero": False, "reverse": True})
    ends = (xs, np.minimum(xs + step * k, box[1]), ys, np.minimum(ys + y_step * k, box[3]))
    frame, layers = _raster_layers(df, ix, iy, nx, ny, z, cmap, facet, facet_values, box, hover, ends,
                                   x_enc, y_enc, z_title, list(tooltip or [y, x, z]))
    head = _title(title, _with_note(subtitle, HOVER_NOTE.format(k=k) if k > 1 else ""))
    if facet is None:
        spec = {"$schema": SCHEMA, "data": {"name": DATA}, "layer": layers, "height": height, "title": head}
    else:
        spec = {"$schema": SCHEMA, "data": {"name": DATA},
                "facet": {"field": facet, "type": "nominal", "title": None, "sort": facet_values},
                "spec": {"layer": layers, "width": panel, "height": panel},
                "columns": columns, "title": head}
    return Chart(_with_params(spec, cmap.param(DATA) + ([] if facet else [POINTER_AT])), {DATA: frame})


def _with_params(spec: dict, params: list[dict]) -> dict:
    return {**spec, "params": params} if params else spec


def line(df: pd.DataFrame, x: str, y: str, *, title: str, x_title: str, y_title: str,
         color: str | None = None, color_title: str | None = None, subtitle: str | Sequence[str] | None = None,
         log_x: bool = False, log_y: bool = False, points: bool = False, dash: str | None = None,
         rules_x: Sequence[tuple[float, str]] = (), rules_y: Sequence[tuple[float, str]] = (),
         tooltip: Sequence[str] | None = None, height: int = 360, zero: bool = False,
         interpolate: str = "linear", color_sort: Sequence[str] | None = None,
         x_scale: str | None = None, color_domain: Sequence[str] | None = None) -> Chart:
    """Line chart of y against x (one line per `color` value), with optional labelled rule lines.

    points: a marker on every point, while no series has more than POINT_MARKS points.

    x_scale: a Vega-Lite scale type for x overriding log_x, e.g. "symlog" (log-like, but shows 0;
    ticks at 0 and the powers of ten, as Vega's own symlog ticks are sparse).
    color_domain: every colour value in a fixed order, so a series keeps its colour when another
    one has no rows (e.g. a dtype that overflows).
    Rules: one layer each (a dashed rule and its label), all reading one small dataset (RULES:
    columns rule, v, label); a rule at a non-finite value is left out (it would stretch the axis to
    infinity).
    """
    x_axis: dict = {}
    if x_scale:
        x_sc: dict = {"type": x_scale}
        if x_scale == "symlog" and len(df):
            top = float(np.nanmax(np.abs(df[x].to_numpy(dtype=float))))
            ticks = [0.0] + [10.0**k for k in range(0, int(np.floor(np.log10(max(top, 1.0)))) + 1)]
            x_axis = {"values": ticks, "labelExpr": "format(datum.value, '~s')"}  # 1, 10, …, 1k, 1M
    else:
        x_sc = {"type": "log"} if log_x else {"zero": zero}
    enc: dict = {
        "x": _q(x, title=x_title, scale=x_sc, axis=x_axis),
        "y": _q(y, title=y_title, scale={"type": "log"} if log_y else {"zero": zero}),
        "tooltip": _tooltip(df, tooltip or [c for c in (color, x, y) if c]),
    }
    if color:
        enc["color"] = {"field": color, "type": "nominal", "title": color_title or color,
                        "sort": _py(color_sort) if color_sort else None}
        if color_domain:
            enc["color"]["scale"] = {"domain": _py(color_domain)}
    if dash:
        enc["strokeDash"] = {"field": dash, "type": "nominal", "title": dash}
    if points and len(df):
        series = [c for c in (color, dash) if c]
        longest = int(df.groupby(series, sort=False, observed=True).size().max()) if series else len(df)
        points = longest <= POINT_MARKS
    main = {"mark": {"type": "line", "interpolate": interpolate, "point": points}, "encoding": enc}
    datasets = {DATA: df}
    rules = [(axis, float(v), str(label)) for axis, rs in (("x", rules_x), ("y", rules_y)) for v, label in rs]
    rules = [r for r in rules if np.isfinite(r[1])]
    if rules:
        right = _label_sides(df[x] if len(df) else pd.Series(dtype=float), rules, x_scale or ("log" if log_x else None),
                             zero)
        datasets[RULES] = pd.DataFrame({"rule": np.arange(len(rules)), "v": [r[1] for r in rules],
                                        "label": [r[2] for r in rules],
                                        "align": np.where(right, "right", "left"), "dx": np.where(right, -4, 4)})
        spec = {"$schema": SCHEMA, "layer": [{"data": {"name": DATA}, **main},
                                             *(_rule(axis, i) for i, (axis, _, _) in enumerate(rules))]}
    else:
        spec = {"$schema": SCHEMA, "data": {"name": DATA}, "layer": [main]}
    spec.update(height=height, title=_title(title, subtitle))
    return Chart(spec, datasets)


LABEL_STEP = 14  # px between the labels of successive vertical rules


LABEL_LEFT_FROM = 0.6  # a vertical rule further right than this share of the x axis has its label on its left


def _label_sides(xs: pd.Series, rules: Sequence[tuple[str, float, str]], scale: str | None, zero: bool) -> np.ndarray:
    """For each rule, True when its label goes on the rule's left (text ending at the rule): a vertical rule in the
    right part of the x axis, whose label would otherwise run past the plot into the legend. The axis extent is
    estimated as Vega-Lite's domain is: the data's and the rules' extent (and 0 when the scale includes zero)."""
    def pos(v: np.ndarray) -> np.ndarray:
        if scale == "log":
            return np.log10(np.where(v > 0, v, np.nan))
        if scale == "symlog":
            return np.sign(v) * np.log1p(np.abs(v))
        return v

    vx = np.array([v for axis, v, _ in rules if axis == "x"], dtype=float)
    at = pos(np.concatenate([xs.to_numpy(dtype=float), vx, [0.0] if zero and scale is None else []]))
    at = at[np.isfinite(at)]
    lo, hi = (float(at.min()), float(at.max())) if len(at) else (0.0, 1.0)
    share = (pos(np.array([v for _, v, _ in rules], dtype=float)) - lo) / (hi - lo if hi > lo else 1.0)
    return np.array([axis == "x" for axis, _, _ in rules]) & (np.nan_to_num(share) > LABEL_LEFT_FROM)


def _rule(axis: str, index: int) -> dict:
    """The layer of rule `index` of the RULES dataset (columns rule, v, label, align, dx): a labelled dashed line
    at v on `axis` ("x": vertical, "y": horizontal)."""
    pos = _q("v")
    rule = {"mark": {"type": "rule", "color": "#444", "strokeDash": [4, 4]},
            "encoding": {axis: pos, "tooltip": [{"field": "label", "type": "nominal", "title": "rule"},
                                                _q("v", title="value", format=".6~g")]}}
    # x rules come first (index 0, 1, …): each label one line lower, so labels of nearby rules do not overprint
    other = {"y": {"value": 8 + LABEL_STEP * index}} if axis == "x" else {"x": {"value": 4}}
    # the label's side of the rule comes with the data (columns align, dx: _label_sides), so a rule moving
    # across the plot changes data, not the spec
    text = {"mark": {"type": "text", "align": {"expr": "datum.align"}, "dx": {"expr": "datum.dx"},
                     "dy": -6 if axis == "x" else -4, "color": "#444"},
            "encoding": {axis: pos, "text": {"field": "label", "type": "nominal"}, **other}}
    return {"data": {"name": RULES}, "transform": [{"filter": {"field": "rule", "equal": index}}],
            "layer": [rule, text]}


# Drawn on a canvas instead of SVG: one DOM node per chart instead of one per point. For the few hundred filled
# points of line_marked (context_extension [ood] at heaviest: 375) this saves ~70 ms a slider press (A/B); for line
# charts and heatmaps it made no measurable difference, and SVG keeps their marks inspectable (the hover test).
CANVAS = {"embedOptions": {"renderer": "canvas"}}


def line_marked(df: pd.DataFrame, x: str, y: str, mark: str, *, mark_title: str, title: str,
                subtitle: str | Sequence[str] | None = None, **line_kwargs) -> Chart:
    """line() plus filled points on the rows where the boolean column `mark` is true (e.g. "out of
    distribution"); the title sits on the top-level layer. Other arguments as for line()."""
    chart = line(df, x, y, title=title, subtitle=subtitle, **line_kwargs)
    if not df[mark].astype(bool).any():
        return chart
    inner = {k: v for k, v in chart.spec.items() if k not in ("$schema", "title", "height")}
    color, tooltip = line_kwargs.get("color"), line_kwargs.get("tooltip")
    log_x, log_y = line_kwargs.get("log_x", False), line_kwargs.get("log_y", False)
    label = "'" + mark_title.replace("\\", "\\\\").replace("'", "\\'") + "'"
    enc: dict = {
        "x": _q(x, scale={"type": "log"} if log_x else {}),
        "y": _q(y, scale={"type": "log"} if log_y else {}),
        "shape": {"field": mark, "type": "nominal", "title": mark_title, "legend": {"labelExpr": label}},
        "tooltip": _tooltip(df, tooltip or [c for c in (color, x, y, mark) if c]),
    }
    if color:
        sort = line_kwargs.get("color_sort")
        enc["color"] = {"field": color, "type": "nominal", "sort": _py(sort) if sort else None}
    pts = {"data": {"name": DATA}, "transform": [{"filter": _field(mark)}],
           "mark": {"type": "point", "filled": True, "size": 45, "opacity": 0.9}, "encoding": enc}
    spec = {"$schema": SCHEMA, "layer": [inner, pts], "height": chart.spec["height"],
            "title": _title(title, subtitle), "usermeta": CANVAS}
    return Chart(spec, chart.datasets)


def points(df: pd.DataFrame, x: str, y: str, *, title: str, x_title: str, y_title: str,
           color: str | None = None, subtitle: str | Sequence[str] | None = None,
           log_x: bool = False, log_y: bool = False, tooltip: Sequence[str] | None = None,
           height: int = 360) -> Chart:
    """Scatter of y against x (one colour per `color` value)."""
    enc: dict = {
        "x": _q(x, title=x_title, scale={"type": "log"} if log_x else {}),
        "y": _q(y, title=y_title, scale={"type": "log"} if log_y else {}),
        "tooltip": _tooltip(df, tooltip or [c for c in (color, x, y) if c]),
    }
    if color:
        enc["color"] = {"field": color, "type": "nominal", "title": color}
    spec = {"$schema": SCHEMA, "data": {"name": DATA}, "mark": {"type": "circle", "size": 40}, "encoding": enc,
            "height": height, "title": _title(title, subtitle)}
    return Chart(_many_marks(spec, len(df)), {DATA: df})


def matrix(df: pd.DataFrame, row: str, col: str, z: str, *, title: str, row_title: str, col_title: str,
           z_title: str, subtitle: str | Sequence[str] | None = None, diverging: bool = True,
           domain: Sequence[float] | None = None, tooltip: Sequence[str] | None = None,
           size: int = 560, max_labels: int = 16, max_hover: int = 1_024) -> Chart:
    """A square matrix heatmap: one equal cell per (row, col) index pair, indices in ascending order.

    Unlike `heatmap`, the shown indices need not be contiguous (e.g. a window of a matrix's rows
    and columns gathered from two bands): each shown index gets one cell, at most `max_labels` tick
    labels per axis carry the real index values. The cells are one image, as in `heatmap`. Hover:
    exact values on every non-zero cell when there are at most `max_hover` (a rotation matrix has
    2 per row), otherwise on every k-th cell of each axis; the one under the pointer is outlined and its
    values written beside it (POINTER). The plot is size × size pixels: show() draws a spec with a fixed
    width at that width, so the cells stay square.
    """
    rows, cols = np.sort(df[row].unique()), np.sort(df[col].unique())
    ix, iy = np.searchsorted(cols, df[col].to_numpy()), np.searchsorted(rows, df[row].to_numpy())
    nx, ny = len(cols), len(rows)

    def axis(idx: np.ndarray, title: str) -> dict:
        every = max(1, -(-len(idx) // max_labels))
        at = np.arange(0, len(idx), every)
        labels = " : ".join(f"datum.value == {float(p) + 0.5!r} ? {json.dumps(str(v))}" for p, v in zip(at, _py(idx[at])))
        return {"title": title, "values": [float(p) + 0.5 for p in at], "labelAngle": 0,
                "labelExpr": f"{labels} : ''" if labels else "''", "grid": False}

    x_enc = _q("_x", scale={"domain": [0, nx], "nice": False, "zero": False}, axis=axis(cols, col_title))
    y_enc = _q("_y", scale={"domain": [0, ny], "nice": False, "zero": False, "reverse": True},
               axis=axis(rows, row_title))
    nonzero = df[z].to_numpy(dtype=float) != 0
    if nonzero.sum() <= max_hover:
        hover, note = nonzero, "Pale cells off the bands are exactly 0; hover a coloured cell for its exact value."
        k = 1
    else:
        hover, k = _hover_mask(ix, iy, nx, ny, HOVER_AXIS)
        note = HOVER_NOTE.format(k=k) if k > 1 else ""
    cmap = colormap(df[z], diverging, domain)
    ends = (ix, np.minimum(ix + k, nx), iy, np.minimum(iy + k, ny))
    frame, layers = _raster_layers(df, ix, iy, nx, ny, z, cmap, None, [], (0.0, float(nx), 0.0, float(ny)),
                                   hover, ends, x_enc, y_enc, z_title, list(tooltip or [row, col, z]))
    # a fixed width, drawn at its own size (show(): width="content"), keeps the cells square
    spec = {"$schema": SCHEMA, "data": {"name": DATA}, "layer": layers, "width": size, "height": size,
            "title": _title(title, _with_note(subtitle, note))}
    return Chart(_with_params(spec, [*cmap.param(DATA), POINTER_AT]), {DATA: frame})


_PALETTE = ["#3498db", "#e74c3c", "#27ae60", "#8e44ad", "#7f8c8d"]  # first: the unrotated vector


def plane(df: pd.DataFrame, panels: Sequence[tuple[str, str, str, float]], *, title: str,
          subtitle: str | Sequence[str] | None = None, size: int = 300, color_title: str = "",
          tooltip: Sequence[str] | None = None) -> Chart:
    """Vectors and paths in 2-D planes: one square, equal-aspect panel per plane (a circle looks round).

    df columns: panel, kind, x, y, order, series, text. Kinds: "ring" (dashed path drawn in
    `order`), "path" (solid path), "dot" (points), "vector" (arrow from the origin to (x, y),
    coloured by `series`), "text" (the label `text` at (x, y)).
    panels: (panel name, x-axis title, y-axis title, half-width of both axes), left to right.
    Panels are concatenated at a fixed size: Streamlit keeps concatenated charts at their own size
    under width="stretch", which an equal-aspect plot needs.
    """
    tips = _tooltip(df, tooltip or ["x", "y"])
    vector_series = [str(s) for s in pd.unique(df.loc[df["kind"] == "vector", "series"]) if s]
    color = {"field": "series", "type": "nominal", "title": color_title or None, "sort": vector_series,
             "legend": {"orient": "top"},
             "scale": {"domain": vector_series, "range": _PALETTE[:max(1, len(vector_series))]}}

    def panel(name: str, x_title: str, y_title: str, extent: float) -> dict:
        e = float(extent)
        scale = {"domain": [-e, e], "nice": False, "zero": False}
        x, y = _q("x", scale=scale, title=x_title), _q("y", scale=scale, title=y_title)
        name = str(name)

        def of(kind: str, *more: dict) -> list[dict]:
            return [{"filter": {"field": "panel", "equal": name}}, {"filter": {"field": "kind", "equal": kind}}, *more]

        order = _q("order")
        layers = [
            {"transform": of("ring"), "mark": {"type": "line", "color": "#9a9a9a", "strokeDash": [4, 4]},
             "encoding": {"x": x, "y": y, "order": order}},
            {"transform": of("path"), "mark": {"type": "line", "color": "#f39c12", "strokeWidth": 3},
             "encoding": {"x": x, "y": y, "order": order}},
            {"transform": of("dot"), "mark": {"type": "circle", "size": 38, "color": "#555", "opacity": 0.8},
             "encoding": {"x": x, "y": y, "tooltip": tips}},
            {"transform": of("vector", {"calculate": "0", "as": "x0"}, {"calculate": "0", "as": "y0"}),
             "mark": {"type": "rule", "strokeWidth": 2.5},
             "encoding": {"x": _q("x0", scale=scale, title=x_title), "y": _q("y0", scale=scale, title=y_title),
                          "x2": {"field": "x"}, "y2": {"field": "y"}, "color": color, "tooltip": tips}},
            # the head: a triangle turned from "up" to the vector's direction (angles are clockwise)
            {"transform": of("vector", {"calculate": "90 - atan2(datum.y, datum.x) * 180 / PI", "as": "turn"}),
             "mark": {"type": "point", "shape": "triangle-up", "filled": True, "size": 140, "opacity": 1},
             "encoding": {"x": x, "y": y, "angle": _q("turn", scale=None), "color": color, "tooltip": tips}},
            # the label at the tip, kept inside the panel: it ends at a tip on the right, starts at one on the left
            *({"transform": of("text", {"filter": test}),
               "mark": {"type": "text", "fontSize": 12, "fontWeight": "bold", "color": "#222", "align": align,
                        "dx": dx, "dy": -8},
               "encoding": {"x": x, "y": y, "text": {"field": "text", "type": "nominal"}}}
              for test, align, dx in ((f"datum.x > {0.3 * e!r}", "right", -2), (f"datum.x < {-0.3 * e!r}", "left", 2),
                                      (f"abs(datum.x) <= {0.3 * e!r}", "center", 0))),
        ]
        return {"layer": layers, "title": {"text": name, "fontSize": 12}, "width": size, "height": size}

    spec = {"$schema": SCHEMA, "data": {"name": DATA}, "hconcat": [panel(*p) for p in panels],
            "title": _title(title, subtitle)}
    return Chart(spec, {DATA: df})


def to_spec(chart: Chart) -> dict:
    """The chart as a Vega-Lite dict whose datasets are the DataFrames themselves."""
    return chart.to_dict()


def _export(chart: Chart, fmt: str) -> bytes:
    import vl_convert as vlc

    spec = chart.with_values()
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=2)
    return vlc.vegalite_to_svg(spec).encode()


def show(chart: Chart, data: pd.DataFrame, name: str) -> None:
    """Draw a chart full width with CSV / PNG / SVG downloads. `name` is unique on the page."""
    spec = chart.to_dict()
    for key, d in spec["datasets"].items():
        if not isinstance(d.index, pd.RangeIndex):  # a filtered frame: Arrow would ship its index as a column
            spec["datasets"][key] = d.reset_index(drop=True)
    rows = sum(len(d) for d in spec["datasets"].values())
    if rows > MAX_ROWS:
        # Builders downsample in numpy and say how; this is only the last line of defence
        # (the tests assert it never fires), so the browser never gets an unbounded payload.
        for key, d in spec["datasets"].items():
            if key != RULES and len(d) > 1:
                spec["datasets"][key] = d.iloc[:: -(-rows // MAX_ROWS)]
        st.caption(f"{THINNED}: {rows:,} rows thinned to at most {MAX_ROWS:,} for the browser.")
    # a spec with a fixed width (matrix: square cells) is drawn at that width, any other one fills the column
    st.vega_lite_chart(spec=spec, width="content" if isinstance(spec.get("width"), int) else "stretch")
    # the buttons are sent only while the popover is open (lazy: opening it reruns the page), so a slider move
    # redraws one element here instead of four (bench/analysis.md §S5)
    with st.popover("Download", icon=":material/download:", key=download_key(name), on_change="rerun") as box:
        if box.open:
            _download_buttons(chart, data, name)


def download_key(name: str) -> str:
    """The session-state key of a chart's download popover (True while open)."""
    return f"dl_{name}"


def _download_buttons(chart: Chart, data: pd.DataFrame, name: str) -> None:
    st.download_button("CSV", lambda: data.to_csv(index=False).encode(), file_name=f"{name}.csv",
                        mime="text/csv", on_click="ignore", key=f"dl_csv_{name}", icon=":material/download:")
    st.download_button("PNG", lambda: _export(chart, "png"), file_name=f"{name}.png", mime="image/png",
                        on_click="ignore", key=f"dl_png_{name}", icon=":material/download:")
    st.download_button("SVG", lambda: _export(chart, "svg"), file_name=f"{name}.svg", mime="image/svg+xml",
                        on_click="ignore", key=f"dl_svg_{name}", icon=":material/download:")
