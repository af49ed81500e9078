import streamlit as st

from explorer import charts, controls, fmt, page
from explorer.frames import precision
from explorer.params import ParamSpec, human
from rope_core.phase_error import unit_roundoff

DTYPE = ParamSpec("dtype", "Angle dtype", "choice", "all",
                  "The dtype m·θ_i is computed in (position and θ_i cast to it, multiplied in it); all overlays them.",
                  options=("all", *precision.DTYPES), widget="radio")
VIEWS = page.view_spec({"angleerr": "Angle error", "cossin": "cos/sin error", "perpair": "Per pair"})

WORST_PAIRS = "the largest error comes from the fastest pairs, which Llama 3 scaling leaves as they are"


def _inert(v) -> dict[str, str]:
    view = v.get("view", "angleerr")
    llama = {k: WORST_PAIRS for k in ("factor", "low_freq_factor", "high_freq_factor")
             } if view != "perpair" and v.get("rope_type") == "llama3" else {}
    return controls.unused(v, original_drawn=view != "perpair", attention_factor=False,
                           layout="an angle's rounding does not depend on which features form the pair", **llama)


p = page.setup("precision", [VIEWS, DTYPE], inert=_inert)
cfg = p.config
maxpos = p.target  # the largest position of the target context
dtypes = precision.DTYPES if p["dtype"] == "all" else (p["dtype"],)

st.title("Precision")
st.markdown(
    "The angle m·θ_i grows with the position, and a low-precision number keeps only a few significant "
    "digits of it: at long context the rounding error of the angle reaches radians. That is why implementations "
    "compute the angles (and cos/sin) in float32 or better, even when the model runs in bfloat16."
)
view = p.view()


def all_exact_note(curves: dict) -> str | None:
    """What to say when no error is drawn: every one is 0."""
    if curves["angle"].empty:
        return (f"Every angle error is exactly 0 here: θ_i and the positions up to {maxpos:,} are stored exactly in "
                "the chosen dtype(s). Raise the target context or the head dim to see rounding.")
    return None


def angle_chart():
    curves = precision.error_by_position(cfg, maxpos, dtypes)
    rules_x = [(float(p.original), f"original context: {fmt.context(p.original)}")]
    if "float16" in dtypes:
        rules_x.append((65504.0, "float16 max 65,504"))
    dropped = ("Error 0 (exact) is not drawn on the log axis. float16's largest value is 65,504: positions "
               "65,505–65,519 round down to it, and from 65,520 on they overflow to infinity (no line there)."
               if "float16" in dtypes else "Error 0 (exact) is not drawn on the log axis.")
    if curves["exact"]:
        dropped += f" Exact at every position here, so not drawn: {', '.join(curves['exact'])}."
    chart = charts.line(
        curves["angle"], "position", "angle_error_rad", title="Error of the angle m·θ_i against float64",
        subtitle=[f"Largest over the {cfg.n_pairs} pairs at {len(curves['frame']) // len(dtypes)} log-spaced "
                  f"positions up to {maxpos:,}.", dropped],
        x_title="position m (tokens, log scale)", y_title="|angle error| (radians, log scale)", log_x=True, log_y=True,
        color="dtype", color_title="angle dtype", color_sort=list(dtypes), color_domain=list(dtypes),
        rules_x=[r for r in rules_x if r[0] <= maxpos], rules_y=[(3.141592653589793, "π: the pair points anywhere")],
        tooltip=["dtype", "position", "angle_error_rad", "worst_pair"],
    )
    return chart, curves["frame"], all_exact_note(curves)


def cossin_chart():
    curves = precision.error_by_position(cfg, maxpos, dtypes)
    bf = "bfloat16" if "bfloat16" in dtypes else dtypes[0]
    floor = unit_roundoff(bf)  # the dtype table's figure
    chart = charts.line(
        curves["rotation"], "position", "rotation_error", title="Resulting error of cos/sin: the rotated pair",
        subtitle=["Distance between the pair rotated with the rounded angle and with the exact one, per unit length: "
                  "2|sin(error/2)|, at most 2 (pointing backwards).",
                  f"Dashed line: the rounding of storing cos/sin in {bf} at all; an angle error below it costs nothing "
                  "more."],
        x_title="position m (tokens, log scale)", y_title="rotated-pair error (log scale)",
        log_x=True, log_y=True, color="dtype", color_title="angle dtype", color_sort=list(dtypes),
        color_domain=list(dtypes), rules_y=[(floor, f"{bf} storage rounding {floor:.3g}")],
        rules_x=[(float(p.original), f"original context: {p.original:,}")],
        tooltip=["dtype", "position", "rotation_error", "rotation_worst_pair", "rotation_worst_pair_angle_error_rad"],
    )
    return chart, curves["frame"], all_exact_note(curves)


def pair_chart():
    by_pair = precision.error_by_pair(cfg, maxpos, dtypes)
    chart = charts.line(
        by_pair["plotted"], "pair", "angle_error_rad", title=f"Angle error per pair at position {maxpos:,}",
        subtitle=["Fast pairs (large angles) lose the most radians. All pairs share one bound on the relative error",
                  "(about three roundings: position, θ_i, product), but each pair's own error lies anywhere from 0 to it.",
                  *(["float16 overflows at this position (≥ 65,520): no float16 line."] if "float16" in dtypes
                    and maxpos >= precision.FLOAT16_OVERFLOW else [])],
        x_title="pair index i", y_title="|angle error| (radians, log scale)", log_y=True, points=True,
        color="dtype", color_title="angle dtype", color_sort=list(dtypes), color_domain=list(dtypes),
        tooltip=["dtype", "pair", "angle_rad", "angle_error_rad"],
    )
    note = None if not by_pair["plotted"].empty else (
        f"Every angle error at position {maxpos:,} is exactly 0 here: θ_i and the position are stored exactly in the "
        "chosen dtype(s). Raise the target context or the head dim to see rounding.")
    return chart, by_pair["frame"], note


# each view's chart, its CSV frame and its note when nothing is drawn, kept per input (charts.kept)
build, name = {"angleerr": (angle_chart, "angle_error_vs_position"),
               "cossin": (cossin_chart, "rotation_error_vs_position"), "perpair": (pair_chart, "angle_error_per_pair")}[view]
chart, data, note = charts.kept((name, cfg, maxpos, dtypes, p.original), build)
if note:
    st.info(note)
charts.show(chart, data, name)

st.dataframe(precision.dtype_facts_table(dtypes), hide_index=True, column_config={
    "integer positions stored exactly up to": st.column_config.NumberColumn(format="localized"),
    "rounding of a stored cos/sin (unit roundoff)": st.column_config.NumberColumn(format="%.3e"),
})

page.how_computed(
    "- `rope_core.angle_error(cfg, positions, dtype)` = |fl(fl(m) · fl(θ_i)) − m·θ_i|: position and θ_i are cast "
    "to the dtype and multiplied in it, as transformers' `position_ids.float() * inv_freq` does in float32; "
    "the reference is float64. Positions above the dtype's largest exact integer are already rounded before "
    "the product.\n"
    "- `rope_core.phase_error.rotation_error` = 2|sin(Δφ/2)|, the distance between (cos φ', sin φ') and "
    "(cos φ, sin φ); `largest_exact_integer` = 2^(mantissa bits + 1), `unit_roundoff` = eps/2.\n"
    f"- θ_i: `rope_core.inv_freq(cfg)` at initialisation. Largest position: the target context, {human(maxpos)}."
)
