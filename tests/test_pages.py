"""Every page, driven through Streamlit's AppTest the way readers use it.

- reached through the entrypoint and through its own URL;
- at defaults, at both ends of every shared control read from explorer.controls.SHARED via the URL (one at a
  time, every choice, every scaling method with its parameters at both ends, every preset), at one all-lightest
  and one all-heaviest combination in each of the page's views, and with every slider / select_slider on the
  page (page-specific ones included) moved to its min and max through AppTest's widget API;
- with hostile URLs;
- across pages (values persist, the URL carries non-defaults only, presets and "custom (from …)");
- the shared-layer data check: the relative-position heatmap is constant along its diagonals.

Each run asserts: no exception, exactly one chart (Home has none by design; a page with several charts shows one
view at a time), and that chart ships at most charts.MAX_ROWS rows. What a page's numbers mean is tested by its own tests/test_page_<id>.py.
"""

from __future__ import annotations


import json
import math
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from explorer import controls
from explorer.charts import MAX_ROWS
from explorer.nav import PAGES
from explorer.params import VIEW, ParamSpec
from tests.apptest_utils import (
    PAGE_SPECS,
    chart_payloads,
    charts,
    exceptions,
    open_url,
    page_file,
    record_page_specs,
    rerun_with_url,
    run_page,
)

PAGE_IDS = [p.url_path for p in PAGES]
CHARTLESS = {"home"}  # Home is text, metrics and links (issue 3, page 1)
CHARTLESS_VIEWS = {("context_extension", "plan")}  # the planner: a table and config blocks
# The optional inputs each page reads (explorer.controls.OPTIONAL_KEYS: heatmap window and offset, q and k, heads):
# shown there and nowhere else. Distance decay's depend on the view.
HEATMAP_INPUTS = {"window", "offset", "content", "seed"}
PAGE_INPUTS = {"rotation": {"content", "seed"}, "rotation_matrix": {"content", "seed"},
               "relative_position": HEATMAP_INPUTS, "rope_vs_sinusoidal": HEATMAP_INPUTS,
               "attention": HEATMAP_INPUTS | {"heads"}}
DECAY_INPUTS = {"heatmap": {"window", "offset"}, "random": {"content", "seed"}}
MODEL_SLIDERS = {"w_head_dim", "w_partial_rotary_factor", "w_rope_theta", "w_original_max_position_embeddings",
                 "w_max_position_embeddings"}


def expected_inputs(at, page_id: str) -> set[str]:
    if page_id == "distance_decay":
        return DECAY_INPUTS.get(at.session_state["_rope_values"].get("view", "heatmap"), set())
    return PAGE_INPUTS.get(page_id, set())
SHARED = controls.SHARED
SPEC = {s.key: s for s in SHARED}
NUMERIC = ("int", "float", "grid")
DEFAULTS = controls.defaults()


@pytest.fixture(scope="session", autouse=True)
def _record_specs():
    record_page_specs()


# ------------------------------------------------------------------------------------------------- helpers

def current_page(at) -> str:
    """The url_path of the page the last run finished on."""
    from streamlit.util import calc_hash

    done = at._finished_page_script_hash  # noqa: SLF001
    return next((p for p in PAGE_IDS if calc_hash(p) == done), done)


def check(at, page_id: str, where: str = "") -> None:
    """The invariants of every run of every page."""
    label = f"{page_id} [{where}]"
    assert not at.exception, f"{label}: exception on the page:\n" + "\n".join(exceptions(at))
    assert current_page(at) == page_id, f"{label}: ended on page {current_page(at)!r}"
    # st.navigation ran (a page run without it is the legacy pages/ mode a cold deep link falls into)
    registered = at._registered_pages.values()  # noqa: SLF001
    assert sorted(i.get("page_name", "") for i in registered if "url_pathname" in i) == sorted(
        p.title for p in PAGES), f"{label}: st.navigation did not register the app's pages"
    keys = {w.key for w in [*at.sidebar.slider, *at.sidebar.select_slider]}
    assert MODEL_SLIDERS <= keys, f"{label}: the shared sidebar is missing: {keys}"
    inputs = {k for k in controls.OPTIONAL_KEYS if f"w_{k}" in {w.key for w in [*at.sidebar.slider, *at.sidebar.radio]}}
    assert inputs == expected_inputs(at, page_id), f"{label}: sidebar inputs {inputs}, the page reads " \
                                                   f"{expected_inputs(at, page_id)}"
    payloads = chart_payloads(at)
    chartless = page_id in CHARTLESS or (page_id, at.query_params.get("view")) in CHARTLESS_VIEWS
    if chartless:
        assert not payloads, f"{label}: charts on a page or view without one: {[t for t, _ in payloads]}"
    else:  # one chart per run: a page with several has a view picker (explorer.page.view_spec)
        assert len(payloads) == 1, f"{label}: {len(payloads)} charts on the page, not 1: {[t for t, _ in payloads]}"
    for title, rows in payloads:
        assert sum(rows) <= MAX_ROWS, f"{label}: chart {title!r} ships {sum(rows):,} rows {rows} > {MAX_ROWS:,}"


