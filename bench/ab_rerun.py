"""A/B server-side rerun time of two checkouts of the app, measured in one run (not part of `python -m bench`).

    python -m bench.ab_rerun DIR_A DIR_B [--pages p,q] [--rounds 4] [--reps 3] [--out FILE]

Each checkout is measured by its own bench code (its `bench.apptest_runs.measure`, its own defaults and
heaviest settings), in a worker process of its own, so the two apps never share imports. The driver
alternates the workers page by page, A B B A ..., `rounds` times per page and setting with `reps` timed
reruns each (every round on rope_theta values that view has not had, so no rerun is served from a cache), and each worker interleaves its own one-line-script floor as `python -m bench` does. Both
checkouts thus see the same machine load, and each figure can be read two ways: as the checkout's own ratio
to the floor (the figure `bench/results.md` reports) and as B's CPU time over A's for the same view.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from statistics import median

_HERE = Path(__file__).resolve()


def _share_script_cache() -> None:
    """One ScriptCache for every AppTest run, as a server has (bench.common.share_script_cache, which older
    checkouts' bench code lacks): reruns do not recompile the page file."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def _worker(tree: Path, fresh_cache: bool) -> None:
    """Serve measurement requests on stdin/stdout with `tree`'s app and bench code."""
    sys.path[:] = [str(tree)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE.parent]
    os.chdir(tree)
    os.environ["BENCH_ROOT"] = str(tree)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # as a server has, in both checkouts (bench.common)
    out = sys.stdout
    sys.stdout = sys.stderr  # the pages' prints must not corrupt the protocol
    if not fresh_cache:
        _share_script_cache()
    from bench import apptest_runs, settings

    # every round walks rope_theta values this view and setting has not had: a value seen in an earlier round
    # would be served from the app's caches, and `python -m bench` times only new inputs
    seen: dict[tuple[str, str], set[float]] = {}
    current: list[tuple[str, str]] = [("", "")]
    walk = settings.theta_walk

    def fresh_walk(start: float, count: int) -> list[float]:
        used = seen.setdefault(current[0], set())
        out = [v for v in walk(start, count + len(used)) if v not in used][:count]
        used.update(out)
        return out

    settings.theta_walk = fresh_walk
    floor = None
    heavy: dict = {}
    targets: dict = {}
    for line in sys.stdin:
        req = json.loads(line)
        current[0] = (req.get("label", ""), req.get("setting", ""))
        if req["cmd"] == "init":
            floor = apptest_runs.Floor()
            heavy = apptest_runs.discover_heavy(req["pages"])
            targets = {t.label: t for t in settings.targets(req["pages"])}
            reply = {"labels": list(targets)}
        elif req["cmd"] == "measure":
            t = targets[req["label"]]
            base = {} if req["setting"] == "defaults" else heavy[t.page_id]
            r = apptest_runs.measure(t, req["setting"], t.query(base), req["reps"], floor)
            reply = {"times": r.times, "cpu": r.cpu, "error": r.error}
        else:  # floor
            floor.burst(5)
            reply = {"times": floor.times, "cpu": floor.cpu}
        out.write(json.dumps(reply) + "\n")
        out.flush()


class Worker:
    def __init__(self, tree: Path, fresh_cache: bool) -> None:
        self.proc = subprocess.Popen([sys.executable, str(_HERE), "--worker", str(tree), str(int(fresh_cache))], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=tree)

    def ask(self, **req) -> dict:
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker exited ({self.proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def compare(a_dir: Path, b_dir: Path, pages: list[str], rounds: int, reps: int, fresh_cache: bool = False,
            log=print) -> list[dict]:
    a, b = Worker(a_dir, fresh_cache), Worker(b_dir, fresh_cache)
    try:
        labels_a = a.ask(cmd="init", pages=pages)["labels"]
        labels_b = set(b.ask(cmd="init", pages=pages)["labels"])
        rows = []
        for label in [x for x in labels_a if x in labels_b]:
            for setting in ("defaults", "heaviest"):
                got = {"A": {"times": [], "cpu": [], "error": ""}, "B": {"times": [], "cpu": [], "error": ""}}
                for i in range(rounds):
                    for name, w in ((("A", a), ("B", b)) if i % 2 == 0 else (("B", b), ("A", a))):
                        r = w.ask(cmd="measure", label=label, setting=setting, reps=reps)
                        got[name]["times"] += r["times"]
                        got[name]["cpu"] += r["cpu"]
                        got[name]["error"] = got[name]["error"] or r["error"]
                rows.append({"what": f"{label} @ {setting}", **{k: v for k, v in got.items()}})
                row = rows[-1]
                if row["A"]["error"] or row["B"]["error"]:
                    log(f"{row['what']:<45} ERROR A: {row['A']['error']} B: {row['B']['error']}")
                    continue
                log(f"{row['what']:<45} CPU A {1e3 * median(row['A']['cpu']):6.1f} ms  "
                    f"B {1e3 * median(row['B']['cpu']):6.1f} ms  B/A {median(row['B']['cpu']) / median(row['A']['cpu']):.2f}")
        floors = {"A": a.ask(cmd="floor"), "B": b.ask(cmd="floor")}
    finally:
        a.close()
        b.close()
    return [{"floor": floors}, *rows]


def report(a_dir: Path, b_dir: Path, result: list[dict], rounds: int, reps: int, fresh_cache: bool) -> str:
    floors, rows = result[0]["floor"], result[1:]
    fa, fb = (median(floors[k]["times"]) for k in "AB")
    ca, cb = (median(floors[k]["cpu"]) for k in "AB")
    lines = [
        f"A = `{a_dir}`, B = `{b_dir}`; {rounds} alternating rounds × {reps} timed reruns per view and setting, "
        f"each checkout measured by its own bench code and settings; "
        + ("a new ScriptCache per rerun (AppTest's own: the page file is recompiled every rerun)." if fresh_cache
           else "one ScriptCache for all reruns, as a server has."),
        "",
        f"Floor (one-line script, interleaved): A {1e3 * fa:.1f} ms (CPU {1e3 * ca:.1f}), "
        f"B {1e3 * fb:.1f} ms (CPU {1e3 * cb:.1f}).",
        "",
        "| view @ setting | A ratio to floor | B ratio to floor | A CPU ms | B CPU ms | B/A CPU |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["A"]["error"] or r["B"]["error"]:
            lines.append(f"| {r['what']} | ERROR | ERROR | | | |")
            continue
        ma, mb = median(r["A"]["times"]), median(r["B"]["times"])
        qa, qb = median(r["A"]["cpu"]), median(r["B"]["cpu"])
        lines.append(f"| {r['what']} | {ma / fa:.1f}× | {mb / fb:.1f}× | {1e3 * qa:.1f} | {1e3 * qb:.1f} "
                     f"| {qb / qa:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        _worker(Path(sys.argv[2]), sys.argv[3] == "1")
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--pages", default="", help="comma-separated page url_paths (default: every page)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--fresh-script-cache", action="store_true",
                    help="recompile the page file every rerun, as AppTest alone does (older bench protocol)")
    args = ap.parse_args()
    a, b = args.a.resolve(), args.b.resolve()
    pages = [p for p in args.pages.split(",") if p]
    if not pages:
        sys.path.insert(0, str(b))
        from bench import settings

        pages = [p.url_path for p in settings.pages()]
    result = compare(a, b, pages, args.rounds, args.reps, args.fresh_script_cache)
    text = report(a, b, result, args.rounds, args.reps, args.fresh_script_cache)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
