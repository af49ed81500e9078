"""Every page and view at both ends of every slider, with real presets, and with bad values, in real Chromium.

One `streamlit run` server and one Chromium tab serve the whole module: the first link loads the app, every
later one is reached as the browser's Back and Forward reach a history entry (the app reads the whole link
again without reloading its scripts; a link as a server's very first request is tests/test_browser.py's).
The controls a view uses, and their ranges, are read from the app's own ParamSpecs (explorer.controls and the
specs each page passes to explorer.page.setup), so a new slider is swept without editing this file.

Each case checks: no exception element and no traceback text, the page's title, every Vega-Lite chart drawn
with a nonzero size, no forbidden number style (16.38k, 1.049M, 1e+06), and that the URL after the run still
carries the values (in-range values kept as given, no warning; bad ones named in a warning and replaced by a
sane value).
"""

from __future__ import annotations

import math
import os
import re
import runpy
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from explorer import controls
from explorer.nav import PAGES, ROOT
from explorer.params import VIEW, ParamSpec
from tests.browser_utils import CHROMIUM, chromium, streamlit_server, wait_idle

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium) and CI is unset; under CI these run",
)

PAGE_IDS = [p.url_path for p in PAGES]
CHARTLESS = {("home", None), ("context_extension", "plan")}  # text, metrics, tables and config blocks
NUMERIC = ("int", "float", "grid")
# Methods the sweep runs with, so that the scaling sliders are in use: YaRN's and Llama 3's parameters (every
# other method's slider is one of theirs)
SWEEP_TYPES = ("yarn", "llama3")
PRESETS = ("llama-3.1-8b", "phi-3.5-mini-instruct", "deepseek-v3-rope-part", "gemma-4-31b-global-layers",
           "qwen2.5-vl-7b-instruct", "llama-4-scout-17b-16e")
# issue 18: lengths as people say them, rope_theta in one form; these are the styles it reported
BAD_NUMBER_STYLE = re.compile(r"\b\d+\.\d{2,}k\b|\b\d\.\d{2,}M\b|\b\d(?:\.\d+)?e\+0[4-9]\b")
VIEWPORT = {"width": 1400, "height": 1000}


# ------------------------------------------------------------------------------------------ what each page declares

class _Declared(Exception):
    pass


def _declarations() -> dict[str, tuple[tuple[ParamSpec, ...], bool, object]]:
    """page id -> (its own ParamSpecs, all_scaling, uses) as the page file passes them to explorer.page.setup.

    Each page file runs up to its setup call, which records the arguments and stops the file there (nothing
    else of the app runs in this process; the browser drives the real server)."""
    from explorer import page as page_mod

    found = {}
    real = page_mod.setup

    def record(page_id, page_specs=(), all_scaling=False, uses=(), inert=None):
        found[page_id] = (tuple(page_specs), all_scaling, uses)
        raise _Declared

    page_mod.setup = record
    try:
        for info in PAGES:
            try:
                runpy.run_path(str(ROOT / info.file), run_name="__declared__")
            except _Declared:
                pass
    finally:
        page_mod.setup = real
    return found


DECLARED = _declarations()


def views_of(page_id: str) -> list[str | None]:
    return [o for s in DECLARED[page_id][0] if s.widget == VIEW for o in s.options] or [None]


def _start_values(page_id: str, view: str | None, extra: dict) -> dict:
    values = controls.defaults()
    values.update({s.key: s.default for s in DECLARED[page_id][0]})
    if view:
        values["view"] = view
    values.update(extra)
    return values


def used_sliders(page_id: str, values: dict) -> list[ParamSpec]:
    """The numeric controls the page draws for these values, in the order the app reads them."""
    own, all_scaling, uses = DECLARED[page_id]
    uses = uses(values) if callable(uses) else uses
    out = []
    for s in (*controls.SHARED, *own):
        if s.kind not in NUMERIC:
            continue
        if s.key in controls.OPTIONAL_KEYS:
            drawn = s.key in uses
        else:
            drawn = s.visible(values) or (all_scaling and s.key in controls.SCALING_PARAM_KEYS)
        if drawn:
            out.append(s)
    return out


def _cast(spec: ParamSpec, v: float):
    if spec.kind == "int" or (spec.kind == "grid" and isinstance(spec.options[0], int)):
        return int(v)
    return float(v)