def page_specs(page_id: str) -> tuple[ParamSpec, ...]:
    if page_id not in PAGE_SPECS:
        check(open_url(page_id), page_id, "discover page controls")
    return PAGE_SPECS[page_id]


def ends(spec: ParamSpec, values: dict) -> tuple:
    lo, hi = spec.bounds(values)
    if spec.kind == "int":
        lo, hi = int(lo), int(hi)
        if spec.even:
            lo, hi = lo + lo % 2, hi - hi % 2
    return lo, hi


def full_url(page_id: str, case: dict) -> dict[str, str]:
    """The whole state as a URL: every shared and page control at its default, overridden by `case`.

    Each case spells everything out, so that it does not depend on the previous case run in the same session
    (nor on how the sidebar treats keys a URL leaves out). With a preset, the model's own values come from the
    preset instead.
    """
    out = {}
    for s in (*SHARED[1:], *page_specs(page_id)):
        if "preset" in case and s.key in controls.MODEL_KEYS:
            continue
        out[s.key] = s.to_url(s.default)
    out.update({k: str(v) for k, v in case.items()})
    return out


def _q(spec: ParamSpec, v) -> str:
    return spec.to_url(v)


def shared_cases(page_id: str) -> list[tuple[str, dict]]:
    """Both ends of every shared control, one at a time; every choice; every method with its parameters."""
    cases: list[tuple[str, dict]] = []
    for s in SHARED[1:]:
        if s.show_if is not None or s.key == "rope_type":
            continue  # the scaling method and its parameters: below
        if s.kind in NUMERIC:
            lo, hi = ends(s, DEFAULTS)
            cases += [(f"{s.key}={_q(s, lo)}", {s.key: _q(s, lo)}), (f"{s.key}={_q(s, hi)}", {s.key: _q(s, hi)})]
        elif s.kind == "choice":
            cases += [(f"{s.key}={o}", {s.key: o}) for o in s.options if o != s.default]
        elif s.kind == "bool":
            cases.append((f"{s.key}={_q(s, not s.default)}", {s.key: _q(s, not s.default)}))
    for method in controls.ROPE_TYPES[1:]:  # each method, with all of its parameters at their low / high ends
        own = [s for s in SHARED if s.show_if is not None and s.show_if({"rope_type": method})]
        for end in (0, 1):
            case = {"rope_type": method}
            for s in own:
                case[s.key] = _q(s, bool(end)) if s.kind == "bool" else _q(s, ends(s, DEFAULTS)[end])
            cases.append((f"rope_type={method},params-{'lo' if end == 0 else 'hi'}", case))
    cases += [(f"preset={slug}", {"preset": slug}) for slug in controls.listed_preset_slugs()]
    return cases


URL_CASES = [(page_id, cid, case) for page_id in PAGE_IDS for cid, case in shared_cases(page_id)]


def extreme_case(page_id: str, end: int) -> dict:
    """Every numeric control (shared and page-specific) at one end at once; the heaviest one uses YaRN."""
    case = {"rope_type": "yarn" if end else "default"}
    values = dict(DEFAULTS)
    for s in (*SHARED[1:], *page_specs(page_id)):
        if s.kind in NUMERIC:
            v = ends(s, values)[end]
            values[s.key] = v
            case[s.key] = _q(s, v)
    return case


# ------------------------------------------------------------------------------------------------- reaching pages

