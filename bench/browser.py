"""Parts 3 and 5, in a real browser: repaint after a slider change, and server RSS after 20 sessions.

Repaint: headless Debian Chromium (Playwright). An init script stamps, with performance.now(),
every draw into a canvas inside a Vega-Lite chart (CanvasRenderingContext2D calls; Streamlit
switches Vega to canvas above 2,000 rows) and every DOM mutation inside a chart (the SVG
renderer), and every change of the app's data-test-script-state. One measurement: keydown
ArrowRight on the rope_theta slider (a grid value never seen before) at t0, then wait until the
script ran and finished and nothing was drawn for QUIET ms; the figure is
max(last chart draw, script finished) − t0. Slider debounce and websocket round trips are in
both the app's and the trivial page's figure; the ratio is the budget.

Beside it, for reading, the ratio to the frame reference (bench/frame_app.py: the app's navigation,
sidebar, URL sync and page furniture around the trivial page's chart), pressed at the same
setting between the app's presses: what a page's own content costs beyond the shared frame.
"""

from __future__ import annotations

import time
import contextlib
import traceback
from urllib.parse import urlencode

from bench import settings
from bench.common import BENCH_DIR, ROOT, PartResult, Server, browser, median, now, proc_cpu, rss_mb

REPAINT_BUDGET = 3.0
PROFILE_WORST = 3  # page settings over budget that get a JS profile
RSS_BUDGET_MB = 500.0
APP_CACHES = ("st_cache_resource", "st_cache_data")  # explorer/cache.py uses the first
QUIET_MS = 300
PRESS_TIMEOUT_MS = 60_000  # a page that has not settled a minute after a keypress is retried
VIEWPORT = {"width": 1400, "height": 1000}
SLIDER = ".st-key-w_rope_theta input[type=range]"
UNMOVED = "rope_theta is disabled on this page: no slider press to time"


def slider_of(target: settings.Target) -> str:
    """The range input a press moves on this target (settings.Target.moved)."""
    return f".st-key-w_{target.moved} input[type=range]"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"

INIT_JS = """
(() => {
  window.__lastDraw = 0; window.__draws = 0; window.__states = []; window.__t0 = null;
  const mark = () => { window.__draws++; window.__lastDraw = performance.now(); };
  const CHART = '[data-testid="stVegaLiteChart"]';
  const P = CanvasRenderingContext2D.prototype;
  for (const name of ['fillRect', 'clearRect', 'fill', 'stroke', 'fillText', 'strokeRect', 'drawImage']) {
    const orig = P[name];
    P[name] = function (...args) {
      const c = this.canvas;
      if (!c.__vega) c.__vega = c.isConnected && !!c.closest(CHART);
      if (c.__vega) mark();
      return orig.apply(this, args);
    };
  }
  const watch = () => {
    new MutationObserver((recs) => {
      for (const r of recs) {
        if (r.type === 'attributes' && r.attributeName === 'data-test-script-state') {
          window.__states.push([r.target.getAttribute('data-test-script-state'), performance.now()]);
          continue;
        }
        const t = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (t && t.closest && t.closest(CHART)) { mark(); }
      }
    }).observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  };
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
  document.addEventListener('keydown', () => { if (window.__t0 === null) window.__t0 = performance.now(); }, true);
  // every message from the server: a rerun whose chart is unchanged and that ends within one React render
  // shows no 'running' state and draws nothing, but its messages still arrive
  window.__lastMsg = 0;
  const WS = window.WebSocket;
  const Wrapped = function (...args) {
    const ws = new WS(...args);
    ws.addEventListener('message', () => { window.__lastMsg = performance.now(); });
    return ws;
  };
  Wrapped.prototype = WS.prototype;
  Object.setPrototypeOf(Wrapped, WS);
  window.WebSocket = Wrapped;
})();
"""

SETTLED_JS = """
(quiet) => {
  const t0 = window.__t0;
  if (t0 === null) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const ran = window.__states.some(([s, t]) => t >= t0 && s === 'running') || window.__lastDraw >= t0
    || window.__lastMsg >= t0;
  if (!ran) return false;
  const last = Math.max(window.__lastDraw, window.__lastMsg, ...window.__states.map(([, t]) => t));
  return performance.now() - last >= quiet;
}
"""

