"""Parts 1 and 2: server-side rerun time of every page (AppTest) and what each chart sends.

Protocol per page and setting (defaults, heaviest):
  open the page the way a link does (tests/apptest_utils.run_page, query in the URL), move
  rope_theta once (warm-up, untimed), then `reps` times: move rope_theta to a grid value not seen
  before and time `at.run()`. rope_theta changes the RopeConfig, which keys every cached frame,
  so no rerun is served from the app's caches (explorer.cache).
Every run shares one ScriptCache, as a server does (bench.common.share_script_cache): a rerun does not
recompile the entrypoint and page file.
The floor is the same protocol on a one-line script (one slider), measured in short bursts
interleaved with the pages so that both see the same machine load.
Chart payload: every vega_lite_chart proto after the last rerun: its rows (all datasets) and
its serialized size (spec + Arrow data), which is what the browser receives.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from time import process_time

from bench import settings
from bench.common import PartResult, fmt_bytes, fmt_s, median, now, open_page, share_script_cache

FLOOR_SCRIPT = "import streamlit as st\nst.slider('x', 0, 1_000_000, key='x')\n"
FLOOR_BURST = 3
BUDGET_DEFAULT = 20.0
BUDGET_HEAVY = 100.0
MAX_ROWS = 20_000
MAX_BYTES = 1_000_000
TIMEOUT = 180
LAST_HEAVY: dict[str, dict[str, str]] | None = None  # the heavy queries of the last run, for the browser part


@dataclass
class ChartPayload:
    title: str
    rows: int
    largest: int
    datasets: int
    spec_bytes: int
    bytes: int  # serialized element: spec + Arrow datasets


@dataclass
class PageRun:
    page_id: str
    label: str  # the page, or "page [view]"
    setting: str
    query: dict[str, str]
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # process CPU seconds per rerun (robust to other load)
    charts: list[ChartPayload] = field(default_factory=list)
    error: str = ""
    unmoved: bool = False  # the page disables the MOVED slider: reruns without a change

    @property
    def median(self) -> float:
        return median(self.times)


class Floor:
    """Reruns of a trivial one-line script, each after its slider moved to a new value."""

    def __init__(self) -> None:
        from streamlit.testing.v1 import AppTest

        share_script_cache()
        self.at = AppTest.from_string(FLOOR_SCRIPT, default_timeout=TIMEOUT)
        self.at.run()
        self.value = 0
        self.times: list[float] = []
        self.cpu: list[float] = []
        self.burst(2, record=False)  # warm-up

    def burst(self, n: int = FLOOR_BURST, record: bool = True) -> None:
        for _ in range(n):
            self.value += 1
            self.at.slider(key="x").set_value(self.value)
            t, c = now(), process_time()
            self.at.run()
            dt, dc = now() - t, process_time() - c
            if record:
                self.times.append(dt)
                self.cpu.append(dc)

    @property
    def median(self) -> float:
        return median(self.times)


def _title(spec: dict) -> str:
    t = spec.get("title")
    if t is None:
        for layer in spec.get("layer", []):
            if layer.get("title"):
                t = layer["title"]
                break
    if isinstance(t, dict):
        t = t.get("text", "")
    if isinstance(t, list):
        t = " ".join(map(str, t))
    return str(t or "(untitled)")


def chart_payloads(at) -> list[ChartPayload]:
    import pyarrow as pa

    out = []
    for el in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        proto = el.proto
        spec = json.loads(proto.spec)
        blobs = [ds.data.data for ds in proto.datasets]
        if proto.data.data:
            blobs.append(proto.data.data)
        rows = [pa.ipc.open_stream(b).read_all().num_rows for b in blobs if b]
        out.append(ChartPayload(_title(spec), sum(rows), max(rows, default=0), len(rows), len(proto.spec),
                                proto.ByteSize()))
    return out


def _errors(at) -> str:
    msgs = [f"{e.proto.type}: {e.proto.message}"[:300] for e in at.exception]
    return "; ".join(msgs)


def measure(target: settings.Target, setting: str, query: dict[str, str], reps: int, floor: Floor | None) -> PageRun:
    page_id = target.page_id
    run = PageRun(page_id, target.label, setting, query)
    try:
        at = open_page(page_id, query)
        if at.exception:
            run.error = _errors(at)
            return run
        moved = target.moved
        if moved == settings.MOVED:
            run.unmoved = settings.moved_widget(at) is None
            walk = settings.theta_walk(float(at.select_slider(key="w_" + moved).value), reps + 1)

            def move(value) -> None:
                settings.move(at, value)
        else:  # an int slider of the page, one step up per rerun (settings.MOVED_IN_VIEW)
            walk = [int(at.slider(key="w_" + moved).value) + 1 + i for i in range(reps + 1)]

            def move(value) -> None:
                at.slider(key="w_" + moved).set_value(value)
        for i, value in enumerate(walk):
            if floor is not None and i and i % 2 == 0:
                floor.burst()
            move(value)
            t, c = now(), process_time()
            at.run(timeout=TIMEOUT)
            dt, dc = now() - t, process_time() - c
            if at.exception:
                run.error = _errors(at)
                return run
            if i:  # the first move is the warm-up
                run.times.append(dt)
                run.cpu.append(dc)
        run.charts = chart_payloads(at)
    except Exception as err:  # noqa: BLE001 - a broken page is a figure, not a crash of the bench
        run.error = f"{type(err).__name__}: {err}"[:300]
        traceback.print_exc()
    return run


def discover_heavy(page_ids: list[str]) -> dict[str, dict[str, str]]:
    """Heavy query per page: the page's ParamSpecs (and views: settings.VIEWS) are recorded from one run at the
    defaults."""
    out: dict[str, dict[str, str]] = {}
    with settings.SpecRecorder() as rec:
        for pid in page_ids:
            if pid not in rec.specs:
                try:
                    open_page(pid, {})
                except Exception:  # noqa: BLE001
                    traceback.print_exc()
            out[pid] = settings.heavy_query(pid, rec.specs.get(pid, ()))
    return out


def run(page_ids: list[str], reps: int, do_rerun: bool, do_payload: bool, profile: bool,
        log=print) -> list[PartResult]:
    global LAST_HEAVY
    floor = Floor() if do_rerun else None
    heavy = discover_heavy(page_ids)
    LAST_HEAVY = heavy
    runs: list[PageRun] = []
    for target in settings.targets(page_ids):
        for name, query in (("defaults", {}), ("heaviest", heavy[target.page_id])):
            t = now()
            r = measure(target, name, target.query(query), reps if do_rerun else 1, floor)
            runs.append(r)
            log(f"  {target.label:<30} {name:<9} median {fmt_s(r.median):>9}  "
                f"charts {len(r.charts)}  ({now() - t:.1f}s){'  ERROR ' + r.error if r.error else ''}")
    if floor is not None:
        floor.burst(5)
    parts = []
    if do_rerun:
        parts.append(_rerun_part(runs, floor, heavy, profile, log))
    if do_payload:
        parts.append(_payload_part(runs))
    return parts


def _rerun_part(runs: list[PageRun], floor: Floor, heavy, profile: bool, log) -> PartResult:
    part = PartResult("rerun", "Server-side rerun time per page (AppTest), as a multiple of the trivial floor")
    f = floor.median
    fc = median(floor.cpu)
    part.add("floor: one-line script rerun (median of %d)" % len(floor.times), fmt_s(f), "", None,
             f"AppTest.from_string, one slider moved each rerun; CPU {fmt_s(fc)}")
    failing = []
    for r in runs:
        budget = BUDGET_DEFAULT if r.setting == "defaults" else BUDGET_HEAVY
        what = f"{r.label} @ {r.setting}"
        if r.error:
            part.add(what, "ERROR", f"≤ {budget:g}×", False, r.error)
            continue
        ratio = r.median / f
        ok = ratio <= budget
        part.add(what, f"{ratio:.1f}× ({fmt_s(r.median)})", f"≤ {budget:g}×", ok,
                 f"median of {len(r.times)}, min {fmt_s(min(r.times))}; "
                 f"CPU-time ratio {median(r.cpu) / fc:.1f}×"
                 + (f"; {settings.MOVED} is disabled on this page: reruns without a change" if r.unmoved else ""))
        if not ok:
            failing.append(r)
    part.findings.append("Heaviest settings used (shared: "
                         + settings.describe(settings.HEAVY_SHARED) + "); page-specific: "
                         + "; ".join(f"{pid}: " + settings.describe({k: v for k, v in q.items()
                                                                     if k not in settings.HEAVY_SHARED})
                                     for pid, q in heavy.items()
                                     if set(q) - set(settings.HEAVY_SHARED)) + ".")
    if profile and failing:
        from bench import profiling

        worst: dict[str, PageRun] = {}  # one profile per page: its setting furthest over budget
        for r in failing:
            over = r.median / (BUDGET_DEFAULT if r.setting == "defaults" else BUDGET_HEAVY)
            if r.page_id not in worst or over > worst[r.page_id].median / (
                    BUDGET_DEFAULT if worst[r.page_id].setting == "defaults" else BUDGET_HEAVY):
                worst[r.page_id] = r
        totals: dict[str, float] = {}
        found: list[str] = []
        for r in worst.values():
            log(f"  profiling {r.label} @ {r.setting} ...")
            try:
                found += profiling.profile_page(r.page_id, r.setting, r.query, r.charts, floor.median)
                for cat, t in profiling.LAST_CATEGORIES.items():
                    totals[cat] = totals.get(cat, 0.0) + t
            except Exception as err:  # noqa: BLE001
                traceback.print_exc()
                found.append(f"Profiling {r.label} @ {r.setting} failed: {err}")
        total = sum(totals.values()) or 1.0
        altair = sum(t for c, t in totals.items() if c.startswith("Altair"))
        part.findings.append(
            f"**Where the time goes, over the {len(worst)} pages over budget** (one profiled rerun each, summed): "
            + "; ".join(f"{c} {100 * t / total:.0f} %" for c, t in sorted(totals.items(), key=lambda kv: -kv[1])
                        if t / total >= 0.01)
            + f". Altair in all: {100 * altair / total:.0f} % ({fmt_s(altair)} of {fmt_s(total)}).")
        part.findings += found
    return part


def _payload_part(runs: list[PageRun]) -> PartResult:
    part = PartResult("payload", "What each chart sends to the browser (rows of data, bytes of spec + data)")
    for r in runs:
        what = f"{r.label} @ {r.setting}"
        if r.error:
            part.add(what, "ERROR", "", False, r.error)
            continue
        if not r.charts:
            part.add(what, "no charts", f"≤ {MAX_ROWS:,} rows, ≤ 1 MB", True)
            continue
        for c in r.charts:
            ok = c.rows <= MAX_ROWS and c.bytes <= MAX_BYTES
            part.add(f"{what}: {c.title[:60]}", f"{c.rows:,} rows, {fmt_bytes(c.bytes)}",
                     f"≤ {MAX_ROWS:,} rows, ≤ 1 MB", ok,
                     f"{c.datasets} dataset(s), spec {fmt_bytes(c.spec_bytes)}")
    return part
