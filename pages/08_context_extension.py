import streamlit as st

import rope_core
from explorer import charts, controls, page
from explorer.frames import extension as ext
from explorer.params import human

PAGE_SPECS = [
    page.view_spec({"stretch": "Stretch per pair", "ood": "Out of distribution",
                    "longrange": "Decay at long range", "yarnattn": "YaRN attention factor"}),
]


YARN_ATTENTION = "YaRN's attention factor depends on factor, mscale and mscale_all_dim only"


def _inert(values) -> dict[str, str]:
    view = values.get("view", "stretch")
    out = controls.unused(values, original_drawn=True, attention_factor=view in ("ood", "yarnattn"),
                          layout="the frequencies do not depend on which features form a pair")
    if values.get("rope_type") != "longrope":
        out["rope_type"] = "this page compares every method on the same model, whichever is selected"
    if view == "yarnattn":
        out.update({k: YARN_ATTENTION for k in controls.MODEL_KEYS
                    if k not in ("preset", "factor", "mscale", "mscale_all_dim", "original_max_position_embeddings",
                                 "max_position_embeddings", "rope_type") and k not in out})
    return out


p = page.setup("context_extension", PAGE_SPECS, all_scaling=True, inert=_inert)
original, target, factor = p.original, p.target, p.factor
st.title("Context extension")
st.markdown(
    f"A model trained on L0 = {original:,} positions has only seen angles m·θ_i up to (L0 − 1)·θ_i. Run it on "
    f"{target:,} positions and the slow pairs turn further than they ever did in training: those angles are out of "
    "distribution. Every method compared here changes θ_i of the same base model to avoid that; they differ in which "
    "pairs they touch. The views below show what each method does to each pair, what goes out of distribution, the "
    "decay at long range and YaRN's attention factor, one chart at a time."
)
page.context_agreement(p)
view = p.view()

configs, problems = controls.method_configs(p.values, p.config)
methods = tuple(ext.build_methods(configs, target))
by_type = {m.config.rope_type: m for m in methods}
for msg in problems:
    st.warning(msg, icon=":material/warning:")
if target <= original:
    st.info(f"The target context ({target:,}) is not longer than the original context ({original:,}): nothing can "
            "go out of distribution. Pick a longer target context in the sidebar.", icon=":material/info:")

row = page.metric_row()
row.metric("Target ÷ original", f"× {target / original:.4g}", help=f"{target:,} / {original:,} positions")
row.metric("factor", f"{factor:g}", help="rope_scaling.factor: linear, NTK (its α), dynamic, YaRN, Llama 3")
st.caption(
    f"Base model: rotary dim **{p.config.rotary_dim}**, rope_theta **{p.config.rope_theta:,.6g}**, original context "
    f"L0 **{original:,}**, target **{target:,}**. Method parameters (from the sidebar, every method's shown on this "
    f"page): Llama 3 low/high_freq_factor **{float(p['low_freq_factor']):g}/{float(p['high_freq_factor']):g}** · "
    f"YaRN beta_fast/slow **{float(p['beta_fast']):g}/{float(p['beta_slow']):g}**."
    + (" LongRoPE uses the current config's own factor lists." if "longrope" in by_type else
       " LongRoPE appears only when the current config has factor lists (Phi-3 preset or a pasted config.json).")
)

rules_ctx = [(float(original), f"L0 = {human(original)}"), (float(target), f"target {human(target)}")]
order = [m.label for m in methods]


def stretch_view() -> None:
    st.subheader("What each method does to each pair")
    row = page.metric_row()
    if "ntk" in by_type:
        row.metric("NTK-aware base θ'", f"{rope_core.ntk_base(by_type['ntk'].config):,.6g}",
                   help="rope_theta · α^(d/(d−2))")
    if "dynamic" in by_type:
        row.metric("Dynamic NTK base at target", f"{rope_core.ntk_base(by_type['dynamic'].config, target):,.6g}",
                   help="rope_theta · (factor·L/L0 − (factor − 1))^(d/(d−2)) with L = max(target, L0)")
    if "yarn" in by_type:
        lo, hi = rope_core.yarn_correction_range(by_type["yarn"].config)
        row.metric("YaRN ramp (pairs)", f"{lo:.4g} … {hi:.4g}",
                   help="Pairs below low keep θ_i; pairs above high are divided by factor; linear ramp in between")
    ratio = ext.ratio_frame(ext.base_model(p.config), methods)
    chart = charts.line(
        ratio, "wavelength", "ratio", color="method", color_title="method", color_sort=order, points=True,
        log_x=True, log_y=True, rules_x=rules_ctx,
        title="Wavelength stretch per pair: θ_i / θ'_i (original over scaled frequency)",
        subtitle="1 = pair untouched; factor = pair fully interpolated. Dynamic NTK is taken at the target length.",
        x_title="original wavelength 2π/θ_i (tokens, log)", y_title="θ_i / θ'_i (log)",
        tooltip=["method", "pair", "wavelength", "scaled_wavelength", "theta", "scaled_theta", "ratio"],
    )
    charts.show(chart, ratio, "extension_ratio")


