"""A real browser: headless Debian Chromium (Playwright) against a real `streamlit run` server.

For every page, a link with non-default parameters is the VERY FIRST request to a freshly started server
(Community Cloud apps sleep, and streamlit 1.67 runs a cold deep link in legacy pages/ mode: see
explorer/nav.py). Then: a malformed link, a slider moved with the keyboard, and navigation through the sidebar.
Screenshots of every page go to artifacts/ (git-ignored).

Skipped only when /usr/bin/chromium is absent AND the CI variable is unset; under CI they always run.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # playwright is in requirements-dev.txt; without it the browser fixture fails (or all skip)
    expect = None

import rope_core
from explorer.nav import PAGE_BY_ID, PAGES
from tests.browser_utils import (
    ARTIFACTS,
    CHROMIUM,
    chromium,
    FreshServers,
    drawn_charts,
    slider,
    wait_idle,
)

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium) and CI is unset; under CI these run",
)

PAGE_IDS = [p.url_path for p in PAGES]
CHARTLESS = {"home"}  # Home is text, metrics and links (issue 3, page 1)
LINK = {"theta": "500000", "d": "64", "target": "65536"}  # today's short link names
SHOWN = {"rope_theta (base)": "500k", "head_dim": "64", "Target context (run at)": "64k"}
WRITTEN = {"rope_theta": "500000", "head_dim": "64", "max_position_embeddings": "65536"}  # rewritten as config names
VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def browser():
    expect.set_options(timeout=30_000)  # a cold server on a busy CI machine can take a while to redraw
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    pool = FreshServers(tmp_path_factory.mktemp("streamlit"))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def new_page(browser):
    """A fresh browser context (a new visitor) per call; page errors are collected on `page.js_errors`."""
    contexts = []

    def make():
        ctx = browser.new_context(viewport=VIEWPORT)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(120_000)
        page.js_errors = []
        page.on("pageerror", lambda err: page.js_errors.append(str(err)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def query_of_url(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def query_of(page) -> dict[str, list[str]]:
    return query_of_url(page.url)


def assert_healthy(page, page_id: str, where: str, server=None) -> None:
    log = f"\nserver log:\n{server.log_tail()}" if server is not None else ""
    exc = page.get_by_test_id("stException")
    assert exc.count() == 0, f"{page_id} [{where}]: exception on screen:\n{exc.first.inner_text()[:2000]}{log}"
    assert urlparse(page.url).path.rstrip("/") in (f"/{page_id}", ""), page.url
    if page_id not in CHARTLESS:
        charts = drawn_charts(page)
        try:  # Vega draws after the script is idle; a 19,600-cell heatmap can take a moment
            charts.first.wait_for(state="visible", timeout=90_000)
        except Exception:  # noqa: BLE001 - reported as a failed check with the server log
            pytest.fail(f"{page_id} [{where}]: no Vega-Lite chart drawn{log}")
        expect(charts.first).to_be_visible()
    assert not page.js_errors, f"{page_id} [{where}]: JavaScript errors {page.js_errors}"


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_cold_deep_link(page_id, new_page, servers):
    """A shared link is the first request a sleeping app gets: it must open the page with the link's values."""
    with servers.fresh() as server:
        page = new_page()
        page.goto(f"{server.url}/{page_id}?{urlencode(LINK)}")
        wait_idle(page)
        assert_healthy(page, page_id, "cold deep link", server)
        title = page.get_by_test_id("stMain").locator("h1").first
        assert title.is_visible(), f"{page_id}: no page title"
        # the app's own navigation (st.navigation), not the legacy pages/ menu a cold deep link can fall into
        links = page.get_by_test_id("stSidebarNavLink")
        expect(links).to_have_count(len(PAGES))
        nav = [t.strip().split("\n")[-1] for t in links.all_inner_texts()]
        assert nav == [p.title for p in PAGES], f"{page_id}: sidebar navigation is {nav}"
        for label, text in SHOWN.items():  # expect() waits out a rerun still being drawn
            expect(slider(page, label), f"{page_id}: sidebar slider {label!r}").to_have_attribute(
                "aria-valuetext", text)
        q = query_of(page)
        assert q == {k: [v] for k, v in WRITTEN.items()}, page.url
        ARTIFACTS.mkdir(exist_ok=True)
        # Streamlit scrolls inside its main container, so "full page" is the viewport: make it tall
        page.set_viewport_size({"width": VIEWPORT["width"], "height": 2400})
        page.wait_for_timeout(300)
        wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / f"{page_id}.png"), full_page=True)

        # a malformed link (second visitor, same server): warnings, no exception, the page still draws
        bad = new_page()
        bad.goto(f"{server.url}/{page_id}?d=63&theta=nan&L=1e308&scaling=%3Cscript%3Ealert(1)%3C/script%3E&L=-5")
        wait_idle(bad)
        assert_healthy(bad, page_id, "malformed link", server)
        text = " ".join(bad.get_by_test_id("stAlert").all_inner_texts())
        for key in ("d", "theta", "L", "scaling"):
            assert f"URL parameter {key} " in text or f"URL parameter `{key}`" in text, text
        injected = bad.evaluate("() => [...document.scripts].some(s => s.textContent.includes('alert(1)'))")
        assert not injected, "the link's <script> text reached the DOM as a script"
        expect(slider(bad, "head_dim")).to_have_attribute("aria-valuetext", "62")