RESULT_JS = """
() => {
  const t0 = window.__t0;
  const done = window.__states.filter(([s, t]) => t >= t0 && s === 'notRunning').map(([, t]) => t);
  const scriptDone = done.length ? Math.max(...done) : t0;
  return {repaint: Math.max(window.__lastDraw, scriptDone) - t0, script: scriptDone - t0,
          drew: window.__lastDraw >= t0};
}
"""


def _wait_idle(pg, timeout_ms: int = 180_000) -> None:
    pg.locator(IDLE).wait_for(state="attached", timeout=timeout_ms)
    pg.wait_for_function(
        """(quiet) => {
             const app = document.querySelector('[data-testid="stApp"]');
             if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
             const last = Math.max(window.__lastDraw, ...window.__states.map(([, t]) => t), 0);
             return performance.now() - last >= quiet;
           }""", arg=QUIET_MS, timeout=timeout_ms, polling=100)


class _Frames:
    """WebSocket frame times at the browser's network layer (CDP), immune to a busy page main thread."""

    def __init__(self, ctx, pg) -> None:
        self.events: list[tuple[str, float]] = []
        cdp = ctx.new_cdp_session(pg)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameSent", lambda p: self.events.append(("S", p["timestamp"])))
        cdp.on("Network.webSocketFrameReceived", lambda p: self.events.append(("R", p["timestamp"])))

    def server_ms(self) -> float:
        """First frame sent (the rerun request) → last frame received (the run's last message)."""
        sent = [t for k, t in self.events if k == "S"]
        recv = [t for k, t in self.events if k == "R"]
        if not sent or not recv:
            return float("nan")
        return 1000 * (max(recv) - min(sent))


def _press(pg, server_pid: int | None = None, frames: _Frames | None = None, timeout_ms: int = 180_000,
           wait_first: bool = True, key: str = "ArrowRight", selector: str = SLIDER) -> dict:
    if wait_first:
        _wait_idle(pg, timeout_ms)
    pg.evaluate("() => { window.__t0 = null; }")
    slider = pg.locator(selector)
    slider.focus()
    cpu = proc_cpu(server_pid) if server_pid else 0.0
    if frames is not None:
        frames.events.clear()
    slider.press(key)
    pg.wait_for_function(SETTLED_JS, arg=QUIET_MS, timeout=timeout_ms, polling=50)
    out = pg.evaluate(RESULT_JS)
    out["server_cpu"] = 1000 * (proc_cpu(server_pid) - cpu) if server_pid else float("nan")
    out["server"] = frames.server_ms() if frames is not None else float("nan")
    return out


def _exceptions(pg) -> int:
    return pg.locator("[data-testid='stException']").count()


def _open(ctx, url: str, with_frames: bool = False):
    pg = ctx.new_page()
    frames = _Frames(ctx, pg) if with_frames else None
    pg.goto(url)
    _wait_idle(pg)
    return (pg, frames) if with_frames else pg


CHUNKS = {  # Streamlit's frontend chunks (static/js/<name>.<hash>.js) → what they do
    "embed": "Vega / vega-embed (compile, dataflow, scenegraph, canvas/SVG render)",
    "ArrowVegaLiteChart": "Streamlit's Vega-Lite element (datasets, spec updates)",
    "arrowFormatUtils": "Arrow decoding",
    "index": "Streamlit core / React",
    "vega-interpreter": "vega-interpreter (Vega expressions interpreted per datum: CSP-safe, no eval)",
    "defaultLocale": "d3-format / d3-time-format (tick and tooltip number formatting)",
    "(program)": "native browser work (layout, style, paint, parsing)",
    "(garbage collector)": "JS garbage collection",
}


