"""Chart builders (Altair / Vega-Lite) and the one way a page shows a chart.

Every chart: a title, axis titles with units, tooltips with exact values, a diverging scale
centred at 0 for signed values, width="stretch", data bounded to MAX_ROWS rows (the caller
downsamples in numpy and says so in the subtitle), and CSV / PNG / SVG downloads.
"""

from __future__ import annotations

from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

MAX_ROWS = 20_000
MAX_AXIS = 140  # heatmap cells per axis: 140² = 19,600 ≤ MAX_ROWS
DIVERGING = "redblue"
SEQUENTIAL = "viridis"


def sample_axis(n: int, max_points: int = MAX_AXIS) -> tuple[np.ndarray, int]:
    """Indices 0..n-1 at a whole stride so that at most max_points remain; returns (idx, stride)."""
    stride = max(1, -(-n // max_points))
    return np.arange(0, n, stride), stride


def downsample_note(stride: int, n: int, what: str = "positions") -> str:
    if stride <= 1:
        return ""
    shown = -(-n // stride)
    return f"Downsampled: {shown:,} of {n:,} {what} shown (every {stride}), exact values, not averages."


def _title(title: str, subtitle: str | Sequence[str] | None):
    if not subtitle:
        return alt.Title(title)
    return alt.Title(title, subtitle=list(subtitle) if not isinstance(subtitle, str) else subtitle,
                     subtitleColor="#666")


def _tooltip(df: pd.DataFrame, fields: Sequence[str], titles: dict[str, str] | None = None):
    titles = titles or {}
    out = []
    for f in fields:
        if pd.api.types.is_numeric_dtype(df[f]):
            out.append(alt.Tooltip(f, type="quantitative", format=".6~g", title=titles.get(f, f)))
        else:
            out.append(alt.Tooltip(f, type="nominal", title=titles.get(f, f)))
    return out


def color_scale(values: np.ndarray | pd.Series, diverging: bool, domain: Sequence[float] | None = None):
    if domain is not None:
        if diverging:
            return alt.Scale(scheme=DIVERGING, domain=list(domain), domainMid=0, reverse=True)
        return alt.Scale(scheme=SEQUENTIAL, domain=list(domain))
    if diverging:
        v = np.asarray(values, dtype=float)
        m = float(np.nanmax(np.abs(v))) if v.size else 1.0
        m = m if m > 0 else 1.0
        return alt.Scale(scheme=DIVERGING, domain=[-m, m], domainMid=0, reverse=True)
    return alt.Scale(scheme=SEQUENTIAL)


def heatmap(df: pd.DataFrame, x: str, y: str, z: str, *, title: str, x_title: str, y_title: str,
            z_title: str, subtitle: str | Sequence[str] | None = None, diverging: bool = True,
            domain: Sequence[float] | None = None, step: float = 1.0, y_step: float | None = None,
            tooltip: Sequence[str] | None = None, height: int = 420, facet: str | None = None,
            facet_sort: Sequence[str] | None = None, columns: int = 4,
            panel: int = 180, log_color: bool = False) -> alt.Chart | alt.FacetChart:
    """A heatmap of z over quantitative x and y cells [x, x+step) × [y, y+y_step), y growing downwards.

    Cells are drawn as binned rectangles so axes keep real tick values (positions, pair indices).
    With `facet`, small multiples: one panel×panel heatmap per value of that column (in
    `facet_sort` order), `columns` per row, sharing axes and one colour scale.
    log_color: sequential log colour scale over `domain` (required), clamped, for non-negative values
    spanning decades (e.g. attention weights); cells ≤ 0 (e.g. masked) are left blank.
    """
    y_step = step if y_step is None else y_step
    data = df.assign(_x2=df[x] + step, _y2=df[y] + y_step)
    scale = color_scale(df[z], diverging, domain)
    if log_color:
        scale = alt.Scale(type="log", scheme=SEQUENTIAL, domain=list(domain), clamp=True)
    chart = (
        alt.Chart(data, title=_title(title, subtitle), height=height)
        if facet is None else alt.Chart(data, width=panel, height=panel)
    )
    chart = (
        chart
        .mark_rect()
        .encode(
            x=alt.X(f"{x}:Q", bin="binned", title=x_title),
            x2="_x2:Q",
            y=alt.Y(f"{y}:Q", bin="binned", title=y_title, scale=alt.Scale(reverse=True)),
            y2="_y2:Q",
            color=alt.Color(f"{z}:Q", title=z_title, scale=scale),
            tooltip=_tooltip(df, tooltip or [y, x, z]),
        )
    )
    if log_color:
        chart = chart.transform_filter(f"datum['{z}'] > 0")
    if facet is None:
        return chart
    return chart.facet(facet=alt.Facet(f"{facet}:N", title=None, sort=list(facet_sort) if facet_sort else "ascending"),
                       columns=columns, title=_title(title, subtitle))


def line(df: pd.DataFrame, x: str, y: str, *, title: str, x_title: str, y_title: str,
         color: str | None = None, color_title: str | None = None, subtitle: str | Sequence[str] | None = None,
         log_x: bool = False, log_y: bool = False, points: bool = False, dash: str | None = None,
         rules_x: Sequence[tuple[float, str]] = (), rules_y: Sequence[tuple[float, str]] = (),
         tooltip: Sequence[str] | None = None, height: int = 360, zero: bool = False,
         interpolate: str = "linear", color_sort: Sequence[str] | None = None,
         x_scale: str | None = None, color_domain: Sequence[str] | None = None) -> alt.LayerChart | alt.Chart:
    """Line chart of y against x (one line per `color` value), with optional labelled rule lines.

    x_scale: a Vega-Lite scale type for x overriding log_x, e.g. "symlog" (log-like, but shows 0;
    ticks at 0 and the powers of ten, as Vega's own symlog ticks are sparse).
    color_domain: every colour value in a fixed order, so a series keeps its colour when another
    one has no rows (e.g. a dtype that overflows).
    """
    x_axis = alt.Axis()
    if x_scale:
        x_sc = alt.Scale(type=x_scale)
        if x_scale == "symlog" and len(df):
            top = float(np.nanmax(np.abs(df[x].to_numpy(dtype=float))))
            ticks = [0.0] + [10.0**k for k in range(0, int(np.floor(np.log10(max(top, 1.0)))) + 1)]
            x_axis = alt.Axis(values=ticks, labelExpr="format(datum.value, '~s')")  # 1, 10, …, 1k, 1M
    else:
        x_sc = alt.Scale(type="log") if log_x else alt.Scale(zero=zero)
    enc = dict(
        x=alt.X(f"{x}:Q", title=x_title, scale=x_sc, axis=x_axis),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(type="log") if log_y else alt.Scale(zero=zero)),
        tooltip=_tooltip(df, tooltip or [c for c in (color, x, y) if c]),
    )
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title or color,
                                 sort=list(color_sort) if color_sort else None,
                                 scale=alt.Scale(domain=list(color_domain)) if color_domain else alt.Undefined)
    if dash:
        enc["strokeDash"] = alt.StrokeDash(f"{dash}:N", title=dash)
    chart = alt.Chart(df, height=height).mark_line(point=points, interpolate=interpolate).encode(**enc)
    layers = [chart]
    for value, label in rules_x:
        layers.append(_rule("x", value, label))
    for value, label in rules_y:
        layers.append(_rule("y", value, label))
    return alt.layer(*layers, title=_title(title, subtitle))


def _rule(axis: str, value: float, label: str) -> alt.LayerChart:
    d = pd.DataFrame({"v": [value], "label": [label]})
    enc = {axis: alt.X("v:Q") if axis == "x" else alt.Y("v:Q")}
    rule = alt.Chart(d).mark_rule(color="#444", strokeDash=[4, 4]).encode(
        **enc, tooltip=[alt.Tooltip("label:N", title="rule"), alt.Tooltip("v:Q", title="value", format=".6~g")])
    text = alt.Chart(d).mark_text(align="left", dx=4, dy=-6 if axis == "x" else -4, color="#444").encode(
        **enc, text="label:N")
    if axis == "x":
        text = text.encode(y=alt.value(8))
    else:
        text = text.encode(x=alt.value(4))
    return alt.layer(rule, text)


def line_marked(df: pd.DataFrame, x: str, y: str, mark: str, *, mark_title: str, title: str,
                subtitle: str | Sequence[str] | None = None, **line_kwargs) -> alt.LayerChart | alt.Chart:
    """line() plus filled points on the rows where the boolean column `mark` is true (e.g. "out of
    distribution"); the title sits on the top-level layer. Other arguments as for line()."""
    chart = line(df, x, y, title=title, subtitle=subtitle, **line_kwargs)
    marked = df[df[mark].astype(bool)]
    if marked.empty:
        return chart
    chart.title = alt.Undefined  # the title moves up to the new top layer
    color, tooltip = line_kwargs.get("color"), line_kwargs.get("tooltip")
    log_x, log_y = line_kwargs.get("log_x", False), line_kwargs.get("log_y", False)
    enc = dict(
        x=alt.X(f"{x}:Q", scale=alt.Scale(type="log") if log_x else alt.Scale()),
        y=alt.Y(f"{y}:Q", scale=alt.Scale(type="log") if log_y else alt.Scale()),
        shape=alt.Shape(f"{mark}:N", title=mark_title, legend=alt.Legend(labelExpr=f"'{mark_title}'")),
        tooltip=_tooltip(df, tooltip or [c for c in (color, x, y, mark) if c]),
    )
    if color:
        sort = line_kwargs.get("color_sort")
        enc["color"] = alt.Color(f"{color}:N", sort=list(sort) if sort else None)
    pts = alt.Chart(marked).mark_point(filled=True, size=45, opacity=0.9).encode(**enc)
    return alt.layer(chart, pts, title=_title(title, subtitle))


def points(df: pd.DataFrame, x: str, y: str, *, title: str, x_title: str, y_title: str,
           color: str | None = None, subtitle: str | Sequence[str] | None = None,
           log_x: bool = False, log_y: bool = False, tooltip: Sequence[str] | None = None,
           height: int = 360) -> alt.Chart:
    """Scatter of y against x (one colour per `color` value)."""
    enc = dict(
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type="log") if log_x else alt.Scale()),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(type="log") if log_y else alt.Scale()),
        tooltip=_tooltip(df, tooltip or [c for c in (color, x, y) if c]),
    )
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color)
    return alt.Chart(df, title=_title(title, subtitle), height=height).mark_circle(size=40).encode(**enc)


