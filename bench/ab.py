"""A/B browser repaint of two checkouts of the app, for design experiments (not part of `python -m bench`).

    python -m bench.ab DIR_A DIR_B page[,page...] [--reps 12] [--query '?d=512']

Starts one server per checkout (e.g. `git worktree add /tmp/a HEAD` and a modified copy), opens the same
page on both in one headless Chromium, and alternates slider presses A, B, B, A, ... on the rope_theta slider
(the measurement of bench/browser.py: keypress until the charts stop drawing), with a press on the trivial
page (bench/trivial_app.py) after each pair, so both are also shown as ratios to it. Paired presses minutes apart
see the same machine load, so the median of the paired differences B − A resolves ~10 ms effects that
separate runs on this shared machine do not.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.browser import INIT_JS, SLIDER, VIEWPORT, _open, _press
from bench.common import BENCH_DIR, Server, browser, median


def compare(a_dir: Path, b_dir: Path, pages: list[str], reps: int = 12, query: str = "", log=print,
            a_slider: str = SLIDER) -> list[dict]:
    """a_slider: A's rope_theta slider, when A is a checkout from before the config.json names (`w_theta`)."""
    a = Server(a_dir / "streamlit_app.py", "ab_a", cwd=a_dir)
    b = Server(b_dir / "streamlit_app.py", "ab_b", cwd=b_dir, taken={a.port})
    triv = Server(BENCH_DIR / "trivial_app.py", "ab_trivial", taken={a.port, b.port})
    out = []
    with a, b, triv, browser() as br:
        tctx = br.new_context(viewport=VIEWPORT)
        tctx.add_init_script(INIT_JS)
        tpg, tframes = _open(tctx, triv.url, with_frames=True)
        _press(tpg, triv.pid, tframes)  # warm-up, untimed
        contexts = {}
        for name, server in (("A", a), ("B", b)):
            ctx = br.new_context(viewport=VIEWPORT)
            ctx.add_init_script(INIT_JS)
            _open(ctx, server.url + "/").close()  # the entrypoint's first run, as a cold link gets it
            contexts[name] = (ctx, server, a_slider if name == "A" else SLIDER)
        for page in pages:
            open_pages = {}
            for name, (ctx, server, sel) in contexts.items():
                pg, frames = _open(ctx, f"{server.url}/{'' if page == 'home' else page}{query}", with_frames=True)
                _press(pg, server.pid, frames, selector=sel)  # warm-up, untimed, both ways
                _press(pg, server.pid, frames, key="ArrowLeft", selector=sel)
                open_pages[name] = (pg, frames, server.pid, sel)
            times: dict[str, list[float]] = {"A": [], "B": [], "floor": []}
            for i in range(reps):
                key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
                for name in (("A", "B") if i % 2 == 0 else ("B", "A")):
                    pg, frames, pid, sel = open_pages[name]
                    times[name].append(_press(pg, pid, frames, key=key, selector=sel)["repaint"])
                times["floor"].append(_press(tpg, triv.pid, tframes, key=key)["repaint"])
            diff = median([tb - ta for ta, tb in zip(times["A"], times["B"])])
            f = median(times["floor"])
            row = {"page": page, "a_ms": median(times["A"]), "b_ms": median(times["B"]), "b_minus_a_ms": diff,
                   "floor_ms": f}
            out.append(row)
            log(f"{page:20s} A {row['a_ms']:6.0f} ms ({row['a_ms'] / f:.1f}×)  B {row['b_ms']:6.0f} ms "
                f"({row['b_ms'] / f:.1f}×)  median(B − A) {diff:+6.0f} ms  (n={reps}; trivial page {f:.0f} ms, "
                "interleaved)")
            for pg, *_ in open_pages.values():
                pg.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("pages", help="comma-separated url paths (home for the home page)")
    ap.add_argument("--reps", type=int, default=12)
    ap.add_argument("--query", default="", help="appended to each page's URL, e.g. '?d=512'")
    ap.add_argument("--a-slider", default=SLIDER,
                    help="CSS selector of A's rope_theta slider (before the config.json names: "
                         "'.st-key-w_theta input[type=range]')")
    args = ap.parse_args()
    compare(args.a.resolve(), args.b.resolve(), args.pages.split(","), args.reps, args.query, a_slider=args.a_slider)


if __name__ == "__main__":
    main()