@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_through_entrypoint(page_id):
    at = run_page(page_id)
    check(at, page_id, "entrypoint, defaults")
    assert dict(at.query_params) == {}, f"defaults must leave the URL empty, got {dict(at.query_params)}"
    for w in [*at.sidebar.slider, *at.sidebar.select_slider, *at.sidebar.selectbox, *at.sidebar.radio,
              *at.sidebar.toggle]:
        assert w.help, f"{page_id}: sidebar control {w.label!r} has no help tooltip"


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_through_own_url(page_id):
    """Today's short link names still open the view; the link is rewritten in the config.json names."""
    at = open_url(page_id, {"theta": "500000", "d": "64", "target": "65536"})
    check(at, page_id, "own URL")
    assert not at.warning, [w.value for w in at.warning]
    assert at.sidebar.slider(key="w_head_dim").value == 64
    assert at.sidebar.select_slider(key="w_max_position_embeddings").value == 65536
    assert at.sidebar.select_slider(key="w_rope_theta").value == 500000.0
    assert dict(at.query_params) == {"rope_theta": "500000", "head_dim": "64", "max_position_embeddings": "65536"}


# ------------------------------------------------------------------------------------------------- extremes

_WARM: dict[str, object] = {}


def warm(page_id: str):
    """One session per page, reused by that page's URL cases (each spells out the whole state: full_url)."""
    if page_id not in _WARM:
        _WARM.clear()  # cases are grouped by page: keep one session alive at a time
        _WARM[page_id] = open_url(page_id)
    return _WARM[page_id]


@pytest.mark.parametrize("page_id,case_id,case", URL_CASES, ids=[f"{p}-{c}" for p, c, _ in URL_CASES])
def test_shared_control_extremes_via_url(page_id, case_id, case):
    at = warm(page_id)
    rerun_with_url(at, full_url(page_id, case))
    check(at, page_id, case_id)
    values = at.session_state["_rope_values"]
    for k, v in case.items():  # the sidebar holds what the link asked for
        if k == "preset":
            assert values["preset"] == v
        elif SPEC[k].kind in NUMERIC:
            assert math.isclose(float(values[k]), float(v)), (k, values[k], v)
        else:
            assert str(SPEC[k].to_url(values[k])) == v, (k, values[k], v)


def views(page_id: str) -> list[str]:
    return [o for s in page_specs(page_id) if s.widget == VIEW for o in s.options]


@pytest.mark.parametrize("end", [0, 1], ids=["all-lightest", "all-heaviest"])
@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_every_view_with_all_controls_at_one_end(page_id, end):
    """Every numeric control at its min, then at its max, in each view of the page (each draws one chart)."""
    at = warm(page_id)
    for view in views(page_id) or [None]:
        case = extreme_case(page_id, end)
        if view is not None:
            case["view"] = view
        rerun_with_url(at, full_url(page_id, case))
        check(at, page_id, f"view {view}, all controls at {'min' if end == 0 else 'max'}")
        if view is not None:
            assert at.button_group[0].value == view


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_every_slider_widget_at_both_ends(page_id):
    """Every enabled slider and select_slider (sidebar and page), found on the page, moved to its min and max."""
    at = open_url(page_id)
    check(at, page_id, "defaults")
    specs = {s.key: s for s in (*SHARED, *page_specs(page_id))}
    keys = [w.key for w in [*at.slider, *at.select_slider] if not w.disabled]
    # Models shows every preset's own config: the sidebar's model is drawn, disabled with the reason
    assert len(keys) >= 4 or (page_id == "models" and all(w.disabled for w in at.sidebar.slider)), keys
    for wkey in keys:
        assert wkey.removeprefix("w_") in specs, f"{page_id}: sidebar widget {wkey!r} is not a ParamSpec (not in URLs)"
    failures = []
    restore = None  # (widget key, value): put back together with the next move, to save a rerun
    for wkey in keys:
        key = wkey.removeprefix("w_")
        spec = specs[key]
        original = at.session_state["_rope_values"][key]
        for end in ("min", "max"):
            widget = _find(at, wkey)
            if widget is None:  # hidden by another control's bound; nothing to move
                break
            if widget.type == "slider":
                target = widget.proto.min if end == "min" else widget.proto.max
                target = int(target) if spec.kind == "int" else float(target)
            else:
                # a grid's options within its current bounds, as its slider lists them
                options = (spec.grid_options(original, at.session_state["_rope_values"]) if spec.kind == "grid"
                           else list(spec.options))
                target = options[0] if end == "min" else options[-1]
            widget.set_value(target)
            if restore is not None and _find(at, restore[0]) is not None:
                _find(at, restore[0]).set_value(restore[1])
            at.run()
            try:
                check(at, page_id, f"{key} widget at {end} ({target})")
                values = at.session_state["_rope_values"]
                assert values[key] == target, f"{key}: widget set to {target}, value is {values[key]}"
                if _same(target, spec.default):
                    assert key not in at.query_params, f"{key} at its default must not be in the URL"
                else:
                    assert at.query_params.get(key) == spec.to_url(target), (key, dict(at.query_params))
                if restore is not None:
                    rkey = restore[0].removeprefix("w_")
                    # within the bounds this move left it (pair index < the pairs of head_dim at its min)
                    want = specs[rkey].clamp(restore[1], values)
                    assert _same(values[rkey], want), f"{rkey} not restored: {values[rkey]} != {want}"
            except AssertionError as err:
                failures.append(str(err))
            restore = None
        restore = (wkey, original)
    assert not failures, "\n\n".join(failures)


