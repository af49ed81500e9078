"""What every page does first and last: boot, sidebar, warnings; the closing expander."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import streamlit as st

from rope_core import RopeConfig

from explorer import nav, sidebar
from explorer.params import VIEW, ParamSpec, Values


@dataclass
class Page:
    """What a page needs: the validated slider values and the RopeConfig they describe."""

    values: Values
    config: RopeConfig
    preset_status: str
    in_page: dict[str, ParamSpec] = field(default_factory=dict)
    fresh: bool = False

    def __getitem__(self, key: str):
        return self.values[key]

    def view(self, key: str = "view") -> str:
        """Draw the page's view picker here (one chart per rerun) and return the chosen view."""
        return sidebar.draw_in_page(self.in_page[key], self.values, self.fresh)

    @property
    def positions_start(self) -> int:
        return int(self.values["offset"])

    @property
    def seq_len(self) -> int:
        return int(self.values["L"])

    @property
    def context(self) -> int:
        """The largest position + 1 on screen: what dynamic NTK and LongRoPE see as seq_len."""
        return int(self.values["offset"]) + int(self.values["L"])


def setup(page_id: str, page_specs: Sequence[ParamSpec] = (), all_scaling: bool = False,
          inputs: Sequence[str] = ()) -> Page:
    """Boot (cold deep links), draw the shared sidebar and this page's controls, show warnings.

    all_scaling: show every scaling method's parameters (for pages that compare methods).
    inputs: the sidebar inputs of controls.INPUT_KEYS this page reads (q and k content, seed, heads); the others are
    not drawn: a control that changes nothing on the page misleads, and every element costs each slider move.
    """
    nav.boot()
    result = sidebar.render(page_id, page_specs, all_scaling, inputs)
    if len(result.warnings) == 1:
        st.warning(result.warnings[0], icon=":material/warning:")
    elif result.warnings:
        st.warning("Some values could not be used as given:\n" + "\n".join(f"- {w}" for w in result.warnings),
                   icon=":material/warning:")
    return Page(values=result.values, config=result.config, preset_status=result.preset_status,
                in_page=result.in_page, fresh=result.fresh)


def view_spec(views: dict[str, str], default: str | None = None, key: str = "view") -> ParamSpec:
    """A page's view picker: `views` maps URL value → label, in the order shown; the first is the default.

    Each view draws one chart, so a slider change redraws one chart: a chart costs the browser 40–130 ms per
    rerun whatever its marks (bench/analysis.md §3)."""
    return ParamSpec(key, "View", "choice", default or next(iter(views)),
                     "Which chart this page draws; the link carries it.", options=tuple(views), widget=VIEW,
                     labels=dict(views))


def metric_row():
    """A row for st.metric figures (and their captions): one horizontal container, side by side.

    st.columns(n) costs the browser n + 1 layout blocks on every rerun: 10 rows of 4 metrics repainted in 223 ms
    as columns and 146 ms as horizontal containers (bench-style slider press, same run, floor 100 ms)."""
    return st.container(horizontal=True, gap="medium")


HOW_KEY = "how_open"


def how_computed(markdown: str) -> None:
    """The closing expander of every page: which rope_core function, which formula.

    Its text is sent only while it is open (lazy: opening it reruns the page). A closed container's content is
    still rendered by the browser on every rerun, and every element costs each slider move (bench/analysis.md §S5)."""
    with st.expander("How this is computed", icon=":material/functions:", key=HOW_KEY, on_change="rerun") as box:
        if box.open:
            st.markdown(markdown)
