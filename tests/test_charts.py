"""explorer.charts: charts authored in Altair, compiled once per chart structure, their slots filled per call.

- the compiled specs are the ones the hand-written dict builders produced before the Altair rewrite (a fixture
  captured from them), up to key order and Altair's lifting of the hover selection, which compiles to the same Vega;
- a structure is compiled once, whatever its slots hold; sweeping every page's sliders compiles no new structure
  to values between those it met before compiles nothing beyond structures with a few values (charts.FEW_VALUES);
- every builder, over its options, gives a spec that validates against the Vega-Lite v6 JSON schema shipped with
  Altair (the same one Altair validated against), whose "$schema" is that schema's version;
- every field a spec uses (encodings, facets, filters, calculate expressions) is a column of the data the view
  reads, or one a transform of that view or an enclosing one creates;
- heatmaps and matrices draw their cells as one image plus a bounded hover layer, however large the grid;
  builders drawing one mark per row (points) ask for canvas above 2,000 rows (tests/test_raster.py checks the
  image's pixels);
- one case per builder compiles and renders through the Vega-Lite compiler (vl_convert) to SVG, the same route as
  the PNG / SVG downloads, and the rendered text carries the titles;
- show() thins an oversized chart and says so, and leaves a bounded one alone;
- every page at defaults sends only schema-valid specs whose named datasets all arrive, with the fields they use;
- Altair is imported by explorer/charts.py alone: pages go through its builders.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as hst
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from PIL import Image

from explorer import charts, raster
from explorer.nav import PAGES
from tests.apptest_utils import resolved_domain, run_page

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def validator() -> jsonschema.Draft7Validator:
    from altair.vegalite.v6.schema import core

    return jsonschema.Draft7Validator(core.load_schema())


def assert_valid(spec: dict, label: str = "") -> None:
    errors = sorted(validator().iter_errors(spec), key=lambda e: list(e.absolute_path))
    assert not errors, f"{label}: {len(errors)} schema error(s), first at {list(errors[0].absolute_path)}: " \
                       f"{errors[0].message[:400]}"


# ----------------------------------------------------------------------------------------- field references

_DATUM = re.compile(r"""datum\[\s*"((?:[^"\\]|\\.)*)"\s*\]|datum\[\s*'((?:[^'\\]|\\.)*)'\s*\]|datum\.([A-Za-z_]\w*)""")


def expression_fields(expr: str) -> set[str]:
    return {json.loads(f'"{a}"') if a else (b or c) for a, b, c in _DATUM.findall(expr)}


def data_columns(data: dict, columns_of: dict[str, set[str]]) -> set[str]:
    if "name" in data:
        assert data["name"] in columns_of, f"dataset {data['name']!r} is not sent; have {sorted(columns_of)}"
        return set(columns_of[data["name"]])
    rows = data["values"]
    return set().union(*(r.keys() for r in rows)) if rows else set()


def check_fields(node: dict, columns_of: dict[str, set[str]], cols: set[str] | None = None, path: str = "") -> int:
    """Assert every field `node` and its sub-views use exists; returns how many unit views were checked."""
    if "data" in node:
        cols = data_columns(node["data"], columns_of)
    cols = set(cols) if cols is not None else None
    for t in node.get("transform", []):
        assert cols is not None, f"{path}: a transform without data"
        for key in ("filter", "calculate"):
            expr = t.get(key)
            if isinstance(expr, str):
                missing = expression_fields(expr) - cols
                assert not missing, f"{path}: {key} {expr!r} uses missing field(s) {missing}; have {sorted(cols)}"
            elif isinstance(expr, dict) and "field" in expr:
                assert expr["field"] in cols, f"{path}: filter on missing field {expr['field']!r}"
        if "as" in t:
            cols.add(t["as"])
    if "facet" in node:
        assert node["facet"]["field"] in cols, f"{path}: facet on missing field {node['facet']['field']!r}"
    views = 0
    if "mark" in node:
        assert cols is not None, f"{path}: a mark without data"
        views = 1
        for channel, defs in node.get("encoding", {}).items():
            for d in defs if isinstance(defs, list) else [defs]:
                if isinstance(d, dict) and "field" in d:
                    assert d["field"] in cols, f"{path}.{channel}: missing field {d['field']!r}; have {sorted(cols)}"
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for i, sub in enumerate(node.get(key, [])):
            views += check_fields(sub, columns_of, cols, f"{path}.{key}[{i}]")
    if "spec" in node:
        views += check_fields(node["spec"], columns_of, cols, f"{path}.spec")
    return views


def check_chart(chart: charts.Chart, label: str) -> None:
    assert isinstance(chart, charts.Chart), f"{label}: a builder returned {type(chart).__name__}"
    assert all(isinstance(d, pd.DataFrame) for d in chart.datasets.values()), f"{label}: datasets must be DataFrames"
    assert "datasets" not in chart.spec, f"{label}: the DataFrames go in Chart.datasets, not the spec"
    assert chart.spec["$schema"] == charts.SCHEMA
    json.dumps(chart.spec, allow_nan=False)  # what Streamlit sends as the spec: plain JSON, finite numbers
    assert_valid(chart.with_values(), label)
    views = check_fields(chart.spec, {k: set(d.columns) for k, d in chart.datasets.items()}, path=label)
    assert views >= 1, f"{label}: no mark in the spec"


# ----------------------------------------------------------------------------------------------- small frames

def grid_frame(n: int = 4, step: int = 2, heads: int = 0) -> pd.DataFrame:
    pos = np.arange(0, n * step, step, dtype=float)
    m, k = np.meshgrid(pos, pos, indexing="ij")
    out = pd.DataFrame({"m": m.ravel(), "n": k.ravel(), "m_minus_n": (m - k).ravel(),
                        "score": np.cos(m - k).ravel() - 0.2})
    out["attention"] = np.where(out["n"] <= out["m"], 1.0 / (1.0 + out["m"]), 0.0)  # 0 = masked
    if heads:
        out = pd.concat([out.assign(head=f"head {h + 1}") for h in range(heads)], ignore_index=True)
    return out


def curve_frame(color: bool = True, n: int = 12) -> pd.DataFrame:
    x = np.arange(n, dtype=float)
    frames = [pd.DataFrame({"x": x, "y": np.exp(-x / (3 + s)) + 0.01, "series": f"s{s}", "kind": "a" if s else "b",
                            "flag": x > n - 3 - s}) for s in range(2 if color else 1)]
    return pd.concat(frames, ignore_index=True)


def matrix_frame(idx=(0, 1, 2, 5, 6, 7)) -> pd.DataFrame:
    r, c = np.meshgrid(np.array(idx), np.array(idx), indexing="ij")
    return pd.DataFrame({"row": r.ravel(), "col": c.ravel(), "value": np.sin(r - c).ravel().astype(float)})


def plane_frame() -> pd.DataFrame:
    rows = []
    for p in ("pair 0", "pair 3"):
        t = np.linspace(0, 2 * np.pi, 9)
        rows += [dict(panel=p, kind="ring", x=np.cos(a), y=np.sin(a), order=i, series="", text="", position=np.nan)
                 for i, a in enumerate(t)]
        rows += [dict(panel=p, kind="path", x=np.cos(a), y=np.sin(a), order=i, series="", text="", position=np.nan)
                 for i, a in enumerate(t[:4])]
        rows += [dict(panel=p, kind="dot", x=np.cos(a), y=np.sin(a), order=i, series="", text="", position=float(i))
                 for i, a in enumerate(t[:3])]
        rows += [dict(panel=p, kind="vector", x=1.0, y=0.0, order=0, series="position 0", text="", position=0.0),
                 dict(panel=p, kind="vector", x=np.cos(1.0), y=np.sin(1.0), order=1, series="position m = 1",
                      text="", position=1.0),
                 dict(panel=p, kind="text", x=0.0, y=0.0, order=0, series="", text="O", position=np.nan)]
    return pd.DataFrame(rows)