def _js_profile(ctx, pg, server_pid: int) -> tuple[float, list[tuple[str, float]]]:
    """One slider change under the V8 sampling profiler: main-thread time by frontend chunk."""
    import collections
    import re

    cdp = ctx.new_cdp_session(pg)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 500})
    _wait_idle(pg)
    cdp.send("Profiler.start")  # from the keypress to the settled page (plus QUIET_MS of idle)
    r = _press(pg, server_pid, wait_first=False)
    prof = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    by_node = {n["id"]: n["callFrame"] for n in prof["nodes"]}
    acc: dict[str, float] = collections.defaultdict(float)
    for node, dt in zip(prof.get("samples", []), prof.get("timeDeltas", [])):
        cf = by_node.get(node, {})
        url, fn = cf.get("url", ""), cf.get("functionName", "")
        if url:
            name = re.sub(r"\.[-\w]{8}\.js$", "", url.rsplit("/", 1)[-1].split("?")[0])
        else:
            name = fn if fn.startswith("(") else "(native)"
        if name == "(idle)":
            continue
        acc[name] += dt / 1000
    return r["repaint"], sorted(acc.items(), key=lambda kv: -kv[1])


def _url(base: str, target: settings.Target, query: dict[str, str]) -> str:
    q = target.query(query)
    return f"{base}/{'' if target.page_id == 'home' else target.page_id}" + (f"?{urlencode(q)}" if q else "")


MARKS = (0, 1024, 4096, 16384)  # heatmap cells on bench/trivial_app.py (?cells=N): what marks cost to paint