def _find(at, wkey: str):
    for w in [*at.slider, *at.select_slider]:
        if w.key == wkey:
            return w
    return None


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


# ------------------------------------------------------------------------------------------------- hostile URLs

TAG = "<script>alert('x')</script>"
# name -> (query, keys whose warning must name them). Parsing of each value alone is tested in test_params.py;
# here every category reaches every page through the real sidebar.
HOSTILE: dict[str, tuple[dict, list[str]]] = {
    "non-numbers": ({"d": "abc", "prf": "one", "seed": "0x10"}, ["d", "prf", "seed"]),
    "nan-inf": ({"theta": "nan", "L": "inf", "offset": "-inf", "heads": "NaN"}, ["theta", "L", "offset", "heads"]),
    "negative-zero-huge": ({"offset": "-5", "heads": "0", "d": "0", "L": "1e308", "theta": "-1e4"},
                           ["offset", "heads", "d", "L", "theta"]),
    "odd-head-dim": ({"d": "63", "prf": "0"}, ["d", "prf"]),
    "unknown-names": ({"scaling": "rope2", "layout": "diagonal", "content": "zeros", "preset": "gpt-7"},
                      ["scaling", "layout", "content", "preset"]),
    "repeated-keys": ({"d": ["64", "512"], "L": ["1", "2", "3"]}, ["d", "L"]),
    "10kB-value": ({"theta": "9" * 10_240, "d": "1" * 10_240}, ["theta", "d"]),
    "html": ({"layout": TAG, TAG: "1", "d": '"><img src=x onerror=alert(1)>'}, ["layout", "d"]),
    "pasted-preset-elsewhere": ({"preset": "pasted", "d": "64"}, []),
    "every-key-nan": ("nan", "all"),
    "every-key-huge-negative": ("-1e308", "all"),
    "every-key-html": (TAG, "all"),
}


def _warnings(at) -> str:
    return "\n".join(w.value for w in at.warning)


@pytest.mark.parametrize("case_id", list(HOSTILE))
@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_hostile_url(page_id, case_id):
    query, named = HOSTILE[case_id]
    if named == "all":  # every shared and page-specific key at once
        specs = (*SHARED, *page_specs(page_id))
        query, named = {s.key: query for s in specs}, [s.key for s in specs[1:]]
    at = open_url(page_id, query)
    check(at, page_id, f"hostile {case_id}")
    text = _warnings(at)
    assert text, f"{page_id} {case_id}: no warning shown"
    for key in named:
        assert f"`{key}`" in text, f"{page_id} {case_id}: no warning names `{key}`:\n{text}"
    if case_id == "pasted-preset-elsewhere":
        assert "pasted" in text and at.sidebar.slider(key="w_head_dim").value == 64, text
    assert "<script" not in text and "<img" not in text
    # the bad values are not written back into the URL
    for k, v in at.query_params.items():
        assert "<" not in str(v) and len(str(v)) < 100, (k, str(v)[:80])


# ------------------------------------------------------------------------------------------------- across pages

def test_value_set_on_one_page_persists_on_every_other():
    at = run_page("relative_position")
    at.sidebar.slider(key="w_head_dim").set_value(64).run()
    at.sidebar.select_slider(key="w_rope_theta").set_value(500000.0).run()
    assert dict(at.query_params) == {"head_dim": "64", "rope_theta": "500000"}
    for info in PAGES:
        at.switch_page(page_file(info.url_path)).run()
        check(at, info.url_path, "after switching page")
        assert at.sidebar.slider(key="w_head_dim").value == 64, info.url_path
        assert at.sidebar.select_slider(key="w_rope_theta").value == 500000.0, info.url_path
        # the model travels; the previous page's own parameters do not
        assert dict(at.query_params) == {"head_dim": "64", "rope_theta": "500000"}, dict(at.query_params)


