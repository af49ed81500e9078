import streamlit as st

from explorer import charts, controls, page
from explorer.frames import relative

SPECS = [page.view_spec({"matrix": "Score over m, n", "delta": "Score against m − n"})]

def _inert(v) -> dict[str, str]:
    shift = {} if v.get("view") != "delta" or v.get("rope_type") in controls.SEQ_LEN_TYPES else {
        "offset": "scores against m − n do not depend on where the positions start (the point of this page)"}
    return controls.unused(v, target="unread", **shift)


p = page.setup("relative_position", SPECS, uses=("window", "offset", "content", "seed"), inert=_inert)
cfg = p.config
st.title("Relative position")
st.markdown(
    "RoPE rotates q by its position m and k by its position n. The score "
    "⟨RoPE(q,m), RoPE(k,n)⟩ then depends only on **m − n**: every diagonal of the score matrix over m, n is "
    "constant. The matrix view measures the spread along its diagonals live, on scores computed the naive way; "
    "the other view draws the score against m − n."
)
view = p.view()


# what the frames of both views are computed from: the key of their kept charts (charts.kept)
inputs = (cfg, p.window, p["offset"], p["content"], p["seed"])


def matrix_view() -> None:
    grid = relative.score_grid(*inputs)
    row = page.metric_row()
    row.metric("Largest spread along a diagonal", f"{grid['spread']:.2e}",
               help="max over diagonals of (max − min) of the scores on it, computed from rotated q and k")
    row.metric("Relative to the largest score", f"{grid['spread'] / max(grid['scale'], 1e-300):.2e}")
    row.metric("Change from shifting all positions by the offset", f"{grid['shift_change']:.2e}",
               help="max |S(offset + m, offset + n) − S(m, n)| on the same grid")

    frame = grid["frame"]
    start, end = float(p["offset"]), float(p.window_end)
    chart = charts.kept(
        ("relative_position", "matrix", *inputs), lambda: charts.heatmap(
        frame, "n", "m", "score", step=grid["stride"], square=True, image=(grid["image"], (start, end, start, end)),
        title="⟨RoPE(q, m), RoPE(k, n)⟩", subtitle=relative.cell_note(grid["block"], p.window, grid["stride"]),
        x_title="key position n", y_title="query position m", z_title="score",
        tooltip=["m", "n", "m_minus_n", "score"],
    ))
    charts.show(chart, frame, "relative_scores")


def delta_view() -> None:
    dist, dstride = relative.score_by_distance(*inputs)
    chart = charts.kept(
        ("relative_position", "delta", *inputs), lambda: charts.line(
        dist, "m_minus_n", "score", title="Score against m − n",
        subtitle=charts.downsample_note(dstride, 2 * p.window - 1, "distances") or None,
        x_title="relative position m − n (tokens)", y_title="score", rules_y=[(0.0, "0")],
    ))
    charts.show(chart, dist, "score_vs_distance")


{"matrix": matrix_view, "delta": delta_view}[view]()

# Sent only while open (lazy: opening it reruns the page): drawn on the page, the formulas would be repainted on
# every slider move.
with st.expander("Why: the per-pair derivation", icon=":material/calculate:", key="why_open",
                 on_change="rerun") as why:
    if why.open:
        st.latex(r"\langle R(m)q,\, R(n)k\rangle = q^\top R(m)^\top R(n)\, k = q^\top R(n-m)\, k")
        st.latex(
            r"= \sum_{i=0}^{d/2-1} \big[(q_{a_i}k_{a_i} + q_{b_i}k_{b_i})\cos((m-n)\theta_i)"
            r" + (q_{a_i}k_{b_i} - q_{b_i}k_{a_i})\sin((m-n)\theta_i)\big]"
        )
        st.markdown(
            "Here (a_i, b_i) are the two features of pair i: (i, i + d/2) in the half layout, (2i, 2i + 1) in the "
            "interleaved one. Features beyond the rotary dim add the constant q·k of the pass-through part."
        )

page.how_computed(
    "- Heatmap and spread: `rope_core.scores_absolute(q, k, cfg, positions, positions)` rotates q and k at "
    "every shown position with `apply_rope` and takes dot products; `rope_core.diagonal_spread` is the largest "
    "(max − min) along any diagonal.\n"
    "- The picture at windows over 256 positions: `rope_core.block_means.score_block_means`, the exact mean of the "
    "scores over each block of positions (per pair, the block sum of e^{i(m−n)θ} is a product of two geometric "
    "series).\n"
    "- Score against m − n: `rope_core.score_on_grid`, the per-pair formula above at evenly spaced m − n, summed "
    "by angle addition in O(√L·d) cosines (equal to `rope_core.score_vs_distance` within 1e-12 of the largest score: rounding).\n"
    "- Both include the scaling method's frequencies θ_i and its attention factor (squared, once per q and k)."
)