T = dict(title="A title", x_title="x (units)", y_title="y (units)")


def cases() -> dict[str, charts.Chart]:
    g, gh, c1, c2 = grid_frame(), grid_frame(heads=3), curve_frame(False), curve_frame()
    hm = dict(title="Scores", x_title="key n", y_title="query m", step=2)
    return {
        "heatmap": charts.heatmap(g, "n", "m", "score", z_title="score", subtitle="one line", **hm),
        "heatmap_domain_tooltip": charts.heatmap(g, "n", "m", "score", z_title="score", domain=(-1, 1),
                                                 tooltip=["m", "n", "m_minus_n", "score"], height=200, **hm),
        "heatmap_sequential_ystep": charts.heatmap(g, "n", "m", "score", z_title="score", diverging=False,
                                                   y_step=1.0, subtitle=["a", "b"], **hm),
        "heatmap_zero_signal": charts.heatmap(g.assign(score=0.0), "n", "m", "score", z_title="score", **hm),
        "heatmap_log": charts.heatmap(g, "n", "m", "attention", z_title="attention", diverging=False,
                                      log_color=True, domain=(1e-4, 1.0), **hm),
        "heatmap_facet_log": charts.heatmap(gh, "n", "m", "attention", z_title="attention", diverging=False,
                                            log_color=True, domain=(1e-4, 1.0), facet="head",
                                            facet_sort=["head 3", "head 1", "head 2"], columns=2, panel=120,
                                            tooltip=["head", "m", "n", "attention"], subtitle=["x", "y"], **hm),
        "heatmap_facet": charts.heatmap(gh, "n", "m", "score", z_title="score", facet="head", **hm),
        "line": charts.line(c1, "x", "y", **T),
        "line_color_rules": charts.line(c2, "x", "y", color="series", color_title="series", color_sort=["s1", "s0"],
                                        color_domain=["s0", "s1", "s2"], rules_x=[(3.0, "x = 3"), (np.float64(5), "5")],
                                        rules_y=[(0.5, "half")], subtitle=["one", "two"], **T),
        "line_log_points_dash": charts.line(c2, "x", "y", color="series", dash="kind", points=True, log_x=False,
                                            log_y=True, interpolate="step-after", zero=True, height=200, **T),
        "line_log_x": charts.line(c2.assign(x=c2["x"] + 1), "x", "y", log_x=True, rules_x=[(2.0, "two")],
                                  tooltip=["series", "x", "y"], **T),
        "line_symlog": charts.line(c1.assign(x=c1["x"] * 300), "x", "y", x_scale="symlog", rules_y=[(0.0, "0")], **T),
        "line_nonfinite_rule": charts.line(c1, "x", "y", rules_y=[(float("inf"), "never"), (0.2, "kept")], **T),
        "line_marked": charts.line_marked(c2, "x", "y", "flag", mark_title="it's flagged", color="series",
                                          color_title="series", color_sort=["s0", "s1"], log_y=True, dash="kind",
                                          rules_y=[(0.1, "tenth")], **T),
        "line_marked_no_rules": charts.line_marked(c2, "x", "y", "flag", mark_title="flagged", log_x=False, **T),
        "line_marked_none": charts.line_marked(c2.assign(flag=False), "x", "y", "flag", mark_title="flagged", **T),
        "points": charts.points(c2, "x", "y", color="series", subtitle="s", **T),
        "points_log": charts.points(c1.assign(x=c1["x"] + 1), "x", "y", log_x=True, log_y=True,
                                    tooltip=["x", "y", "flag"], **T),
        "matrix": charts.matrix(matrix_frame(), "row", "col", "value", title="R", row_title="row", col_title="col",
                                z_title="entry", domain=(-1.0, 1.0), max_labels=4, size=200),
        "matrix_auto": charts.matrix(matrix_frame(), "row", "col", "value", title="R", row_title="row",
                                     col_title="col", z_title="entry", subtitle=["s"], diverging=False),
        "plane": charts.plane(plane_frame(), [("pair 0", "feature 0", "feature 1", 1.5),
                                              ("pair 3", "feature 3", "feature 4", np.float64(1.5))],
                              title="Planes", subtitle="s", size=150, color_title="arrow",
                              tooltip=["position", "x", "y"]),
        "plane_untitled_colour": charts.plane(plane_frame(), [("pair 3", "a", "b", 2.0)], title="One plane"),
    }


CASES = cases()
BUILDERS = ("heatmap", "line", "line_marked", "points", "matrix", "plane")


def test_every_builder_has_cases():
    for name in BUILDERS:
        assert any(k == name or k.startswith(name + "_") for k in CASES), name


@pytest.mark.parametrize("name", list(CASES))
def test_spec_validates_and_uses_only_its_columns(name):
    check_chart(CASES[name], name)


def test_the_checks_can_fail():
    bad = charts.line(curve_frame(), "x", "y", **T)
    bad.spec["layer"][0]["encoding"]["y"]["field"] = "nope"
    with pytest.raises(AssertionError, match="missing field 'nope'"):
        check_chart(bad, "bad field")
    bad = charts.points(curve_frame(), "x", "y", **T)
    bad.spec["mark"] = {"type": "circel"}
    with pytest.raises(AssertionError, match="schema error"):
        check_chart(bad, "bad mark")
    bad = charts.heatmap(grid_frame(), "n", "m", "score", title="t", x_title="x", y_title="y", z_title="z")
    bad.spec["layer"][1]["transform"].append({"calculate": "datum['gone'] * 2", "as": "g"})
    with pytest.raises(AssertionError, match="gone"):
        check_chart(bad, "bad expression")


