"""The frame reference: the app's frame around the trivial page's chart.

`streamlit run bench/frame_app.py` serves, at /, a page with everything every app page has except its
content: the app's navigation (its 11 pages plus this one), wide layout, the shared sidebar with the
URL kept in sync and the closed share box, a title, one line of text, a view picker and the closed
"How this is computed" expander. Its one chart is bench/trivial_app.py's (bench/floor_chart.py).
The bench presses its rope_theta slider between the app's presses: an app page's repaint over this
page's is what its own content costs, over the trivial page's what the page costs in all. The budget
stays the trivial page's (issue: ≤ 3× a trivial page); this ratio is shown beside it, for reading.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # streamlit puts bench/ on the path, not the repository
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from explorer import nav, page  # noqa: E402
from floor_chart import wavelength_chart  # noqa: E402

VIEWS = page.view_spec({"one": "One view", "other": "Other view"})


def reference() -> None:
    p = page.setup("reference", [VIEWS])
    st.title("Frame reference")
    st.markdown("The app's frame around the trivial page's chart (bench/frame_app.py).")
    p.view()
    wavelength_chart(float(p["rope_theta"]))
    page.how_computed("Nothing is computed here.")


nav.entry(st.Page(reference, title="Frame reference", icon=":material/crop_free:", url_path="reference",
                  default=True))
