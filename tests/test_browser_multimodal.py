"""The Multimodal RoPE page and the Models page's per-layer view in a real headless Chromium against a real
`streamlit run` (tests/browser_utils.py). Each view opens from a link, draws its chart, and is saved to
artifacts/multimodal_<view>.png (git-ignored) to be looked at."""

from __future__ import annotations

import os
from urllib.parse import urlencode

import pytest

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

from tests.browser_utils import ARTIFACTS, CHROMIUM, chromium, drawn_charts, streamlit_server, wait_idle

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium) and CI is unset; under CI these run",
)

VIEWPORT = {"width": 1400, "height": 1400}
LINKS = {  # view -> (link, the chart's title, sidebar slider label -> the value it must show)
    "grid": ({"preset": "qwen3-vl-8b-instruct", "rows": "20", "cols": "24", "qrow": "5", "qcol": "17"},
             "Score of query patch (row 5, column 17)", {"Query patch row": "5", "Query patch column": "17"}),
    "sections": ({"preset": "qwen2.5-vl-7b-instruct", "view": "sections"},
                 "Which pairs turn with t, h and w: mrope_section [16, 24, 24], contiguous", {}),
    "sequence": ({"view": "sequence", "text_before": "6", "grid_h": "8", "grid_w": "12", "text_after": "5"},
                 "Position ids (t, h, w) of text, an image and text", {"Image grid w (patches)": "12"}),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("streamlit")) as s:
        yield s


@pytest.fixture(scope="module")
def browser():
    expect.set_options(timeout=30_000)
    with chromium() as b:
        yield b


def slider(page, label: str):
    """The range input of the slider labelled `label`, in the sidebar or in the page."""
    box = page.get_by_test_id("stSlider").filter(
        has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True))
    return box.locator("input[type='range']")


def open_link(browser, url: str):
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(120_000)
    page.js_errors = []
    page.on("pageerror", lambda err: page.js_errors.append(str(err)))
    page.goto(url)
    wait_idle(page)
    return page


def healthy(page, server) -> None:
    exc = page.get_by_test_id("stException")
    assert exc.count() == 0, f"exception on screen:\n{exc.first.inner_text()[:2000]}\n{server.log_tail()}"
    drawn_charts(page).first.wait_for(state="visible", timeout=90_000)
    assert not page.js_errors, page.js_errors


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(500)  # Vega's last repaint
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("view", list(LINKS))
def test_each_view_opens_from_its_link_and_draws(view, browser, server):
    query, title, shown = LINKS[view]
    page = open_link(browser, f"{server.url}/multimodal?{urlencode(query)}")
    healthy(page, server)
    chart = page.get_by_test_id("stVegaLiteChart")
    expect(chart.first).to_contain_text(title)
    for label, value in shown.items():
        expect(slider(page, label)).to_have_attribute("aria-valuetext", value)
    marks = chart.first.locator("svg.marks")
    if view == "grid":  # the scores are one image on real axes
        expect(marks.locator("image")).to_have_count(1)
    else:  # one line per axis t, h, w
        expect(marks.locator("g.mark-line path")).to_have_count(3)
    screenshot(page, f"multimodal_{view}")


def test_the_models_pages_per_layer_view_draws_the_table_and_the_temperature(browser, server):
    page = open_link(browser, f"{server.url}/models")
    healthy(page, server)
    page.get_by_test_id("stExpander").filter(has_text="Per-layer RoPE").locator("summary").click()
    wait_idle(page)
    expect(page.get_by_test_id("stVegaLiteChart").filter(
        has_text="Query temperature of the layers without RoPE")).to_have_count(1)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)
    page.get_by_test_id("stExpander").filter(has_text="Per-layer RoPE").scroll_into_view_if_needed()
    screenshot(page, "models_per_layer")