def test_slider_moves_url_and_values_survive_navigation(new_page, servers):
    with servers.fresh(prefetch=False) as server:
        page = new_page()
        page.goto(f"{server.url}/relative_position?{urlencode(LINK)}&L=300&view=delta")
        wait_idle(page)
        assert_healthy(page, "relative_position", "start")

        # keyboard on the heatmap window slider: 300 -> 301, and the URL follows
        thumb = slider(page, "Heatmap window (positions)")
        thumb.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("window") == ["301"], timeout=90_000)
        wait_idle(page)
        expect(slider(page, "Heatmap window (positions)")).to_have_attribute("aria-valuetext", "301")
        # the log-scale theta select_slider: 500k -> the next stop, 600k
        slider(page, "rope_theta (base)").focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("rope_theta") == ["600000"], timeout=90_000)
        wait_idle(page)
        assert_healthy(page, "relative_position", "after moving sliders")

        # another page through the sidebar navigation: shared values persist, in the sidebar and in the URL
        target = PAGE_BY_ID["frequencies"]
        page.get_by_test_id("stSidebarNavLink").filter(has_text=target.title).first.click()
        page.wait_for_url(lambda url: urlparse(url).path == "/frequencies", timeout=90_000)
        wait_idle(page)
        assert_healthy(page, "frequencies", "after navigation")
        for label, text in (("rope_theta (base)", "600k"), ("head_dim", "64")):
            expect(slider(page, label), f"frequencies: {label}").to_have_attribute("aria-valuetext", text)
        # the model travels; Relative position's own view and its heatmap window do not (no warning either)
        q = query_of(page)
        assert q == {"rope_theta": ["600000"], "head_dim": ["64"], "max_position_embeddings": ["65536"]}, page.url
        assert page.get_by_test_id("stAlert").count() == 0


def test_back_and_forward_restore_the_view_each_entry_links_to(new_page, servers):
    """Every slider move is a browser history entry (streamlit pushes each new query string). Back to the entry
    without parameters shows the defaults again, as that link does; Forward returns to the moved value."""
    with servers.fresh(prefetch=False) as server:
        page = new_page()
        page.goto(f"{server.url}/frequencies")
        wait_idle(page)
        expect(slider(page, "rope_theta (base)")).to_have_attribute("aria-valuetext", "10k")
        for theta in ("12500", "15000"):
            slider(page, "rope_theta (base)").focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_url(lambda url, t=theta: query_of_url(url).get("rope_theta") == [t], timeout=90_000)
            wait_idle(page)
        page.go_back()
        page.wait_for_url(lambda url: query_of_url(url).get("rope_theta") == ["12500"], timeout=90_000)
        wait_idle(page)
        expect(slider(page, "rope_theta (base)")).to_have_attribute("aria-valuetext", "12.5k")
        page.go_back()
        page.wait_for_url(lambda url: urlparse(url).path == "/frequencies" and not query_of_url(url), timeout=90_000)
        wait_idle(page)
        expect(slider(page, "rope_theta (base)")).to_have_attribute("aria-valuetext", "10k")
        assert not query_of(page), f"the URL was rewritten to {page.url}: Back did not reach the default view"
        assert_healthy(page, "frequencies", "after Back")
        page.go_forward()
        page.wait_for_url(lambda url: query_of_url(url).get("rope_theta") == ["12500"], timeout=90_000)
        wait_idle(page)
        expect(slider(page, "rope_theta (base)")).to_have_attribute("aria-valuetext", "12.5k")