def test_navigation_pages_are_built_once_per_session_and_each_switch_runs_the_page_asked_for():
    at = run_page("home")
    built = at.session_state["_nav_pages"][1]
    assert [p.title for p in built] == [info.title for info in PAGES]
    own_title = {info.url_path: run_page(info.url_path).title[0].value for info in PAGES}  # each in its own session
    assert len(set(own_title.values())) == len(PAGES)
    for info in [*PAGES[::-1], *PAGES]:  # every page twice, from both directions, through the same objects
        at.switch_page(page_file(info.url_path)).run()
        check(at, info.url_path, "after switching page")
        assert at.title[0].value == own_title[info.url_path], info.url_path
    assert at.session_state["_nav_pages"][1] is built


def test_home_links_every_other_page_by_its_url_path_and_title():
    at = run_page("home")
    links = [(el.proto.page, el.proto.label) for el in at.get("page_link")]
    assert [page for page, _ in links] == ["rotation", "frequencies", "relative_position", "distance_decay",
                                            "rotation_matrix", "rope_vs_sinusoidal", "attention", "context_extension",
                                            "precision", "models", "multimodal"]
    titles = {info.url_path: info.title for info in PAGES}
    assert all(label.startswith(f"**{titles[page]}**: ") for page, label in links), links
    # the same links after a page switch and back (the session's pages, not a fresh lookup)
    at.switch_page(page_file("models")).run()
    at.switch_page(page_file("home")).run()
    assert [(el.proto.page, el.proto.label) for el in at.get("page_link")] == links


def test_a_page_switch_drops_the_previous_pages_own_parameters():
    at = run_page("frequencies", {"view": "wavelength", "theta": "500000"})
    assert dict(at.query_params) == {"view": "wavelength", "rope_theta": "500000"}
    at.switch_page(page_file("relative_position")).run()
    check(at, "relative_position", "after Frequencies [wavelength]")
    assert not at.warning, [w.value for w in at.warning]
    assert dict(at.query_params) == {"rope_theta": "500000"}
    assert at.button_group[0].value == "matrix"
    # and back: Frequencies opens at its default view, not the one it had before
    at.switch_page(page_file("frequencies")).run()
    assert dict(at.query_params) == {"rope_theta": "500000"} and at.button_group[0].value == "freq"


def test_url_carries_non_defaults_and_drops_defaults():
    at = run_page("relative_position")
    assert dict(at.query_params) == {}
    at.sidebar.slider(key="w_window").set_value(300).run()
    at.sidebar.slider(key="w_offset").set_value(17).run()
    assert dict(at.query_params) == {"window": "300", "offset": "17"}
    at.sidebar.slider(key="w_window").set_value(256).run()
    assert dict(at.query_params) == {"offset": "17"}
    at.sidebar.selectbox(key="w_rope_type").set_value("yarn").run()
    assert at.query_params.get("rope_type") == "yarn" and "factor" not in at.query_params  # factor at default
    at.sidebar.slider(key="w_factor").set_value(16.0).run()
    assert at.query_params.get("factor") == "16"
    at.sidebar.selectbox(key="w_rope_type").set_value("default").run()
    assert dict(at.query_params) == {"offset": "17"}, "a hidden method parameter must leave the URL"


def _sidebar_captions(at) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


# Llama-3.1-8B's config.json (meta-llama/Llama-3.1-8B): what its preset must set, written out by hand
LLAMA31 = {"head_dim": 128, "partial_rotary_factor": 1.0, "layout": "half", "rope_theta": 500000.0,
           "rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192,
           "max_position_embeddings": 131072, "low_freq_factor": 1.0, "high_freq_factor": 4.0}


def test_preset_sets_values_and_editing_shows_custom():
    slug, name = "llama-3.1-8b", "Llama-3.1-8B"
    at = run_page("frequencies")
    at.sidebar.selectbox(key="w_preset").set_value(slug).run()
    check(at, "frequencies", f"preset {slug}")
    values = at.session_state["_rope_values"]
    assert {k: values[k] for k in LLAMA31} == LLAMA31
    assert at.sidebar.slider(key="w_head_dim").value == 128
    assert at.sidebar.select_slider(key="w_rope_theta").value == 500000.0
    assert at.sidebar.select_slider(key="w_max_position_embeddings").value == 131072
    assert f"Preset: **{name}**" in _sidebar_captions(at)
    assert dict(at.query_params) == {"preset": slug}, "a preset's own values are not repeated in the URL"

    at.sidebar.select_slider(key="w_rope_theta").set_value(10.0).run()
    check(at, "frequencies", "preset edited")
    assert f"custom (from {name})" in _sidebar_captions(at)
    assert dict(at.query_params) == {"preset": slug, "rope_theta": "10"}

    # the edited link reproduces the same state in a new session, on another page
    other = open_url("relative_position", dict(at.query_params))
    check(other, "relative_position", "edited preset link")
    assert f"custom (from {name})" in _sidebar_captions(other)
    assert other.sidebar.select_slider(key="w_rope_theta").value == 10.0
    assert other.sidebar.slider(key="w_head_dim").value == 128