def at_end(page_id: str, view: str | None, rope_type: str, end: str) -> dict:
    """The link with every slider the view uses at its low or high end at once.

    Bounds that depend on other values (position m < target context) are taken in the app's reading order."""
    values = _start_values(page_id, view, {"rope_type": rope_type})
    query = {"rope_type": rope_type, **({"view": view} if view else {})}
    for spec in used_sliders(page_id, values):
        lo, hi = spec.bounds(values)
        v = _cast(spec, lo if end == "min" else hi)
        if spec.even and v % 2:
            v = v + 1 if end == "min" else v - 1
        values[spec.key] = v
        query[spec.key] = spec.to_url(v)
    return query


# ------------------------------------------------------------------------------------------ one server, one page

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # exceptions in full on screen (the deployed config hides them): a failure message shows the traceback
    old = os.environ.get("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS")
    os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"
    try:
        with streamlit_server(tmp_path_factory.mktemp("sweep")) as s:
            yield s
    finally:
        if old is None:
            os.environ.pop("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", None)
        else:
            os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = old


@pytest.fixture(scope="module")
def tab():
    with chromium() as b:
        ctx = b.new_context(viewport=VIEWPORT)
        page = ctx.new_page()
        page.set_default_timeout(120_000)
        page.js_errors = []
        page.on("pageerror", lambda err: page.js_errors.append(str(err)))
        yield page
        ctx.close()


_CHART_AREAS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(el => {
    const g = el.querySelector('canvas, svg.marks');
    if (!g) return 0;
    const r = g.getBoundingClientRect();
    return r.width * r.height;
})"""


_HISTORY_TO = """(u) => { history.pushState({}, '', u); window.dispatchEvent(new PopStateEvent('popstate', {state: {}})); }"""


def visit(tab, server, page_id: str, query: dict) -> None:
    """Open the link. The first link loads the app; the next ones in the same tab are reached as Back and Forward
    reach an entry, on any page (the app reads the whole link again, without reloading the page and its
    scripts). A link as the first request of a server is tests/test_browser.py's cold deep link."""
    tab.js_errors.clear()
    path = f"/{page_id}?{urlencode(query)}"
    if tab.url.startswith(server.url):
        # a trailing "&" the app's own rewrite of the URL drops: its absence says the run has written the URL
        tab.evaluate(_HISTORY_TO, path + "&")
        tab.wait_for_function("() => !location.search.endsWith('&')", timeout=90_000)
        wait_idle(tab, settle_ms=250)
    else:
        tab.goto(server.url + path)
        wait_idle(tab, settle_ms=500)  # a cold deep link hands over to st.navigation and reruns


def run_cases(cases, check) -> None:
    """Run every case, then fail once with every failure (a sweep reports all it found)."""
    failures = []
    for case in cases:
        try:
            check(*case)
        except AssertionError as err:
            failures.append(str(err))
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n\n" + "\n\n".join(failures)


def check_page(tab, server, page_id: str, view: str | None, where: str) -> str:
    """The common checks; returns the page's text (main area and sidebar)."""
    log = f"\nserver log:\n{server.log_tail(1500)}"
    exc = tab.get_by_test_id("stException")
    if exc.count():
        shown = re.sub(r"\x1b\[[0-9;]*m", "", exc.first.inner_text())  # the traceback's terminal colours
        raise AssertionError(f"{where}: exception on screen:\n{shown[:3000]}{log}")
    text = tab.locator("[data-testid='stApp']").inner_text()
    assert "Traceback" not in text, f"{where}: traceback text on screen{log}"
    assert urlparse(tab.url).path.rstrip("/") in (f"/{page_id}", ""), f"{where}: landed on {tab.url}"
    title = tab.get_by_test_id("stMain").locator("h1").first
    assert title.count() and title.inner_text().strip(), f"{where}: no page title"
    # Vega draws after the script is idle: wait until every chart has a drawn canvas or svg with an area
    want = 0 if (page_id, view) in CHARTLESS else 1
    try:
        tab.wait_for_function(f"() => {{ const a = ({_CHART_AREAS})(); return a.length >= {want} && "
                              "a.every(x => x > 0); }", timeout=90_000)
    except Exception:  # noqa: BLE001 - reported with what was drawn
        areas = tab.evaluate(_CHART_AREAS)
        raise AssertionError(f"{where}: charts not drawn (areas {areas}, at least {want} expected){log}") from None
    bad_style = sorted(set(BAD_NUMBER_STYLE.findall(text)))
    assert not bad_style, f"{where}: numbers not in the app's style: {bad_style}"
    assert not tab.js_errors, f"{where}: JavaScript errors {tab.js_errors}"
    return text


def url_query(tab) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(tab.url).query).items()}


def _same_number(a: str, b: str) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    except ValueError:
        return a == b