def repaint(page_ids: list[str], heavy: dict[str, dict[str, str]], reps: int, heavy_reps: int,
            log=print, sweep: bool = True) -> PartResult:
    part = PartResult("browser", "Browser: slider change → chart repainted, as a multiple of the trivial page")
    app = Server(ROOT / "streamlit_app.py", "app_repaint")
    triv = Server(BENCH_DIR / "trivial_app.py", "trivial", taken={app.port})
    frame = Server(BENCH_DIR / "frame_app.py", "frame", taken={app.port, triv.port})
    with app, triv, frame, browser() as b:
        tctx = b.new_context(viewport=VIEWPORT)
        tctx.add_init_script(INIT_JS)
        tpg, tframes = _open(tctx, triv.url, with_frames=True)
        floor: list[dict] = []
        # the frame reference (bench/frame_app.py) at both settings: the app's frame around the trivial chart
        fctx = b.new_context(viewport=VIEWPORT)
        fctx.add_init_script(INIT_JS)
        _open(fctx, frame.url + "/").close()
        refs = {name: (*_open(fctx, f"{frame.url}/?{urlencode(query)}", with_frames=True), [])
                for name, query in (("defaults", {}), ("heaviest", settings.HEAVY_SHARED))}

        def floor_press(n: int = 1, setting: str | None = None) -> None:
            for _ in range(n):  # back and forth: the trivial slider has 70 stops, a full run presses it ~100 times
                key = "ArrowRight" if len(floor) % 2 == 0 else "ArrowLeft"
                floor.append(_press(tpg, triv.pid, tframes, key=key))
                for name, (rpg, rframes, got) in refs.items():
                    if setting in (None, name):
                        got.append(_press(rpg, frame.pid, rframes, key="ArrowRight" if len(got) % 2 == 0
                                          else "ArrowLeft"))

        floor_press(2)
        floor.clear()  # warm-up
        for *_, got in refs.values():
            got.clear()
        floor_press(3)
        actx = b.new_context(viewport=VIEWPORT)
        actx.add_init_script(INIT_JS)
        _open(actx, app.url + "/").close()  # the first session runs the entrypoint (cold-server deep links)
        results, retried = [], set()
        for target in settings.targets(page_ids):
            pid = target.label
            for name, query, n in (("defaults", {}, reps),
                                   ("heaviest", heavy.get(target.page_id, settings.HEAVY_SHARED), heavy_reps)):
                url = _url(app.url, target, query)
                t = now()
                for attempt in (1, 2):  # a press the page never answers (seen once in ~500) is retried on a new page
                    try:
                        pg, frames = _open(actx, url, with_frames=True)
                        if pg.locator(slider_of(target)).is_disabled():  # the page does not depend on it (e.g. Models)
                            pg.close()
                            results.append((pid, name, None, 0, False, 0, UNMOVED, url))
                            log(f"  {pid:<30} {name:<9} {UNMOVED}")
                            break
                        # one press first, not timed: the floor's page is warmed up the same way, and the
                        # first rerun of a freshly opened page also mounts what later reruns only update
                        _press(pg, app.pid, frames, timeout_ms=PRESS_TIMEOUT_MS, selector=slider_of(target))
                        presses = []
                        for i in range(n):
                            presses.append(_press(pg, app.pid, frames, timeout_ms=PRESS_TIMEOUT_MS,
                                                  selector=slider_of(target)))
                            if i % 2 == 1:
                                floor_press(setting=name)
                        exc = _exceptions(pg)
                        charts = pg.locator("[data-testid='stVegaLiteChart']").count()
                        pg.close()
                        m = {k: median(p[k] for p in presses) for k in ("repaint", "script", "server_cpu", "server")}
                        drew = any(p["drew"] for p in presses)
                        results.append((pid, name, m, charts, drew, exc, "", url))
                        if attempt == 2:
                            retried.add((pid, name))
                        log(f"  {pid:<30} {name:<9} repaint {m['repaint']:7.0f} ms  (server {m['server']:.0f} ms, "
                            f"server CPU {m['server_cpu']:.0f} ms, {charts} charts, {now() - t:.1f}s)")
                        break
                    except Exception as err:  # noqa: BLE001
                        traceback.print_exc()
                        with contextlib.suppress(Exception):
                            pg.close()
                        if attempt == 2:
                            results.append((pid, name, None, 0, False, 0, f"{type(err).__name__}: {err}"[:200], url))
                        log(f"  {pid:<30} {name:<9} ERROR (attempt {attempt}) {err}"[:300])
        profiles = []
        f_now = median(p["repaint"] for p in floor)
        worst = sorted((r for r in results if r[2] is not None and r[2]["repaint"] > REPAINT_BUDGET * f_now),
                       key=lambda r: -r[2]["repaint"])[:PROFILE_WORST]
        for pid, name, *_, url in worst:
            try:
                pg = _open(actx, url)
                total, chunks = _js_profile(actx, pg, app.pid)
                pg.close()
                profiles.append((pid, name, total, chunks))
                log(f"  JS profile {pid} @ {name}: " + ", ".join(f"{c} {t:.0f} ms" for c, t in chunks[:5]))
            except Exception as err:  # noqa: BLE001
                traceback.print_exc()
                log(f"  JS profile {pid} @ {name}: ERROR {err}"[:300])
        sweep_rows = []
        if sweep:
            for cells in MARKS:
                try:
                    pg, frames = _open(tctx, f"{triv.url}/?cells={cells}", with_frames=True)
                    presses = [_press(pg, triv.pid, frames) for _ in range(3)]
                    pg.close()
                    floor_press()
                    m = {k: median(p[k] for p in presses) for k in ("repaint", "server")}
                    sweep_rows.append((cells, m))
                    log(f"  trivial page + heatmap of {cells:>6} cells: repaint {m['repaint']:.0f} ms (server {m['server']:.0f} ms)")
                except Exception as err:  # noqa: BLE001
                    traceback.print_exc()
                    log(f"  heatmap sweep {cells}: ERROR {err}"[:300])
        floor_press(3)
    f = median(p["repaint"] for p in floor)
    fs = median(p["server"] for p in floor)
    part.add(f"floor: trivial page (1 select_slider, 1 chart), median of {len(floor)}", f"{f:.0f} ms", "", None,
             f"bench/trivial_app.py on its own server; last message in at {fs:.0f} ms")
    ref = {name: median(p["repaint"] for p in got) for name, (*_, got) in refs.items()}
    for name, (*_, got) in refs.items():
        part.add(f"frame reference @ {name}, median of {len(got)} (for reading; not a budget)",
                 f"{ref[name] / f:.1f}× ({ref[name]:.0f} ms)", "", None,
                 "bench/frame_app.py: the app's navigation, wide layout, shared sidebar, URL sync, title, view picker "
                 "and closing expander around the trivial page's chart; "
                 f"last message in at {median(p['server'] for p in got):.0f} ms")
    over, vs_ref = [], []
    for pid, name, m, charts, drew, exc, err, _ in results:
        what = f"{pid} @ {name}"
        if err == UNMOVED:
            part.add(what, "not measured", f"≤ {REPAINT_BUDGET:g}×", None, err)
            continue
        if err:
            part.add(what, "ERROR", f"≤ {REPAINT_BUDGET:g}×", False, err)
            continue
        ratio = m["repaint"] / f
        browser_ms = m["repaint"] - m["server"]
        note = (f"{m['repaint'] / ref[name]:.1f}× the frame reference; server CPU {m['server_cpu']:.0f} ms; last "
                f"message in at {m['server']:.0f} ms, then {browser_ms:.0f} ms to paint; {charts} chart(s)")
        if charts and not drew:
            note += "; no chart redrawn"
        if exc:
            note += f"; {exc} exception(s) on screen"
        if (pid, name) in retried:
            note += "; measured on a 2nd attempt (the first page stopped answering)"
        ok = ratio <= REPAINT_BUDGET
        part.add(what, f"{ratio:.1f}× ({m['repaint']:.0f} ms)", f"≤ {REPAINT_BUDGET:g}×", ok, note)
        if not ok:
            over.append((what, m, browser_ms))
        vs_ref.append((m["repaint"] / ref[name], what))
    if vs_ref:
        vs_ref.sort()
        within = sum(r <= REPAINT_BUDGET for r, _ in vs_ref)
        part.findings.append(
            f"**Against the frame reference** (bench/frame_app.py: the app's frame around the trivial page's chart; "
            f"{ref['defaults'] / f:.1f}× the trivial page at defaults, {ref['heaviest'] / f:.1f}× at heaviest), "
            f"{within} of {len(vs_ref)} page settings repaint within {REPAINT_BUDGET:g}×; median "
            f"{median(r for r, _ in vs_ref):.1f}×; largest: "
            + ", ".join(f"{w} {r:.1f}×" for r, w in vs_ref[::-1][:5])
            + ". This ratio measures what a page's own content costs beyond the frame every page shares; it is shown "
            "for reading. The budget is the issue's, against the trivial page.")
    for cells, m in sweep_rows:
        part.add(f"trivial page + one {cells:,}-cell heatmap (bench/trivial_app.py?cells={cells})",
                 f"{m['repaint'] / f:.1f}× ({m['repaint']:.0f} ms)", "", None,
                 f"last message in at {m['server']:.0f} ms, then {m['repaint'] - m['server']:.0f} ms to paint")
    if over:
        cpu_bound = [w for w, m, _ in over if m["server_cpu"] >= 0.5 * m["repaint"]]
        text = (f"**Repaint over budget on {len(over)} page settings.** The server's CPU time per change is at "
                f"least half of the repaint time on {len(cpu_bound)} of them"
                + (f" ({', '.join(cpu_bound)})" if cpu_bound else "")
                + "; on the others the browser's main thread is the bottleneck. Note: the last WebSocket message "
                "arrives late there too, because Chromium stops reading a WebSocket while its page is busy "
                "(flow control), so queued messages wait behind a large chart being decoded and painted. ")
        if len(sweep_rows) >= 2:
            base_ms = sweep_rows[0][1]["repaint"]
            text += ("The marks sweep on the trivial page isolates painting: "
                     + ", ".join(f"{c:,} cells {m['repaint'] - base_ms:+.0f} ms" for c, m in sweep_rows[1:])
                     + " over the same page with a 64-point line.")
        part.findings.append(text)
    for pid, name, total, chunks in profiles:
        js = sum(t for _, t in chunks)
        part.findings.append(
            f"**Browser main thread on {pid} @ {name}** (V8 sampling profiler from the keypress until the page "
            f"settled: {total:.0f} ms to repaint, {js:.0f} ms of main-thread samples, idle excluded): "
            + "; ".join(f"{CHUNKS.get(c, c)} {100 * t / max(js, 1e-9):.0f} %" for c, t in chunks[:7] if t >= 5)
            + ".")
    return part