def _hover_readout(page, fx: float, fy: float) -> str:
    """Point at a fraction (fx, fy) of the first chart's drawing area; the hover read-out written beside it."""
    area = drawn_charts(page).first
    box = area.bounding_box()
    page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])  # one move: no second event
    readout = page.get_by_test_id("stVegaLiteChart").first.locator("text", has_text=" · ")
    expect(readout.first).to_be_visible()
    return readout.first.text_content()


def test_heatmap_hover_reads_out_the_exact_cell(new_page, servers):
    """Hover over a heatmap draws one mark for the cell under the pointer and writes its exact values beside it,
    at once (a tooltip alone would wait for another pointer move), also after a slider move changed the data."""
    with servers.fresh(prefetch=False) as server:
        page = new_page()
        page.goto(f"{server.url}/distance_decay?d=64&L=64&view=heatmap")
        wait_idle(page)
        assert_healthy(page, "distance_decay", "heatmap")
        for theta, spot in ((10000.0, (0.7, 0.2)), (12500.0, (0.3, 0.8))):
            if theta != 10000.0:
                slider(page, "rope_theta (base)").focus()
                page.keyboard.press("ArrowRight")
                page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("rope_theta") == ["12500"],
                                  timeout=90_000)
                wait_idle(page)
            text = _hover_readout(page, *spot)
            fields = dict(part.replace("\u2212", "-").split(" = ") for part in text.split(" · "))  # d3: U+2212 minus
            m, n = int(fields["m"]), int(fields["n"])
            assert (m < n) == (spot[0] > spot[1]) and int(fields["m_minus_n"]) == m - n, text
            expected = rope_core.correlation(rope_core.RopeConfig(head_dim=64, rope_theta=theta), [m - n])[0]
            assert float(fields["correlation"]) == pytest.approx(expected, rel=1e-5, abs=1e-6), text
        # the outline: one rect of the hover layer drawn, not one per hover cell (64 cells, 1 in 4 per axis)
        assert page.get_by_test_id("stVegaLiteChart").first.locator("g.layer_1_marks path").count() == 1
        assert not page.js_errors, page.js_errors


def test_numbers_read_one_way_and_attention_cells_are_per_key_at_both_ends(new_page, servers):
    """Issue 18: contexts as 128 … 1M and rope_theta as 10 … 100M on the sliders at both ends, the context-extension
    caption in the same units, a preset note without the internal [copy] marker, and the every-head attention map
    at the longest length saying what a cell is."""
    with servers.fresh(prefetch=False) as server:
        page = new_page()
        for query, sliders, caption in (
            ({"orig": "128", "target": "4194304", "theta": "10", "view": "ood"},
             {"Original context (trained)": "128", "Target context (run at)": "4M", "rope_theta (base)": "10"},
             "target **4M**"),
            ({"orig": "1048576", "target": "512", "theta": "100000000", "view": "ood"},
             {"Original context (trained)": "1M", "Target context (run at)": "512", "rope_theta (base)": "100M"},
             "original context L0 **1M**"),
        ):
            page.goto(f"{server.url}/context_extension?{urlencode(query)}")
            wait_idle(page)
            assert_healthy(page, "context_extension", str(query), server)
            for label, text in sliders.items():
                expect(slider(page, label), label).to_have_attribute("aria-valuetext", text)
            shown = " ".join(page.get_by_test_id("stCaptionContainer").all_inner_texts())
            assert caption.replace("**", "") in shown, shown[:500]

        page.goto(f"{server.url}/frequencies?preset=llama-3.1-8b")
        wait_idle(page)
        assert_healthy(page, "frequencies", "Llama 3.1 preset", server)
        sidebar = page.get_by_test_id("stSidebar").inner_text()
        assert "llama3 scaling x8" in sidebar and "[copy]" not in sidebar

        page.goto(f"{server.url}/attention?L=8192&heads=16&view=heads")
        wait_idle(page)
        assert_healthy(page, "attention", "L = 8192, 16 heads", server)
        titles = " ".join(page.get_by_test_id("stVegaLiteChart").first.locator("text").all_text_contents())
        assert "mean weight per key of its bin" in titles, titles[:500]

        # the planner (a table and code blocks, no chart) at both ends of the target
        for target, shown in (("512", "512"), ("4194304", "4M")):
            page.goto(f"{server.url}/context_extension?orig=128&target={target}&view=plan")
            wait_idle(page)
            assert page.get_by_test_id("stException").count() == 0, server.log_tail()
            expect(page.get_by_text(f"Plan: extending to {shown}")).to_be_visible()
            expect(page.get_by_test_id("stDataFrame")).to_have_count(1)
            assert page.get_by_test_id("stCode").count() >= 2 and not page.js_errors, page.js_errors