def url_warnings(tab) -> str:
    return " ".join(t for t in tab.get_by_test_id("stAlert").all_inner_texts() if "URL parameter" in t)


# ------------------------------------------------------------------------------------------ the sweep

# Labels the sidebar must show at the ends of the ranges (issue 18's number style), written out by hand
END_LABELS = {"rope_theta (base)": {"min": "10", "max": "100M"},
              "Original context (trained)": {"min": "128", "max": "4M"},
              "Target context (run at)": {"min": "128", "max": "4M"}}


def assert_plan(tab, target: str, where: str) -> None:
    """The planner (issue 18) for the target context: its heading, the table of methods and a config block."""
    main = tab.get_by_test_id("stMain")
    heading = f"Plan: extending to {target}"
    assert main.get_by_role("heading", name=heading).count() == 1, f"{where}: no heading {heading!r}"
    assert main.get_by_test_id("stDataFrame").count() >= 1, f"{where}: no table of methods"
    blocks = [t for t in main.get_by_test_id("stCode").all_inner_texts() if t.strip()]
    assert blocks and all('"rope_type"' in b or '"rope_theta"' in b for b in blocks), \
        f"{where}: config blocks {blocks[:2]}"


def slider_texts(tab) -> dict[str, str]:
    """Sidebar slider label -> the value text it shows."""
    return tab.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '[data-testid="stSidebar"] [data-testid="stSlider"]')].map(el => [
            el.querySelector('[data-testid="stWidgetLabel"]')?.innerText.trim(),
            el.querySelector('input[type="range"], [role="slider"]')?.getAttribute('aria-valuetext')]))""")


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_every_view_with_every_slider_at_its_end_at_once(page_id, tab, server):
    """Every view, with every slider it uses at its low end at once, then at its high end, under YaRN and
    Llama 3 (so that their sliders are in use): the page draws, and the URL keeps every value, unwarned."""
    def check(view, rope_type, end):
        query = at_end(page_id, view, rope_type, end)
        where = f"{page_id} [{view or '-'}, {rope_type}, every slider at {end}]"
        visit(tab, server, page_id, query)
        check_page(tab, server, page_id, view, where)
        warned = url_warnings(tab)
        assert not warned, f"{where}: in-range values warned about: {warned}"
        assert_url_keeps(tab, page_id, query, where)
        shown = slider_texts(tab)
        wrong = {label: (shown.get(label), want[end]) for label, want in END_LABELS.items()
                 if shown.get(label) != want[end]}
        assert not wrong, f"{where}: slider texts (shown, expected) {wrong}"
        if view == "plan":
            assert_plan(tab, END_LABELS["Target context (run at)"][end], where)

    views = views_of(page_id)
    # Llama 3's two sliders change frequencies only: their ends once per page, on its first view
    run_cases([(v, t, e) for v in views for t in SWEEP_TYPES for e in ("min", "max") if t == "yarn" or v == views[0]],
              check)


def spec_of(page_id: str, key: str) -> ParamSpec | None:
    return controls.SPEC.get(key) or next((s for s in DECLARED[page_id][0] if s.key == key), None)


def assert_url_keeps(tab, page_id: str, query: dict, where: str) -> None:
    """Each value the link gave is in the URL after the run, or left out because it is the default."""
    got = url_query(tab)
    defaults = _start_values(page_id, None, {})
    lost = {}
    for key, asked in query.items():
        if key in got:
            if not _same_number(got[key], asked):
                lost[key] = (asked, got[key])
        elif not _same_number(spec_of(page_id, key).to_url(defaults[key]), asked):
            lost[key] = (asked, None)
    assert not lost, f"{where}: the URL lost or changed values (asked, now): {lost}; url {tab.url}"


# ------------------------------------------------------------------------------------------ presets

# What the sidebar must show for each preset (from each model's config.json, written out by hand):
# rope_theta, original context, target context
PRESET_LABELS = {
    "llama-3.1-8b": ("500k", "8k", "128k"),
    "phi-3.5-mini-instruct": ("10k", "4k", "128k"),
    "deepseek-v3-rope-part": ("10k", "4k", "160k"),
    "gemma-4-31b-global-layers": ("1M", "256k", "256k"),
    "qwen2.5-vl-7b-instruct": ("1M", "128,000", "128,000"),
    "llama-4-scout-17b-16e": ("500k", "8k", "10M"),
}
assert set(PRESET_LABELS) == set(PRESETS) and set(PRESETS) <= set(controls.preset_slugs())


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_every_page_with_real_presets(page_id, tab, server):
    """Each preset on the page's default view (and, on Context extension, on the planner): the page draws, the
    link keeps the preset, and the sidebar shows its lengths and rope_theta in the app's number style."""
    views = views_of(page_id)[:1] + (["plan"] if page_id == "context_extension" else [])

    def check(preset, view):
        query = {"preset": preset, **({"view": view} if view and view != views_of(page_id)[0] else {})}
        where = f"{page_id} [{view or '-'}, preset {preset}]"
        visit(tab, server, page_id, query)
        check_page(tab, server, page_id, view, where)
        warned = url_warnings(tab)
        assert not warned, f"{where}: the preset's link warned: {warned}"
        got = url_query(tab)
        assert got == query, f"{where}: the URL is {got}, the link was {query}"
        shown = slider_texts(tab)
        labels = ("rope_theta (base)", "Original context (trained)", "Target context (run at)")
        wrong = {label: (shown.get(label), want) for label, want in zip(labels, PRESET_LABELS[preset])
                 if shown.get(label) != want}
        assert not wrong, f"{where}: slider texts (shown, expected) {wrong}"
        if view == "plan":
            assert_plan(tab, PRESET_LABELS[preset][2], where)

    run_cases([(preset, view) for view in views for preset in PRESETS], check)


