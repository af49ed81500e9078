"""Which pages, which settings: defaults, the heaviest values, the slider the bench moves.

Page-specific controls are discovered, not listed: the bench wraps `explorer.page.setup` while a
page runs under AppTest and records the ParamSpecs the page passes in. The heaviest value of a
numeric control is its upper bound (callable bounds evaluated at the heavy shared values), of a
grid its last option; choices keep their default unless PAGE_HEAVY names one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.common import ROOT  # noqa: F401 - puts the repo on sys.path

# The sidebar's extremes (explorer/controls.py: HEAD_DIM_MAX, WINDOW_MAX, OFFSET_MAX, heads hi=16),
# with the largest scaling factor under the method with the most moving parts, and a target context of 2^20
# (the largest Men et al.'s context, decay distance and Precision position of the earlier runs).
HEAVY_SHARED: dict[str, str] = {
    "head_dim": "512", "window": "8192", "offset": "100000", "heads": "16", "rope_type": "yarn", "factor": "64",
    "max_position_embeddings": "1048576",
}
# Page-specific heaviest values the generic rule would not pick (choices; bounds that are not the
# heavy end). Keys are nav url_paths. Extend when a page gains such a control.
PAGE_HEAVY: dict[str, dict[str, str]] = {"multimodal": {"text_after": "0"}}  # see MOVED_IN_VIEW

MOVED = "rope_theta"  # the slider every rerun moves: every cached frame is keyed on the RopeConfig it changes
# Pages that draw the sidebar's model only for some models: the values that make rope_theta live there, over both
# settings. Multimodal RoPE needs an M-RoPE model at its own head_dim (else it shows Qwen2.5-VL's and disables
# the model's controls).
PAGE_BASE: dict[str, dict[str, str]] = {"multimodal": {"preset": "qwen2.5-vl-7b-instruct", "head_dim": "128"}}
# Views that no model control changes (rope_theta drawn disabled): the int slider moved there instead, one step
# up per rerun from a value PAGE_HEAVY keeps low enough for every step to be new.
MOVED_IN_VIEW: dict[tuple[str, str], str] = {("multimodal", "sequence"): "text_after"}


def pages() -> list[Any]:
    from explorer.nav import PAGES

    return list(PAGES)


def theta_grid() -> tuple[float, ...]:
    from explorer.params import THETA_GRID

    return THETA_GRID


def url_value(spec, value) -> str:
    return spec.to_url(value)


def moved_widget(at):
    """The MOVED slider of an AppTest, or None where the page disables it (it cannot change that page's view, e.g.
    Models): there the bench times reruns without a change."""
    widget = at.select_slider(key="w_" + MOVED)
    return None if widget.proto.disabled else widget


def move(at, value: float) -> None:
    """Set the MOVED slider to `value` when the page lets it move (moved_widget)."""
    widget = moved_widget(at)
    if widget is not None:
        widget.set_value(value)


def theta_walk(start: float, count: int) -> list[float]:
    """`count` grid values of rope_theta never visited before, walking up from `start` (then down)."""
    grid = list(theta_grid())
    i = min(range(len(grid)), key=lambda j: abs(math.log(grid[j]) - math.log(start)))
    up = grid[i + 1:]
    down = grid[:i][::-1]
    walk = (up + down)[:count]
    if len(walk) < count:
        raise ValueError(f"theta grid has only {len(up) + len(down)} unvisited values, need {count}")
    return walk


class SpecRecorder:
    """Wraps explorer.page.setup to record the page-specific ParamSpecs of every page that runs."""

    def __init__(self) -> None:
        self.specs: dict[str, tuple] = {}
        self._orig = None

    def __enter__(self) -> "SpecRecorder":
        from explorer import page as page_mod

        self._mod = page_mod
        self._orig = page_mod.setup
        orig = self._orig

        def setup(page_id, page_specs=(), *a, **kw):
            self.specs[page_id] = tuple(page_specs)
            VIEWS[page_id] = page_views(page_specs)
            return orig(page_id, page_specs, *a, **kw)

        page_mod.setup = setup
        return self

    def __exit__(self, *exc) -> None:
        self._mod.setup = self._orig


VIEWS: dict[str, tuple[str, ...]] = {}  # page → its views (first = default), filled by SpecRecorder


def page_views(page_specs) -> tuple[str, ...]:
    from explorer.params import VIEW

    return next((tuple(s.options) for s in page_specs if s.widget == VIEW), ())


@dataclass(frozen=True)
class Target:
    """One page, or one view of a page with a view picker: each view draws (and computes) one chart."""

    page_id: str
    view: str | None = None

    @property
    def label(self) -> str:
        return self.page_id if self.view is None else f"{self.page_id} [{self.view}]"

    @property
    def moved(self) -> str:
        """The slider a rerun moves on this target."""
        return MOVED_IN_VIEW.get((self.page_id, self.view), MOVED)

    def query(self, base: dict[str, str]) -> dict[str, str]:
        q = {**base, **PAGE_BASE.get(self.page_id, {})}
        return {**q, "view": self.view} if self.view is not None else q


def targets(page_ids: list[str]) -> list[Target]:
    """Every page, and every view of the pages that have views (known once the pages ran: SpecRecorder)."""
    return [Target(pid, v) for pid in page_ids for v in (VIEWS.get(pid) or (None,))]


@dataclass
class Setting:
    name: str  # "defaults" | "heaviest"
    query: dict[str, str]


def heavy_query(page_id: str, page_specs) -> dict[str, str]:
    """The heavy shared values plus this page's heaviest page-specific values, as URL strings."""
    from explorer import controls

    values = controls.defaults()
    for s in controls.SHARED:
        if s.key in HEAVY_SHARED:
            values[s.key] = s.parse(HEAVY_SHARED[s.key], values)[0]
    query = dict(HEAVY_SHARED)
    for spec in page_specs:
        values.setdefault(spec.key, spec.default)
        if spec.key == "view":
            continue  # every view is measured: settings.targets
        override = PAGE_HEAVY.get(page_id, {}).get(spec.key)
        if override is not None:
            query[spec.key] = override
            values[spec.key] = spec.parse(override, values)[0]
            continue
        if spec.kind in ("int", "float"):
            _, hi = spec.bounds(values)
            value = spec.clamp(hi, values)
        elif spec.kind == "grid":
            value = spec.options[-1]
            if spec.hi is not None:
                value = min(value, spec.bounds(values)[1])
        else:
            continue  # choices and toggles keep their default unless PAGE_HEAVY says otherwise
        values[spec.key] = value
        query[spec.key] = spec.to_url(value)
    return query


def describe(query: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in query.items()) or "defaults"
