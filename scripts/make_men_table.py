"""Rewrite rope_core/men_table.py with rope_core.men's sweep for ROTARY_DIMS × CONTEXTS and EVERY_DIM × EVERY_DIM_CONTEXTS.

Usage: python scripts/make_men_table.py [--missing] [rotary dims, comma-separated]
  (default: both grids; with dims: those dims at CONTEXTS). --missing computes only pairs not in the table yet.
Other entries are kept. Each entry is the sweep from theta_min = 2 (seconds to minutes at long contexts).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rope_core import men_table  # noqa: E402
from rope_core.men import min_theta_table  # noqa: E402

HEADER = "MIN_THETA: dict[tuple[int, int], float | None] = {\n"


def render(table: dict[tuple[int, int], float]) -> str:
    """men_table.py's text with `table` as MIN_THETA."""
    text = Path(men_table.__file__).read_text(encoding="utf-8")
    head, rest = text.split(HEADER, 1)
    rows = "".join(f"    ({d}, {length}): {table[(d, length)]!r},\n" for d, length in sorted(table))
    return head + HEADER + rows + rest[rest.index("}\n"):]


if __name__ == "__main__":
    args = sys.argv[1:]
    missing = "--missing" in args
    args = [a for a in args if a != "--missing"]
    if args:
        pairs = [(int(d), length) for d in args[0].split(",") for length in men_table.CONTEXTS]
    else:
        pairs = [(d, length) for d in men_table.ROTARY_DIMS for length in men_table.CONTEXTS]
        pairs += [(d, length) for d in men_table.EVERY_DIM for length in men_table.EVERY_DIM_CONTEXTS]
    table = dict(men_table.MIN_THETA)
    todo = sorted({pair for pair in pairs if not (missing and pair in table)}, key=lambda p: (p[1], p[0]))  # short first
    for done, pair in enumerate(todo, 1):
        table.update(min_theta_table([pair[0]], [pair[1]]))
        if done % 64 == 0 or done == len(todo):  # partial results survive an interrupted run
            Path(men_table.__file__).write_text(render(table), encoding="utf-8")
            print(f"{done}/{len(todo)}", flush=True)