def _server_kb(server, key: str) -> int:
    """VmRSS / VmHWM (kB) of the `streamlit run` process, from Linux /proc."""
    status = open(f"/proc/{server.proc.pid}/status").read()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(key + ":")))


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc to read peak memory")
def test_a_pasted_hostile_config_gets_a_message_and_the_server_memory_stays_flat(new_page, servers):
    normal = ('{"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "rope_theta": 500000.0, '
              '"max_position_embeddings": 131072}')
    hostile = '{"head_dim": 100000000, "rope_theta": 10000}'  # took the server down before configjson (issue 15)
    with servers.fresh(prefetch=False) as server:
        page = new_page()
        page.goto(f"{server.url}/models")
        wait_idle(page)
        assert_healthy(page, "models", "start", server)
        box = page.get_by_role("textbox", name="config.json contents")
        growth = {}
        for name, text in (("normal", normal), ("hostile", hostile)):
            with open(f"/proc/{server.proc.pid}/clear_refs", "w") as fh:
                fh.write("5")  # the peak (VmHWM) starts again from the current RSS
            before = _server_kb(server, "VmRSS")
            box.fill(text)
            box.press("Control+Enter")
            if name == "normal":
                expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("In use on every page: llama")
            else:
                expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
                    "head_dim = 100,000,000: must be an integer from 2 to 512")
            wait_idle(page)
            growth[name] = _server_kb(server, "VmHWM") - before
        assert_healthy(page, "models", "after the pastes", server)
        assert growth["hostile"] <= growth["normal"] + 16 * 1024, growth


def test_cold_link_with_a_pasted_config_reproduces_the_model(new_page, servers):
    """A pasted config.json travels in its link (config=): the first request to a sleeping app opens that model."""
    from pathlib import Path

    from explorer import configjson

    mapping, _ = configjson.read_config_text(Path("/work/shared/reference/phi-3.5-mini-instruct.rope.json").read_text())
    token = configjson.encode_config(mapping)
    with servers.fresh() as server:
        page = new_page()
        page.goto(f"{server.url}/context_extension?preset=pasted&config={token}")
        wait_idle(page)
        assert_healthy(page, "context_extension", "pasted config link", server)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("pasted: phi3")
        expect(slider(page, "head_dim")).to_have_attribute("aria-valuetext", "96")
        assert "URL parameter" not in " ".join(page.get_by_test_id("stAlert").all_inner_texts())
        assert query_of(page).get("config") == [token], page.url