# ------------------------------------------------------------------------------------------------- data

HEATMAP = "⟨RoPE(q, m), RoPE(k, n)⟩"


@pytest.mark.parametrize("query", [
    {},
    {"d": "512", "L": "8192", "offset": "100000"},
    {"layout": "interleaved", "scaling": "yarn", "factor": "64", "theta": "10"},
    {"content": "identical", "prf": "0.25", "scaling": "llama3", "L": "4000"},
    {"scaling": "dynamic", "L": "8192", "orig": "256"},
], ids=["defaults", "heavy", "yarn-interleaved", "identical-partial-llama3", "dynamic"])
def test_relative_heatmap_is_constant_along_diagonals(query):
    at = open_url("relative_position", query)
    check(at, "relative_position", f"heatmap {query}")
    heat = [df for spec, df in charts(at) if {"m", "n", "score"} <= set(df.columns)]
    assert heat, "no heatmap with m, n and score on the Relative position page"
    df = heat[0]
    assert len(df) >= 4
    by_diag = (df["m"] - df["n"]).round(6)
    spread = df.groupby(by_diag)["score"].agg(lambda s: s.max() - s.min())
    scale = max(df["score"].abs().max(), 1e-300)
    assert spread.max() <= 1e-9 * scale, f"spread along a diagonal {spread.max():.3e} (scale {scale:.3e})"
    # and the matrix is not trivially flat: different diagonals carry different scores
    means = df.groupby(by_diag)["score"].mean()
    assert means.max() - means.min() > 1e-6 * scale
    if "m_minus_n" in df.columns:
        assert ((df["m"] - df["n"]) == df["m_minus_n"]).all()


@pytest.mark.parametrize("d,prf", [(2, 0.05), (38, 0.05), (6, 0.5), (128, 0.35), (512, 0.05), (2, 1.0)])
def test_pages_get_the_configuration_the_sidebar_shows(d, prf):
    """The RopeConfig handed to pages must describe the sidebar's values (rotary dim rounded down to even, ≥ 2).

    Home's live summary prints the number of rotated pairs and the head dim; a silent fallback to another
    configuration (with the sidebar still showing d and prf) would show up here.
    """
    at = open_url("home", {"d": str(d), "prf": str(prf)})
    check(at, "home", f"d={d} prf={prf}")
    rotary = int(d * prf)
    rotary = max(2, rotary - rotary % 2)
    pairs = next(m for m in at.metric if m.label == "Rotated pairs")
    assert pairs.value == str(rotary // 2), (
        f"d={d}, prf={prf}: the sidebar shows head dim {at.sidebar.slider(key='w_head_dim').value} but the page got "
        f"{pairs.value} rotated pairs ({pairs.proto.help}); expected {rotary // 2}. Warnings: "
        f"{[w.value for w in at.warning]}")


def test_home_counts_a_proportional_models_rotating_pairs_and_its_stretch():
    """Gemma 4's global layers (transformers 5.25: 64 of 256 pairs rotate); proportional's factor 8 divides every
    rotating θ_i by 8, so the mean stretch over them against the model at factor 1 is 8."""
    at = open_url("home", {"preset": "gemma-4-31b-global-layers", "factor": "8", "target": "2097152"})
    check(at, "home", "gemma 4 global x8")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rotated pairs"] == "64 of 256"
    longest = next(m for m in at.metric if m.label == "Longest wavelength")
    # transformers 5.25, factor 8: θ_63 = 0.00417203084, 2π/θ_63 = 1,506.02562
    assert longest.value == "∞ tokens" and "192 pairs have frequency 0" in longest.help
    assert "turns once in 1,506 tokens" in longest.help
    assert metrics["Mean wavelength stretch"] == "× 8"


