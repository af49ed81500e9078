import numpy as np
import streamlit as st

import rope_core

from explorer import charts, controls, page
from explorer import fmt
from explorer.frames import decay
from explorer.params import human

SPECS = [
    page.view_spec({"heatmap": "Over positions m, n", "theta": "Against distance, several θ",
                    "bound": "RoFormer bound", "men": "B(m) and the smallest base",
                    "random": "Random q and k"}),
]

CORRELATION_VIEWS = ("heatmap", "theta", "bound", "men")


def _uses(values) -> tuple[str, ...]:
    view = values.get("view", "heatmap")
    return {"heatmap": ("window", "offset"), "random": ("content", "seed")}.get(view, ())


def _inert(values) -> dict[str, str]:
    view = values.get("view", "heatmap")
    layout = ({"layout": "the correlation of a vector with itself does not depend on the pair layout"}
              if view in CORRELATION_VIEWS else {})
    return controls.unused(values, target="unread" if view == "heatmap" else "read",
                           attention_factor=view == "random", **layout)


p = page.setup("distance_decay", SPECS, uses=_uses, inert=_inert)
cfg = p.config
max_dist = p.target  # distances up to the target context

st.title("Distance decay")
st.markdown(
    "Take a random vector whose pairs are independent, isotropic and of equal variance, and encode it at "
    "positions m and n: the expected "
    "similarity, relative to |q|², is the **correlation** (2/d)·Σᵢ cos((m−n)θᵢ). "
    "It starts at 1 and falls with distance, faster for a small rope_theta. The views below show it, "
    "the RoFormer bound and Men et al.'s B(m) for the sidebar's configuration, one chart at a time."
)
view = p.view()


def heatmap_view() -> None:
    st.subheader("Correlation of RoPE-encoded vectors")
    grid = decay.correlation_grid(cfg, p.window, p["offset"])
    frame = grid["frame"]
    start, end = float(p["offset"]), float(p.window_end)
    chart = charts.kept(
        ("distance_decay", "heatmap", cfg, p.window, p["offset"]), lambda: charts.heatmap(
        frame, "n", "m", "correlation", step=grid["stride"], domain=(-1, 1), square=True,
        image=(grid["image"], (start, end, start, end)),
        title="Correlation (2/d)·Σ cos((m−n)θᵢ) over positions m, n",
        subtitle=decay.cell_note(grid["block"], p.window, grid["stride"]),
        x_title="key position n", y_title="query position m", z_title="correlation",
        tooltip=["m", "n", "m_minus_n", "correlation"],
    ))
    charts.show(chart, frame, "correlation_heatmap")
    st.caption("Constant along every diagonal: the correlation depends on m − n only. Pick another view above "
               "for the same quantity against distance, up to the target context.")


def sampling_note(exact: bool) -> str:
    if exact:
        return f"Every integer distance 0 … {max_dist:,}."
    return (f"Sampled: {len(decay.distances(max_dist)[0]):,} log-spaced integer distances of 0 … {max_dist:,} "
            "(exact values there; fast oscillations between samples are not drawn). x axis: symlog.")


def x_scale(exact: bool) -> str | None:
    return None if exact else "symlog"


def theta_view() -> None:
    st.subheader(f"Correlation against distance (current rope_theta: {human(cfg.rope_theta)})")
    corr, exact = decay.correlation_by_theta(cfg, max_dist, p.target)
    labels = [label for label, _ in decay.theta_variants(cfg)]
    chart = charts.kept(
        ("distance_decay", "theta", cfg, max_dist, p.target), lambda: charts.line(
        corr, "distance", "correlation", color="rope_theta", color_title="rope_theta", color_sort=labels,
        highlight=decay.CURRENT,
        title="Correlation against distance, for several rope_theta",
        subtitle=[sampling_note(exact), "Same configuration with only rope_theta changed."],
        x_title="relative distance m − n (tokens)", y_title="correlation", x_scale=x_scale(exact),
        rules_y=[(0.0, "0")],
    ))
    charts.show(chart, corr, "correlation_vs_distance")
    st.caption("rope_theta is the knob for how fast similarity drops: a larger base slows every pair but the first "
               "(θ₀ = 1 for every base), so the correlation stays high over longer distances.")


