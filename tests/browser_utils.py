"""A real `streamlit run` server on a free loopback port, and a real headless Chromium driving it.

Used by tests/test_browser.py. The server is started fresh (so a link can be its very first request), polled
through /_stcore/health, and always stopped. Chromium is Debian's (/usr/bin/chromium): Playwright's own browser
download is not available here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("ROPE_CHROMIUM", "/usr/bin/chromium")  # Debian's; overridable to test the skip rule
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT = 120.0
IDLE_TIMEOUT_MS = 120_000


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, with the project's launch arguments (tests and bench/ share it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def free_port() -> int:
    """A port the kernel just handed out on 127.0.0.1 (closed again, so streamlit can bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, proc: subprocess.Popen, url: str, log: Path):
        self.proc = proc
        self.url = url
        self.log = log

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def start_server(log_dir: Path, entry: str = "streamlit_app.py") -> Server:
    """Start `streamlit run` on a free loopback port; returns at once (see wait_healthy)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = log_dir / f"streamlit_{port}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", entry,
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    return Server(proc, f"http://127.0.0.1:{port}", log)


def healthy_server(log_dir: Path, started: Server | None = None) -> Server:
    """A server that answers /_stcore/health (and has served nothing else); retried on a new port if the
    port was taken between free_port() and bind."""
    last_err: Exception | None = None
    for _attempt in range(3):
        server = started or start_server(log_dir)
        started = None
        try:
            _wait_healthy(server)
            return server
        except Exception as err:  # noqa: BLE001 - retried, then re-raised with the log
            last_err = err
            stop(server)
    raise RuntimeError(f"streamlit did not start: {last_err}")


@contextmanager
def streamlit_server(log_dir: Path) -> Iterator[Server]:
    """`streamlit run` on a fresh free port; yields once /_stcore/health says ok; stops it afterwards."""
    server = healthy_server(log_dir)
    try:
        yield server
    finally:
        stop(server)


class FreshServers:
    """Hands out freshly started servers, one per test, and boots the next one while a test runs.

    A server handed out has answered only /_stcore/health, so the test's link is still its very first page
    request (a cold start, as on a sleeping Community Cloud app); booting it ahead hides the server's start.
    """

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.spare: Server | None = None

    @contextmanager
    def fresh(self, prefetch: bool = True) -> Iterator[Server]:
        server = healthy_server(self.log_dir, self.spare)
        self.spare = start_server(self.log_dir) if prefetch else None
        try:
            yield server
        finally:
            stop(server)

    def close(self) -> None:
        if self.spare is not None:
            stop(self.spare)
            self.spare = None


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"no /_stcore/health from {server.url} within {STARTUP_TIMEOUT}s:\n{server.log_tail()}")


def stop(server: Server) -> None:
    proc = server.proc
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# ------------------------------------------------------------------------------------------- page helpers

def wait_idle(page, settle_ms: int = 750, timeout_ms: int = IDLE_TIMEOUT_MS) -> None:
    """Wait until the app is connected, the script is not running, and it stays so for `settle_ms`.

    A cold deep link runs the page, which hands over to st.navigation and may rerun; a single
    'notRunning' snapshot can be taken before the first run even starts, hence the settle loop.
    """
    app = page.locator("[data-testid='stApp']")
    app.wait_for(state="attached", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    page.wait_for_timeout(155)
    stable_since = None
    while time.monotonic() < deadline:
        state = app.get_attribute("data-test-script-state")
        conn = app.get_attribute("data-test-connection-state")
        has_content = (page.locator("[data-testid='stMain'] [data-testid='stElementContainer']").count() > 0
                       and page.locator("[data-testid='stSidebar'] [data-testid='stSlider']").count() > 0)
        if state == "notRunning" and conn == "CONNECTED" and has_content:
            stable_since = stable_since or time.monotonic()
            if (time.monotonic() - stable_since) * 1000 >= settle_ms:
                return
        else:
            stable_since = None
        page.wait_for_timeout(50)
    raise TimeoutError(f"app not idle after {timeout_ms} ms: script={state} connection={conn}")


def slider(page, label: str):
    """The range input of the sidebar slider (or select_slider) whose label is exactly `label`."""
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(
        has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True))
    return box.locator("input[type='range']")


def slider_text(page, label: str) -> str:
    return slider(page, label).first.get_attribute("aria-valuetext") or ""


def drawn_charts(page):
    """Vega-Lite charts that actually drew something (a canvas or an svg)."""
    return page.get_by_test_id("stVegaLiteChart").locator("canvas, svg.marks")