@pytest.mark.parametrize("end", [None, 1], ids=["defaults", "all-heaviest"])
@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_moving_rope_theta_changes_chart_data_only(page_id, end):
    """In every view, moving rope_theta leaves each chart's spec as it was: only its data change. The browser then
    updates the chart in place; a changed spec is compiled and drawn from scratch (a figure that moves with the
    sliders belongs in the data or in a caption, not in a title, a legend label or a scale's domain)."""
    at = warm(page_id)
    for view in views(page_id) or [None]:
        specs = []
        for theta in ("12500", "15000"):
            case = {} if end is None else extreme_case(page_id, end)
            case["rope_theta"] = theta
            if view is not None:
                case["view"] = view
            rerun_with_url(at, full_url(page_id, case))
            check(at, page_id, f"view {view}, rope_theta {theta}")
            specs.append([json.dumps(spec, sort_keys=True) for spec, _ in charts(at)])
        assert specs[0] == specs[1], f"{page_id} view {view}: the chart spec changed with rope_theta"


# ------------------------------------------------------------------------------------------------- lazy containers

def test_share_box_sends_its_content_only_while_open_and_it_rebuilds_the_view():
    """Closed, the share box sends nothing (every element costs each slider move); open, its link, config.json
    fragment and rope_core snippet describe exactly the current view."""
    import rope_core
    from explorer import sidebar

    query = {"theta": "500000", "d": "64", "scaling": "yarn", "factor": "4", "view": "wavelength"}
    at = open_url("frequencies", query)
    check(at, "frequencies", "share box closed")
    assert not at.code
    at.session_state[sidebar.SHARE_KEY] = True
    at.run()
    check(at, "frequencies", "share box open")
    link, v4, v5, snippet = (c.value for c in at.main.code)
    assert urlsplit(link).path.endswith("/frequencies"), link
    written = {"rope_theta": "500000", "head_dim": "64", "rope_type": "yarn", "factor": "4", "view": "wavelength"}
    assert {k: v[-1] for k, v in parse_qs(urlsplit(link).query).items()} == dict(at.query_params) == written
    cfg = rope_core.RopeConfig(head_dim=64, rope_theta=500000.0, rope_type="yarn", factor=4.0,
                               original_max_position_embeddings=4096, max_position_embeddings=32768)
    assert json.loads(v4)["rope_scaling"]["rope_type"] == "yarn" and json.loads(v4)["rope_theta"] == 500000.0
    assert json.loads(v5)["rope_parameters"]["factor"] == 4.0
    assert rope_core.RopeConfig.from_hf_config(json.loads(v4)) == rope_core.RopeConfig.from_hf_config(json.loads(v5)) \
        == cfg
    scope: dict = {}
    exec(snippet, scope)  # the snippet rebuilds the same configuration and runs
    assert scope["cfg"] == cfg
    np.testing.assert_array_equal(scope["theta"], rope_core.inv_freq(cfg))


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_how_computed_is_sent_only_while_open(page_id):
    from explorer import page

    at = run_page(page_id)
    closed = [m.value for m in at.main.markdown]
    at.session_state[page.HOW_KEY] = True
    at.run()
    check(at, page_id, "how it is computed, open")
    opened = [m.value for m in at.main.markdown]
    added = [m for m in opened if m not in closed]
    assert len(added) == 1 and "rope_core" in added[0], added


def test_relative_position_derivation_is_sent_only_while_open():
    at = run_page("relative_position")
    assert not at.main.latex
    at.session_state["why_open"] = True
    at.run()
    check(at, "relative_position", "derivation open")
    assert len(at.main.latex) == 2 and "R(n-m)" in at.main.latex[0].value
    assert any("(2i, 2i + 1)" in m.value for m in at.main.markdown)


# ------------------------------------------------------------------------------------------------- pasted configs in links