def bound_view() -> None:
    st.subheader("RoFormer's long-term decay bound")
    bound, exact = decay.roformer_bound(cfg, max_dist, p.target)
    chart = charts.kept(
        ("distance_decay", "bound", cfg, max_dist, p.target), lambda: charts.line(
        bound, "distance", "bound", title="RoFormer relative upper bound (1/(d/2))·Σⱼ |Sⱼ|",
        subtitle=[sampling_note(exact), "Sⱼ = sum of exp(i(m−n)θₖ) over k < j; the score is at most max|hᵢ₊₁ − hᵢ| · (d/2) · this."],
        x_title="relative distance m − n (tokens)", y_title="relative upper bound", x_scale=x_scale(exact), zero=True,
    ))
    charts.show(chart, bound, "roformer_bound")
    st.caption(f"At distance 0 the bound is d/4 + 1/2 = {bound['bound'].iloc[0]:g} (d = rotary dim {cfg.rotary_dim}). "
               "It is a bound, not the score, and it is not monotone.")


def men_view() -> None:
    st.subheader("Men et al.: B(m) and the smallest base for a context")
    ctx = p.target
    men = decay.men_curve(cfg, max_dist)
    first = men["first_negative"]
    rules_x = [(float(first), f"first B < 0: m = {first:,}")] if first is not None else []
    chart = charts.kept(
        ("distance_decay", "men", cfg, max_dist), lambda: charts.line(
        men["frame"], "m", "B", title="B(m) = Σᵢ cos(m·θᵢ)",
        subtitle=[sampling_note(men["exact"]),
                  "First zero crossing: found exactly at every integer m, not from the samples."],
        x_title="relative distance m (tokens)", y_title="B(m)", x_scale=x_scale(men["exact"]),
        rules_x=rules_x, rules_y=[(0.0, "0")],
    ))
    charts.show(chart, men["frame"], "men_b")

    ctx_first = first if first is not None and first < ctx else None  # the chart's range is 0 … ctx
    row = page.metric_row()
    row.metric("First m with B(m) < 0 (chart range)", f"{first:,}" if first is not None else f"none ≤ {max_dist:,}")
    row.metric(f"Sidebar's own θᵢ, m < {fmt.context(ctx)}",
               "B ≥ 0 everywhere" if ctx_first is None else f"B < 0 at m = {ctx_first:,}",
               help=f"Checked at every integer distance 0 ≤ m < {ctx:,} with the sidebar's frequencies: its rope_theta, "
                    "after its scaling method if any. The smallest base beside it assumes unscaled frequencies, so a "
                    "scaled config can pass here with a base below that value.")
    min_theta_slot = row.empty()
    min_theta_note = st.empty()
    st.caption(
        "Men et al. (2024) show that for i.i.d. q and k, the gap between the attention a token pays to a similar "
        "token and to a random one at distance m is proportional to B(m); they require B(m) ≥ 0 for every m within "
        "the context, which gives a lower bound on the base. The set of admissible bases is not monotone: a base "
        "slightly above the smallest one can fail again. The context is the target context in the sidebar."
    )
    if cfg.rope_type == "proportional":
        proportional_min_theta(min_theta_slot, min_theta_note, ctx)
        return
    d = cfg.rotary_dim
    min_label = f"Smallest base, unscaled θᵢ, d = {d}, m < {fmt.context(ctx)}"
    found = decay.men_min_theta(d, ctx)
    if found is None and ctx <= decay.MEN_LIVE_MAX:
        # off rope_core's table a long exact sweep (large d × context) runs only when asked
        min_theta_slot.metric(min_label, "not searched yet")
        with min_theta_note.container():
            st.caption(f"rope_core's table holds every rotary dim at the power-of-two contexts up to 8k and the "
                       f"presets' dims ({', '.join(map(str, decay.MEN_TABLE_DIMS))}) at every power of two up to 1M; "
                       f"d = {d} at {ctx:,} tokens is not in it. The exact search checks every m and can take from "
                       "under a second to minutes; its result is kept for everyone on this server.")
            if st.button(f"Search the smallest base for d = {d}, context {fmt.context(ctx)}", key="men_search"):
                with st.spinner(f"Searching the smallest rope_theta for d = {d}, context {fmt.context(ctx)}: an "
                                "exact search over every m…"):
                    found = decay.men_min_theta(d, ctx, search=True)
                min_theta_note.empty()
    if found is None:
        if ctx > decay.MEN_LIVE_MAX:
            min_theta_slot.metric(min_label, "not searched")
            min_theta_note.info(f"Above {decay.MEN_LIVE_MAX:,} tokens the exact search takes too long for the app, so "
                                "the page shows only rope_core's precomputed values (rotary dims "
                                f"{', '.join(map(str, decay.MEN_TABLE_DIMS))}); "
                                f"`rope_core.men_min_theta({d}, {ctx})` computes this one in a notebook.")
        return
    min_theta, why_none = found
    if min_theta is not None:
        min_theta_slot.metric(min_label, f"{min_theta:,.0f}",
                              help=f"rope_core.men_min_theta({d}, {ctx}): the smallest base with "
                                   f"B(m) ≥ 0 at every integer m < {ctx:,}, for unscaled θᵢ = base^(−2i/d) with "
                                   f"d = the rotary dim {d} (not the sidebar's scaling), exact to 0.1 %. "
                                   "Some admissible bases are narrow islands below a larger interval.")
    else:
        min_theta_slot.metric(min_label, "none")
        min_theta_note.warning(f"No base keeps B ≥ 0 up to {fmt.context(ctx)} ({ctx:,} tokens) with rotary dim {d}: {why_none}. "
                               "θ₀ = 1 for every base, so with few pairs cos(m) cannot be outweighed.")


