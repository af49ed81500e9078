"""Chart builders, written in Altair, and the one way a page shows a chart.

Every chart: a title, axis titles with units, tooltips with exact values, a diverging scale
centred at 0 for signed values, width="stretch", data bounded to MAX_ROWS rows (the caller
downsamples in numpy and says so in the subtitle), and CSV / PNG / SVG downloads.

A builder returns a `Chart`: a Vega-Lite v6 spec whose data are named datasets, and those datasets
as the pandas DataFrames themselves (Streamlit sends DataFrames found in spec["datasets"] as Arrow).
The spec is authored in Altair with named data only, so Altair never sees the frames, and compiled
(to_dict, validated against the schema) once per chart structure: the compiled spec is kept, as JSON
text cut at its slots, in a bounded process-wide cache keyed by the structure (mark types, flags, number
of layers and rules).
What moves with the sliders is either in the data (the colour maximum, the rule labels and their
sides) or a slot (`_slot`, `_slots`): a placeholder Altair validates as a string and that each call
fills in (titles, axis domains, tick labels, series order). Building and validating an Altair chart
per rerun would cost more than the rest of the rerun; filling a compiled template does not.

Heatmaps and matrices send their cells as one colour-mapped PNG per panel (explorer/raster.py) plus a
bounded layer of transparent hover cells, so the browser draws a handful of marks however many cells
there are; tests/test_raster.py checks the image pixel by pixel against the legend's colour scale.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import textwrap
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Sequence

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from explorer import raster
from explorer.cache import cached

MAX_ROWS = 20_000
THINNED = "Chart data thinned"
MAX_AXIS = 140  # heatmap cells per axis: 140² = 19,600 ≤ MAX_ROWS
LINE_POINTS = 512  # points per line series (all 511 distances at L = 256): each is redrawn at every repaint
# point markers per line series at most (line(points=True)): denser series are drawn as lines alone. A marker is a mark
# of its own for the browser to draw at every repaint, and at this density they merge into the line; hover is the same
# without them (Vega's tooltip on a line is the vertex nearest the pointer).
POINT_MARKS = 32
SCHEMA = alt.SCHEMA_URL  # the Vega-Lite version Altair validates against
DATA = "data"  # the name of a builder's main dataset
RULES = "rules"  # line(): the rule lines' values and labels


@dataclass(frozen=True, eq=False)
class Chart:
    """A Vega-Lite v6 spec whose data are named datasets, and those datasets as DataFrames."""

    spec: dict[str, Any]
    datasets: dict[str, pd.DataFrame] = field(default_factory=dict)
    # each dataset's Arrow IPC bytes once show() has sent it: a kept chart (kept()) is serialised once
    ipc: dict[str, bytes] = field(default_factory=dict, repr=False)

    def to_dict(self, **_: Any) -> dict[str, Any]:
        """The spec with its DataFrames in "datasets" (what st.vega_lite_chart takes)."""
        return {**self.spec, "datasets": dict(self.datasets)}

    def with_values(self) -> dict[str, Any]:
        """The spec with every dataset inlined as JSON records (for vl_convert and schema checks)."""
        return {**self.spec, "datasets": {k: records(d) for k, d in self.datasets.items()}}


# ------------------------------------------------------------------------------------- compiled templates

_SLOT = re.compile(r'\["@@(\w+)@@"\]|"@@(\w+)@@"|@@(\w+)@@')
COMPILED_MAX = 256  # chart structures kept; a page view has a handful, the app a few dozen
_compiled: OrderedDict[Hashable, list] = OrderedDict()
_compile_lock = threading.Lock()
_compiles: dict[Hashable, int] = {}
_uses: dict[Hashable, int] = {}
# structure entries with a few values that may follow a slider (markers on short series, canvas for many marks, symlog
# ticks once there are data, a facet's grid for the number of heads): each value is a structure, compiled once too
FEW_VALUES = ("point_marks", "canvas", "aria_off", "symlog_ticks", "single_x", "columns", "panel", "many_colours",
              "series_dash")


def _slot(name: str) -> str:
    """A value filled in per call. Alone, it stands for any JSON value (a title, a number, a dict); inside a
    longer string (a Vega expression) it is replaced by the value's text."""
    return f"@@{name}@@"


def _slots(name: str) -> list[str]:
    """A list filled in per call (a scale domain, a sort order, tick values)."""
    return [_slot(name)]


def compile_counts() -> dict[Hashable, int]:
    """How often each chart structure has been compiled in this process (once, unless evicted)."""
    with _compile_lock:
        return dict(_compiles)


def use_counts() -> dict[Hashable, int]:
    """How often each chart structure has been drawn in this process."""
    with _compile_lock:
        return dict(_uses)


def _template(spec: dict) -> list:
    """The compiled spec as JSON text cut at its slots: [text, (name, inside a string?), text, …]."""
    text = json.dumps(spec, allow_nan=False)
    pieces: list = []
    at = 0
    for m in _SLOT.finditer(text):
        listed, whole, inner = m.groups()
        pieces += [text[at:m.start()], (listed or whole or inner, inner is not None)]
        at = m.end()
    return [*pieces, text[at:]]


def _compiled_spec(key: Hashable, author: Callable[[], alt.TopLevelMixin], values: dict[str, Any]) -> dict:
    """The spec `author()` compiles to, with its slots filled from `values`: compiled (validated) once per `key`.

    `key` must hold everything the authored chart depends on besides the slots. A fresh dict per call: Streamlit
    edits some spec fields in place."""
    with _compile_lock:
        pieces = _compiled.get(key)
        if pieces is None:
            with alt.theme.enable("none"):  # the spec carries only what the builder says (no default config)
                pieces = _template(author().to_dict(validate=True))
            _compiled[key] = pieces
            _compiles[key] = _compiles.get(key, 0) + 1
            if len(_compiled) > COMPILED_MAX:
                _compiled.popitem(last=False)
        else:
            _compiled.move_to_end(key)
        _uses[key] = _uses.get(key, 0) + 1
    whole = {k: json.dumps(v) for k, v in values.items()}
    inner = {k: json.dumps(str(v))[1:-1] for k, v in values.items() if isinstance(v, str)}
    return json.loads("".join(p if isinstance(p, str) else (inner if p[1] else whole)[p[0]] for p in pieces))


def _key(builder: str, **structure: Any) -> tuple:
    """A structure key: the builder and its named structure, sorted (tests compare keys by name)."""
    return (builder, tuple(sorted(structure.items())))


# ------------------------------------------------------------------------------------------------ helpers

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


