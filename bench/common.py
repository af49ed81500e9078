"""Shared pieces of the benchmark: rows of results, timing, machine facts, servers on free ports.

The bench is not a test: it times things, on a shared and noisy machine. Every timing that has
a budget is therefore a ratio to a reference measured in the same run, interleaved with it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# One BLAS thread, as the server has (explorer/__init__.py sets it before numpy loads there); here
# tests/apptest_utils imports numpy before explorer, which would leave OpenBLAS with a thread per core.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
ROOT = Path(os.environ.get("BENCH_ROOT", Path(__file__).resolve().parent.parent))
BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # profiles and logs (git-ignored)
PORTS = range(8800, 8900)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Row:
    """One figure of the report: what, the figure, its budget, and whether it passes.

    ok is None for figures without a budget (context, not a verdict).
    """

    part: str
    what: str
    figure: str
    budget: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "FAIL", None: ""}[self.ok]


@dataclass
class PartResult:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # markdown paragraphs: profiles, proposals
    seconds: float = 0.0

    def add(self, *args, **kw) -> Row:
        row = Row(self.name, *args, **kw)
        self.rows.append(row)
        return row


def now() -> float:
    return time.perf_counter()


def median(xs) -> float:
    xs = list(xs)
    return statistics.median(xs) if xs else float("nan")


def timed(fn: Callable, *args, **kw) -> tuple[float, object]:
    t = now()
    out = fn(*args, **kw)
    return now() - t, out


def best_of(fn: Callable, repeat: int = 3, min_time: float = 0.0) -> float:
    """Smallest wall time of `repeat` calls (at least one call; more while under min_time total)."""
    times: list[float] = []
    start = now()
    while len(times) < repeat or (now() - start < min_time and len(times) < 1000):
        t = now()
        fn()
        times.append(now() - t)
    return min(times)


def fmt_s(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def fmt_bytes(n: float) -> str:
    """Decimal units: the chart budget is 1 MB = 1,000,000 bytes."""
    if n >= 1e6:
        return f"{n / 1e6:.2f} MB"
    if n >= 1e3:
        return f"{n / 1e3:.1f} kB"
    return f"{int(n)} B"


def machine_facts() -> dict[str, str]:
    import numpy
    import streamlit

    facts = {
        "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": _mem_total(),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "load average (1/5/15 min) at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    for mod in ("altair", "pandas", "playwright"):
        try:
            facts[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - facts are best effort
            pass
    return facts


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / (1 << 20):.1f} GB"
    return "unknown"


def rss_mb(pid: int) -> float:
    """VmRSS of a process, in MB (MiB), from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def proc_cpu(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port(taken: set[int] = frozenset()) -> int:
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def share_script_cache() -> None:
    """Give every AppTest run one ScriptCache, as a server's Runtime does (AppTest makes a new one per run).

    Without it each timed rerun also recompiles the entrypoint and the page file (1-7 ms per page here), a
    cost a running server pays once per file, not per slider change. Idempotent."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    if getattr(app_test.ScriptCache, "shared", None) is None:
        shared = ScriptCache()

        def one() -> ScriptCache:
            return shared

        one.shared = shared
        app_test.ScriptCache = local_script_runner.ScriptCache = one


def open_page(page_id: str, query: dict[str, str]):
    """AppTest of `page_id` opened as a link with `query` does, with exception messages in full."""
    from streamlit import config

    from tests.apptest_utils import run_page

    config.set_option("client.showErrorDetails", "full")  # the app's config.toml redacts exception messages
    share_script_cache()
    return run_page(page_id, query)


class Server:
    """`streamlit run <script>` on 127.0.0.1:<free port>, started and stopped by us (by pid)."""

    def __init__(self, script: Path, name: str, taken: set[int] = frozenset(), cwd: Path = ROOT,
                 env: dict[str, str] | None = None):
        self.script, self.name, self.cwd = Path(script), name, Path(cwd)
        self.env = env or {}
        self.port = free_port(taken)
        self.proc: subprocess.Popen | None = None
        OUT_DIR.mkdir(exist_ok=True)
        self.log_path = OUT_DIR / f"server_{name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 60) -> "Server":
        head = [sys.executable, "-m", "streamlit"]
        cmd = [*head, "run", str(self.script),
               "--server.headless", "true", "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--server.runOnSave", "false"]
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **self.env})
        deadline = now() + timeout
        while now() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {self.name} exited early; see {self.log_path}")
            with contextlib.suppress(Exception):
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server {self.name} not healthy after {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def browser():
    """Debian's Chromium with the tests' launch arguments (tests/browser_utils.py), as a context manager."""
    from tests.browser_utils import chromium

    return chromium()
