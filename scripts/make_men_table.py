"""Rewrite rope_core/men_table.py with rope_core.men's sweep for its ROTARY_DIMS × CONTEXTS.

Usage: python scripts/make_men_table.py [rotary dims, comma-separated]   (default: men_table.ROTARY_DIMS)
Entries for other dims are kept. Each entry is the sweep from theta_min = 2 (seconds to minutes at long contexts).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rope_core import men_table  # noqa: E402
from rope_core.men import min_theta_table  # noqa: E402

HEADER = "MIN_THETA: dict[tuple[int, int], float] = {\n"


def render(table: dict[tuple[int, int], float]) -> str:
    """men_table.py's text with `table` as MIN_THETA."""
    text = Path(men_table.__file__).read_text(encoding="utf-8")
    head, rest = text.split(HEADER, 1)
    rows = "".join(f"    ({d}, {length}): {table[(d, length)]!r},\n" for d, length in sorted(table))
    return head + HEADER + rows + rest[rest.index("}\n"):]


if __name__ == "__main__":
    dims = [int(d) for d in sys.argv[1].split(",")] if len(sys.argv) > 1 else men_table.ROTARY_DIMS
    table = dict(men_table.MIN_THETA)
    table.update(min_theta_table(dims, men_table.CONTEXTS))
    text = render(table)
    Path(men_table.__file__).write_text(text, encoding="utf-8")
