import streamlit as st

from explorer import charts, controls, fmt, page
from explorer.frames import rotation
from explorer.params import ParamSpec

PAIR = ParamSpec("pair", "Pair index i", "int", 8,
                 "Which 2-D pair of q's features to draw: pair 0 turns fastest (1 rad/token for every rope_theta), "
                 "the last pair slowest.",
                 lo=0, hi=lambda v: controls.n_pairs_of(v) - 1, step=1,
                 show_if=lambda v: v.get("view") in ("plane", "angle"))
WRAP = ParamSpec("wrap", "Wrap the angle", "bool", False,
                 "Show where the hand points, the angle reduced to (−π, π], instead of the running total m·θ_i.",
                 show_if=lambda v: v.get("view") == "angle")
LOG_ANGLE = ParamSpec("log_angle", "Log angle axis", "bool", True,
                      "Draw the angle m·θ_i on a log axis, so the slow pairs (θ_i down to 1/rope_theta) show beside "
                      "the fast ones instead of lying flat at 0.")
VIEWS = page.view_spec({"plane": "Plane", "speeds": "Fast, middle, slow", "angle": "Angle vs position"})

def _inert(v) -> dict[str, str]:
    angle = v.get("view") == "angle"
    log = ({} if angle and not v.get("wrap") else
           {"log_angle": "only the unwrapped angle view has an angle axis" if not angle else
            "a wrapped angle is ≤ 0 for half of every turn, which a log axis cannot show"})
    return controls.unused(v, target="read" if angle else "seq_len", attention_factor=not angle, **log)


p = page.setup("rotation", [VIEWS, PAIR, controls.POSITION_SPEC, WRAP, LOG_ANGLE], uses=("content", "seed"), inert=_inert)
cfg = p.config
m = int(p["m"])
ctx = p.target

st.title("Rotation: each pair is a clock hand")
st.markdown(
    "RoPE splits q into pairs of features (a_i, b_i) and turns pair i, at position m, by the angle **m·θ_i**. "
    "Each pair is a clock hand of fixed length: position moves it around a circle, fast for the first pairs "
    "and slowly for the last."
)
view = p.view()


def chosen_pair() -> int:
    return min(int(p["pair"]), cfg.n_pairs - 1)


def plane_chart(pair: int):
    main = rotation.pair_plane(cfg, pair, m, ctx, p["content"], p["seed"], f"pair {pair}")
    layout = "half: (i, i + d/2)" if cfg.layout == "half" else "interleaved: (2i, 2i + 1)"
    af_note = (f"Radius = attention factor {main['attention_factor']:.6g} × ‖(q_a, q_b)‖ = {main['q_norm']:.6g}."
               if main["attention_factor"] != 1.0 else f"Radius ‖(q_a, q_b)‖ = {main['radius']:.6g} at every position.")
    dots = (f"Dots: every {main['token_stride']}th position of 0..{m}." if main["token_stride"] > 1
            else f"Dots: positions 0..{m}.")
    extent = 1.45 * max(main["radius"], 1e-12)
    axes = (f"feature a = {main['a']}", f"feature b = {main['b']}")
    chart = charts.plane(
        main["frame"], [(f"pair {pair}", *axes, extent)], size=440,
        title=f"Pair {pair} of RoPE(q, p) for p = 0..{m}",
        subtitle=[f"Features (a, b) = ({main['a']}, {main['b']}), layout {layout}. {af_note}",
                  f"Dashed: the circle every position lands on. Orange: the arc swept from 0 to m. {dots}"],
        color_title="arrow", tooltip=["position", "angle_rad", "turns", "x", "y"],
    )
    return main, chart


def plane_view() -> None:
    pair = chosen_pair()
    # built once per input (charts.kept): everything plane_chart reads is in the key
    main, chart = charts.kept(("rotation", "plane", cfg, pair, m, ctx, p["content"], p["seed"]),
                              lambda: plane_chart(pair))
    row = page.metric_row()
    row.metric("θ_i (rad/token)", f"{main['theta']:.6g}", help="rope_core.inv_freq (after the scaling method)")
    row.metric("Wavelength 2π/θ_i (tokens)", f"{main['wavelength']:.6g}", help="positions per full turn")
    row.metric("Angle m·θ_i (rad)", fmt.plain(main['angle'], 6), help="rope_core.angles at position m")
    row.metric("Turns m·θ_i / 2π", fmt.plain(main['turns'], 6))
    row.metric("Length of the hand", f"{main['radius']:.6g}",
               help="‖(q_a, q_b)‖ times the scaling method's attention factor; the same at every position")
    charts.show(chart, main["frame"], "rotation_plane")