def test_scales_titles_and_tooltips():
    """What Altair used to emit for these options (checked on the specs, value by value)."""
    image, cells, halo, readout = CASES["heatmap_domain_tooltip"].spec["layer"]
    enc = cells["encoding"]
    assert image["mark"] == {"type": "image", "aspect": False, "smooth": False, "tooltip": None}
    assert image["encoding"]["url"] == {"field": "_url", "type": "nominal"}
    # hover: the image shows the colours; of the hover cells only the one under the pointer is drawn, outlined.
    # Altair lifts the image layer's selection to the top level, naming the layer
    assert image["name"] == charts.POINTER_VIEW and "params" not in image
    assert CASES["heatmap_domain_tooltip"].spec["params"] == [charts.POINTER_AT,
                                                              {**charts.POINTER, "views": [charts.POINTER_VIEW]}]
    assert cells["mark"] == {"type": "rect", "fillOpacity": 0, "stroke": "#111", "strokeWidth": 1}
    assert cells["transform"] == [{"filter": {"field": "_kind", "equal": "cell"}}, {"filter": charts.POINTER_FILTER}]
    for layer in (halo, readout):  # its values as text beside the pointer, over a white halo
        assert layer["transform"][:2] == cells["transform"] and layer["mark"]["type"] == "text"
        assert layer["transform"][2]["calculate"].startswith('"m = " + (isValid(datum["m"]) ? format(datum["m"], ".6~g")')
    assert halo["mark"]["stroke"] == "white" and readout["mark"]["fill"] == "#111"
    scale = enc["color"]["scale"]
    assert scale["domain"][0] == -1.0 and scale["domain"][-1] == 1.0 and scale["domain"][5] == 0.0
    assert scale["range"][5] == "#f7f7f7" and scale["interpolate"] == "rgb" and scale["clamp"] is True
    assert enc["y"]["scale"] == {"domain": [0.0, 8.0], "nice": False, "zero": False, "reverse": True}
    assert enc["x"]["scale"] == {"domain": [0.0, 8.0], "nice": False, "zero": False}
    assert enc["tooltip"][0] == {"field": "m", "type": "quantitative", "format": ".6~g", "title": "m"}
    auto = CASES["heatmap"].spec
    top = float(np.abs(grid_frame()["score"]).max())
    auto_scale = auto["layer"][1]["encoding"]["color"]["scale"]
    auto_frame = CASES["heatmap"].datasets[charts.DATA]
    assert auto["params"] == [{"name": "_zmax", "expr": "length(data('data')) > 0 ? data('data')[0]._zmax : 1"},
                              charts.POINTER_AT, {**charts.POINTER, "views": [charts.POINTER_VIEW]}]
    assert auto_frame["_zmax"].iloc[0] == top and auto_frame["_zmax"].iloc[1:].isna().all()
    domain = resolved_domain(auto_scale, auto_frame)
    assert (domain[0], domain[5], domain[-1]) == (-top, 0.0, top)
    assert auto["title"] == {"text": "Scores", "subtitle": "one line", "subtitleColor": "#666"}  # 4×4: no hover note
    zero = resolved_domain(CASES["heatmap_zero_signal"].spec["layer"][1]["encoding"]["color"]["scale"],
                           CASES["heatmap_zero_signal"].datasets[charts.DATA])
    assert (zero[0], zero[-1]) == (-1.0, 1.0)
    seq = CASES["heatmap_sequential_ystep"].spec["layer"][1]["encoding"]["color"]["scale"]
    assert seq["range"][0] == "#440154" and seq["range"][-1] == "#fde725" and seq["type"] == "linear"
    g = grid_frame()
    assert (seq["domain"][0], seq["domain"][-1]) == (g["score"].min(), g["score"].max())
    log = CASES["heatmap_log"].spec["layer"][1]["encoding"]["color"]["scale"]
    assert log["type"] == "log" and log["clamp"] is True
    assert np.allclose([log["domain"][0], log["domain"][-1]], [1e-4, 1.0])
    assert (CASES["heatmap_log"].datasets[charts.DATA].query("_kind == 'cell'")["attention"] > 0).all()
    facet = CASES["heatmap_facet_log"].spec
    assert facet["facet"] == {"field": "head", "type": "nominal", "title": None, "sort": ["head 3", "head 1", "head 2"]}
    assert (facet["columns"], facet["spec"]["width"], facet["spec"]["height"]) == (2, 120, 120)
    assert CASES["heatmap_facet"].spec["facet"]["sort"] == ["head 1", "head 2", "head 3"]
    images = CASES["heatmap_facet"].datasets[charts.DATA].query("_kind == 'image'")
    assert list(images["head"]) == ["head 1", "head 2", "head 3"]  # one image per panel

    lc = CASES["line_color_rules"].spec
    assert lc["title"]["subtitle"] == ["one", "two"] and lc["height"] == 360
    main, rules = lc["layer"][0], lc["layer"][1:]
    assert main["encoding"]["color"] == {"field": "series", "type": "nominal", "title": "series",
                                         "sort": ["s1", "s0"],
                                         "scale": {"domain": ["s0", "s1", "s2"], "range": list(charts.SERIES_COLOURS)},
                                         "legend": {"labelLimit": 0}}
    assert charts.records(CASES["line_color_rules"].datasets[charts.RULES]) == [  # neighbours: labels point apart
        {"rule": 0, "v": 3.0, "label": "x = 3", "align": "right", "dx": -4},
        {"rule": 1, "v": 5.0, "label": "5", "align": "left", "dx": 4},
        {"rule": 2, "v": 0.5, "label": "half", "align": "right", "dx": -4}]  # its data fill the left end
    assert [(r["data"]["name"], r["transform"]) for r in rules] == [
        (charts.RULES, [{"filter": {"field": "rule", "equal": i}}]) for i in range(3)]
    assert "x" in rules[1]["layer"][0]["encoding"] and "y" in rules[2]["layer"][0]["encoding"]
    # vertical rules' labels above the plot, stacked, not overprinted; a horizontal rule's at an end of the plot
    assert [rules[i]["layer"][k]["encoding"]["y"] for i in (0, 1) for k in (1, 2)] == [
        {"value": 0}, {"value": 0}, {"value": -charts.LABEL_STEP}, {"value": -charts.LABEL_STEP}]
    assert rules[2]["layer"][2]["mark"]["x"] == {"expr": "datum.align === 'right' ? width : 0"}
    assert rules[2]["layer"][1]["mark"]["stroke"] == "white"  # a halo under the text
    assert CASES["line"].spec["layer"][0]["encoding"]["y"]["scale"] == {"zero": False}
    dash = CASES["line_log_points_dash"].spec["layer"][0]
    assert dash["mark"] == {"type": "line", "interpolate": "step-after", "point": True}
    assert dash["encoding"]["strokeDash"] == {"field": "kind", "type": "nominal", "title": "kind"}
    assert dash["encoding"]["color"]["sort"] is None  # data order, as Altair's sort=None
    sym = CASES["line_symlog"].spec["layer"][0]["encoding"]["x"]
    assert sym["scale"] == {"type": "symlog"} and sym["axis"]["values"] == [0.0, 1.0, 10.0, 100.0, 1000.0]
    assert len(CASES["line_nonfinite_rule"].spec["layer"]) == 2  # the line and the finite rule

    marked = CASES["line_marked"].spec
    assert marked["title"]["text"] == "A title" and "title" not in marked["layer"][0]
    assert marked["layer"][1]["transform"] == [{"filter": 'datum["flag"]'}]
    assert marked["layer"][1]["encoding"]["shape"]["legend"] == {"labelExpr": "'it\\'s flagged'"}
    assert "layer" in CASES["line_marked_none"].spec and len(CASES["line_marked_none"].spec["layer"]) == 1
    assert marked["usermeta"] == {"embedOptions": {"renderer": "canvas"}}  # one canvas, not an SVG node per point
    assert "usermeta" not in CASES["line"].spec and "usermeta" not in CASES["heatmap_domain_tooltip"].spec

    mx = CASES["matrix"].spec
    axis = mx["layer"][1]["encoding"]["x"]["axis"]
    assert axis["values"] == [0.5, 2.5, 4.5] and axis["labelAngle"] == 0  # cell centres of indices 0, 2, 6
    assert axis["labelExpr"] == 'datum.value == 0.5 ? "0" : datum.value == 2.5 ? "2" : datum.value == 4.5 ? "6" : \'\''
    assert (mx["width"], mx["height"]) == (200, 200)
    pl = CASES["plane"].spec["hconcat"]
    assert len(pl) == 2 and pl[1]["title"] == {"text": "pair 3", "fontSize": 12}
    head = pl[0]["layer"][4]
    assert head["mark"]["shape"] == "triangle-up" and head["encoding"]["angle"]["scale"] is None
    assert head["encoding"]["color"]["scale"] == {"domain": ["position 0", "position m = 1"],
                                                  "range": ["#3498db", "#e74c3c"]}