def test_a_pasted_config_travels_in_the_link_and_reproduces_the_view():
    from explorer import configjson

    from tests.test_page_models import paste

    raw = {"model_type": "mytest", "head_dim": 64, "rope_theta": 123456.0, "max_position_embeddings": 65536,
           "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16384}}
    at = paste(run_page("models"), json.dumps(raw))
    assert at.session_state["_rope_values"]["preset"] == "pasted"
    link = dict(at.query_params)
    assert link["preset"] == "pasted" and configjson.decode_config(link["config"]) == (raw, [])
    # a new visitor, another page: the link alone reproduces the model
    other = open_url("frequencies", {**link, "view": "wavelength"})
    check(other, "frequencies", "pasted config link")
    assert not other.warning, [w.value for w in other.warning]
    values = other.session_state["_rope_values"]
    assert (values["preset"], values["head_dim"], values["rope_theta"], values["rope_type"], values["factor"],
            values["original_max_position_embeddings"], values["max_position_embeddings"]) == (
        "pasted", 64, 123456.0, "yarn", 4.0, 16384, 65536)
    assert dict(other.query_params) == {**link, "view": "wavelength"}
    assert "Preset: **pasted: mytest**" in _sidebar_captions(other)


def test_phi_3_5_mini_with_its_96_longrope_factors_fits_in_a_link():
    from pathlib import Path

    from explorer import configjson

    text = Path("/work/shared/reference/phi-3.5-mini-instruct.rope.json").read_text()
    mapping, problems = configjson.read_config_text(text)
    assert not problems
    token = configjson.encode_config(mapping)
    at = open_url("context_extension", {"config": token, "view": "stretch"})
    check(at, "context_extension", "Phi-3.5 link")
    assert not at.warning, [w.value for w in at.warning]
    _, df = [c for c in charts(at)][0]
    assert "LongRoPE (preset)" in set(df["method"])
    assert at.session_state["_rope_values"]["rope_type"] == "longrope"


@pytest.mark.parametrize("token", ["garbage", "1.", "1.!!!", "1." + "A" * 5000, "1.eJyrVkrLzClRslIqSa0oUqoFAB8aBC4"])
def test_a_broken_config_in_a_link_warns_naming_the_parameter(token):
    at = open_url("frequencies", {"config": token, "theta": "500000"})
    check(at, "frequencies", "broken config link")
    text = "\n".join(w.value for w in at.warning)
    assert "URL parameter `config`" in text, text
    assert at.session_state["_rope_values"]["preset"] == "custom"
    assert at.session_state["_rope_values"]["rope_theta"] == 500000.0  # the link's other values still apply


def test_a_linked_config_past_the_apps_limits_is_refused_before_anything_is_computed():
    import base64
    import zlib

    text = json.dumps({"head_dim": 100000000, "rope_theta": 10000})
    token = "1." + base64.urlsafe_b64encode(zlib.compress(text.encode())).decode().rstrip("=")
    at = open_url("home", {"config": token})
    check(at, "home", "huge head_dim link")
    text = "\n".join(w.value for w in at.warning)
    assert "URL parameter `config`" in text and "head_dim" in text and "512" in text, text
    assert "_rope_pasted" not in at.session_state


# Links as the app wrote them before the state took the config.json names: each still opens its view without a
# warning, and means the state written out beside it.
OLD_LINKS = [
    ("context_extension", {"scaling": "llama3", "orig": "8192", "target": "131072", "low": "2", "high": "8",
                           "view": "ood"},
     {"rope_type": "llama3", "original_max_position_embeddings": 8192, "max_position_embeddings": 131072,
      "low_freq_factor": 2.0, "high_freq_factor": 8.0, "view": "ood"}),
    ("context_extension", {"scaling": "ntk", "alpha": "4"}, {"rope_type": "ntk", "factor": 4.0}),
    ("distance_decay", {"maxdist": "4000", "ctx": "65536", "view": "men"},
     {"max_position_embeddings": 65536, "view": "men"}),
    ("precision", {"maxpos": "1000000", "dtype": "float32"}, {"max_position_embeddings": 1000000, "dtype": "float32"}),
    ("relative_position", {"L": "300", "offset": "17", "prf": "0.5", "d": "64"},
     {"window": 300, "offset": 17, "partial_rotary_factor": 0.5, "head_dim": 64}),
    ("frequencies", {"scaling": "none", "theta": "500000", "view": "turns"},
     {"rope_type": "default", "rope_theta": 500000.0, "view": "turns"}),
    ("attention", {"scaling": "yarn", "bfast": "16", "bslow": "2", "mscale": "1", "mscale_all": "0.5",
                   "heads": "3", "content": "ones", "seed": "5"},
     {"rope_type": "yarn", "beta_fast": 16.0, "beta_slow": 2.0, "mscale": 1.0, "mscale_all_dim": 0.5, "heads": 3,
      "content": "ones", "seed": 5}),
]


@pytest.mark.parametrize("page_id,link,state", OLD_LINKS, ids=[f"{p}-{'&'.join(q)}" for p, q, _ in OLD_LINKS])
def test_todays_links_still_open_their_view(page_id, link, state):
    at = open_url(page_id, link)
    check(at, page_id, f"old link {link}")
    assert not at.warning, [w.value for w in at.warning]
    values = at.session_state["_rope_values"]
    assert {k: values[k] for k in state} == state