def session_params(i: int) -> dict[str, str]:
    """Different parameters for each session, from light to the heaviest."""
    grid = settings.theta_grid()
    return {
        "head_dim": str([64, 128, 256, 512][i % 4]),
        "window": str(min(8192, 256 * 2 ** (i % 6))),
        "offset": str((i * 5_000) % 100_001),
        "rope_theta": f"{grid[20 + i % (len(grid) - 20)]:g}",
        "seed": str(i),
        "heads": str(1 + i % 16),
    }


def _wait_run(pg) -> None:
    try:  # a fast run may flip the state within one frame; then only the idle wait below applies
        pg.wait_for_function("() => window.__states.some(([s]) => s === 'running')", timeout=5_000)
    except Exception:  # noqa: BLE001
        pass
    _wait_idle(pg)


def _visit_all(ctx, base_url: str, params: dict[str, str], page_ids: list[str], session: int = 0) -> int:
    """One session: open the app with `params`, then every page through the sidebar navigation; on a page
    with views, a click on one of them (a different one per session and page: settings.VIEWS)."""
    pg = _open(ctx, f"{base_url}/?{urlencode(params)}")
    exceptions = _exceptions(pg)
    for k, pid in enumerate(page_ids):
        if pid == "home":
            continue
        pg.evaluate("() => { window.__states = []; }")
        pg.locator(f"[data-testid='stSidebarNav'] a[href$='/{pid}']").first.click()
        pg.wait_for_url(f"**/{pid}*", timeout=60_000)
        _wait_run(pg)
        views = settings.VIEWS.get(pid) or ()
        pick = (session + k) % len(views) if views else 0
        if pick:  # 0 is the default view, already drawn
            pg.evaluate("() => { window.__states = []; }")
            pg.locator("[data-testid='stButtonGroup'] button").nth(pick).click()
            _wait_run(pg)
        exceptions += _exceptions(pg)
    return exceptions