def test_marks_per_chart_are_bounded():
    """A heatmap or matrix sends its cells as one image per panel plus at most hover_axis² hover cells in all (a
    facet's panels share them), however large the grid; points, one mark per row, ask for canvas above 2,000
    (Streamlit cannot tell through transforms, and an SVG of 20,000 marks is slow to repaint); a line is one
    path per series."""
    hm = dict(title="t", x_title="x", y_title="y", z_title="z", step=2)
    for n, heads in ((4, 0), (25, 0), (140, 0), (60, 4), (60, 16), (4, 16)):
        chart = charts.heatmap(grid_frame(n, heads=heads), "n", "m", "score", facet="head" if heads else None, **hm)
        frame = chart.datasets[charts.DATA]
        assert (frame["_kind"] == "image").sum() == max(1, heads)
        cells = (frame["_kind"] == "cell").sum()
        per_axis = charts.HOVER_AXIS // int(np.sqrt(max(1, heads)))  # 16, 8 with 4 panels, 4 with 16
        assert cells == min(n, -(-n // -(-n // per_axis))) ** 2 * max(1, heads)
        assert cells <= charts.HOVER_AXIS ** 2 and "usermeta" not in chart.spec
        check_chart(chart, f"heatmap {n}")
    mx = charts.matrix(matrix_frame(tuple(range(60))), "row", "col", "value", title="R", row_title="r",
                       col_title="c", z_title="z")  # sin(r - c): 3,540 non-zero cells, so sampled
    assert (mx.datasets[charts.DATA]["_kind"] == "cell").sum() <= charts.HOVER_AXIS ** 2
    pts = charts.points(curve_frame(n=1500), "x", "y", **T)
    ln = charts.line(curve_frame(n=3000), "x", "y", **T)
    assert pts.spec["usermeta"]["embedOptions"]["renderer"] == "canvas"
    assert "usermeta" not in ln.spec
    for name, chart in (("matrix", mx), ("points", pts)):
        check_chart(chart, name)


RENDER = ["heatmap_domain_tooltip", "heatmap_facet_log", "line_color_rules", "line_symlog", "line_marked",
          "points", "matrix", "plane"]


@pytest.mark.parametrize("name", RENDER)
def test_renders_through_the_vega_lite_compiler(name):
    chart = CASES[name]
    svg = charts._export(chart, "svg").decode()  # the SVG download's own route
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
    assert chart.spec["title"]["text"] in svg


def test_a_vertical_rule_in_the_right_part_of_the_plot_has_its_label_on_its_left():
    """Its label would otherwise run past the plot into the legend (Context extension: 'target' at the right edge)."""
    df = pd.DataFrame({"x": np.arange(11.0), "y": np.arange(11.0)})
    chart = charts.line(df, "x", "y", title="sides", x_title="x", y_title="y",
                        rules_x=[(1.0, "near left"), (9.5, "near right")], rules_y=[(5.0, "level")])
    assert [(r["align"], r["dx"]) for r in charts.records(chart.datasets[charts.RULES])] == [
        ("left", 4), ("right", -4), ("left", 4)]
    svg = charts._export(chart, "svg").decode()  # what Vega draws from the spec: the side follows the data
    anchors = dict((text, anchor) for anchor, text in re.findall(r'<text[^>]*text-anchor="(\w+)"[^>]*>([^<]*)</text>', svg))
    assert (anchors["near left"], anchors["near right"], anchors["level"]) == ("start", "end", "start")


def test_many_series_each_get_their_own_colour_and_dash_and_the_highlighted_one_is_drawn_on_top():
    """25 models on one chart: no two lines may look alike (a 20-colour scheme repeats after 20 and pairs each colour
    with a paler copy), and the selected one reads first."""
    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame({"x": np.tile([0.0, 1.0], n), "y": np.arange(2.0 * n),
                             "model": np.repeat([f"m{i}" for i in range(n)], 2)})

    few = charts.line(frame(charts.MANY_COLOURS), "x", "y", color="model", **T)
    many = charts.line(frame(25), "x", "y", color="model", highlight="m3", rules_x=[(0.5, "r")], **T)
    assert few.spec["layer"][0]["encoding"]["color"]["scale"] == {"range": list(charts.SERIES_COLOURS)}
    assert "strokeDash" not in few.spec["layer"][0]["encoding"]
    main, casing, top = many.spec["layer"][:3]
    assert casing["transform"] == top["transform"] and casing["mark"]["strokeWidth"] > top["mark"]["strokeWidth"]
    colour, dash = main["encoding"]["color"]["scale"], main["encoding"]["strokeDash"]["scale"]
    names = [f"m{i}" for i in range(25)]
    assert colour["domain"] == names and dash["domain"] == names  # first-appearance order
    styles = list(zip(colour["range"], map(tuple, dash["range"])))
    assert len(set(styles)) == 25  # every series its own (colour, dash)
    assert all(a[0] != b[0] for a, b in zip(styles, styles[1:]))  # neighbours differ in colour
    assert len(set(colour["range"])) == 10 and len(set(map(tuple, dash["range"]))) == 3
    assert top["transform"] == [{"filter": {"field": "model", "equal": "m3"}}]  # after the others: drawn over them
    assert top["mark"]["strokeWidth"] > 2 and top["encoding"] == main["encoding"]
    assert main["mark"].get("strokeOpacity", 1) < 1 and top["mark"].get("strokeOpacity", 1) == 1
    check_chart(many, "highlight")
    svg = charts._export(many, "svg").decode()
    assert svg.count('stroke-width="3.5"') >= 1
    # one legend (colour and dash merged), the highlighted name in bold
    assert svg.count('aria-roledescription="legend"') == 1
    assert re.search(r'font-weight="bold"[^>]*>m3<', svg) and not re.search(r'font-weight="bold"[^>]*>m4<', svg)


def test_a_highlighted_line_ends_where_its_data_end():
    """Models at Gemma-4-31B (global layers): its pairs of frequency 0 have no wavelength, so its line stops at
    i/(d/2) = 0.25; the thick highlight must stop there too, not run on across the plot."""
    from explorer.frames import models

    spec = models.spectra(None, True)
    name = "Gemma-4-31B (global layers)"
    mine = spec[spec["model"] == name]
    chart = charts.line(spec, "fraction", "wavelength", color="model", log_y=True, highlight=name, **T)
    svg = charts._export(chart, "svg").decode()
    paths = re.findall(r'<path[^>]*stroke-width="3.5"[^>]*>', svg)
    assert len(paths) == 1 and name in paths[0]
    xs = [float(v) for v in re.findall(r"[ML]([-\d.]+),", re.search(r' d="([^"]*)"', paths[0]).group(1))]
    every = [float(v) for p in re.findall(r'<path[^>]*aria-roledescription="line mark"[^>]*>', svg)
             for v in re.findall(r"[ML]([-\d.]+),", re.search(r' d="([^"]*)"', p).group(1))]
    width = max(every)  # the longest series reaches the last pair, 1 − 1/(d/2), near the right edge
    assert len(xs) == len(mine)
    assert max(xs) / width == pytest.approx(mine["fraction"].max() / spec["fraction"].max(), rel=1e-3)


def test_a_log_axis_leaves_out_values_at_or_below_zero():
    """An angle m·θ at m = 0 is 0: on a log axis it would wreck the domain (Vega draws nothing readable)."""
    df = pd.DataFrame({"m": np.tile(np.arange(4.0), 2), "angle": np.r_[np.arange(4.0), np.arange(4.0) * 1e-3],
                       "pair": np.repeat(["fast", "slow"], 4)})
    for chart in (charts.line(df, "m", "angle", color="pair", log_y=True, **T),
                  charts.points(df, "m", "angle", color="pair", log_y=True, **T)):
        sent = chart.datasets[charts.DATA]
        assert list(sent["angle"]) == [1.0, 2.0, 3.0, 1e-3, 2e-3, 3e-3]
    linear = charts.line(df, "m", "angle", color="pair", **T)
    assert linear.datasets[charts.DATA] is df


def test_labels_of_neighbouring_rules_point_apart_unless_at_an_edge():
    """Llama-3.1-8B on Context extension: L0 = 8,192 and target = 16,384 on a log axis to 1e7; the target's label,
    left of its rule (right part of the plot), crossed the L0 rule and its label."""
    xs = pd.Series([1.0, 1e7])
    assert list(charts._label_sides(xs, [("x", 8192.0, "L0"), ("x", 16384.0, "target")], "log", False)) == [True, False]
    # far apart: each on its own side of the axis's middle
    assert list(charts._label_sides(xs, [("x", 10.0, "a"), ("x", 1e6, "b")], "log", False)) == [False, True]
    # at the left edge a label points inwards even with a neighbour; a horizontal rule is no neighbour
    assert list(charts._label_sides(xs, [("x", 2.0, "a"), ("x", 20.0, "b"), ("y", 5.0, "h")], "log", False)) == \
        [False, False, False]
    assert list(charts._label_sides(xs, [("x", 2e6, "a"), ("x", 9e6, "b")], "log", False)) == [True, True]


@pytest.mark.parametrize("scale, zero, rule, left", [
    (None, False, 1e4, False),  # linear axis 1 … 1e6: 1e4 is at its far left
    ("log", False, 1e4, True),  # log axis: two thirds of the way
    ("log", False, 1e2, False),  # one third
    ("symlog", False, 1e5, True),
])
def test_label_side_follows_the_axis_scale(scale, zero, rule, left):
    got = charts._label_sides(pd.Series([1.0, 1e6]), [("x", rule, "r"), ("y", rule, "h")], scale, zero)
    assert list(got) == [left, False]  # a horizontal rule is no neighbour of a vertical one


@pytest.mark.parametrize("zero, left", [(False, False), (True, True)])
def test_label_side_counts_zero_when_the_axis_includes_it(zero, left):
    # data 5 … 10, rule at 7.5: half way along 5 … 10, three quarters along 0 … 10
    assert list(charts._label_sides(pd.Series([5.0, 10.0]), [("x", 7.5, "r")], None, zero)) == [left]


def test_png_export():
    png = charts._export(CASES["plane"], "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_records_are_json_ready():
    df = pd.DataFrame({"a": [1.0, np.nan, np.inf], "b": ["x", None, "z"], "c": [True, False, True],
                       "d": np.array([1, 2, 3], dtype=np.int64)})
    recs = charts.records(df)
    assert recs[1] == {"a": None, "b": None, "c": False, "d": 2} and recs[2]["a"] is None
    json.dumps(recs, allow_nan=False)


# --------------------------------------------------------------------------------------------------- show()

def _thin_app():
    import numpy as np
    import pandas as pd

    from explorer import charts

    n = 25_000
    df = pd.DataFrame({"x": np.arange(n, dtype=float), "y": np.sin(np.arange(n) / 100.0)})
    charts.show(charts.line(df, "x", "y", title="Too many rows", x_title="x", y_title="y",
                            rules_y=[(0.0, "0"), (0.5, "half")]), df, "big")
    small = df.iloc[:100]
    charts.show(charts.points(small, "x", "y", title="Few rows", x_title="x", y_title="y"), small, "small")


def _shipped(el) -> dict[str, int]:
    return {ds.name: pa.ipc.open_stream(ds.data.data).read_all().num_rows for ds in el.proto.datasets}


def test_show_thins_an_oversized_chart_and_says_so():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_thin_app, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    big, small = at.get("vega_lite_chart")
    rows = _shipped(big)
    assert 0 < sum(rows.values()) <= charts.MAX_ROWS, rows
    assert sum(rows.values()) >= charts.MAX_ROWS // 2  # thinned by a stride, not dropped
    assert rows[charts.RULES] == 2  # rules are never thinned away
    assert _shipped(small) == {charts.DATA: 100}
    captions = [c.value for c in at.caption]
    assert len(captions) == 1 and captions[0].startswith(charts.THINNED) and "25,002 rows" in captions[0]  # the line and its rules
    assert json.loads(big.proto.spec)["title"]["text"] == "Too many rows"
    assert not at.get("download_button")  # sent only while a chart's download popover is open
    at.session_state[charts.download_key("big")] = True
    at.session_state[charts.download_key("small")] = True
    at.run()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["CSV", "PNG", "SVG"] * 2


@settings(max_examples=200, deadline=None)
@given(hst.lists(hst.sampled_from(["a", "b", "c", None]), max_size=60))
def test_longest_series_of_a_categorical_counts_as_groupby_does(values):
    """longest_series on a categorical colour (unused categories, missing values in no series) counts as pandas'
    groupby does."""
    df = pd.DataFrame({"s": pd.Categorical(values, categories=["c", "b", "a", "unused"]), "t": values})
    sizes = df.groupby("t", sort=False).size()
    assert charts.longest_series(df, ["s"]) == (int(sizes.max()) if len(sizes) else 0)
    assert charts.longest_series(df, []) == len(df)


def _streamlits(d: pd.DataFrame) -> pa.Table:
    """`d` as Streamlit's own conversion sends it, without its pandas metadata."""
    from streamlit import dataframe_util

    table = pa.ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(d)).read_all()
    return table.replace_schema_metadata(None)


@settings(max_examples=150, deadline=None)
@given(hst.lists(hst.tuples(hst.floats(allow_nan=True, allow_infinity=True), hst.integers(-2**40, 2**40),
                            hst.booleans(), hst.sampled_from(["a", "b", "ü c", None])), max_size=40))
def test_arrow_ipc_sends_the_columns_streamlits_own_conversion_does_for_any_values(rows):
    """arrow_ipc against Streamlit's conversion (pyarrow.Table.from_pandas) on random values: the same schema and
    values, NaN and missing text as null, categoricals as dictionaries; a mixed object column through Streamlit's."""
    f, i, b, t = (list(c) for c in zip(*rows)) if rows else ([], [], [], [])
    d = pd.DataFrame({"f": np.array(f, dtype=float), "i": np.array(i, dtype=np.int64), "small": np.array(i, dtype=float)
                      .astype(np.float32), "b": np.array(b, dtype=bool), "t": pd.array(t, dtype="str"),
                      "c": pd.Categorical(t, categories=["b", "a", "ü c", "unused"])})
    fast = pa.ipc.open_stream(charts.arrow_ipc(d)).read_all()
    assert fast.schema.metadata is None  # built column by column
    assert fast.equals(_streamlits(d)), (fast, _streamlits(d))
    mixed = pd.DataFrame({"o": pd.array([1, "x", None][: len(rows) % 3], dtype=object)})  # left to Streamlit's
    assert pa.ipc.open_stream(charts.arrow_ipc(mixed)).read_all().equals(_streamlits(mixed))


def _kept_app():
    import numpy as np
    import pandas as pd
    import streamlit as st

    from explorer import charts

    # one Chart object kept across reruns (as a page keeps a cached one), and one rebuilt each run with new data
    # under the same structure; a filtered frame (not a RangeIndex) is sent without its index
    n = st.session_state["n"] = st.session_state.get("n", 0) + 1
    kept = st.session_state.setdefault("kept", charts.line(
        pd.DataFrame({"x": np.arange(6.0), "y": np.arange(6.0) ** 2}).iloc[1:], "x", "y", title="Kept",
        x_title="x", y_title="y"))
    charts.show(kept, kept.datasets[charts.DATA], "kept")
    fresh = pd.DataFrame({"x": np.arange(n + 2, dtype=float), "y": float(n)})
    charts.show(charts.line(fresh, "x", "y", title="Fresh", x_title="x", y_title="y"), fresh, "fresh")
    # rules: the same each run (one frame, kept), and one moving with n
    charts.show(charts.line(fresh, "x", "y", title="Rules", x_title="x", y_title="y",
                            rules_y=[(0.5, "half"), (float(n), f"at {n}")]), fresh, "moving")
    charts.show(charts.line(fresh, "x", "y", title="Rule", x_title="x", y_title="y", rules_y=[(0.5, "half")]),
                fresh, "still")


def test_show_sends_each_chart_objects_own_data_on_every_rerun():
    """show() converts each frame object once and reuses the bytes while it lives: a kept chart (or an unchanged
    rules frame) sends the same bytes as a first conversion, and a chart built anew sends its new data and rules,
    never a previous chart's."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_kept_app, default_timeout=60)
    sent = []
    for n in (1, 2, 3):
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        kept, fresh, moving, still = at.get("vega_lite_chart")
        for el, want in ((moving, [(0.5, "half"), (float(n), f"at {n}")]), (still, [(0.5, "half")])):
            rules = {ds.name: pa.ipc.open_stream(ds.data.data).read_all().to_pandas() for ds in el.proto.datasets}
            assert list(zip(rules[charts.RULES]["v"], rules[charts.RULES]["label"])) == want
        frames = {ds.name: pa.ipc.open_stream(ds.data.data).read_all().to_pandas() for ds in kept.proto.datasets}
        assert list(frames[charts.DATA].columns) == ["x", "y"]  # no index column
        assert frames[charts.DATA]["x"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
        assert frames[charts.DATA]["y"].tolist() == [1.0, 4.0, 9.0, 16.0, 25.0]
        sent.append(kept.proto.datasets[0].data.data)
        shown = pa.ipc.open_stream(fresh.proto.datasets[0].data.data).read_all().to_pandas()
        assert shown["x"].tolist() == list(np.arange(n + 2, dtype=float)) and set(shown["y"]) == {float(n)}
    assert sent[0] == sent[1] == sent[2]


# --------------------------------------------------------------------------------------------- every page

@pytest.mark.parametrize("page_id", [p.url_path for p in PAGES])
def test_every_chart_a_page_sends_validates(page_id):
    at = run_page(page_id)
    assert not at.exception, [e.message for e in at.exception]
    elements = list(at.get("vega_lite_chart"))
    if page_id != "home":
        assert elements, f"{page_id}: no chart"
    for i, el in enumerate(elements):
        spec = json.loads(el.proto.spec)
        label = f"{page_id} chart {i} ({spec.get('title', {}).get('text', '')!r})"
        columns_of = {ds.name: set(pa.ipc.open_stream(ds.data.data).read_all().column_names)
                      for ds in el.proto.datasets}
        assert_valid({**spec, "datasets": {name: [] for name in columns_of}}, label)
        assert check_fields(spec, columns_of, path=label) >= 1


def test_altair_is_imported_by_the_chart_builders_alone():
    files = [*(ROOT / "explorer").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "streamlit_app.py"]
    assert len(files) > 10
    importers = set()
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "altair" for n in names):
                importers.add(str(f.relative_to(ROOT)))
    assert importers == {"explorer/charts.py"}


def test_point_markers_only_on_sparse_series():
    """Markers are drawn while every series has ≤ POINT_MARKS points; above that the line alone (fewer marks)."""
    def frame(n: int) -> pd.DataFrame:
        return pd.concat([pd.DataFrame({"x": np.arange(n, dtype=float), "y": np.arange(n) * k, "s": f"s{k}"})
                          for k in (1, 2)], ignore_index=True)

    def marked(n: int, **kw) -> bool:
        chart = charts.line(frame(n), "x", "y", title="t", x_title="x", y_title="y", points=True, **kw)
        return chart.spec["layer"][0]["mark"]["point"]

    assert marked(charts.POINT_MARKS, color="s") is True  # 2 series of POINT_MARKS: 2 × POINT_MARKS rows, still marked
    assert marked(charts.POINT_MARKS + 1, color="s") is False
    assert marked(charts.POINT_MARKS // 2) is True and marked(charts.POINT_MARKS) is False  # no colour: one series


# ------------------------------------------------------------------------------- Altair, compiled once

FIXTURE = ROOT / "tests" / "fixtures" / "chart_specs_dict_builders.json"


def fixture_cases() -> dict[str, charts.Chart]:
    """The calls whose output the fixture holds: CASES, and four with hover notes, sampling and canvas."""
    hm = dict(title="t", x_title="x", y_title="y", z_title="z", step=2)
    return {**CASES,
            "heatmap_hover_note": charts.heatmap(grid_frame(25), "n", "m", "score", **hm),
            "heatmap_facet_many": charts.heatmap(grid_frame(12, heads=4), "n", "m", "score", facet="head", zmax=2.0,
                                                 **hm),
            "matrix_sampled": charts.matrix(matrix_frame(tuple(range(40))), "row", "col", "value", title="R",
                                            row_title="r", col_title="c", z_title="z"),
            "points_canvas": charts.points(curve_frame(n=3000), "x", "y", **T)}


def unlift(spec: dict) -> dict:
    """The spec with each top-level selection moved back into the view its "views" names (where the dict builders
    wrote it): Altair lifts a layer's selection to the top level; Vega-Lite compiles both forms to the same Vega."""
    spec = json.loads(json.dumps(spec))
    params = spec.pop("params", [])
    kept = []
    for p in params:
        if "views" not in p:
            kept.append(p)
            continue
        for view in p.pop("views"):
            (layer,) = [v for v in spec["layer"] if v.get("name") == view]
            del layer["name"]
            layer.setdefault("params", []).append(p)
    return {**spec, "params": kept} if kept else spec


def dataset_digest(records_: list[dict]) -> list[dict] | str:
    if len(records_) <= 300:
        return records_
    return "sha256:" + hashlib.sha256(json.dumps(records_, sort_keys=True, allow_nan=False).encode()).hexdigest()


def as_fixture_png(records_: list[dict]) -> list[dict]:
    """The records with each image re-encoded as the fixture's were (PIL, compress_level 1): the PNG writer changed
    since (explorer.raster.png_data_url), the pixels must not have."""
    def encode(url: str) -> str:
        buf = io.BytesIO()
        Image.fromarray(raster.decode_png_data_url(url)).save(buf, format="PNG", compress_level=1)
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")

    return [{**r, "_url": encode(r["_url"])} if isinstance(r.get("_url"), str) else r for r in records_]


@lru_cache(maxsize=1)
def dict_builder_output() -> dict:
    return json.loads(FIXTURE.read_text())


def changed_since(name: str, spec: dict) -> dict:
    """The dict builders' spec with the changes made since, on purpose: a log x axis ends at the data (nice: false)."""
    if name == "line_log_x":
        spec = json.loads(json.dumps(spec))
        spec["layer"][0]["encoding"]["x"]["scale"]["nice"] = False
    # and a line's series legend shows the names in full (labelLimit 0)
    spec = json.loads(json.dumps(spec))
    for node in _nodes_with(spec, "mark"):
        mark = node["mark"].get("type") if isinstance(node["mark"], dict) else node["mark"]
        colour = node.get("encoding", {}).get("color")
        if mark == "line" and isinstance(colour, dict) and "field" in colour:
            colour["legend"] = {"labelLimit": 0}
            # series colours of ten distinct hues (the theme's palette pairs each hue with a paler copy)
            if "scheme" not in colour.get("scale", {}):
                colour["scale"] = {**colour.get("scale", {}), "range": list(charts.SERIES_COLOURS)}
        x = node.get("encoding", {}).get("x", {})
        if mark in ("line", "point") and isinstance(x.get("scale"), dict) and "type" not in x["scale"]:
            x["scale"]["nice"] = False  # and a linear x axis ends at the data too
    # rule labels: a vertical rule's above the plot (stacked upwards), a horizontal rule's at an end of the plot,
    # each over a white halo
    for node in _nodes_with(spec, "data"):
        if not (isinstance(node["data"], dict) and node["data"].get("name") == charts.RULES and "layer" in node):
            continue
        rule, text = node["layer"]
        index = node["transform"][0]["filter"]["equal"]
        if "y" in text["encoding"] and "value" in text["encoding"]["y"]:
            text["encoding"]["y"] = {"value": -charts.LABEL_STEP * index if index else 0}
        else:
            del text["encoding"]["x"]
            text["mark"]["x"] = {"expr": "datum.align === 'right' ? width : 0"}
        halo = json.loads(json.dumps(text))
        del halo["mark"]["color"]
        halo["mark"].update(stroke="white", strokeWidth=3, strokeOpacity=0.85)
        node["layer"] = [rule, halo, text]
    return spec


@pytest.mark.parametrize("name", list(dict_builder_output()))
def test_altair_compiles_to_the_spec_the_dict_builders_wrote(name):
    chart, before = fixture_cases()[name], dict_builder_output()[name]
    assert unlift(chart.spec) == changed_since(name, before["spec"])  # dicts: key order does not count, list order does
    # the sides of the rule labels changed since (neighbouring rules' labels point apart: tested on their own)
    sides = {charts.RULES: ["align", "dx"]}
    assert {k: dataset_digest(as_fixture_png(charts.records(d.drop(columns=sides.get(k, [])))))
            for k, d in chart.datasets.items()} \
        == {k: [{c: v for c, v in r.items() if c not in sides.get(k, [])} for r in rows] if isinstance(rows, list)
            else rows for k, rows in before["datasets"].items()}
    assert {k: {c: str(t) for c, t in d.dtypes.items()} for k, d in chart.datasets.items()} == before["dtypes"]


def test_unlift_is_needed_and_vega_is_the_same():
    """The hover selection is the only change, and it compiles to the same Vega."""
    import vl_convert as vlc

    for name in ("heatmap", "matrix"):
        chart, before = CASES[name], dict_builder_output()[name]
        assert chart.spec != before["spec"]
        values = chart.with_values()["datasets"]
        assert vlc.vegalite_to_vega({**chart.spec, "datasets": values}) == \
            vlc.vegalite_to_vega({**before["spec"], "datasets": values})


def test_a_structure_is_compiled_once_and_its_slots_filled_per_call():
    def draw(title: str, rule: float, series: list[str]) -> charts.Chart:
        df = pd.DataFrame({"x_once": np.arange(4.0).repeat(len(series)), "y": 1.0,
                           "s": series * 4})
        return charts.line(df, "x_once", "y", color="s", color_sort=series, title=title, x_title=f"x {title}",
                           y_title="y", rules_x=[(rule, f"at {rule}")])

    before = charts.compile_counts()
    a = draw("first", 1.0, ["a", "b"])
    b = draw("second", 2.5, ["c", "b", "a"])
    new = {k: n - before.get(k, 0) for k, n in charts.compile_counts().items() if n != before.get(k, 0)}
    assert list(new.values()) == [1] and list(new)[0][0] == "line"
    assert (a.spec["title"], b.spec["title"]) == ({"text": "first"}, {"text": "second"})
    assert b.spec["layer"][0]["encoding"]["x"]["title"] == "x second"
    assert b.spec["layer"][0]["encoding"]["color"]["sort"] == ["c", "b", "a"]
    assert charts.records(b.datasets[charts.RULES])[0]["label"] == "at 2.5"
    a.spec["layer"][0]["encoding"]["x"]["title"] = "edited"  # Streamlit edits specs in place: each call's own dict
    assert draw("first", 1.0, ["a", "b"]).spec == {**a.spec, "layer": [
        {**a.spec["layer"][0], "encoding": {**a.spec["layer"][0]["encoding"],
                                            "x": {**a.spec["layer"][0]["encoding"]["x"], "title": "x first"}}},
        *a.spec["layer"][1:]]}


def test_a_slot_inside_an_expression_is_escaped():
    chart = charts.line_marked(curve_frame(), "x", "y", "flag", mark_title='say "it\'s"', title="t", x_title="x",
                               y_title="y")
    assert chart.spec["layer"][1]["encoding"]["shape"]["legend"]["labelExpr"] == "'say \"it\\'s\"'"
    assert chart.spec["layer"][1]["encoding"]["shape"]["title"] == 'say "it\'s"'


def _sweep(at, fraction: float) -> None:
    """Every enabled slider to `fraction` of its range (a disabled one cannot change the view)."""
    for s in at.slider:
        if s.proto.disabled:
            continue
        lo, hi = s.min, s.max
        value = lo + (hi - lo) * fraction
        s.set_value(type(s.value)(round(value)) if isinstance(s.value, int) else value)
    for s in at.select_slider:  # options are the shown labels: send one as the browser does
        from streamlit.testing.v1.element_tree import TESTING_KEY

        if s.proto.disabled:
            continue
        at.session_state[TESTING_KEY][s.id] = str
        s.set_value(s.options[round((len(s.options) - 1) * fraction)])
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def _without_few_values(key) -> tuple:
    builder, items = key
    return builder, tuple(i for i in items if i[0] not in charts.FEW_VALUES)


# views that draw a table and code, no chart, by design
CHARTLESS_VIEWS = {("context_extension", "Plan")}


@pytest.mark.parametrize("page_id", [p.url_path for p in PAGES if p.url_path != "home"])
def test_moving_sliders_compiles_no_new_chart_structure(page_id):
    """Every view of the page: after a first render and a sweep of every slider to its minimum, maximum and middle,
    moving every slider to other values in between compiles nothing, except a structure differing from one the view
    already drew only in an entry with a few values (charts.FEW_VALUES: markers on short lines, facet columns, …): titles, domains, ticks
    and series are slots, not structure."""
    at = run_page(page_id)
    pickers = [b for b in at.get("button_group") if b.label == "View"]
    for view in pickers[0].options if pickers else [None]:
        at = run_page(page_id)
        used = charts.use_counts()
        if view is not None:
            [b for b in at.get("button_group") if b.label == "View"][0].set_value(view).run()
        if (page_id, view) in CHARTLESS_VIEWS:
            assert not at.get("vega_lite_chart"), f"{page_id} [{view}] now draws a chart: sweep it"
            continue
        assert at.get("vega_lite_chart"), f"{page_id} [{view}]: no chart"
        for fraction in (0.0, 1.0, 0.5):
            _sweep(at, fraction)
        seen = {_without_few_values(k) for k, n in charts.use_counts().items() if n != used.get(k, 0)}
        compiled = charts.compile_counts()
        for fraction in (0.1, 0.9, 0.3, 0.7, 0.55):
            _sweep(at, fraction)
        new = [k for k, n in charts.compile_counts().items() if n != compiled.get(k, 0)]
        assert all(_without_few_values(k) in seen for k in new), f"{page_id} [{view}]: compiled again: {new}"


def _nodes_with(node, key):
    if isinstance(node, dict):
        if key in node:
            yield node
        for v in node.values():
            yield from _nodes_with(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _nodes_with(v, key)


def test_line_legend_shows_series_names_in_full():
    # "logit scale = attention factor²" (YaRN) and "Qwen2.5-7B-Instruct + YaRN x4" (Models) were cut at Vega's 160 px
    df = pd.DataFrame({"x": [1.0, 2.0, 1.0, 2.0], "y": [1.0, 2.0, 3.0, 4.0],
                       "s": ["logit scale = attention factor²"] * 2 + ["Qwen2.5-7B-Instruct + YaRN x4 (long name)"] * 2})
    spec = charts.line(df, "x", "y", color="s", title="t", x_title="x", y_title="y").spec
    colours = [n["color"] for n in _nodes_with(spec, "color") if isinstance(n["color"], dict) and "field" in n["color"]]
    assert colours and all(c.get("legend", {}).get("labelLimit") == 0 for c in colours)


def test_log_axis_leaves_out_infinite_values():
    df = pd.DataFrame({"x": [0.0, 0.5, 1.0], "y": [10.0, 100.0, np.inf]})
    chart = charts.line(df, "x", "y", log_y=True, title="t", x_title="x", y_title="y")
    assert list(chart.datasets[charts.DATA]["y"]) == [10.0, 100.0]
    linear = charts.line(df, "x", "y", title="t", x_title="x", y_title="y")
    assert len(linear.datasets[charts.DATA]) == 3


def test_long_subtitles_wrap_instead_of_being_cut():
    long = "word " * 60  # 300 characters: Vega would cut the line with an ellipsis
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 2.0]})
    sub = charts.line(df, "x", "y", title="t", subtitle=long, x_title="x", y_title="y").spec["title"]["subtitle"]
    assert isinstance(sub, list) and len(sub) >= 3 and all(len(line) <= charts.SUBTITLE_CHARS for line in sub)
    assert " ".join(sub) == long.strip()
    grid = pd.DataFrame({"n": [0.0, 1.0, 0.0, 1.0], "m": [0.0, 0.0, 1.0, 1.0], "z": [1.0, 2.0, 3.0, 4.0]})
    square = charts.heatmap(grid, "n", "m", "z", title="t", subtitle=long, x_title="n", y_title="m", z_title="z",
                            square=True, height=420).spec["title"]["subtitle"]
    assert all(len(line) <= 420 // 6 for line in square)  # a fixed-width square's lines fit its width


def test_a_single_x_value_gets_one_plain_tick_not_a_zero_width_scale_of_ticks():
    """d = 2 has pair 0 only: Vega spread ticks over the zero-width domain, all printed "0.000000"."""
    df = pd.DataFrame({"pair": [0.0, 0.0], "theta": [1.0, 0.5], "kind": ["a", "b"]})
    chart = charts.line(df, "pair", "theta", color="kind", title="one pair", x_title="pair", y_title="θ")
    axis = chart.spec["layer"][0]["encoding"]["x"]["axis"] if "layer" in chart.spec else chart.spec["encoding"]["x"]["axis"]
    assert axis["values"] == [0.0] and axis["format"] == "~g"
    svg = charts._export(chart, "svg").decode()  # Vega's own tick labels
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "0.000000" not in svg and "0" in labels
    two = charts.line(df.assign(pair=[0.0, 1.0]), "pair", "theta", color="kind", title="two", x_title="pair",
                      y_title="θ")
    two_axis = two.spec["layer"][0]["encoding"]["x"] if "layer" in two.spec else two.spec["encoding"]["x"]
    assert "values" not in two_axis.get("axis", {})  # Vega's own ticks as soon as the axis has a width


def test_a_horizontal_rule_label_goes_to_the_end_of_the_plot_where_no_line_runs_under_it():
    """Precision: 'π: the pair points anywhere' at the left end sat on the lines when they start high there."""
    x = np.linspace(1.0, 100.0, 1000)
    falling = pd.DataFrame({"x": x, "y": 10.0 / x})  # crosses y = 8 at the left end, far below it at the right
    rising = pd.DataFrame({"x": x, "y": x / 10.0})  # and this one at the right end
    for df, right in ((falling, True), (rising, False)):
        chart = charts.line(df, "x", "y", rules_y=[(8.0, "level")], **T)
        assert charts.records(chart.datasets[charts.RULES])[0]["align"] == ("right" if right else "left")
        svg = charts._export(chart, "svg").decode()
        assert re.search(r'text-anchor="%s"[^>]*>level<' % ("end" if right else "start"), svg)


def test_rule_frames_kept_between_calls_are_the_rules_asked_for():
    """line() keeps its RULES frames per (rules, label sides): each call still gets its own rules, and writing to one
    chart's frame does not reach the next chart's."""
    df = pd.DataFrame({"x": np.arange(10.0), "y": np.linspace(-1.0, 1.0, 10)})
    kw = dict(title="t", x_title="x", y_title="y")
    first = charts.line(df, "x", "y", rules_y=[(0.0, "zero")], rules_x=[(8.0, "late")], **kw).datasets[charts.RULES]
    assert first["v"].tolist() == [8.0, 0.0] and first["label"].tolist() == ["late", "zero"]
    assert first["align"].tolist()[0] == "right"  # x = 8 of 0 … 9: its label on its left
    first.loc[0, "label"] = "changed"
    again = charts.line(df, "x", "y", rules_y=[(0.0, "zero")], rules_x=[(8.0, "late")], **kw).datasets[charts.RULES]
    assert again["label"].tolist() == ["late", "zero"]
    other = charts.line(df, "x", "y", rules_y=[(0.5, "half")], **kw).datasets[charts.RULES]
    assert other["v"].tolist() == [0.5] and other["label"].tolist() == ["half"]


def test_arrow_ipc_sends_what_streamlits_own_conversion_sends():
    """charts.show's dataset bytes (built column by column) decode to Streamlit's conversion of the same frame:
    the same columns, types and values; only the pandas metadata is left out. A column Arrow cannot take as it
    is (mixed types) goes through Streamlit's conversion, which fixes it."""
    from streamlit import dataframe_util

    df = pd.DataFrame({
        "panel": pd.Categorical.from_codes([0, 1, 1, 0], ["a", "b"]),
        "label": ["x", "", "y", "z"],
        "text": pd.Series(["p", None, "q", "r"], dtype=object),
        "v": [1.5, np.nan, np.inf, -0.0],
        "i": np.arange(4),
        "flag": [True, False, True, True],
    })
    got = pa.ipc.open_stream(charts.arrow_ipc(df)).read_all()
    want = pa.ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(df)).read_all()
    assert got.schema == want.schema.remove_metadata()
    assert got.equals(want.replace_schema_metadata(None))
    mixed = pd.DataFrame({"m": pd.Series([1, "a", 2.5], dtype=object)})
    got = pa.ipc.open_stream(charts.arrow_ipc(mixed)).read_all()
    assert got.equals(pa.ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(mixed)).read_all())


