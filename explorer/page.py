"""What every page does first and last: boot, sidebar, warnings, its own controls; the closing expander."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import streamlit as st

from rope_core import RopeConfig

from explorer import controls, nav, sidebar
from explorer.params import VIEW, ParamSpec, Values


@dataclass
class Page:
    """What a page needs: the RopeConfig of this run and the lengths of the context model.

    Pages read the model only through `config`, `original` and `target`; `values` holds the page's own
    controls (p["view"], p["m"], …) and the q/k inputs."""

    values: Values
    config: RopeConfig
    preset_status: str
    in_page: dict[str, ParamSpec] = field(default_factory=dict)
    fresh: bool = False
    inert: dict[str, str] = field(default_factory=dict)  # controls that cannot change this view → why

    def __getitem__(self, key: str):
        return self.values[key]

    def controls(self) -> str | None:
        """Draw the page's own controls in the main area: the view picker, then the controls this view uses,
        side by side. Returns the chosen view (None on a page without views)."""
        view = None
        with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
            for spec in self.in_page.values():
                if spec.widget == VIEW:
                    view = sidebar.draw_in_page(spec, self.values, self.fresh)
        own = [s for s in self.in_page.values() if s.widget != VIEW and s.visible(self.values)]
        if own:
            with st.container(horizontal=True, gap="medium"):
                for spec in own:  # sized by the widget itself: a wrapping container is one more block per rerun
                    sidebar.draw_in_page(spec, self.values, self.fresh, self.inert.get(spec.key),
                                         width="content" if spec.kind == "bool" else 320)
        return view

    def view(self) -> str:
        """Draw the page's view picker and own controls here (one chart per rerun); return the chosen view."""
        view = self.controls()
        assert view is not None, "this page has no view picker"
        return view

    @property
    def original(self) -> int:
        """The context the model was trained on (original_max_position_embeddings)."""
        return int(self.values["original_max_position_embeddings"])

    @property
    def target(self) -> int:
        """The context the model is run at (max_position_embeddings): dynamic NTK's and LongRoPE's seq_len."""
        return int(self.values["max_position_embeddings"])

    @property
    def factor(self) -> float:
        """The scaling factor s the controls hold (also when the model itself is unscaled: Context extension)."""
        return float(self.values["factor"])

    @property
    def positions_start(self) -> int:
        return int(self.values["offset"])

    @property
    def window(self) -> int:
        """How many positions a heatmap draws (from the offset on)."""
        return int(self.values["window"])

    @property
    def window_end(self) -> int:
        """The last drawn position + 1: the length of the sequence a heatmap shows."""
        return int(self.values["offset"]) + int(self.values["window"])


def setup(page_id: str, page_specs: Sequence[ParamSpec] = (), all_scaling: bool = False,
          uses: Sequence[str] | Callable[[Values], Sequence[str]] = (), inert: dict[str, str] | Callable[[Values], dict[str, str]] | None = None) -> Page:
    """Boot (cold deep links), draw the shared sidebar, the Share button and the warnings.

    all_scaling: show every scaling method's parameters (for pages that compare methods).
    uses: which of controls.OPTIONAL_KEYS the page reads (heatmap window and offset, q and k content, seed, heads);
    the others are not drawn: a control that changes nothing on the page misleads, and every element costs each
    slider move. inert: shared controls that cannot change the current view → why (drawn disabled with the
    reason); a callable of the values when it depends on the view.
    """
    nav.boot()
    result = sidebar.render(page_id, page_specs, all_scaling, uses, inert)
    sidebar.share_box(result.config, result.link, page_id)
    if len(result.warnings) == 1:
        st.warning(result.warnings[0], icon=":material/warning:")
    elif result.warnings:
        st.warning("Some values could not be used as given:\n" + "\n".join(f"- {w}" for w in result.warnings),
                   icon=":material/warning:")
    for note in result.notes:
        st.info(note, icon=":material/info:")
    return Page(values=result.values, config=result.config, preset_status=result.preset_status,
                in_page=result.in_page, fresh=result.fresh, inert=result.inert)


def context_agreement(p: Page) -> None:
    """Where factor ≠ target ÷ original context, say so and offer to make them agree."""
    why = controls.context_mismatch(p.values)
    if why is None:
        return
    target = controls.agreeing_target(p.values)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.info(f"The lengths and the scaling factor disagree: {why} Every length on this page follows the target "
                "context; the scaled frequencies follow factor.", icon=":material/info:")
        st.button(f"Set target context to {target:,}", key="agree_target", help="original × factor",
                  on_click=sidebar.set_values, args=({"max_position_embeddings": target},))


def view_spec(views: dict[str, str], default: str | None = None, key: str = "view") -> ParamSpec:
    """A page's view picker: `views` maps URL value → label, in the order shown; the first is the default.

    Each view draws one chart, so a slider change redraws one chart: the browser repaints every chart on every
    rerun, whatever its marks."""
    return ParamSpec(key, "View", "choice", default or next(iter(views)),
                     "Which chart this page draws; the link carries it.", options=tuple(views), widget=VIEW,
                     labels=dict(views))


def metric_row():
    """A row for st.metric figures (and their captions): one horizontal container, side by side.

    st.columns(n) costs the browser n + 1 layout blocks on every rerun; a horizontal container is one."""
    return st.container(horizontal=True, gap="medium")


HOW_KEY = "how_open"


def how_computed(markdown: str) -> None:
    """The closing expander of every page: which rope_core function, which formula.

    Its text is sent only while it is open (lazy: opening it reruns the page). A closed container's content is
    still rendered by the browser on every rerun, and every element costs each slider move."""
    with st.expander("How this is computed", icon=":material/functions:", key=HOW_KEY, on_change="rerun") as box:
        if box.open:
            st.markdown(markdown)