METRICS_ERRORS: list[str] = []  # /_stcore/metrics failures: the RSS figure stands without the cache breakdown


def cache_bytes(url: str) -> dict[tuple[str, str], float]:
    """Streamlit's own accounting, /_stcore/metrics: bytes per (cache_type, cache); {} when it fails."""
    import re
    import urllib.request

    try:
        text = urllib.request.urlopen(url + "/_stcore/metrics", timeout=30).read().decode()
    except Exception as err:  # noqa: BLE001 - e.g. HTTP 500: Streamlit's vendored pympler fails to size an object
        METRICS_ERRORS.append(f"{type(err).__name__}: {err}"[:200])
        return {}
    out: dict[tuple[str, str], float] = {}
    for m in re.finditer(r'^cache_memory_bytes\{cache_type="([^"]*)",cache="([^"]*)"\} (\S+)$', text, re.M):
        out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def _new_context(b):
    ctx = b.new_context(viewport=VIEWPORT)
    ctx.add_init_script(INIT_JS)
    # Vega's chunk is not loaded: the server does the same work, the shared CPUs are spared the painting
    # (the repaint part measures that), so the sessions finish sooner.
    ctx.route("**/static/js/ArrowVegaLiteChart*.js", lambda route: route.abort())
    return ctx


def memory(page_ids: list[str], sessions: int, workers: int = 3, log=print,
           server_env: dict[str, str] | None = None) -> PartResult:
    """`sessions` browser sessions (one context each, all kept open until RSS is read).

    Session 0 visits every page first, alone: the RSS after it is the baseline (interpreter, every
    page's imports, one session). Sessions 1.. then run on `workers` browsers in parallel.
    """
    import threading

    part = PartResult("memory", f"Server memory (VmRSS) after {sessions} browser sessions visited every page")
    # the app caches frames with st.cache_resource, whose sizes /_stcore/metrics reports only with this option
    env = {"STREAMLIT_SERVER_ENABLE_EXPENSIVE_MEMORY_STATS": "true", **(server_env or {})}
    app = Server(ROOT / "streamlit_app.py", "app_memory", env=env)
    errors: list[str] = []
    exceptions = [0]
    lock = threading.Lock()
    t_all = now()

    def one(b, i: int, contexts: list) -> None:
        t = now()
        ctx = _new_context(b)
        contexts.append(ctx)
        try:
            n = _visit_all(ctx, app.url, session_params(i), page_ids, i)
        except Exception as err:  # noqa: BLE001
            errors.append(f"session {i}: {type(err).__name__}: {err}"[:200])
            n = 0
        with lock:
            exceptions[0] += n
            log(f"  session {i + 1:2d}/{sessions}: {settings.describe(session_params(i))}  "
                f"RSS {rss_mb(app.pid):.0f} MB  ({now() - t:.1f}s)")

    with app:
        first: list = []
        with browser() as b0:
            one(b0, 0, first)
            time.sleep(1.0)
            base = rss_mb(app.pid)
            base_caches = cache_bytes(app.url)
            todo = list(range(1, sessions))
            measured = threading.Event()
            finished = threading.Semaphore(0)

            def worker() -> None:
                contexts: list = []
                try:
                    with browser() as wb:
                        while True:
                            with lock:
                                if not todo:
                                    break
                                i = todo.pop(0)
                            one(wb, i, contexts)
                        finished.release()
                        measured.wait(timeout=900)  # keep every session open until RSS is read
                        for ctx in contexts:
                            ctx.close()
                except Exception as err:  # noqa: BLE001
                    errors.append(f"worker: {type(err).__name__}: {err}"[:200])
                    finished.release()

            threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, workers))]
            for th in threads:
                th.start()
            for _ in threads:
                finished.acquire()
            elapsed = now() - t_all
            time.sleep(2.0)  # let the last runs' garbage go
            after = rss_mb(app.pid)
            hwm = _hwm_mb(app.pid)
            caches = cache_bytes(app.url)
            measured.set()
            for th in threads:
                th.join(timeout=120)
            for ctx in first:
                ctx.close()
    ok = after <= RSS_BUDGET_MB and not errors
    note = (f"after session 1 alone {base:.0f} MB; peak (VmHWM) {hwm:.0f} MB; {exceptions[0]} exception(s) on "
            f"screen; {elapsed:.0f} s, {workers} browsers in parallel")
    if errors:
        note += "; errors: " + " | ".join(errors[:3])
    if METRICS_ERRORS:
        note += ("; /_stcore/metrics failed (" + METRICS_ERRORS[-1] + ", see bench/out/server_app_memory.log), "
                 "so the cache breakdown below is missing")
    if server_env:
        note += "; server environment: " + " ".join(f"{k}={v}" for k, v in server_env.items())
    part.add(f"server RSS after {sessions} sessions × {len(page_ids)} pages", f"{after:.0f} MB",
             f"≤ {RSS_BUDGET_MB:g} MB", ok, note)
    mb = 1e6
    total = sum(caches.values())
    data = {k: v for k, v in caches.items() if k[0] in APP_CACHES}
    top = sorted(data.items(), key=lambda kv: -kv[1])[:6]
    other = {k: v for k, v in caches.items() if k[0] not in APP_CACHES}
    part.add("Streamlit-accounted memory after the sessions (/_stcore/metrics)", f"{total / mb:.0f} MB", "", None,
             f"the app's st.cache_resource caches {sum(data.values()) / mb:.0f} MB in {len(data)} caches (explorer.cache's "
             "own stores are not accounted); "
             + "; ".join(f"{t or 'other'} {c or ''} {v / mb:.1f} MB".replace("  ", " ") for (t, c), v in other.items()))
    grown = after - base
    cache_growth = (total - sum(base_caches.values())) / mb
    finding = (f"**Memory**: RSS grew {grown:.0f} MB from session 1 alone ({base:.0f} MB) to all {sessions} sessions "
               f"({after:.0f} MB, peak {hwm:.0f} MB). Streamlit's accounting grew {cache_growth:.0f} MB "
               + (f"(the app's st.cache_resource caches {sum(data.values()) / mb:.0f} MB now); largest: "
                  + ", ".join(f"`{c.rsplit('.', 1)[-1]}` {v / mb:.1f} MB" for (_, c), v in top) if top else
                  "(the app's frames are kept by explorer.cache's own bounded stores, which Streamlit does not "
                  "account)")
               + (f". The remaining {grown - cache_growth:.0f} MB is outside Streamlit's caches: the app's cached frames, "
                  f"memory the allocator keeps after the heaviest runs' numpy/pandas temporaries are freed, and per-session state"
                  if grown - cache_growth >= 5 else ". The growth is the caches' own (the rest is within ±5 MB)")
               + f" (peak − now = {hwm - after:.0f} MB was returned to the OS; explorer/__init__.py pins glibc's mmap "
               f"threshold so that freed temporaries go back to the OS).")
    part.findings.append(finding)
    return part


def _hwm_mb(pid: int) -> float:
    from pathlib import Path

    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
