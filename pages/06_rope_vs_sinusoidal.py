import streamlit as st

from explorer import charts, controls, page
from explorer.frames import sinusoidal

PER_AXIS = 100  # cells per axis of every heatmap: the four-term chart draws four of them, two to a row

SPECS = [page.view_spec({"additive": "Sinusoidal scores", "rope": "RoPE scores", "spread": "Diagonal spread",
                         "terms": "Four additive terms"})]

NOT_ROPE = "the four additive terms do not involve RoPE"


def _inert(v) -> dict[str, str]:
    if v.get("view") == "terms":
        return {k: NOT_ROPE for k in controls.MODEL_KEYS if k != "head_dim"}
    return controls.unused(v, target="unread")


p = page.setup("rope_vs_sinusoidal", SPECS, uses=("window", "offset", "content", "seed"), inert=_inert)
cfg = p.config

st.title("RoPE against sinusoidal")
st.markdown(
    "The same token sits at every position and both encodings use the same random W_Q and W_K, so every "
    "difference between them comes from how position enters. The original Transformer **adds** a sinusoidal "
    "vector p_m to the token before the projections; RoPE **rotates** the projected q and k. Only the rotation "
    "makes the score a function of m − n alone for any W_Q and W_K."
)
view = p.view()

inputs = (cfg, p.window, p["offset"], p["content"], p["seed"], PER_AXIS)


def heatmap_note(stride: int) -> str | None:
    return charts.downsample_note(stride, p.window) or None


def view_chart(build):
    """This view's chart and figures from `build(res)`, res holding only the frame it draws; built once per input
    (charts.kept)."""
    frames = {"spread": "spreads"}.get(view, view)
    return charts.kept(("rope_vs_sinusoidal", view, *inputs),
                       lambda: build(sinusoidal.comparison(*inputs, frames=frames)))


def score_view(key: str) -> None:
    def build(res):
        both = max(res["scale"]["additive"], res["scale"]["rope"]) or 1.0
        frame = res["scores"][key]
        chart = charts.heatmap(
            frame, "n", "m", "score", step=res["stride"], zmax=both, height=380, square=True,
            title=f"Score with {sinusoidal.SCORES[key]}", subtitle=heatmap_note(res["stride"]),
            x_title="key position n", y_title="query position m", z_title="score",
            tooltip=["m", "n", "m_minus_n", "score"],
        )
        return chart, frame, res

    chart, frame, res = view_chart(build)
    charts.show(chart, frame, f"scores_{key}")
    st.caption("The sinusoidal and the RoPE scores share one colour scale (± the larger of their largest |score|): "
               "switch between the two views above to compare them cell by cell.")

    row = page.metric_row()
    row.metric("Largest diagonal spread, sinusoidal", f"{res['max_spread']['additive']:.3g}",
               help="max over diagonals m − n = const of (max − min) of the scores on it")
    row.metric("Largest diagonal spread, RoPE", f"{res['max_spread']['rope']:.2e}")
    if p["offset"]:
        row.metric(f"Change under offset {p['offset']:,}, sinusoidal", f"{res['shift_change']['additive']:.3g}",
                   help="max |S(offset + m, offset + n) − S(m, n)| on the displayed grid")
        row.metric(f"Change under offset {p['offset']:,}, RoPE", f"{res['shift_change']['rope']:.2e}")
    else:
        row.caption("Set a **position offset** in the sidebar: shifting every position changes the sinusoidal "
                    "scores and leaves RoPE's unchanged; the change is measured here.")


def spread_view() -> None:
    def build(res):
        chart = charts.line(
            res["spreads"], "m_minus_n", "spread", color="method", color_title="encoding",
            color_sort=list(sinusoidal.SCORES.values()),
            title="Spread of the scores along each diagonal",
            subtitle=["(max − min) of the scores with the same m − n, on the displayed grid.",
                      "Zero means the score depends only on m − n."],
            x_title="relative position m − n (tokens)", y_title="spread (max − min of score)", rules_y=[(0.0, "0")],
        )
        return chart, res["spreads"], res

    chart, spreads, res = view_chart(build)
    charts.show(chart, spreads, "diagonal_spread")
    # figures that move with the sliders stay out of the chart's spec (a changed spec is rebuilt, not updated)
    st.caption(f"RoPE's line lies on 0: its largest spread is {res['max_spread']['rope']:.2e}, rounding only; "
               f"the sinusoidal encoding's is {res['max_spread']['additive']:.3g}.")


def terms_view() -> None:
    st.subheader("The four terms of the additive expansion")
    st.latex(r"(x + p_m)W_Q\,\big((x + p_n)W_K\big)^\top = "
             r"\underbrace{xW_QW_K^\top x^\top}_{\text{content·content}}"
             r" + \underbrace{xW_QW_K^\top p_n^\top}_{\text{content·position}}"
             r" + \underbrace{p_mW_QW_K^\top x^\top}_{\text{position·content}}"
             r" + \underbrace{p_mW_QW_K^\top p_n^\top}_{\text{position·position}}")
    st.markdown(
        "content·position varies with n only and position·content with m only: whole columns and rows, never "
        "diagonals. position·position is p_m W_Q W_Kᵀ p_nᵀ, and p_m is p_0 with each sin/cos pair rotated by m·ω_j: "
        "what decides whether it depends on m − n alone is whether W_Q W_Kᵀ commutes with every such pair "
        "rotation. The identity does; random W_Q, W_K do not, and the term then varies along the diagonals (see "
        "its panel). The sum is the score of the *Sinusoidal scores* view."
    )
    chart, terms = sinusoidal.terms_chart(*inputs)
    charts.show(chart, terms, "terms")


{"additive": lambda: score_view("additive"), "rope": lambda: score_view("rope"), "spread": spread_view,
 "terms": terms_view}[view]()

page.how_computed(
    "- `rope_core.sinusoidal_pe(positions, d_model)` builds p_m with base 10,000 (sin on even, cos on odd features; Vaswani et "
    "al. 2017).\n"
    "- `rope_core.additive_vs_rope(x, W_Q, W_K, cfg, positions)` returns the additive score "
    "(x + p_m)W_Q((x + p_n)W_K)ᵀ, its four terms, and the RoPE score ⟨RoPE(xW_Q, m), RoPE(xW_K, n)⟩, on the "
    "displayed positions. W_Q, W_K: `rope_core.random_projections` seeded by the sidebar seed; x: the sidebar's "
    "q vector, d_model = head dim.\n"
    "- Spreads: `rope_core.diagonal_spreads(S)` = (max − min) along every diagonal of the displayed grid."
)