@pytest.mark.parametrize("page_id,link,shown,note", [
    # a Gemma 4 preset: proportional RoPE on head_dim 512, a quarter of the pairs turning
    ("frequencies", {"preset": "gemma-4-31b-global-layers"},
     {"head_dim": "512", "partial_rotary_factor": "0.25", "rope_theta (base)": "1M"}, None),
    # its sliding-window layers chosen by the link: plain RoPE on head_dim 256
    ("rotation", {"preset": "gemma-4-31b-global-layers", "layer_type": "sliding_attention"},
     {"head_dim": "256", "rope_theta (base)": "10k"}, None),
    # Llama 4's NoPE layers: the page says so and shows the RoPE layers
    ("distance_decay", {"preset": "llama-4-scout-17b-16e", "layer_type": "full_attention"},
     {"head_dim": "128", "rope_theta (base)": "500k"}, "no rotary embedding (NoPE)"),
], ids=["gemma-4-preset", "gemma-4-layer-type", "llama-4-nope"])
def test_cold_link_with_todays_rope_types(page_id, link, shown, note, new_page, servers):
    """Issue 17 models as the first request to a sleeping app: the link's model, layer type and note."""
    with servers.fresh() as server:
        page = new_page()
        page.goto(f"{server.url}/{page_id}?{urlencode(link)}")
        wait_idle(page)
        assert_healthy(page, page_id, f"cold link {link}", server)
        for label, text in shown.items():
            expect(slider(page, label), f"{page_id}: sidebar slider {label!r}").to_have_attribute(
                "aria-valuetext", text)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Layer type")
        if "layer_type" in link:
            expect(sidebar).to_contain_text(link["layer_type"])
        alerts = " ".join(page.get_by_test_id("stAlert").all_inner_texts())
        assert "URL parameter" not in alerts, alerts
        if note:
            expect(page.get_by_test_id("stMain")).to_contain_text(note)
        assert query_of(page) == {k: [v] for k, v in link.items()}, page.url
        ARTIFACTS.mkdir(exist_ok=True)
        page.set_viewport_size({"width": VIEWPORT["width"], "height": 1600})
        page.wait_for_timeout(300)
        wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / f"layers_{page_id}.png"), full_page=True)


def test_a_model_id_loads_from_a_local_hub_and_a_gated_one_says_so(new_page, tmp_path, monkeypatch):
    """The Models page's Hugging Face id box against a 127.0.0.1 server standing in for the Hub (HF_ENDPOINT)."""
    import threading
    from http.server import ThreadingHTTPServer

    from tests.test_hub import _Handler
    from tests.browser_utils import streamlit_server

    hub = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    hub.paths = []
    thread = threading.Thread(target=hub.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{hub.server_address[1]}")  # the app server inherits it
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    try:
        with streamlit_server(tmp_path) as server:
            page = new_page()
            page.goto(f"{server.url}/models")
            wait_idle(page)
            for repo_id, shown in (("test-org/gated-401", "test-org/gated-401 is gated or private"),
                                   ("test-org/llama-like", "In use on every page: test-org/llama-like")):
                page.get_by_role("tab", name="Hugging Face id").click()
                box = page.get_by_role("textbox", name="Hugging Face model id")
                box.fill(repo_id)
                box.press("Enter")
                page.get_by_test_id("stButton").filter(has_text="Load").click()
                wait_idle(page)
                expect(page.get_by_text(shown)).to_be_visible()
                assert page.get_by_test_id("stException").count() == 0, server.log_tail()
            assert query_of(page)["preset"] == ["pasted"] and query_of(page)["config"][0].startswith("1.")
            assert not page.js_errors, page.js_errors
    finally:
        hub.shutdown()
        hub.server_close()
        thread.join()
    assert hub.paths == ["/test-org/gated-401/resolve/main/config.json",
                         "/test-org/llama-like/resolve/main/config.json"]


@pytest.mark.parametrize("path", ["frequencies?d=2", "precision?d=2&view=perpair"])
def test_a_one_pair_axis_has_a_plain_tick(path, new_page, servers):
    """d = 2 has pair 0 only: its axis read "0.000000" in Chromium."""
    with servers.fresh(prefetch=False) as server:
        page = new_page()
        page.goto(f"{server.url}/{path}")
        wait_idle(page)
        assert_healthy(page, path.split("?")[0], path, server)
        texts = " ".join(page.get_by_test_id("stVegaLiteChart").locator("text").all_text_contents())
        assert "0.000000" not in texts, texts[:500]
