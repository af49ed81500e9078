"""Where a page's rerun time goes: pyinstrument inside the AppTest script thread, grouped by cause.

Each sample's stack is attributed by the innermost frame of app code (pages/, explorer/,
rope_core/) and the library it called: Altair schema validation, Altair spec building, Arrow
serialization, pandas, cache key hashing, rope_core maths, Streamlit widgets...
The full pyinstrument text profile of the last rerun is saved under bench/out/.
"""

from __future__ import annotations

import collections
import threading

from bench import settings
from bench.common import OUT_DIR, fmt_s, now, open_page

LAST_CATEGORIES: dict[str, float] = {}  # per-rerun seconds by cause, of the last profile_page
APP_DIRS = ("/pages/", "/explorer/", "/rope_core/", "streamlit_app.py")


def _frame(ident: str) -> tuple[str, str, str]:
    parts = ident.split("\x00")
    func = parts[0]
    path = parts[1] if len(parts) > 1 else ""
    line = parts[2].split("\x01")[0] if len(parts) > 2 else ""
    return func, path, line


def _is_app(path: str) -> bool:
    from bench.common import ROOT

    return path.startswith(str(ROOT)) and any(d in path for d in APP_DIRS) and "/bench/" not in path


def _is_validation(func: str, path: str) -> bool:
    return ("/jsonschema/" in path or "/referencing/" in path
            or (path.endswith("altair/utils/schemapi.py") and "valid" in func.lower()))


def categorize(stack: list[str]) -> str:
    frames = [_frame(s) for s in stack]
    app = [i for i, (_, p, _) in enumerate(frames) if _is_app(p)]
    if not app:
        return "Streamlit runtime (outside app code)"
    a = app[-1]
    func, path, _ = frames[a]
    if "/rope_core/" in path:
        return "rope_core maths (numpy)"
    callees = frames[a + 1:]
    if not callees:
        return "app code itself (Python in pages/ and explorer/)"
    paths = [p for _, p, _ in callees]
    first = paths[0]
    if any(_is_validation(f, p) for f, p, _ in callees):
        return "Altair schema validation (jsonschema)"
    if "/streamlit/runtime/caching/" in first:
        return "st.cache_resource / st.cache_data: hashing keys, (un)pickling results"
    if "/altair/" in first:
        return "Altair: building the chart / spec (to_dict)"
    if "/streamlit/" in first:
        if any("/altair/" in p for p in paths):
            return "Altair: building the chart / spec (to_dict)"
        if any("/pyarrow/" in p or "dataframe_util" in p or "arrow" in p.rsplit("/", 1)[-1] for p in paths):
            return "Arrow serialization of data (pandas → Arrow IPC)"
        if any("/pandas/" in p for p in paths):
            return "pandas (inside Streamlit)"
        return "Streamlit elements and widgets (st.* calls)"
    if "/pandas/" in first:
        return "pandas (DataFrame construction and ops in explorer/)"
    if "/numpy/" in first:
        return "numpy called from explorer/ or pages/"
    if "/pyarrow/" in first:
        return "Arrow serialization of data (pandas → Arrow IPC)"
    if "vl_convert" in first:
        return "vl-convert (PNG/SVG export)"
    return "other: " + first.rsplit("/site-packages/", 1)[-1].split("/")[0]


def summarize(records: list[tuple[list[str], float]]) -> tuple[dict[str, float], list[tuple[str, float]]]:
    by_cat: dict[str, float] = collections.defaultdict(float)
    by_app: dict[str, float] = collections.defaultdict(float)
    for stack, t in records:
        by_cat[categorize(stack)] += t
        seen = set()
        for ident in stack:
            func, path, line = _frame(ident)
            if _is_app(path) and func != "<module>":
                short = path.rsplit("/work/main/", 1)[-1] if "/work/main/" in path else path.rsplit("/", 2)[-1]
                key = f"{short}:{func}"
                if key not in seen:
                    seen.add(key)
                    by_app[key] += t
    total = sum(t for _, t in records) or 1.0
    top = sorted(((k, t) for k, t in by_app.items() if t < 0.9 * total), key=lambda kv: -kv[1])[:8]
    return dict(sorted(by_cat.items(), key=lambda kv: -kv[1])), top


class _EntryProfiler:
    """Patch explorer.nav.entry so that every script run is profiled in its own (script) thread."""

    def __init__(self) -> None:
        self.records: list[tuple[list[str], float]] = []
        self.texts: list[str] = []
        self.durations: list[float] = []
        self.active = False
        self._local = threading.local()

    def __enter__(self):
        from explorer import nav

        self._nav = nav
        self._orig = nav.entry
        orig = self._orig

        def entry():
            if not self.active or getattr(self._local, "inside", False):
                return orig()
            from pyinstrument import Profiler

            self._local.inside = True
            prof = Profiler(interval=0.0005, async_mode="disabled")
            prof.start()
            t = now()
            try:
                return orig()
            finally:
                self.durations.append(now() - t)
                prof.stop()
                self._local.inside = False
                session = prof.last_session
                self.records.extend(session.frame_records)
                self.texts.append(prof.output_text(unicode=True, color=False, show_all=False))

        nav.entry = entry
        return self

    def __exit__(self, *exc):
        self._nav.entry = self._orig


