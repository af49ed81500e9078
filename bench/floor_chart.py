"""The chart of the browser floor (bench/trivial_app.py), shared with the frame reference (bench/frame_app.py),
so that both references draw the same chart and differ only in what surrounds it."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st


def wavelength_chart(theta: float) -> None:
    """One small Altair chart whose data follows rope_theta: 64 points, one line, log y."""
    x = np.arange(64, dtype=np.float64)
    frame = pd.DataFrame({"pair": x, "wavelength": 2 * np.pi * theta ** (2 * x / 128)})
    st.altair_chart(alt.Chart(frame, title="Wavelength per pair").mark_line().encode(
        x=alt.X("pair:Q", title="pair index"), y=alt.Y("wavelength:Q", scale=alt.Scale(type="log"), title="tokens")),
        width="stretch")