# ------------------------------------------------------------------------------------------ bad values

def _out_of_range(spec: ParamSpec, lo: float, hi: float, i: int) -> tuple[str, str]:
    """A value beyond one end (alternately above and below) and the end the app must clamp it to. Far above:
    a bound that follows another value (position m < target context) may move up with it."""
    if i % 2 == 0:
        return spec.to_url(_cast(spec, hi * 1000 + 1)), "hi"
    return spec.to_url(_cast(spec, lo - 1)), "lo"


MALFORMED = {"int": ("abc", "1e999", "3.5", ""), "float": ("nan", "abc", "inf", "1,5"), "grid": ("abc", "nan", "-inf")}


def _malformed(spec: ParamSpec, i: int) -> str:
    if spec.even:
        return "7"  # odd: RoPE rotates pairs
    options = MALFORMED[spec.kind]
    return options[i % len(options)]


def bad_cases(page_id: str) -> list[tuple[str, dict, dict]]:
    """(kind, link, how each slider must come back) for the page's default view: every slider it uses (under
    YaRN or Llama 3) out of range in one link, and malformed in another."""
    view = views_of(page_id)[0]
    seen: dict[str, ParamSpec] = {}
    for rope_type in SWEEP_TYPES:
        for spec in used_sliders(page_id, _start_values(page_id, view, {"rope_type": rope_type})):
            seen.setdefault(spec.key, spec)
    values = _start_values(page_id, view, {"rope_type": "yarn"})
    out_q, out_end, bad_q = {"rope_type": "yarn"}, {}, {"rope_type": "yarn"}
    for i, spec in enumerate(seen.values()):
        lo, hi = spec.bounds(values)
        out_q[spec.key], out_end[spec.key] = _out_of_range(spec, lo, hi, i)
        bad_q[spec.key] = _malformed(spec, i)
    return [("out of range", out_q, out_end), ("malformed", bad_q, {k: "in range" for k in out_end})]


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_bad_slider_values_are_named_and_replaced_by_sane_ones(page_id, tab, server):
    def check(kind, query, want):
        where = f"{page_id} [{kind} link]"
        visit(tab, server, page_id, query)
        check_page(tab, server, page_id, views_of(page_id)[0], where)
        warned = url_warnings(tab)
        unnamed = [k for k in want if not re.search(rf"URL parameter `?{k}`?[ :(]", warned)]
        assert not unnamed, f"{where}: no warning names {unnamed}; link {query}; warnings: {warned[:1500]}"
        # the value now used (the URL's, or the default when the URL leaves it out) is within the range the app
        # allows given the other values now used, and at the end the bad value was beyond
        got = url_query(tab)
        values = _start_values(page_id, None, {})
        problems = {}
        for spec in [*controls.SHARED, *DECLARED[page_id][0]]:
            if spec.key in got:
                values[spec.key] = got[spec.key] if spec.kind not in NUMERIC else _cast(spec, float(got[spec.key]))
            if spec.key not in want:
                continue
            lo, hi = spec.bounds(values)
            now = float(values[spec.key])
            if not lo <= now <= hi or (want[spec.key] != "in range" and spec.visible(values)
                                       and now != (lo if want[spec.key] == "lo" else hi)):
                problems[spec.key] = (query[spec.key], now, (lo, hi), want[spec.key])
        assert not problems, f"{where}: values now used (asked, now, range, expected): {problems}; url {tab.url}"

    run_cases(bad_cases(page_id), check)