def profile_page(page_id: str, setting: str, query: dict[str, str], charts, floor: float,
                 reruns: int = 1) -> list[str]:
    """Profile `reruns` fresh-theta reruns of a page; return markdown findings (profile, chart costs)."""
    with _EntryProfiler() as prof, _ChartCapture() as cap:
        at = open_page(page_id, query)
        start = float(at.select_slider(key="w_" + settings.MOVED).value)
        walk = settings.theta_walk(start, reruns + 1)[1:]  # a different walk start than the timing run
        prof.active = True
        for i, theta in enumerate(walk):
            cap.active = i == len(walk) - 1
            settings.move(at, theta)
            at.run(timeout=180)
        prof.active = cap.active = False
    total = sum(t for _, t in prof.records) or 1.0
    per_run = (sum(prof.durations) / len(prof.durations)) if prof.durations else float("nan")
    cats, top = summarize(prof.records)
    OUT_DIR.mkdir(exist_ok=True)
    view = query.get("view")
    path = OUT_DIR / f"profile_{page_id}{'_' + view if view else ''}_{setting}.txt"
    self_time: dict[str, float] = collections.defaultdict(float)
    for stack, t in prof.records:
        func, fpath, line = _frame(stack[-1])
        self_time[f"{func}  {fpath.rsplit('site-packages/', 1)[-1]}:{line}"] += t
    flat = "\n".join(f"{1000 * t / max(1, len(prof.durations)):9.1f} ms  {k}"
                     for k, t in sorted(self_time.items(), key=lambda kv: -kv[1])[:40])
    path.write_text((prof.texts[-1] if prof.texts else "") + "\n\nTop functions by self time, per rerun:\n" + flat + "\n")
    n = max(1, len(prof.durations))
    lines = [f"**Profile of {page_id}{f' [{view}]' if view else ''} @ {setting}** (pyinstrument in the script thread, {n} fresh-θ reruns, "
             f"{fmt_s(per_run)} per rerun under the profiler = {per_run / floor:.0f}× floor; "
             f"full tree: `bench/out/{path.name}`). Time by cause, per rerun:"]
    for cat, t in cats.items():
        if t / total >= 0.02:
            lines.append(f"- {cat}: {fmt_s(t / n)} ({100 * t / total:.0f} %)")
    lines.append("Heaviest app frames (inclusive, per rerun): "
                 + ", ".join(f"`{k}` {fmt_s(t / n)}" for k, t in top[:6]) + ".")
    if charts:
        lines.append("Charts on the page: " + ", ".join(f"“{c.title[:40]}” {c.rows:,} rows" for c in charts) + ".")
    out = ["\n".join(lines)]
    costs = chart_costs(page_id, cap)
    if costs:
        out.append(costs)
    LAST_CATEGORIES.clear()
    LAST_CATEGORIES.update({c: t / n for c, t in cats.items()})
    return out


class _ChartCapture:
    """Patch explorer.charts builders and show() to record each chart, its data and build time."""

    NOT_BUILDERS = {"sample_axis", "downsample_note", "colormap", "compile_counts", "use_counts"}

    def __init__(self) -> None:
        self.shown: list[tuple[object, object, str]] = []
        self.build_s = 0.0
        self.active = False
        self._depth = 0

    def __enter__(self):
        import inspect

        from explorer import charts

        self._charts = charts
        names = [n for n, f in vars(charts).items() if inspect.isfunction(f) and f.__module__ == charts.__name__
                 and not n.startswith("_") and n not in self.NOT_BUILDERS]
        self._orig = {name: getattr(charts, name) for name in names}
        for name, fn in self._orig.items():
            setattr(charts, name, self._wrap(name, fn))
        return self

    def _wrap(self, name, fn):
        def wrapped(*a, **kw):
            if not self.active:
                return fn(*a, **kw)
            if name == "show":
                self.shown.append((a[0] if a else kw.get("chart"), a[1] if len(a) > 1 else kw.get("data"),
                                   a[2] if len(a) > 2 else kw.get("name", "")))
                return fn(*a, **kw)
            t = now()
            self._depth += 1
            try:
                return fn(*a, **kw)
            finally:
                self._depth -= 1
                if self._depth == 0:  # builders calling builders count once
                    self.build_s += now() - t
        return wrapped

    def __exit__(self, *exc):
        for name, fn in self._orig.items():
            setattr(self._charts, name, fn)


def _best(fn, n: int = 3) -> float:
    best = float("inf")
    for _ in range(n):
        t = now()
        fn()
        best = min(best, now() - t)
    return best


def chart_costs(page_id: str, cap: _ChartCapture) -> str:
    """The page's charts: builder time (Altair templates compiled once, slots filled per call), and spec + Arrow
    serialization."""
    import io
    import json

    import pyarrow as pa

    def arrow_bytes(df) -> int:
        sink = io.BytesIO()
        table = pa.Table.from_pandas(df, preserve_index=False)
        with pa.ipc.new_stream(sink, table.schema) as w:
            w.write_table(table)
        return len(sink.getvalue())

    def serialize(chart) -> None:
        spec = chart.to_dict()
        frames = spec.pop("datasets", {}) or {}
        json.dumps(spec, default=str)
        for df in frames.values():
            arrow_bytes(df)

    if not cap.shown:
        return ""
    t_ser = sum(_best(lambda c=c: serialize(c)) for c, _, _ in cap.shown)
    return (f"**Chart cost on {page_id}** ({len(cap.shown)} chart(s)): the explorer.charts builders take "
            f"{fmt_s(cap.build_s)} per rerun; the spec as JSON plus its datasets as Arrow IPC {fmt_s(t_ser)} "
            f"(measured outside Streamlit on the page's own charts).")