def proportional_min_theta(slot, note, ctx: int) -> None:
    """Men et al.'s smallest base for proportional RoPE: its frequency-0 pairs add 1 each to B(m)."""
    theta = rope_core.inv_freq(cfg)
    turning = int(np.count_nonzero(theta))
    still = theta.size - turning
    label = f"Smallest base, this model's θᵢ, m < {fmt.context(ctx)}"
    if still >= turning:
        slot.metric(label, "any base",
                    help=f"Proportional RoPE: each of its {still} pairs at frequency 0 adds cos 0 = 1 to "
                         f"B(m) = Σᵢ cos(m·θᵢ) and each of its {turning} rotating pairs takes off at most 1, so "
                         f"B(m) ≥ {still} − {turning} ≥ 0 at every m, whatever the base.")
        return
    slot.metric(label, "not searched")
    note.info("rope_core.men_min_theta assumes every pair rotates, θᵢ = base^(−2i/d); this proportional model has "
              f"{still} of its {theta.size} pairs at frequency 0, which it does not cover.")


def random_view() -> None:
    st.subheader("An honest note: random q and k do not decay")
    st.info(
        "Barbero et al. 2024 (*Round and Round We Go! What makes Rotary Positional Encodings useful?*) point out "
        "that the decay needs special q and k, such as identical or constant ones. For independent random (e.g. "
        "Gaussian) q and k the expected score is zero at every distance, and its spread does not shrink with "
        "distance: rotations keep norms. The correlation in the other views is the expectation for **q = k**. "
        "They argue RoPE is useful for other reasons: high frequencies build positional heads, low frequencies "
        "carry semantics.",
        icon=":material/info:",
    )
    score, exact = decay.random_score(cfg, max_dist, p.target, p["content"], p["seed"])
    chart = charts.kept(
        ("distance_decay", "random", cfg, max_dist, p.target, p["content"], p["seed"]),
        lambda: charts.line(
        score, "distance", "score", title=f"Score of the sidebar's q and k ({p['content']}) against distance",
        subtitle=[sampling_note(exact), "One sample, not an expectation: switch 'Content of q and k' to compare."],
        x_title="relative distance m − n (tokens)", y_title="⟨RoPE(q, m), RoPE(k, n)⟩", x_scale=x_scale(exact),
        rules_y=[(0.0, "0")],
    ))
    charts.show(chart, score, "random_score_vs_distance")


{"heatmap": heatmap_view, "theta": theta_view, "bound": bound_view, "men": men_view, "random": random_view}[view]()

page.how_computed(
    "- Correlation: `rope_core.correlation(cfg, deltas)` = (2/d)·Σᵢ cos(Δθᵢ), d = rotary dim, with the "
    "scaling method's θᵢ. The heatmap evaluates it once per distinct m − n of the displayed grid "
    "(`rope_core.correlation_on_grid`: evenly spaced, summed by angle addition).\n"
    "- Bound: `rope_core.roformer_bound(cfg, deltas)` = (1/(d/2))·Σⱼ |Sⱼ|, Sⱼ = sum of exp(iΔθₖ) over k < j "
    "(RoFormer, arXiv 2104.09864, §3.4.3).\n"
    "- B(m): `rope_core.men_b(cfg, m)` = Σᵢ cos(mθᵢ); first crossing `rope_core.men_first_negative(cfg, max_len)`, "
    "exact at every integer; smallest base for unscaled θᵢ `rope_core.men_min_theta(rotary_dim, context)` "
    "(Men et al., arXiv 2405.14591).\n"
    "- Random score: `rope_core.score_vs_distance(q, k, cfg, deltas)` (Barbero et al., arXiv 2410.06205)."
)