def test_kept_builds_once_per_key():
    """charts.kept: the same key reuses what was built (not rebuilt), another key builds again; the builder is
    not part of the key."""
    calls = []

    def build(v):
        calls.append(v)
        return charts.line(pd.DataFrame({"x": [0.0, 1.0], "y": [v, v + 1.0]}), "x", "y", title="t", x_title="x",
                           y_title="y")

    key = ("test_kept", 1.0, "a")
    first = charts.kept(key, lambda: build(1.0))
    again = charts.kept(key, lambda: build(99.0))  # another builder, same key: the kept chart
    other = charts.kept(("test_kept", 2.0, "a"), lambda: build(2.0))
    assert calls == [1.0, 2.0]
    assert again is first and list(first.datasets[charts.DATA]["y"]) == [1.0, 2.0]
    assert list(other.datasets[charts.DATA]["y"]) == [2.0, 3.0]


def test_longest_series_counts_like_a_groupby():
    rng = np.random.default_rng(7)
    n = 300
    df = pd.DataFrame({"a": rng.choice(["x", "y", "z"], n), "b": rng.integers(0, 4, n).astype(float),
                       "c": pd.Categorical.from_codes(rng.integers(0, 2, n), categories=["p", "q", "unused"])})
    df.loc[rng.choice(n, 20, replace=False), "b"] = np.nan
    for columns in (["a"], ["b"], ["c"], ["a", "b"], ["a", "c"], ["b", "c", "a"], []):
        want = int(df.groupby(columns, observed=True).size().max()) if columns else len(df)
        assert charts.longest_series(df, columns) == want, columns
