"""Driving the real app with Streamlit's AppTest: run a page, read its charts' spec and data."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "streamlit_app.py")
TIMEOUT = 120


def page_file(page_id: str) -> str:
    from explorer.nav import PAGE_BY_ID

    return str(ROOT / PAGE_BY_ID[page_id].file)


_COMPONENTS = None


def new_app() -> AppTest:
    """AppTest of the entrypoint. Each new AppTest scans every installed package for Streamlit components
    (the bulk of a light page's run); the scan is done once per test session and shared."""
    global _COMPONENTS
    at = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    if _COMPONENTS is None:
        from streamlit.components.v2.component_manager import BidiComponentManager

        _COMPONENTS = BidiComponentManager()
        _COMPONENTS.discover_and_register_components(start_file_watching=False)
    at._bidi_component_manager = _COMPONENTS  # noqa: SLF001
    return at


def run_page(page_id: str, query: dict[str, str | list[str]] | None = None) -> AppTest:
    """Open `page_id` the way a link does: entrypoint first, then the page, with `query` in the URL."""
    at = new_app()
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page_id != "home":
        at.switch_page(page_file(page_id))
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
    return at


def charts(at: AppTest) -> list[tuple[dict, pd.DataFrame]]:
    """Every Vega-Lite chart on the page as (spec, its main data frame)."""
    out = []
    for el in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        spec = json.loads(el.proto.spec)
        tables = [pa.ipc.open_stream(ds.data.data).read_all() for ds in el.proto.datasets]
        # a filtered frame's index would be shipped as a column nobody draws
        assert not any(c.startswith("__index_level") for t in tables for c in t.column_names), "index sent"
        frames = [t.to_pandas() for t in tables]
        if not frames and el.proto.data.data:
            frames = [pa.ipc.open_stream(el.proto.data.data).read_all().to_pandas()]
        # layered charts carry small frames for rules and labels too: the data is the largest one
        frame = max(frames, key=len) if frames else pd.DataFrame()
        if "_kind" in frame.columns:  # a raster heatmap: the numbers on screen are its hover cells
            frame = frame[frame["_kind"] == "cell"].reset_index(drop=True)
        out.append((spec, frame))
    return out


def raster_of(at: AppTest, text: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(image rows, hover cells, colour scale) of the raster heatmap whose title contains `text`."""
    for el in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        spec = json.loads(el.proto.spec)
        if text in title_of(spec):
            frame = max((pa.ipc.open_stream(ds.data.data).read_all().to_pandas() for ds in el.proto.datasets), key=len)
            assert "_kind" in frame.columns, f"{text!r} is not a raster heatmap"
            scale = _find_color_scale(spec)
            return (frame[frame["_kind"] == "image"].reset_index(drop=True),
                    frame[frame["_kind"] == "cell"].reset_index(drop=True), scale)
    raise AssertionError(f"no chart titled {text!r}")


def resolved_domain(scale: dict, frame: pd.DataFrame) -> list[float]:
    """A colour scale's domain as numbers: a scale that follows the data (raster.ColorMap.zmax) gives its stops as
    Vega expressions of the parameter _zmax, which the browser reads from the first row of the chart's data."""
    from explorer import raster

    domain = scale["domain"]
    if not any(isinstance(d, dict) for d in domain):
        return [float(d) for d in domain]
    zmax = float(frame[raster.ZMAX].iloc[0])
    return [float(eval(d["expr"], {"__builtins__": {}}, {raster.ZMAX: zmax})) for d in domain]


def _find_color_scale(node) -> dict:
    """The first colour scale in a spec (depth first)."""
    if isinstance(node, dict) and isinstance(node.get("color"), dict) and "scale" in node["color"]:
        return node["color"]["scale"]
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    return next((found for child in children if (found := _find_color_scale(child))), {})


def assert_raster_shows(at: AppTest, text: str, expected: pd.DataFrame, x: str, y: str, z: str,
                        facet: str | None = None, by_rank: bool = False) -> pd.DataFrame:
    """The raster heatmap titled `text` shows `expected` exactly: each cell's pixel is the colour of its z on the
    chart's own (legend) scale, pixels without a row are blank, and every hover cell carries expected's values.
    by_rank: x and y are placed by rank among their unique values (a matrix of gathered indices).
    Returns the hover cells."""
    from explorer import raster

    images, cells, scale = raster_of(at, text)
    cmap = raster.ColorMap(tuple(resolved_domain(scale, images)), tuple(scale["range"]), log=scale.get("type") == "log")
    groups = expected.groupby(facet, sort=False) if facet else [(None, expected)]
    for key, part in groups:
        row = images if facet is None else images[images[facet] == key]
        assert len(row) == 1, f"{text}: {len(row)} images for {key!r}"
        img = raster.decode_png_data_url(row["_url"].iloc[0])
        if by_rank:
            ix = np.searchsorted(np.sort(part[x].unique()), part[x].to_numpy())
            iy = np.searchsorted(np.sort(part[y].unique()), part[y].to_numpy())
        else:
            r = row.iloc[0]
            sx, sy = (r["_x2"] - r["_x"]) / img.shape[1], (r["_y2"] - r["_y"]) / img.shape[0]
            ix = np.rint((part[x].to_numpy(dtype=float) - r["_x"]) / sx).astype(int)
            iy = np.rint((part[y].to_numpy(dtype=float) - r["_y"]) / sy).astype(int)
        want = np.zeros(img.shape, dtype=np.uint8)
        want[iy, ix] = cmap.rgba(part[z].to_numpy(dtype=float))
        assert np.array_equal(img, want), f"{text} {key or ''}: {int((img != want).any(axis=2).sum())} pixels differ"
    keys = [k for k in (facet, y, x) if k]
    merged = cells.merge(expected, on=keys, suffixes=("", "_expected"), validate="one_to_one")
    assert len(merged) == len(cells) > 0, f"{text}: hover cells not in the expected data"
    np.testing.assert_array_equal(merged[z].to_numpy(), merged[z + "_expected"].to_numpy())
    return cells


def chart_titled(at: AppTest, text: str) -> tuple[dict, pd.DataFrame]:
    """The chart whose title contains `text` (layered charts carry the title at the top level)."""
    for spec, df in charts(at):
        if text in title_of(spec):
            return spec, df
    raise AssertionError(f"no chart titled {text!r}; have {[title_of(s) for s, _ in charts(at)]}")


def title_of(spec: dict) -> str:
    """A chart's own (top-level) title text."""
    t = spec.get("title", "")
    return t.get("text", "") if isinstance(t, dict) else str(t)


def warnings_text(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning) + "\n".join(e.value for e in at.error)


# --------------------------------------------------------------------------------------------------------------
# Pages in views: a view picker (explorer.page.view_spec, `?view=slug`, the first view the default) and one chart
# per view. `titles` below maps each view's slug to (a part of) its one chart's title, default view first.

def open_view(page_id: str, view: str, query: dict[str, str] | None = None) -> AppTest:
    """The page at `query` showing `view` (in the URL), without an exception. One run per (page, view, query) per
    test session, shared by every test that asks: read it, do not click or rerun it."""
    return _open_view(page_id, view, tuple(sorted((query or {}).items())))


@lru_cache(maxsize=None)
def _open_view(page_id: str, view: str, query: tuple[tuple[str, str], ...]) -> AppTest:
    at = run_page(page_id, {**dict(query), "view": view})
    assert not at.exception, exceptions(at)
    return at


def view_case_fixture(page_id: str, cases: dict[str, dict[str, str]]):
    """A module-scoped fixture `case`, one per entry of `cases`: (query, open) where open(view) is
    open_view(page_id, view, query). In a test module: `case = view_case_fixture("attention", CASES)`."""

    @pytest.fixture(scope="module", params=list(cases), name="case")
    def case(request):
        query = cases[request.param]
        return query, lambda view: open_view(page_id, view, query)

    return case


def assert_one_chart(at: AppTest, title: str, exact: bool = False,
                     max_rows: int | None = None) -> tuple[dict, pd.DataFrame]:
    """The page draws exactly one chart, whose title contains `title` (is `title`, if exact), and returns it.
    max_rows: its data has rows, at most max_rows."""
    found = charts(at)
    titles = [title_of(s) for s, _ in found]
    assert len(found) == 1, f"{len(found)} charts, not one: {titles}"
    assert (titles[0] == title) if exact else (title in titles[0]), f"chart {titles[0]!r}, not {title!r}"
    spec, df = found[0]
    if max_rows is not None:
        assert 0 < len(df) <= max_rows, f"{titles[0]!r}: {len(df)} rows, not 1..{max_rows}"
    return spec, df


def assert_view_shows(at: AppTest, view: str, title: str, exact: bool = False,
                      bounded: bool = True) -> tuple[dict, pd.DataFrame]:
    """The picker is at `view` and the page draws that view's one chart, with 1..explorer.charts.MAX_ROWS rows
    if bounded; returns it."""
    from explorer.charts import MAX_ROWS

    assert not at.exception, exceptions(at)
    assert at.button_group[0].value == view, f"picker at {at.button_group[0].value!r}, not {view!r}"
    return assert_one_chart(at, title, exact, MAX_ROWS if bounded else None)


def assert_views_switch_by_click(page_id: str, titles: dict[str, str], query: dict[str, str] | None = None,
                                 clicks: list[str] | None = None, exact: bool = False, also=None) -> AppTest:
    """Open the page at `query` (its view, else the default), then click the picker to each of `clicks` in turn
    (default: every other view in order, then back to the default). Each time the picker and the one chart are
    the view's, and the URL carries `view=slug`, except for the default view, which stays out of the URL.
    also(at, view): page-specific checks, at the opening view and after each click. Returns the AppTest."""
    default = next(iter(titles))
    at = run_page(page_id, query)

    def check(view: str) -> None:
        assert_view_shows(at, view, titles[view], exact, bounded=False)
        if view == default:
            assert "view" not in at.query_params, f"default view {view!r} in the URL: {dict(at.query_params)}"
        else:
            assert at.query_params.get("view") == view, f"URL {dict(at.query_params)}, not view={view}"
        if also:
            also(at, view)

    check((query or {}).get("view", default))
    for view in clicks or [*[v for v in titles if v != default], default]:
        at.button_group[0].set_value(view).run()
        check(view)
    return at


def assert_unknown_view_falls_back(page_id: str, titles: dict[str, str], bad: str = "xyz",
                                   query: dict[str, str] | None = None, exact: bool = False) -> AppTest:
    """`?view=<bad>` warns, naming the `view` parameter, the bad value and every view, and shows the default view
    (picker and its one chart), which then stays out of the URL."""
    default = next(iter(titles))
    at = run_page(page_id, {**(query or {}), "view": bad})
    text = warnings_text(at)
    assert "`view`" in text and f"`{bad}`" in text, text
    assert all(view in text for view in titles), f"not every view named: {text}"
    assert_view_shows(at, default, titles[default], exact, bounded=False)
    assert "view" not in at.query_params, dict(at.query_params)
    return at


# --------------------------------------------------------------------------------------------------------------
# Used by tests/test_pages.py (the generic every-page tests).

def open_url(page_id: str, query: dict[str, str | list[str]] | None = None) -> AppTest:
    """Open `page_id` by its own URL (/<url_path>?query) as the first request of a session.

    `AppTest.switch_page` accepts only a page *file* (a url_path raises ValueError in streamlit 1.67), so this asks
    for the page the way the browser does: the first run requests the script hash st.navigation gives the page,
    which is calc_hash(url_path) (streamlit/navigation/page.py: StreamlitPage._script_hash).
    """
    from streamlit.util import calc_hash

    at = new_app()
    at._page_hash = calc_hash(page_id)  # noqa: SLF001 - no public API for "open this url_path first"
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def rerun_with_url(at: AppTest, query: dict[str, str | list[str]]) -> AppTest:
    """Replace the URL's query of a running session (as back/forward or an edited address bar does) and rerun."""
    at.query_params.clear()
    at.query_params.update(query)
    return at.run()


def chart_payloads(at: AppTest) -> list[tuple[str, list[int]]]:
    """(title, rows of every dataset) for every chart: what is actually shipped to the browser."""
    out = []
    for el in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        spec = json.loads(el.proto.spec)
        rows = [pa.ipc.open_stream(ds.data.data).read_all().num_rows for ds in el.proto.datasets]
        if el.proto.data.data:
            rows.append(pa.ipc.open_stream(el.proto.data.data).read_all().num_rows)
        rows += _inline_rows(spec)
        out.append((_deep_title(spec), rows))
    return out


def _inline_rows(spec) -> list[int]:
    """Rows of data written inline into the spec (data.values), at any depth."""
    found = []
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            found.append(len(data["values"]))
        for k, v in spec.items():
            if k != "data":
                found += _inline_rows(v)
    elif isinstance(spec, list):
        for v in spec:
            found += _inline_rows(v)
    return found


def _deep_title(spec: dict) -> str:
    t = title_of(spec)
    if t:
        return t
    for sub in spec.get("layer", []) + spec.get("vconcat", []) + spec.get("hconcat", []):
        t = _deep_title(sub)
        if t:
            return t
    return ""


def exceptions(at: AppTest) -> list[str]:
    """Every exception on the page with its stack trace, for assertion messages."""
    return [f"{e.message}\n" + "\n".join(e.stack_trace or []) for e in at.exception]


# Page-specific controls are ParamSpecs a page passes to explorer.page.setup -> explorer.sidebar.render. The
# generic tests need them (a select_slider's raw options are not in its proto, only their labels), so the
# recorder below wraps sidebar.render once per test session and remembers what each page passed. It changes
# nothing else: the page runs the real render with the same arguments.
PAGE_SPECS: dict[str, tuple] = {}


def record_page_specs() -> None:
    from explorer import sidebar

    if getattr(sidebar.render, "_records_specs", False):
        return
    real = sidebar.render

    def render(page_id, page_specs=(), *args, **kwargs):
        PAGE_SPECS[page_id] = tuple(page_specs)
        return real(page_id, page_specs, *args, **kwargs)

    render._records_specs = True
    sidebar.render = render


# the main area's width beside the expanded sidebar in a 1,280 px wide window (measured in Chromium: 819 px), less
# a table's borders and scroll bar
MAIN_WIDTH_1280 = 800


def dataframe_columns(element) -> tuple[list[str], dict[str, dict]]:
    """A st.dataframe element's shown columns, in order, and its column config (as sent to the browser)."""
    return list(element.proto.column_order), json.loads(element.proto.columns or "{}")


def assert_columns_fit(element, texts_after: int = 1) -> None:
    """Every shown column but the last `texts_after` (long texts, after the figures) has a pixel width, and together
    they fit the main area at 1,280 px: none hides behind a horizontal scroll."""
    order, config = dataframe_columns(element)
    assert order, "no column order: the table's columns are laid out by their contents"
    fixed = order[:-texts_after] if texts_after else order
    widths = [config.get(c, {}).get("width") for c in fixed]
    assert all(isinstance(w, int) for w in widths), dict(zip(fixed, widths))
    assert sum(widths) <= MAIN_WIDTH_1280, (sum(widths), dict(zip(fixed, widths)))