def matrix(df: pd.DataFrame, row: str, col: str, z: str, *, title: str, row_title: str, col_title: str,
           z_title: str, subtitle: str | Sequence[str] | None = None, diverging: bool = True,
           domain: Sequence[float] | None = None, tooltip: Sequence[str] | None = None,
           size: int = 560, max_labels: int = 16) -> alt.HConcatChart:
    """A square matrix heatmap: one equal cell per (row, col) index pair, indices in ascending order.

    Unlike `heatmap`, the shown indices need not be contiguous (e.g. a window of a matrix's rows
    and columns gathered from two bands): each shown index gets one cell labelled with its real
    value, and at most `max_labels` tick labels are drawn per axis. The plot is size × size pixels
    (wrapped in a concat so that width="stretch" keeps the cells square, as in `plane`).
    """
    rows, cols = np.sort(df[row].unique()), np.sort(df[col].unique())

    def axis(idx: np.ndarray) -> alt.Axis:
        every = max(1, -(-len(idx) // max_labels))
        return alt.Axis(values=[v.item() for v in idx[::every]], labelAngle=0)

    chart = (
        alt.Chart(width=size, height=size)
        .mark_rect()
        .encode(
            x=alt.X(f"{col}:O", sort="ascending", title=col_title, axis=axis(cols)),
            y=alt.Y(f"{row}:O", sort="ascending", title=row_title, axis=axis(rows)),
            color=alt.Color(f"{z}:Q", title=z_title, scale=color_scale(df[z], diverging, domain)),
            tooltip=_tooltip(df, tooltip or [row, col, z]),
        )
    )
    return alt.hconcat(chart, data=df, title=_title(title, subtitle))


def plane(df: pd.DataFrame, panels: Sequence[tuple[str, str, str, float]], *, title: str,
          subtitle: str | Sequence[str] | None = None, size: int = 300, color_title: str = "",
          tooltip: Sequence[str] | None = None) -> alt.HConcatChart:
    """Vectors and paths in 2-D planes: one square, equal-aspect panel per plane (a circle looks round).

    df columns: panel, kind, x, y, order, series, text. Kinds: "ring" (dashed path drawn in
    `order`), "path" (solid path), "dot" (points), "vector" (arrow from the origin to (x, y),
    coloured by `series`), "text" (the label `text` at (x, y)).
    panels: (panel name, x-axis title, y-axis title, half-width of both axes), left to right.
    Panels are concatenated at a fixed size: Streamlit keeps concatenated charts at their own size
    under width="stretch", which an equal-aspect plot needs.
    """
    tips = _tooltip(df, tooltip or ["x", "y"])
    vector_series = [s for s in pd.unique(df.loc[df["kind"] == "vector", "series"]) if s]
    palette = ["#3498db", "#e74c3c", "#27ae60", "#8e44ad", "#7f8c8d"]  # first: the unrotated vector
    color = alt.Color("series:N", title=color_title or None, sort=vector_series, legend=alt.Legend(orient="top"),
                      scale=alt.Scale(domain=vector_series, range=palette[:max(1, len(vector_series))]))

    def panel(name: str, x_title: str, y_title: str, extent: float) -> alt.LayerChart:
        scale = alt.Scale(domain=[-extent, extent], nice=False, zero=False)
        x = alt.X("x:Q", scale=scale, title=x_title)
        y = alt.Y("y:Q", scale=scale, title=y_title)

        def of(kind: str) -> alt.Chart:
            return alt.Chart().transform_filter(
                alt.FieldEqualPredicate(field="panel", equal=name)).transform_filter(
                alt.FieldEqualPredicate(field="kind", equal=kind))

        layers = [
            of("ring").mark_line(color="#9a9a9a", strokeDash=[4, 4]).encode(x=x, y=y, order="order:Q"),
            of("path").mark_line(color="#f39c12", strokeWidth=3).encode(x=x, y=y, order="order:Q"),
            of("dot").mark_circle(size=38, color="#555", opacity=0.8).encode(x=x, y=y, tooltip=tips),
            of("vector").transform_calculate(x0="0", y0="0").mark_rule(strokeWidth=2.5).encode(
                x=alt.X("x0:Q", scale=scale, title=x_title), y=alt.Y("y0:Q", scale=scale, title=y_title),
                x2="x:Q", y2="y:Q", color=color, tooltip=tips),
            # the head: a triangle turned from "up" to the vector's direction (angles are clockwise)
            of("vector").transform_calculate(turn="90 - atan2(datum.y, datum.x) * 180 / PI").mark_point(
                shape="triangle-up", filled=True, size=140, opacity=1).encode(
                x=x, y=y, angle=alt.Angle("turn:Q", scale=None), color=color, tooltip=tips),
            of("text").mark_text(fontSize=12, fontWeight="bold", color="#222").encode(x=x, y=y, text="text:N"),
        ]
        return alt.layer(*layers, title=alt.Title(name, fontSize=12)).properties(width=size, height=size)

    return alt.hconcat(*(panel(*p) for p in panels), data=df, title=_title(title, subtitle))


def _export(chart, fmt: str) -> bytes:
    import vl_convert as vlc

    with alt.data_transformers.disable_max_rows():
        spec = chart.to_dict()
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=2)
    return vlc.vegalite_to_svg(spec).encode()


def show(chart, data: pd.DataFrame, name: str) -> None:
    """Draw a chart full width with CSV / PNG / SVG downloads. `name` is unique on the page."""
    if len(data) > MAX_ROWS:  # a builder bug, not a user error: never ship an unbounded frame
        raise ValueError(f"chart {name!r} has {len(data)} rows; downsample to ≤ {MAX_ROWS}")
    st.altair_chart(chart, width="stretch")
    row = st.container(horizontal=True)
    row.download_button("CSV", lambda: data.to_csv(index=False).encode(), file_name=f"{name}.csv",
                            mime="text/csv", on_click="ignore", key=f"dl_csv_{name}", icon=":material/download:")
    row.download_button("PNG", lambda: _export(chart, "png"), file_name=f"{name}.png", mime="image/png",
                            on_click="ignore", key=f"dl_png_{name}", icon=":material/download:")
    row.download_button("SVG", lambda: _export(chart, "svg"), file_name=f"{name}.svg", mime="image/svg+xml",
                            on_click="ignore", key=f"dl_svg_{name}", icon=":material/download:")