def _many_marks(rows: int) -> dict:
    """Canvas rendering (and no per-mark ARIA) for a chart drawing one mark per row of `rows` rows.

    Streamlit's frontend does this on its own for specs whose row count it can read, but it gives up
    (and keeps SVG, slow to repaint with thousands of marks) on any view with a transform, so
    the builders that draw one mark per row say it explicitly.
    """
    out: dict = {}
    if rows > CANVAS_ABOVE:
        out["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    if rows > ARIA_ABOVE:
        out["config"] = alt.Config(mark=alt.MarkConfig(aria=False))
    return out


SUBTITLE_CHARS = 120  # a subtitle line longer than this is wrapped: the chart would cut it with an ellipsis


def _title(title: str, subtitle: str | Sequence[str] | None, chars: int = SUBTITLE_CHARS) -> dict:
    """The title as JSON: a slot value, since a subtitle comes and goes with the sliders (a downsampling note).
    Subtitle lines are wrapped at `chars` characters (a fixed-width chart passes fewer)."""
    if not subtitle:
        return {"text": title}
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    lines = [part for line in lines for part in (textwrap.wrap(line, chars) or [line])]
    return {"text": title, "subtitle": lines[0] if isinstance(subtitle, str) and len(lines) == 1 else lines,
            "subtitleColor": "#666"}


def _positive(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The rows whose `columns` (on log axes) are finite and > 0: a 0 (an angle at position 0) would wreck a log
    scale's domain."""
    if not columns or not len(df):
        return df
    # and finite: one infinite wavelength (a pair of frequency 0) would stretch a log axis over every decade
    keep = np.logical_and.reduce([np.isfinite(v) & (v > 0) for v in (df[c].to_numpy(dtype=float) for c in columns)])
    # a fresh RangeIndex: show() then sends this frame as it is (and keeps its Arrow bytes with the chart)
    return df if keep.all() else df[keep].reset_index(drop=True)


def _tips(df: pd.DataFrame, fields: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """(field, numeric?) per tooltip field: part of a chart's structure."""
    dtypes = dict(zip(df.columns, df.dtypes))  # one pass: df[f] would build a Series per field
    return tuple((f, bool(pd.api.types.is_numeric_dtype(dtypes[f]))) for f in fields)


TIP_FORMAT = ".6~g"  # exact enough to compare with a reference, short enough to read


def _tooltip(tips: Sequence[tuple[str, bool]]) -> list[alt.Tooltip]:
    return [alt.Tooltip(field=f, type="quantitative", format=TIP_FORMAT, title=f) if numeric
            else alt.Tooltip(field=f, type="nominal", title=f) for f, numeric in tips]


def _field(name: str) -> str:
    """A field reference inside a Vega expression."""
    return f"datum[{json.dumps(name)}]"


def _is(name: str, value: Any) -> alt.FilterTransform:
    return alt.FilterTransform(filter=alt.FieldEqualPredicate(field=name, equal=value))


def colormap(values, diverging: bool, domain: Sequence[float] | None = None, log: bool = False,
             zmax: float | None = None) -> raster.ColorMap:
    """Diverging RdBu centred at 0 (over ±zmax, ±max|value| or `domain`), or sequential viridis (log: over `domain`).
    Without `domain`, a diverging scale follows the data (raster.ColorMap.zmax)."""
    if diverging and not log:
        return raster.diverging(values, domain, zmax)
    return raster.sequential(values, domain, log=log)


def _color_scale(cmap: raster.ColorMap) -> tuple[dict, list]:
    """(structure, slot value) of a colour map: its stops are a slot unless they follow the data."""
    scale = cmap.scale()
    follows = cmap.zmax is not None
    structure = dict(scale_type=scale["type"], colours=tuple(scale["range"]),
                     domain_exprs=tuple(d["expr"] for d in scale["domain"]) if follows else None)
    return structure, [] if follows else scale["domain"]


def _alt_color_scale(scale_type: str, colours: tuple[str, ...], domain_exprs: tuple[str, ...] | None) -> alt.Scale:
    """The colour map's Vega-Lite scale (raster.ColorMap.scale), its stops a slot unless they follow the data."""
    domain = [alt.ExprRef(e) for e in domain_exprs] if domain_exprs else _slots("z_domain")
    return alt.Scale(type=scale_type, domain=domain, range=list(colours), interpolate="rgb", clamp=True)


# hover cells per axis over a raster heatmap, each with exact values: ≤ 256 per chart. A faceted heatmap draws each one
# as a mark at every repaint; an unfaceted one draws only the cell under the pointer (POINTER)
HOVER_AXIS = 16
HOVER_NOTE = "Hover: exact values, 1 cell in {k} per axis (CSV: all cells)."


def _grid_index(values: np.ndarray, step: float) -> tuple[np.ndarray, float, int]:
    """Cell index of each value on a grid starting at the smallest value with spacing `step`;
    returns (index, origin, cell count)."""
    v = np.asarray(values, dtype=float)
    origin = float(v.min()) if v.size else 0.0
    idx = np.rint((v - origin) / step).astype(np.int64) if v.size else np.zeros(0, np.int64)
    return idx, origin, int(idx.max()) + 1 if idx.size else 1


_KINDS = pd.CategoricalDtype(["image", "cell"])  # built once: a dtype of strings is checked on every build


def _raster_frame(df: pd.DataFrame, ix: np.ndarray, iy: np.ndarray, nx: int, ny: int, z: str,
                  cmap: raster.ColorMap, facet: str | None, facet_values: Sequence,
                  image_box: tuple[float, float, float, float], hover: np.ndarray,
                  cell_ends: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], fields: Sequence[str],
                  image: np.ndarray | None = None) -> pd.DataFrame:
    """One PNG per facet value (cells coloured by `cmap` at grid indices ix, iy) and the rows flagged in
    `hover` as transparent rects carrying the exact values of `fields` (the tooltip), in one data frame
    (column _kind tells them apart; built from numpy arrays, no per-row pandas work), as _raster_layers draws it."""
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
    if image is not None:  # the picture given (unfaceted), finer than the hover grid
        grid = np.asarray(image, dtype=float)[None]
    else:
        grid = np.full((len(panels), ny, nx), np.nan)
        grid[panel[drawn], iy[drawn], ix[drawn]] = zv[drawn]
    pixels = cmap.rgba(grid)
    urls = [raster.png_data_url(pixels[p]) for p in range(len(panels))]
    n_img, rows = len(urls), np.flatnonzero(hover)
    n_cell = len(rows)
    # _kind and the facet as categoricals (Arrow sends each label once); other text columns stay object:
    # pandas would otherwise infer (and copy into) Arrow strings, only for Streamlit to convert them again
    # columns as arrays, not Series: the frame then has nothing to align
    kind_codes = np.repeat([0, 1], [n_img, n_cell])
    cols: dict[str, Any] = {"_kind": pd.Categorical.from_codes(kind_codes, dtype=_KINDS)}
    for name in dict.fromkeys([*([facet] if facet else []), *fields, z]):
        column = df[name]
        if name == facet:
            codes = np.concatenate([np.arange(n_img), panel[rows]])
            cols[name] = pd.Categorical.from_codes(codes, panels)
        elif pd.api.types.is_numeric_dtype(column.dtype):
            values = column.to_numpy(dtype=float)[rows]
            cols[name] = np.concatenate([np.full(n_img, np.nan), values])
        else:
            cols[name] = pd.Series([None] * n_img + column.iloc[rows].tolist(), dtype=object)
    cols["_url"] = pd.Series(urls + [None] * n_cell, dtype=object)
    if cmap.zmax is not None:  # the colour scale's extent, read by its Vega parameter from the first row
        cols[raster.ZMAX] = np.concatenate([np.full(n_img, cmap.zmax), np.full(n_cell, np.nan)])
    for name, first, end in zip(("_x", "_x2", "_y", "_y2"), (x0, x1, y0, y1), cell_ends):
        cols[name] = np.concatenate([np.full(n_img, float(first)), np.asarray(end, dtype=float)[rows]])
    return pd.DataFrame(cols, copy=False)



# Hover over a single (unfaceted) heatmap draws one mark, not one per hover cell (each is redrawn at every repaint):
# an interval selection that starts afresh at every pointer move, so that its end is the pointer (pixels, in
# Vega-Lite's signals <name>_x, <name>_y) and its brush has no area to catch the pointer; a parameter inverts that
# into data coordinates; the hover cells are filtered to the one containing it. The tooltip then needs one more
# pointer move over that cell, so its values are also written beside the pointer.
POINTER_NAME = "hover"
POINTER = {"name": POINTER_NAME, "select": {
    "type": "interval", "encodings": ["x", "y"], "on": "[pointermove, pointerout] > pointermove",
    "clear": False, "translate": False, "zoom": False,
    "mark": {"fillOpacity": 0, "strokeOpacity": 0, "cursor": "default"}}}
# the image layer, which defines POINTER: Altair lifts the selection to the top level with the view's name, and this
# is Vega-Lite's own name for that view, so the compiled Vega is the same as with the selection in the layer
POINTER_VIEW = "layer_0"
_PX, _PY = f"{POINTER_NAME}_x", f"{POINTER_NAME}_y"
POINTER_AT = {"name": "hover_at", "expr": (
    f"isArray({_PX}) && length({_PX}) == 2 && isArray({_PY}) && length({_PY}) == 2"
    f" ? [invert('x', {_PX}[1]), invert('y', {_PY}[1])] : null")}
POINTER_FILTER = ("isArray(hover_at) && datum._x <= hover_at[0] && hover_at[0] < datum._x2"
                  " && datum._y <= hover_at[1] && hover_at[1] < datum._y2")
READOUT = "_readout"


def _pointer() -> alt.Parameter:
    select = POINTER["select"]
    return alt.selection_interval(name=POINTER_NAME, encodings=select["encodings"], on=select["on"],
                                  clear=select["clear"], translate=select["translate"], zoom=select["zoom"],
                                  mark=alt.BrushConfig(**select["mark"]))


def _params(*params: dict) -> list[alt.VariableParameter]:
    return [alt.VariableParameter(**p) for p in params]


def _raster_layers(facet: bool, x: dict, y: dict, color: alt.Color, tips: Sequence[tuple[str, bool]]) -> list:
    """The layers drawing a _raster_frame: the images on x/y channels with the properties given, the hover
    cells carrying `color` (the legend) and the tooltip; unfaceted, the cell under the pointer only, outlined, and its
    values as text beside the pointer."""
    def at(kind: str) -> alt.Chart:
        return alt.Chart().transform_filter(alt.FieldEqualPredicate(field="_kind", equal=kind))

    box = dict(x=alt.X(field="_x", **x), x2=alt.X2(field="_x2"), y=alt.Y(field="_y", **y), y2=alt.Y2(field="_y2"))
    image = at("image").mark_image(aspect=False, smooth=False, tooltip=None).encode(  # Streamlit turns tooltips on for all marks
        url=alt.Url(field="_url", type="nominal"), **box)
    tooltip = _tooltip(tips)
    cells = at("cell")
    if facet:
        return [image, cells.mark_rect(fillOpacity=0, strokeOpacity=0).encode(color=color, tooltip=tooltip, **box)]
    image = image.add_params(_pointer()).properties(name=POINTER_VIEW)
    cells = cells.transform_filter(POINTER_FILTER)
    return [image, cells.mark_rect(fillOpacity=0, stroke="#111", strokeWidth=1).encode(color=color, tooltip=tooltip,
                                                                                       **box),
            *_readout_layers(cells, tips)]


def _readout_layers(cells: alt.Chart, tips: Sequence[tuple[str, bool]]) -> list[alt.Chart]:
    """The hovered cell's tooltip as one line of text beside the pointer (on the side with room), over a halo."""
    parts = []
    for f, numeric in tips:
        value = _field(f)
        shown = f"format({value}, {json.dumps(TIP_FORMAT)})" if numeric else f"'' + {value}"
        parts.append(f"{json.dumps(f + ' = ')} + (isValid({value}) ? {shown} : '–')")
    text = dict(fontSize=11, fontWeight="bold", x=alt.ExprRef(f"{_PX}[1] + ({_PX}[1] > width / 2 ? -10 : 10)"),
                y=alt.ExprRef(f"{_PY}[1] + ({_PY}[1] > 24 ? -10 : 18)"),
                align=alt.ExprRef(f"{_PX}[1] > width / 2 ? 'right' : 'left'"), baseline="bottom")
    readout = cells.transform_calculate(**{READOUT: " + ' · ' + ".join(parts)}).encode(
        text=alt.Text(field=READOUT, type="nominal"))
    return [readout.mark_text(**text, stroke="white", strokeWidth=3, strokeOpacity=0.9),
            readout.mark_text(**text, fill="#111")]


def _hover_mask(ix: np.ndarray, iy: np.ndarray, nx: int, ny: int, per_axis: int) -> tuple[np.ndarray, int]:
    """Rows on every k-th cell of both axes, k the smallest whole stride leaving ≤ per_axis per axis."""
    k = max(1, -(-max(nx, ny) // per_axis))
    return (ix % k == 0) & (iy % k == 0), k


def _with_note(subtitle: str | Sequence[str] | None, note: str) -> str | list[str] | None:
    if not note:
        return subtitle
    lines = [] if not subtitle else [subtitle] if isinstance(subtitle, str) else list(subtitle)
    return [*lines, note]


def _box(name: str, reverse: bool = False, **axis: Any) -> dict:
    """A quantitative channel over a fixed domain (a slot), neither niced nor forced to include 0."""
    scale = alt.Scale(domain=_slots(f"{name}_domain"), nice=False, zero=False,
                      **({"reverse": True} if reverse else {}))
    return dict(type="quantitative", title=_slot(f"{name}_title"), scale=scale, **axis)


def heatmap(df: pd.DataFrame, x: str, y: str, z: str, *, title: str, x_title: str, y_title: str,
            z_title: str, subtitle: str | Sequence[str] | None = None, diverging: bool = True,
            domain: Sequence[float] | None = None, step: float = 1.0, y_step: float | None = None,
            tooltip: Sequence[str] | None = None, height: int = 420, facet: str | None = None,
            facet_sort: Sequence[str] | None = None, columns: int = 4,
            panel: int = 180, log_color: bool = False, hover_axis: int = HOVER_AXIS,
            zmax: float | None = None, square: bool = False,
            image: tuple[np.ndarray, tuple[float, float, float, float]] | None = None) -> Chart:
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
    square: (unfaceted) a height × height plot, for x and y on the same scale (positions against positions).
    image: (unfaceted) (grid, (x0, x1, y0, y1)): the picture drawn, finer than the frame (rows: y from y0 down; columns:
    x from x0), while the frame's cells give the hover values and the CSV; the axes span the image's box. A PNG of
    every cell costs the browser one mark whatever its size, where each frame row costs the server pandas work.
    """
    y_step = step if y_step is None else y_step
    zs = df[z].to_numpy(dtype=float)
    # a finer picture given: its values count for the colour scale too
    cmap = colormap(zs if image is None or facet else np.concatenate([zs, np.ravel(image[0])]), diverging, domain,
                    log=log_color, zmax=zmax)
    xs, ys = df[x].to_numpy(dtype=float), df[y].to_numpy(dtype=float)
    ix, xo, nx = _grid_index(xs, step)
    iy, yo, ny = _grid_index(ys, y_step)
    facet_values = (_py(facet_sort) if facet_sort else sorted(_py(pd.unique(df[facet])))) if facet else []
    # the hover budget is per chart, not per panel: every hover cell is a mark for the browser to redraw
    per_axis = max(2, int(hover_axis / np.sqrt(max(1, len(facet_values)))))
    hover, k = _hover_mask(ix, iy, nx, ny, per_axis)
    box = (xo, xo + nx * step, yo, yo + ny * y_step)
    if image is not None and not facet:
        box = tuple(float(b) for b in image[1])
    ends = (xs, np.minimum(xs + step * k, box[1]), ys, np.minimum(ys + y_step * k, box[3]))
    fields = list(tooltip or [y, x, z])
    frame = _raster_frame(df, ix, iy, nx, ny, z, cmap, facet, facet_values, box, hover, ends, fields,
                          image=image[0] if image is not None and not facet else None)
    tips = _tips(df, fields)
    colour, stops = _color_scale(cmap)
    square = square and not facet
    key = _key("heatmap", facet=facet, columns=columns if facet else None, panel=panel if facet else None,
               height=None if facet else height, square=square, z=z, tips=tips, **colour)

    def author() -> alt.TopLevelMixin:
        color = alt.Color(field=z, type="quantitative", title=_slot("z_title"), scale=_alt_color_scale(**colour))
        layers = _raster_layers(bool(facet), _box("x"), _box("y", reverse=True), color, tips)
        params = _params(*cmap.param(DATA), *([] if facet else [POINTER_AT]))
        if facet is None:
            # a fixed width is drawn at its own size (show(): width="content")
            return alt.LayerChart(data=alt.Data(name=DATA), layer=layers, height=height, title=_slot("title"),
                                  params=params, **({"width": height} if square else {}))
        return alt.FacetChart(data=alt.Data(name=DATA), spec=alt.LayerChart(layer=layers, width=panel, height=panel),
                              facet=alt.FacetFieldDef(field=facet, type="nominal", title=None,
                                                      sort=_slots("facet_sort")),
                              columns=columns, title=_slot("title"), params=params)

    spec = _compiled_spec(key, author, {
        "title": _title(title, _with_note(subtitle, HOVER_NOTE.format(k=k) if k > 1 else ""),
                        height // 6 if square else SUBTITLE_CHARS),
        "x_title": x_title, "y_title": y_title, "z_title": z_title, "x_domain": list(box[:2]),
        "y_domain": list(box[2:]), "z_domain": stops, "facet_sort": facet_values})
    return Chart(spec, {DATA: frame})


def line(df: pd.DataFrame, x: str, y: str, *, title: str, x_title: str, y_title: str,
         color: str | None = None, color_title: str | None = None, subtitle: str | Sequence[str] | None = None,
         log_x: bool = False, log_y: bool = False, points: bool = False, dash: str | None = None,
         rules_x: Sequence[tuple[float, str]] = (), rules_y: Sequence[tuple[float, str]] = (),
         tooltip: Sequence[str] | None = None, height: int = 360, zero: bool = False,
         interpolate: str = "linear", color_sort: Sequence[str] | None = None,
         x_scale: str | None = None, color_domain: Sequence[str] | None = None,
         highlight: str | None = None) -> Chart:
    """Line chart of y against x (one line per `color` value), with optional labelled rule lines.

    points: a marker on every point, while no series has more than POINT_MARKS points.
    log_x, log_y: log axes; rows at values ≤ 0 there are left out of the chart (the CSV keeps them).

    x_scale: a Vega-Lite scale type for x overriding log_x, e.g. "symlog" (log-like, but shows 0;
    ticks at 0 and the powers of ten, as Vega's own symlog ticks are sparse).
    color_domain: every colour value in a fixed order, so a series keeps its colour when another
    one has no rows (e.g. a dtype that overflows).
    highlight: the `color` value of the series to read first (the current setting among comparisons): drawn again
    on top of the others, thicker.
    More than MANY_COLOURS series (and no `dash`): series i gets SERIES_COLOURS[i % 10] and SERIES_DASHES[i // 10],
    in color_sort / color_domain / first-appearance order, so that no two look alike (neighbours differ in colour),
    one legend showing both; with a highlight, the others are drawn lighter and its legend label is bold.
    Rules: one layer each (a dashed rule and its label), all reading one small dataset (RULES:
    columns rule, v, label); a rule at a non-finite value is left out (it would stretch the axis to
    infinity).
    """
    structure, values, datasets = _line_parts(df, x, y, title=title, x_title=x_title, y_title=y_title, color=color,
                                              color_title=color_title, subtitle=subtitle, log_x=log_x, log_y=log_y,
                                              points=points, dash=dash, rules_x=rules_x, rules_y=rules_y,
                                              tooltip=tooltip, height=height, zero=zero, interpolate=interpolate,
                                              color_sort=color_sort, x_scale=x_scale, color_domain=color_domain,
                                              highlight=highlight)
    return Chart(_compiled_spec(_key("line", **structure), lambda: _line_chart(**structure), values), datasets)


def _line_parts(df: pd.DataFrame, x: str, y: str, *, title: str, x_title: str, y_title: str, color: str | None,
                color_title: str | None, subtitle, log_x: bool, log_y: bool, points: bool, dash: str | None,
                rules_x, rules_y, tooltip, height: int, zero: bool, interpolate: str, color_sort, x_scale: str | None,
                color_domain, highlight: str | None) -> tuple[dict, dict, dict[str, pd.DataFrame]]:
    """line()'s (structure, slot values, datasets)."""
    df = _positive(df, [c for c, log in ((x, log_x or x_scale == "log"), (y, log_y)) if log])
    ticks: list[float] = []
    if x_scale == "symlog" and len(df):
        top = float(np.nanmax(np.abs(df[x].to_numpy(dtype=float))))
        ticks = [0.0] + [10.0**k for k in range(0, int(np.floor(np.log10(max(top, 1.0)))) + 1)]
    # one x value (d = 2: pair 0 only): Vega spreads ticks over a zero-width domain and prints "0.000000"
    single_x = not ticks and len(df) > 0 and df[x].nunique() == 1
    if single_x:
        ticks = [float(df[x].iloc[0])]
    if points and len(df):
        series = [c for c in (color, dash) if c]
        longest = longest_series(df, series)
        points = longest <= POINT_MARKS
    series = _py(color_sort or color_domain or (pd.unique(df[color]) if color else []))
    many = bool(color) and len(series) > MANY_COLOURS
    datasets = {DATA: df}
    rules = [(axis, float(v), str(label)) for axis, rs in (("x", rules_x), ("y", rules_y)) for v, label in rs]
    rules = [r for r in rules if np.isfinite(r[1])]
    if rules:
        right = _label_sides(df[x] if len(df) else pd.Series(dtype=float), rules, x_scale or ("log" if log_x else None),
                             zero) | _level_label_right(df, x, y, rules, x_scale or ("log" if log_x else None), log_y)
        # a shallow copy: writing to one chart's rules (copy-on-write) never reaches the kept frame
        datasets[RULES] = _rules_frame(tuple(rules), tuple(bool(r) for r in right)).copy(deep=False)
    structure = dict(x=x, y=y, color=color, dash=dash, log_x=log_x, log_y=log_y, x_scale=x_scale,
                     symlog_ticks=bool(ticks) and not single_x, single_x=single_x, zero=zero, interpolate=interpolate,
                     point_marks=bool(points),
                     color_sort=bool(color_sort), color_domain=bool(color_domain), height=height,
                     many_colours=many, series_dash=many and not dash,
                     highlight=bool(color and highlight is not None),
                     tips=_tips(df, tooltip or [c for c in (color, x, y) if c]), rules=tuple(r[0] for r in rules))
    values = {"title": _title(title, subtitle), "x_title": x_title, "y_title": y_title,
              "color_title": color_title or color, "color_sort": _py(color_sort) if color_sort else [],
              "color_domain": _py(color_domain) if color_domain else [], "x_ticks": ticks, "highlight": highlight,
              "series": series if many else [], "series_colours": _series_styles(len(series))[0] if many else [],
              "series_dashes": _series_styles(len(series))[1] if many else []}
    return structure, values, datasets


@functools.lru_cache(maxsize=256)
def _rules_frame(rules: tuple[tuple[str, float, str], ...], right: tuple[bool, ...]) -> pd.DataFrame:
    """line()'s RULES dataset, built once per set of rules and label sides (rules seldom move with a slider); line()
    hands out shallow copies."""
    right = np.array(right, dtype=bool)
    return pd.DataFrame({"rule": np.arange(len(rules)), "v": np.array([r[1] for r in rules]),
                         "label": np.array([r[2] for r in rules], dtype=object),
                         "align": np.where(right, "right", "left").astype(object),
                         "dx": np.where(right, -4, 4)}, copy=False)


def _line_layers(x: str, y: str, color: str | None, dash: str | None, log_x: bool, log_y: bool, x_scale: str | None,
                 symlog_ticks: bool, single_x: bool, zero: bool, interpolate: str, point_marks: bool, color_sort: bool,
                 color_domain: bool, many_colours: bool, series_dash: bool, highlight: bool, tips: tuple,
                 rules: tuple[str, ...], height: int) -> alt.LayerChart:
    """line()'s layers, without its title and height."""
    # an x axis ends at the data, not at the next round number (a log axis: the next power of ten, which can be most
    # of the axis; a linear one: pairs 0 … 63 drawn to 65)
    x_scale = (alt.Scale(type=x_scale) if x_scale else alt.Scale(type="log", nice=False) if log_x
               else alt.Scale(zero=zero, nice=False))
    x_axis = (alt.Axis(values=_slots("x_ticks"), labelExpr="format(datum.value, '~s')") if symlog_ticks
              else alt.Axis(values=_slots("x_ticks"), format="~g") if single_x else alt.Axis())
    enc: dict = dict(x=alt.X(field=x, type="quantitative", title=_slot("x_title"), scale=x_scale, axis=x_axis),
                     y=alt.Y(field=y, type="quantitative", title=_slot("y_title"),
                             scale=alt.Scale(type="log") if log_y else alt.Scale(zero=zero)),
                     tooltip=_tooltip(tips))
    legend = alt.Legend(labelLimit=0)  # series names in full, never cut
    if series_dash:  # symbols long enough to show their dash; the highlighted series' name in bold
        legend = alt.Legend(labelLimit=0, symbolSize=250, symbolStrokeWidth=2.5, **(dict(
            labelFontWeight=alt.ExprRef("datum.label === '@@highlight@@' ? 'bold' : 'normal'")) if highlight else {}))
    if color:
        enc["color"] = alt.Color(field=color, type="nominal", title=_slot("color_title"),
                                 sort=_slots("color_sort") if color_sort else None, legend=legend,
                                 **_colour_scale(color_domain, many_colours, series_dash))
    if dash:
        enc["strokeDash"] = alt.StrokeDash(field=dash, type="nominal", title=dash)
    elif series_dash:  # the same field, title and legend as the colour: Vega-Lite merges them into one legend
        enc["strokeDash"] = alt.StrokeDash(field=color, type="nominal", title=_slot("color_title"), legend=legend,
                                           scale=alt.Scale(domain=_slots("series"), range=_slots("series_dashes")))
    faded = {"strokeOpacity": FADED} if highlight and series_dash else {}
    main = alt.Chart().mark_line(interpolate=interpolate, point=point_marks, **faded).encode(**enc)
    lines = [main]
    if highlight:  # drawn last, so no other series hides it
        if series_dash:  # among many, a dark casing under it: a pale colour (pink, yellow) stands out too
            lines.append(alt.Chart().transform_filter(alt.FieldEqualPredicate(field=color, equal=_slot("highlight")))
                         .mark_line(interpolate=interpolate, color="#222", strokeWidth=HIGHLIGHT_WIDTH + 2.5)
                         .encode(**{k: v for k, v in enc.items() if k not in ("color", "strokeDash")}))
        lines.append(alt.Chart().transform_filter(alt.FieldEqualPredicate(field=color, equal=_slot("highlight")))
                     .mark_line(interpolate=interpolate, point=point_marks, strokeWidth=HIGHLIGHT_WIDTH).encode(**enc))
    if not rules:
        return alt.LayerChart(data=alt.Data(name=DATA), layer=lines)
    # the line layers' data object is their own: Altair would lift data shared by every layer to the top
    return alt.LayerChart(layer=[*(line.properties(data=alt.Data(name=DATA)) for line in lines),
                                 *(_rule(axis, i) for i, axis in enumerate(rules))])


MANY_COLOURS = 10  # series beyond the theme's palette, which would repeat its colours
HIGHLIGHT_WIDTH = 3.5
FADED = 0.45  # the other series' opacity beside a highlighted one, among many
# many series: ten well-separated colours (Tableau 10's), then the same ten dashed, then dotted (a 20-colour scheme
# pairs each colour with a paler copy of itself, which reads as the same line)
SERIES_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",  # the most distinct first: few series
                  "#9c755f", "#76b7b2", "#edc948", "#ff9da7", "#79706e")
SERIES_DASHES = ((1, 0), (7, 3), (2, 2), (7, 2, 2, 2))


def _series_styles(n: int) -> tuple[list[str], list[list[int]]]:
    """(colour, dash) of each of n series: colour i % 10, dash i // 10, so that no two series share both."""
    k = len(SERIES_COLOURS)
    return ([SERIES_COLOURS[i % k] for i in range(n)],
            [list(SERIES_DASHES[min(i // k, len(SERIES_DASHES) - 1)]) for i in range(n)])


def _colour_scale(domain: bool, many: bool, series_dash: bool = False) -> dict:
    """A series colour scale's properties: a fixed domain (a slot) and, for many series, explicit colours
    (series_dash: one per series, paired with a dash; else SERIES_COLOURS, or a 20-colour scheme with a dash given)."""
    if series_dash:
        return {"scale": alt.Scale(domain=_slots("series"), range=_slots("series_colours"))}
    # few series: the same ten colours (the theme's palette pairs each hue with a paler copy: blue, light blue, …)
    props = {**({"domain": _slots("color_domain")} if domain else {}),
             **({"scheme": "tableau20"} if many else {"range": list(SERIES_COLOURS)})}
    return {"scale": alt.Scale(**props)}


def _line_chart(height: int, **structure: Any) -> alt.LayerChart:
    return _line_layers(height=height, **structure).properties(height=height, title=_slot("title"))


LABEL_STEP = 14  # px between the labels of successive vertical rules


LABEL_LEFT_FROM = 0.6  # a vertical rule further right than this share of the x axis has its label on its left
LABEL_NEAR = 0.25  # vertical rules closer than this share of the x axis are neighbours (labels point apart)
LABEL_EDGE = 0.15  # within this share of an axis end, a label points inwards whatever its neighbours


def longest_series(df: pd.DataFrame, columns: Sequence[str]) -> int:
    """Rows in the largest group of equal values of `columns` (rows with a missing value in none), as
    df.groupby(columns, observed=True).size().max(), by counting factorized codes: a groupby costs far more."""
    if not columns:
        return len(df)
    codes = np.zeros(len(df), dtype=np.int64)
    kept = np.ones(len(df), dtype=bool)
    for name in columns:
        k, uniques = pd.factorize(df[name])
        kept &= k >= 0
        codes = codes * len(uniques) + k
    return int(np.unique(codes[kept], return_counts=True)[1].max()) if kept.any() else 0


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
    if not vx.size:  # only horizontal rules: their labels' sides are _level_label_right's
        return np.zeros(len(rules), dtype=bool)
    at = pos(np.concatenate([xs.to_numpy(dtype=float), vx, [0.0] if zero and scale is None else []]))
    at = at[np.isfinite(at)]
    lo, hi = (float(at.min()), float(at.max())) if len(at) else (0.0, 1.0)
    share = np.nan_to_num((pos(np.array([v for _, v, _ in rules], dtype=float)) - lo) / (hi - lo if hi > lo else 1.0))
    vertical = np.array([axis == "x" for axis, _, _ in rules], dtype=bool)
    left = vertical & (share > LABEL_LEFT_FROM)
    # two vertical rules close together: their labels point away from each other, so that neither crosses the other
    # rule (where they would overprint), unless that runs a label off the plot's edge
    order = sorted(np.flatnonzero(vertical), key=lambda i: share[i])
    for a, b in zip(order, order[1:]):
        if share[b] - share[a] < LABEL_NEAR:
            left[a] = left[a] or share[a] > LABEL_EDGE
            left[b] = left[b] and share[b] > 1 - LABEL_EDGE
    return left


LEVEL_LABEL_SHARE = 0.35  # the share of the x axis a horizontal rule's label is taken to cover
LEVEL_LABEL_HEIGHT = 0.08  # and of the y axis, above its rule


def _level_label_right(df: pd.DataFrame, x: str, y: str, rules: Sequence[tuple[str, float, str]],
                       x_scale: str | None, log_y: bool) -> np.ndarray:
    """For each rule, True when it is horizontal and its label (just above it) goes at the plot's right end: the end
    where fewer data points fall in the box the label covers (Precision: π at the left end crossed the lines)."""
    out = np.zeros(len(rules), dtype=bool)
    if not len(df) or not any(axis == "y" for axis, _, _ in rules):
        return out

    def share(v: np.ndarray, scale: str | None) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        if scale == "log":
            v = np.log10(np.where(v > 0, v, np.nan))
        elif scale == "symlog":
            v = np.sign(v) * np.log1p(np.abs(v))
        lo, hi = np.nanmin(v), np.nanmax(v)
        return (v - lo) / (hi - lo if hi > lo else 1.0)

    levels = np.array([v for axis, v, _ in rules if axis == "y"], dtype=float)
    ys = share(np.concatenate([df[y].to_numpy(dtype=float), levels]), "log" if log_y else None)
    xs, ys, at = share(df[x].to_numpy(dtype=float), x_scale), ys[:len(df)], ys[len(df):]
    for i, k in enumerate(np.flatnonzero([axis == "y" for axis, _, _ in rules])):
        band = (ys >= at[i] - 0.01) & (ys <= at[i] + LEVEL_LABEL_HEIGHT)
        left = int(np.sum(band & (xs <= LEVEL_LABEL_SHARE)))
        right = int(np.sum(band & (xs >= 1 - LEVEL_LABEL_SHARE)))
        out[k] = right < left
    return out


def _rule(axis: str, index: int) -> alt.LayerChart:
    """The layer of rule `index` of the RULES dataset (columns rule, v, label, align, dx): a labelled dashed line
    at v on `axis` ("x": vertical, "y": horizontal)."""
    channel = alt.X if axis == "x" else alt.Y
    rule = alt.Chart().mark_rule(color="#444", strokeDash=[4, 4]).encode(
        channel(field="v", type="quantitative"),
        tooltip=[alt.Tooltip(field="label", type="nominal", title="rule"),
                 alt.Tooltip(field="v", type="quantitative", title="value", format=".6~g")])
    # a vertical rule's label sits above the plot, where no data are; x rules come first (index 0, 1, …): each
    # label one line higher, so labels of nearby rules do not overprint. A horizontal rule's label sits just above
    # it at the plot's left or right end (_level_label_right).
    other = {"y": alt.value(-LABEL_STEP * index)} if axis == "x" else {}
    at = {} if axis == "x" else {"x": alt.ExprRef("datum.align === 'right' ? width : 0")}
    # the label's side of the rule comes with the data (columns align, dx: _label_sides), so a rule moving
    # across the plot changes data, not the spec; a white halo keeps it legible over a line
    texts = [alt.Chart().mark_text(align=alt.ExprRef("datum.align"), dx=alt.ExprRef("datum.dx"),
                                   dy=-6 if axis == "x" else -4, **at, **style).encode(
        channel(field="v", type="quantitative"), text=alt.Text(field="label", type="nominal"), **other)
        for style in ({"stroke": "white", "strokeWidth": 3, "strokeOpacity": 0.85}, {"color": "#444"})]
    return alt.LayerChart(data=alt.Data(name=RULES), layer=[rule, *texts]).transform_filter(
        alt.FieldEqualPredicate(field="rule", equal=index))


# Drawn on a canvas instead of SVG: one DOM node per chart instead of one per filled point (line_marked draws a
# few hundred); line charts and heatmaps stay SVG, which keeps their marks inspectable (the hover test).
CANVAS = {"embedOptions": {"renderer": "canvas"}}


def line_marked(df: pd.DataFrame, x: str, y: str, mark: str, *, mark_title: str, title: str,
                subtitle: str | Sequence[str] | None = None, **line_kwargs) -> Chart:
    """line() plus filled points on the rows where the boolean column `mark` is true (e.g. "out of
    distribution"); the title sits on the top-level layer. Other arguments as for line()."""
    if not df[mark].astype(bool).any():
        return line(df, x, y, title=title, subtitle=subtitle, **line_kwargs)
    args = _LINE_SIGNATURE.bind(df, x, y, title=title, subtitle=subtitle, **line_kwargs)
    args.apply_defaults()  # line()'s own defaults
    structure, values, datasets = _line_parts(**args.arguments)
    color, tooltip = line_kwargs.get("color"), line_kwargs.get("tooltip")
    marks = dict(mark=mark, mark_tips=_tips(df, tooltip or [c for c in (color, x, y, mark) if c]))
    values |= {"mark_title": mark_title, "mark_label": "'" + mark_title.replace("\\", "\\\\").replace("'", "\\'") + "'"}

    def author() -> alt.LayerChart:
        s = structure
        enc: dict = dict(
            x=alt.X(field=x, type="quantitative",
                    scale=alt.Scale(type="log", nice=False) if s["log_x"] else alt.Scale(nice=False)),  # as the lines
            y=alt.Y(field=y, type="quantitative", scale=alt.Scale(type="log") if s["log_y"] else alt.Scale()),
            shape=alt.Shape(field=mark, type="nominal", title=_slot("mark_title"),
                            legend=alt.Legend(labelExpr=_slot("mark_label"))),
            tooltip=_tooltip(marks["mark_tips"]))
        if s["color"]:
            enc["color"] = alt.Color(field=s["color"], type="nominal", sort=_slots("color_sort") if s["color_sort"] else None)
        pts = alt.Chart(alt.Data(name=DATA)).transform_filter(_field(mark)).mark_point(
            filled=True, size=45, opacity=0.9).encode(**enc)
        return alt.LayerChart(layer=[_line_layers(**s), pts], height=s["height"], title=_slot("title"), usermeta=CANVAS)

    return Chart(_compiled_spec(_key("line_marked", **structure, **marks), author, values), datasets)


_LINE_SIGNATURE = inspect.signature(line)  # line_marked's arguments with line()'s defaults, read once


def points(df: pd.DataFrame, x: str, y: str, *, title: str, x_title: str, y_title: str,
           color: str | None = None, subtitle: str | Sequence[str] | None = None,
           log_x: bool = False, log_y: bool = False, tooltip: Sequence[str] | None = None,
           height: int = 360) -> Chart:
    """Scatter of y against x (one colour per `color` value); on a log axis, rows at values ≤ 0 are left out."""
    df = _positive(df, [c for c, log in ((x, log_x), (y, log_y)) if log])
    tips = _tips(df, tooltip or [c for c in (color, x, y) if c])
    rows = len(df)
    key = _key("points", x=x, y=y, color=color, log_x=log_x, log_y=log_y, tips=tips, height=height,
               canvas=rows > CANVAS_ABOVE, aria_off=rows > ARIA_ABOVE)

    def author() -> alt.Chart:
        enc: dict = dict(
            x=alt.X(field=x, type="quantitative", title=_slot("x_title"),
                    scale=alt.Scale(type="log") if log_x else alt.Scale()),
            y=alt.Y(field=y, type="quantitative", title=_slot("y_title"),
                    scale=alt.Scale(type="log") if log_y else alt.Scale()),
            tooltip=_tooltip(tips))
        if color:
            enc["color"] = alt.Color(field=color, type="nominal", title=color)
        return alt.Chart(alt.Data(name=DATA)).mark_circle(size=40).encode(**enc).properties(
            height=height, title=_slot("title"), **_many_marks(rows))

    spec = _compiled_spec(key, author, {"title": _title(title, subtitle), "x_title": x_title, "y_title": y_title})
    return Chart(spec, {DATA: df})


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

    def ticks(idx: np.ndarray) -> tuple[list[float], str]:
        """Tick positions (cell centres) and the label expression naming their indices."""
        every = max(1, -(-len(idx) // max_labels))
        at = np.arange(0, len(idx), every)
        labels = " : ".join(f"datum.value == {float(p) + 0.5!r} ? {json.dumps(str(v))}" for p, v in zip(at, _py(idx[at])))
        return [float(p) + 0.5 for p in at], f"{labels} : ''" if labels else "''"

    nonzero = df[z].to_numpy(dtype=float) != 0
    if nonzero.sum() <= max_hover:
        hover, note = nonzero, "Pale cells off the bands are exactly 0; hover a coloured cell for its exact value."
        k = 1
    else:
        hover, k = _hover_mask(ix, iy, nx, ny, HOVER_AXIS)
        note = HOVER_NOTE.format(k=k) if k > 1 else ""
    cmap = colormap(df[z], diverging, domain)
    ends = (ix, np.minimum(ix + k, nx), iy, np.minimum(iy + k, ny))
    fields = list(tooltip or [row, col, z])
    frame = _raster_frame(df, ix, iy, nx, ny, z, cmap, None, [], (0.0, float(nx), 0.0, float(ny)), hover, ends, fields)
    tips = _tips(df, fields)
    colour, stops = _color_scale(cmap)

    def author() -> alt.LayerChart:
        def axis(name: str) -> alt.Axis:
            return alt.Axis(title=_slot(f"{name}_title"), values=_slots(f"{name}_ticks"), labelAngle=0,
                            labelExpr=_slot(f"{name}_labels"), grid=False)

        color = alt.Color(field=z, type="quantitative", title=_slot("z_title"), scale=_alt_color_scale(**colour))
        layers = _raster_layers(False, dict(type="quantitative", axis=axis("x"), scale=alt.Scale(
            domain=_slots("x_domain"), nice=False, zero=False)), dict(type="quantitative", axis=axis("y"), scale=alt.Scale(
                domain=_slots("y_domain"), nice=False, zero=False, reverse=True)), color, tips)
        # a fixed width, drawn at its own size (show(): width="content"), keeps the cells square
        return alt.LayerChart(data=alt.Data(name=DATA), layer=layers, width=size, height=size, title=_slot("title"),
                              params=_params(*cmap.param(DATA), POINTER_AT))

    (x_ticks, x_labels), (y_ticks, y_labels) = ticks(cols), ticks(rows)
    spec = _compiled_spec(_key("matrix", size=size, z=z, tips=tips, **colour), author, {
        "title": _title(title, _with_note(subtitle, note)), "x_title": col_title, "y_title": row_title,
        "z_title": z_title, "x_ticks": x_ticks, "x_labels": x_labels, "y_ticks": y_ticks, "y_labels": y_labels,
        "x_domain": [0, nx], "y_domain": [0, ny], "z_domain": stops})
    return Chart(spec, {DATA: frame})


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
    tips = _tips(df, tooltip or ["x", "y"])
    vector_series = [str(s) for s in pd.unique(df.loc[df["kind"] == "vector", "series"]) if s]
    values: dict[str, Any] = {"title": _title(title, subtitle), "color_title": color_title or None,
                              "series": vector_series, "palette": _PALETTE[:max(1, len(vector_series))]}
    for i, (name, x_title, y_title, extent) in enumerate(panels):
        e = float(extent)
        values |= {f"panel{i}": str(name), f"x{i}_title": x_title, f"y{i}_title": y_title, f"extent{i}": [-e, e],
                   f"right{i}": repr(0.3 * e), f"left{i}": repr(-0.3 * e)}

    def author() -> alt.HConcatChart:
        color = alt.Color(field="series", type="nominal", title=_slot("color_title"), sort=_slots("series"),
                          legend=alt.Legend(orient="top"), scale=alt.Scale(domain=_slots("series"),
                                                                           range=_slots("palette")))
        tooltip = _tooltip(tips)

        def panel(i: int) -> alt.LayerChart:
            scale = alt.Scale(domain=_slots(f"extent{i}"), nice=False, zero=False)

            def xy(x: str = "x", y: str = "y") -> dict:
                return dict(x=alt.X(field=x, type="quantitative", scale=scale, title=_slot(f"x{i}_title")),
                            y=alt.Y(field=y, type="quantitative", scale=scale, title=_slot(f"y{i}_title")))

            def of(kind: str) -> alt.Chart:
                return (alt.Chart().transform_filter(alt.FieldEqualPredicate(field="panel", equal=_slot(f"panel{i}")))
                        .transform_filter(alt.FieldEqualPredicate(field="kind", equal=kind)))

            order = alt.Order(field="order", type="quantitative")
            right, left = _slot(f"right{i}"), _slot(f"left{i}")
            layers = [
                of("ring").mark_line(color="#9a9a9a", strokeDash=[4, 4]).encode(**xy(), order=order),
                of("path").mark_line(color="#f39c12", strokeWidth=3).encode(**xy(), order=order),
                of("dot").mark_circle(size=38, color="#555", opacity=0.8).encode(**xy(), tooltip=tooltip),
                of("vector").transform_calculate(x0="0").transform_calculate(y0="0").mark_rule(strokeWidth=2.5).encode(
                    **xy("x0", "y0"), x2=alt.X2(field="x"), y2=alt.Y2(field="y"), color=color, tooltip=tooltip),
                # the head: a triangle turned from "up" to the vector's direction (angles are clockwise)
                of("vector").transform_calculate(turn="90 - atan2(datum.y, datum.x) * 180 / PI").mark_point(
                    shape="triangle-up", filled=True, size=140, opacity=1).encode(
                    **xy(), angle=alt.Angle(field="turn", type="quantitative", scale=None), color=color,
                    tooltip=tooltip),
                # the label at the tip, kept inside the panel: it ends at a tip on the right, starts at one on the left
                *(of("text").transform_filter(test).mark_text(fontSize=12, fontWeight="bold", color="#222",
                                                              align=align, dx=dx, dy=-8).encode(
                    **xy(), text=alt.Text(field="text", type="nominal"))
                  for test, align, dx in ((f"datum.x > {right}", "right", -2), (f"datum.x < {left}", "left", 2),
                                          (f"abs(datum.x) <= {right}", "center", 0))),
            ]
            return alt.LayerChart(layer=layers, title=alt.TitleParams(text=_slot(f"panel{i}"), fontSize=12),
                                  width=size, height=size)

        return alt.HConcatChart(data=alt.Data(name=DATA), hconcat=[panel(i) for i in range(len(panels))],
                                title=_slot("title"))

    return Chart(_compiled_spec(_key("plane", panels=len(panels), size=size, tips=tips), author, values), {DATA: df})


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
    rows = sum(len(d) for d in spec["datasets"].values())
    if rows > MAX_ROWS:
        # Builders downsample in numpy and say how; this is only the last line of defence
        # (the tests assert it never fires), so the browser never gets an unbounded payload.
        for key, d in spec["datasets"].items():
            if key != RULES and len(d) > 1:
                spec["datasets"][key] = d.iloc[:: -(-rows // MAX_ROWS)]
        st.caption(f"{THINNED}: {rows:,} rows thinned to at most {MAX_ROWS:,} for the browser.")
    for key, d in spec["datasets"].items():
        if d is chart.datasets.get(key):  # the chart's own frame, whole: its bytes are kept with the chart
            if key not in chart.ipc:
                chart.ipc[key] = arrow_ipc(d)
            spec["datasets"][key] = chart.ipc[key]
        else:
            spec["datasets"][key] = arrow_ipc(d)
    # a spec with a fixed width (matrix: square cells) is drawn at that width, any other one fills the column
    st.vega_lite_chart(spec=spec, width="content" if isinstance(spec.get("width"), int) else "stretch")
    # the buttons are sent only while the popover is open (lazy: opening it reruns the page), so a slider move
    # redraws one element here instead of four
    with st.popover("Download", icon=":material/download:", key=download_key(name), on_change="rerun") as box:
        if box.open:
            _download_buttons(chart, data, name)


@cached
def kept(key: tuple, _build: Callable[[], Any]) -> Any:
    """What `_build()` returns (a chart, or a tuple holding one), built once per `key` and then shared: a rerun that
    changes nothing the chart shows (another control, the Download popover) reuses the chart, its data and, through
    show(), their Arrow bytes. `key` must name everything `_build` reads (the page, the view, the RopeConfig, every
    value); `_build` itself is not hashed."""
    return _build()


def arrow_ipc(frame: pd.DataFrame) -> bytes:
    """A dataset as the Arrow IPC bytes st.vega_lite_chart passes on as they are: built column by column, the
    same columns and types as Streamlit's pandas conversion, without its pandas metadata and per-column
    inference (the index is a RangeIndex, which no chart reads)."""
    import pyarrow as pa

    try:
        table = pa.Table.from_arrays([_arrow_column(frame[c]) for c in frame.columns],
                                     names=[str(c) for c in frame.columns])
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        table = None  # e.g. an object column of mixed types: Streamlit's own conversion fixes those
    from streamlit import dataframe_util

    return (dataframe_util.convert_anything_to_arrow_bytes(frame) if table is None
            else dataframe_util.convert_arrow_table_to_arrow_bytes(table))


def _arrow_column(col: pd.Series):
    """One column for arrow_ipc: a numeric one from its numpy array (NaN as null, as pandas' conversion does), any
    other through pyarrow's pandas conversion."""
    import pyarrow as pa

    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":
        return pa.array(col.to_numpy(), from_pandas=True)
    return pa.array(col)


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