# the figures first, each wide enough for its title, so all of them fit at 1,280 px; the long rope_scaling text last
OOD_COLUMNS = ("method", "attention factor", "pairs out of distribution", "of pairs", "first OOD pair",
               "its wavelength (tokens)", "rope_scaling")
OOD_CONFIG = {
    "method": st.column_config.TextColumn(width=160),
    "attention factor": st.column_config.NumberColumn(format="%.6g", width=110),
    "pairs out of distribution": st.column_config.NumberColumn("pairs OOD", width=80,
                                                               help="pairs out of distribution"),
    "of pairs": st.column_config.NumberColumn(width=70),
    "first OOD pair": st.column_config.NumberColumn(width=105),
    "its wavelength (tokens)": st.column_config.NumberColumn(format="%.6g", width=155),
    "rope_scaling": st.column_config.TextColumn(width="large"),
}


def ood_view() -> None:
    st.subheader("What goes out of distribution")
    ood = ext.ood_frame(ext.base_model(p.config), methods, original, target)
    chart = charts.line_marked(
        ood, "wavelength", "turns", "ood", mark_title="out of distribution", color="method", color_title="method",
        color_sort=[*order, ext.TRAINING], dash="positions", points=True, log_x=True, log_y=True,
        rules_y=[(1.0, "one full turn")],
        title=f"Largest angle per pair: within training (0 … {original - 1:,}) against at the target (0 … {target - 1:,})",
        subtitle=["Filled points: the pair turns further at the target than it ever did in training, and training never "
                  "completed a turn (above one turn every angle was seen)."],
        x_title="original wavelength 2π/θ_i (tokens, log)", y_title="largest angle (turns = radians / 2π, log)",
        tooltip=["method", "positions", "pair", "wavelength", "max_angle", "turns", "ood"], height=500,
    )
    charts.show(chart, ood, "extension_ood")
    table = ext.summary(methods, ood)
    st.dataframe(table, hide_index=True, width="stretch", column_order=OOD_COLUMNS, column_config=OOD_CONFIG)


def longrange_view() -> None:
    st.subheader("Decay at long range")
    decay = ext.decay_frame(methods, target)
    chart = charts.line(
        decay, "distance", "correlation", color="method", color_title="method", color_sort=order, log_x=True,
        rules_x=rules_ctx, rules_y=[(0.0, "0")],
        title="Correlation of RoPE-encoded vectors against distance, per method",
        subtitle=f"(2/d)·Σ cos(Δ·θ'_i) at {decay['distance'].nunique()} log-spaced distances from 1 to "
                 f"{target - 1:,} (exact values at those distances, not averages).",
        x_title="distance Δ = m − n (tokens, log)", y_title="correlation",
        tooltip=["method", "distance", "correlation"],
    )
    charts.show(chart, decay, "extension_decay")


def yarnattn_view() -> None:
    st.subheader("YaRN's attention factor")
    if "yarn" not in by_type:
        st.info("YaRN is left out at these settings (see the warning above).", icon=":material/info:")
        return
    ycfg = by_type["yarn"].config
    af = ext.yarn_attention_frame(ycfg)
    current = rope_core.attention_factor(ycfg)
    st.markdown(
        f"YaRN multiplies cos and sin by an attention factor, so the logits grow by its square and attention "
        f"sharpens back after interpolation. At factor {factor:g} it is **{current:.6g}** (logits × {current**2:.6g})."
    )
    chart = charts.line(
        af, "factor", "value", color="quantity", color_title="quantity",
        rules_x=[(factor, f"current factor {factor:g}")],
        title="YaRN attention factor against the scaling factor",
        subtitle="0.1·ln(factor) + 1 by default; the mscale ratio when mscale and mscale_all_dim are both set; "
                 "an explicit attention_factor wins.",
        x_title="factor s", y_title="multiplier", tooltip=["quantity", "factor", "value"],
    )
    charts.show(chart, af, "yarn_attention_factor")


{"stretch": stretch_view, "ood": ood_view, "longrange": longrange_view, "yarnattn": yarnattn_view}[view]()

page.how_computed(
    "- Each method is the sidebar's model with that method's `rope_type`, the sidebar's factor and the method's "
    "parameters (`explorer.controls.method_configs`), trained on L0 = original context; LongRoPE is the current "
    "config itself.\n"
    "- Stretch: `rope_core.inv_freq(base) / rope_core.inv_freq(method, seq_len)`, seq_len = target for dynamic NTK "
    "and LongRoPE (which then uses long_factor), None otherwise; x is `rope_core.wavelengths` = 2π/θ_i.\n"
    "- Out of distribution: `rope_core.ood_angles(method, L0, target, seq_len)` gives per pair the largest angle "
    "(L0 − 1)·θ_i seen in training with the original frequencies, the largest angle (target − 1)·θ'_i with the "
    "method's, and the flag.\n"
    "- Decay: `rope_core.correlation(method, Δ, seq_len)` = (2/d)·Σ_i cos(Δ·θ'_i).\n"
    "- Attention factor: `rope_core.attention_factor` of the YaRN config with each factor; YaRN Eq. 27 (errata): "
    "0.1·ln(s) + 1, or get_mscale(s, mscale) / get_mscale(s, mscale_all_dim)."
)
