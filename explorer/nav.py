"""Page registry and navigation that survives a cold deep link.

streamlit 1.67 runs the FIRST request of a fresh server in legacy `pages/` mode when it is a
deep link (`/relative_position?theta=5e5`): the page file runs without the entrypoint. Every page
therefore starts with `boot()`: when the entrypoint did not run in this script run, the page
installs `st.navigation` itself (which switches the server to st.navigation mode for good), runs
the requested page through it, and stops. Page files are named so that the legacy URL and the
`url_path` given here are the same, so a link means one page in both modes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageInfo:
    file: str
    title: str
    url_path: str
    icon: str
    blurb: str


PAGES: tuple[PageInfo, ...] = (
    PageInfo("pages/00_home.py", "Home", "home", ":material/home:",
             "What RoPE is, and a live summary of the current configuration."),
    PageInfo("pages/01_rotation.py", "Rotation", "rotation", ":material/rotate_right:",
             "Each pair of features is a clock hand turning at its own speed."),
    PageInfo("pages/02_frequencies.py", "Frequencies", "frequencies", ":material/graphic_eq:",
             "θ_i and wavelengths per pair, and what a scaling method does to them."),
    PageInfo("pages/03_relative_position.py", "Relative position", "relative_position", ":material/grid_on:",
             "The centrepiece: ⟨RoPE(q,m), RoPE(k,n)⟩ depends only on m − n."),
    PageInfo("pages/04_distance_decay.py", "Distance decay", "distance_decay", ":material/trending_down:",
             "How similarity falls with distance, the RoFormer bound and Men et al.'s B(m)."),
    PageInfo("pages/05_rotation_matrix.py", "Rotation matrix", "rotation_matrix", ":material/apps:",
             "R(m) as a block-diagonal matrix and its identities, measured."),
    PageInfo("pages/06_rope_vs_sinusoidal.py", "RoPE vs sinusoidal", "rope_vs_sinusoidal", ":material/compare:",
             "Additive absolute encoding against RoPE's multiplicative rotation."),
    PageInfo("pages/07_attention.py", "Attention patterns", "attention", ":material/visibility:",
             "Softmax attention of identical tokens, with and without RoPE."),
    PageInfo("pages/08_context_extension.py", "Context extension", "context_extension", ":material/open_in_full:",
             "Every scaling method side by side: what goes out of distribution and what each fixes."),
    PageInfo("pages/09_precision.py", "Precision", "precision", ":material/straighten:",
             "Why RoPE angles are computed in float32 or better."),
    PageInfo("pages/10_models.py", "Models", "models", ":material/view_list:",
             "Real models' RoPE settings side by side; paste your own config.json."),
    PageInfo("pages/11_multimodal.py", "Multimodal RoPE", "multimodal", ":material/image:",
             "M-RoPE: positions in time, row and column for images and video (Qwen2-VL to Qwen3.5)."),
)
PAGE_BY_ID = {p.url_path: p for p in PAGES}

_FLAG = "_rope_entry_active"


_SESSION_PAGES = "_nav_pages"


def _pages(first) -> list:
    """The st.Page objects, built once per session (each resolves its file on disk). Never shared between
    sessions: st.navigation marks the page it returns as callable, and page.run() clears the mark."""
    state = st.session_state
    cached = state.get(_SESSION_PAGES)
    if cached is None or cached[0] != (first is None):
        home_default = first is None
        cached = state[_SESSION_PAGES] = (home_default, [
            st.Page(str(ROOT / p.file), title=p.title, icon=p.icon, url_path=p.url_path,
                    default=(i == 0 and home_default)) for i, p in enumerate(PAGES)])
    return cached[1] if first is None else [first, *cached[1]]


def _navigation(first=None):
    return st.navigation(_pages(first))


def entry(first=None) -> None:
    """The entrypoint's whole job: set up the page and run the selected page.

    first: an `st.Page` listed first and opened at / instead of Home (the bench's frame reference,
    bench/frame_app.py: the app's frame around the trivial page's chart)."""
    ctx = get_script_run_ctx()
    setattr(ctx, _FLAG, True)
    try:
        st.set_page_config(page_title="RoPE Explorer", page_icon=":material/rotate_right:", layout="wide")
        _navigation(first).run()
    finally:
        setattr(ctx, _FLAG, False)


def boot() -> None:
    """First call of every page: hand over to the entrypoint when it did not run (cold deep link)."""
    ctx = get_script_run_ctx()
    if ctx is None or getattr(ctx, _FLAG, False):
        return
    entry()
    st.stop()


def page_link(page_id: str, label: str | None = None) -> None:
    p = PAGE_BY_ID[page_id]
    cached = st.session_state.get(_SESSION_PAGES)
    # the session's st.Page (nothing to resolve on disk); a path only before navigation has run
    target = cached[1][PAGES.index(p)] if cached else str(ROOT / p.file)
    st.page_link(target, label=label or p.title, icon=p.icon)
