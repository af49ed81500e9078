"""The browser floor: one slider (the same widget as the app's rope_theta), one small Altair chart.

Run by the bench as its own server: `streamlit run bench/trivial_app.py`. With `?cells=N` it also
draws an N-cell heatmap (a square grid, values depending on the slider): the bench's marks sweep,
which shows what painting many marks costs in the browser, independent of the app.
"""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from floor_chart import wavelength_chart

GRID = tuple(float(f"{m * 10.0**e:.6g}") for e in range(1, 8) for m in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5))
theta = st.sidebar.select_slider("rope_theta (base)", options=GRID, value=10000.0, key="w_rope_theta")
wavelength_chart(theta)

try:
    cells = max(0, min(40_000, int(st.query_params.get("cells", "0"))))
except ValueError:
    cells = 0
side = int(np.sqrt(cells))
if side:
    m, n = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    theta_i = theta ** (-2 * np.arange(8) / 16)
    z = np.cos(np.multiply.outer((m - n).ravel(), theta_i)).mean(axis=1)
    heat = pd.DataFrame({"m": m.ravel(), "n": n.ravel(), "z": z})
    st.altair_chart(alt.Chart(heat, title=f"{side}×{side} cells", height=420).mark_rect().encode(
        x=alt.X("n:O", axis=None), y=alt.Y("m:O", axis=None),
        color=alt.Color("z:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1]))), width="stretch")