def speeds_chart():
    frame, planes = rotation.small_multiples(cfg, m, ctx, p["content"], p["seed"])
    chart = charts.plane(
        frame, [(pl["panel"], f"feature {pl['a']}", f"feature {pl['b']}", 1.45 * max(pl["radius"], 1e-12))
                for pl in planes],
        size=220, title=f"Pairs {', '.join(str(pl['pair']) for pl in planes)} at positions 0..{m}",
        color_title="arrow", tooltip=["pair", "position", "angle_rad", "turns", "x", "y"],
    )
    return frame, planes, chart


def speeds_view() -> None:
    st.subheader("A fast, a middle and a slow pair at the same m")
    frame, planes, chart = charts.kept(("rotation", "speeds", cfg, m, ctx, p["content"], p["seed"]), speeds_chart)
    # the angles move with every slider: outside the chart's spec, which is then updated rather than rebuilt
    st.caption(" · ".join(f"pair {pl['pair']}: m·θ = {fmt.plain(pl['angle'])} rad ({fmt.plain(pl['turns'])} turns)"
                          for pl in planes))
    charts.show(chart, frame, "rotation_small_multiples")


def _angle_subtitle(log: bool) -> str:
    if not log:
        return "Unwrapped: a straight line of slope θ_i through 0 for every pair."
    return ("Unwrapped, on a log axis: m·θ_i is proportional to m, so every pair draws the same curve, shifted "
            "down by its θ_i; position 0 (angle 0) is left out.")


def angle_chart(pairs, wrap: bool, log: bool):
    curves, stride = rotation.angle_curves(cfg, pairs, ctx, ctx, p["content"], p["seed"])
    note = charts.downsample_note(stride, ctx)
    tips = ["pair", "position", "angle_rad", "wrapped_rad", "turns"]
    if wrap:
        # points, not lines: a line would draw a false vertical stroke at every wrap from π to −π
        chart = charts.points(
            curves, "position", "wrapped_rad", title="Wrapped angle against position",
            subtitle=[s for s in ("Measured from apply_rope's output: the signed turn from (q_a, q_b) to RoPE(q, m)'s "
                                  "pair, in (−π, π].", note) if s],
            x_title="position m (tokens)", y_title="angle, wrapped to (−π, π] (rad)", color="pair", tooltip=tips,
        )
    else:
        chart = charts.line(
            curves, "position", "angle_rad", title="Angle m·θ_i against position",
            subtitle=[s for s in (_angle_subtitle(log), note) if s], log_y=log,
            x_title="position m (tokens)", y_title="angle m·θ_i (rad)" + (", log scale" if log else ""),
            color="pair", color_title="pair",
            color_sort=[f"pair {i} ({s})" for i, s in pairs], rules_x=[(float(m), f"m = {m}")], tooltip=tips,
        )
    return curves, chart


def angle_view() -> None:
    pairs = rotation.curve_pairs(cfg.n_pairs, chosen_pair())
    wrap, log = bool(p["wrap"]), bool(p["log_angle"])
    curves, chart = charts.kept(("rotation", "angle", cfg, pairs, ctx, p["content"], p["seed"], m, wrap, log),
                                lambda: angle_chart(pairs, wrap, log))
    charts.show(chart, curves, "angle_vs_position")


{"plane": plane_view, "speeds": speeds_view, "angle": angle_view}[view]()

page.how_computed(
    "- Points: `rope_core.apply_rope_pairs(q, positions, cfg, pairs)` gives the features (a_i, b_i) of RoPE(q, m) "
    "(q from the sidebar's content and seed), exactly `rope_core.apply_rope`'s values there, for the drawn pairs "
    "only; (a_i, b_i) come from `rope_core.pair_indices(rotary_dim, layout)`: "
    "(a, b) → (a cos mθ_i − b sin mθ_i, a sin mθ_i + b cos mθ_i), times the attention factor of YaRN/LongRoPE.\n"
    "- The dashed circle is the same rotation at fractional positions over one wavelength 2π/θ_i "
    "(`rope_core.wavelengths`); the orange arc runs from position 0 to m.\n"
    "- Angles: `rope_core.angles(cfg, positions)` = outer(positions, θ), with θ_i = `rope_core.inv_freq(cfg)` "
    "= rope_theta^(−2i/d) before scaling. Dynamic NTK and LongRoPE use the target context as seq_len; the angle "
    "chart runs over the whole target context."
)
