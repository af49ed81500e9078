"""python -m bench: how fast RoPE Explorer is at default and heaviest settings, against its budgets.

Parts (all by default, in this order):
  rerun     server-side rerun time per page (AppTest), ratio to a one-line script's rerun
  payload   rows and bytes each chart sends to the browser (from the same AppTest runs)
  hotpaths  rope_core relative scores and decay curves against the naive formulation
  browser   headless Chromium: slider change → chart repainted, ratio to a trivial page
  memory    server RSS after N browser sessions visited every page with different parameters
Writes bench/results.md after a full run (a partial run writes bench/out/results_partial.md
unless --out is given) and prints the table. Exit status 1 when a budget is not met.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

PARTS = ("rerun", "payload", "hotpaths", "browser", "memory")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help=f"comma-separated parts to run: {','.join(PARTS)}")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip")
    ap.add_argument("--pages", default="", help="comma-separated page url_paths (default: every page in nav.PAGES)")
    ap.add_argument("--reps", type=int, default=9, help="timed AppTest reruns per page and setting (≥ 5 for the budget; "
                    "9 by default: this machine is shared, and a median of 5 moved by ±30 %% between runs)")
    ap.add_argument("--browser-reps", type=int, default=5, help="timed slider changes per page and setting")
    ap.add_argument("--sessions", type=int, default=20, help="browser sessions for the memory part")
    ap.add_argument("--workers", type=int, default=3, help="browsers driving the memory sessions in parallel")
    ap.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for the memory part's server (experiments, e.g. MALLOC_ARENA_MAX=2)")
    ap.add_argument("--no-profile", action="store_true", help="do not profile pages over budget")
    ap.add_argument("--out", default="", help="where to write the markdown report")
    ap.add_argument("--report-only", action="store_true",
                    help="rebuild the report from the last run (bench/out/last_run.json); measures nothing")
    args = ap.parse_args(argv)

    only = [p for p in args.only.split(",") if p] or list(PARTS)
    skip = {p for p in args.skip.split(",") if p}
    for p in [*only, *skip]:
        if p not in PARTS:
            ap.error(f"unknown part {p!r}; parts are {', '.join(PARTS)}")
    selected = [p for p in PARTS if p in only and p not in skip]

    warnings.filterwarnings("ignore")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    from bench import report, settings
    from bench.common import BENCH_DIR, OUT_DIR, PartResult, machine_facts, now

    if args.report_only:
        parts, facts, old_argv, seconds, complete = report.load(OUT_DIR / "last_run.json")
        out = Path(args.out) if args.out else (BENCH_DIR / "results.md" if complete else OUT_DIR / "results_partial.md")
        report.write(out, report.markdown(parts, facts, old_argv, seconds, complete))
        print(report.table_text(parts))
        print(f"rebuilt {out} from the run of {facts['date']}")
        return 0

    for name in ("streamlit", "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(name).setLevel(logging.ERROR)

    all_ids = [p.url_path for p in settings.pages()]
    page_ids = [p for p in args.pages.split(",") if p] or all_ids
    unknown = set(page_ids) - set(all_ids)
    if unknown:
        ap.error(f"unknown pages {sorted(unknown)}; pages are {', '.join(all_ids)}")
    if "rerun" in selected and args.reps < 5:
        print("note: --reps < 5; the rerun budget asks for the median of at least 5", file=sys.stderr)

    facts = machine_facts()
    print(f"RoPE Explorer bench, {facts['date']}: nproc {facts['nproc']}, python {facts['python']}, "
          f"streamlit {facts['streamlit']}; parts: {', '.join(selected)}; pages: {len(page_ids)}")
    t_all = now()
    parts: list[PartResult] = []
    heavy = None

    def log(msg: str) -> None:
        print(msg, flush=True)

    if "rerun" in selected or "payload" in selected:
        from bench import apptest_runs

        print("[rerun/payload] AppTest reruns per page ...", flush=True)
        t = now()
        got = apptest_runs.run(page_ids, args.reps, "rerun" in selected, "payload" in selected,
                               profile=not args.no_profile, log=log)
        heavy = getattr(apptest_runs, "LAST_HEAVY", None)
        for p in got:
            p.seconds = now() - t
        parts += got
    if "hotpaths" in selected:
        from bench import hotpaths

        print("[hotpaths] rope_core against the naive formulation ...", flush=True)
        t = now()
        p = hotpaths.run(log=log)
        p.seconds = now() - t
        parts.append(p)
    if "browser" in selected:
        from bench import apptest_runs, browser

        print("[browser] repaint after a slider change ...", flush=True)
        t = now()
        if heavy is None:
            heavy = apptest_runs.discover_heavy(page_ids)
        p = browser.repaint(page_ids, heavy, args.browser_reps, args.browser_reps, log=log)
        p.seconds = now() - t
        parts.append(p)
    if "memory" in selected:
        from bench import apptest_runs, browser

        print(f"[memory] {args.sessions} sessions × {len(page_ids)} pages ...", flush=True)
        t = now()
        if not settings.VIEWS:  # the sessions click a different view on each page: which views there are
            apptest_runs.discover_heavy(page_ids)
        env = dict(kv.split("=", 1) for kv in args.server_env)
        p = browser.memory(page_ids, args.sessions, args.workers, log=log, server_env=env or None)
        p.seconds = now() - t
        parts.append(p)

    seconds = now() - t_all
    facts["load average (1/5/15 min) at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    complete = selected == list(PARTS) and page_ids == all_ids and not args.pages
    out = Path(args.out) if args.out else (BENCH_DIR / "results.md" if complete else OUT_DIR / "results_partial.md")
    text = report.markdown(parts, facts, argv, seconds, complete)
    report.write(out, text)
    report.save(OUT_DIR / "last_run.json", parts, facts, argv, seconds, complete)
    print()
    print(report.table_text(parts))
    passed, failed, _ = report.summary(parts)
    print(f"\n{passed} within budget, {failed} over budget; {seconds / 60:.1f} min; wrote {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
