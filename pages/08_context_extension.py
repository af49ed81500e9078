import json

import numpy as np
import streamlit as st

import rope_core
from explorer import charts, controls, page, sidebar
from explorer import fmt
from explorer import hub
from explorer.frames import planner
from explorer.frames import extension as ext
from rope_core.extension import unscaled
from rope_core.hf_export import hf_rope_theta, ntk_note
from rope_core.planner import pitfalls
from rope_core.yarn_reference import mla_softmax_scale, paper_inv_freq

PAGE_SPECS = [
    page.view_spec({"stretch": "Stretch per pair", "ood": "Out of distribution",
                    "longrange": "Decay at long range", "yarnattn": "YaRN attention factor", "plan": "Plan"}),
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
    f"A model trained on L0 = {fmt.context(original)} positions has only seen angles m·θ_i up to (L0 − 1)·θ_i. "
    f"Run it on {fmt.context(target)} positions and the slow pairs turn further than they ever did in training: those angles are out of "
    "distribution. Every method compared here changes θ_i of the same base model to avoid that; they differ in which "
    "pairs they touch. The views below show what each method does to each pair, what goes out of distribution, the "
    "decay at long range and YaRN's attention factor, one chart at a time; the plan view gives the config block "
    "to paste for the target."
)
page.context_agreement(p)
view = p.view()

configs, problems = controls.method_configs(p.values, p.config)
methods = tuple(ext.build_methods(configs, target))
by_type = {m.config.rope_type: m for m in methods}
for msg in problems:
    st.warning(msg, icon=":material/warning:")
if p.config.rope_type == "proportional":
    st.info(ext.proportional_note(p.config), icon=":material/info:")
if target <= original:
    st.info(f"The target context ({fmt.context(target)}) is not longer than the original context ({fmt.context(original)}): nothing can "
            "go out of distribution. Pick a longer target context in the sidebar.", icon=":material/info:")

row = page.metric_row()
row.metric("Target ÷ original", f"× {fmt.plain(target / original)}", help=f"{target:,} / {original:,} positions")
row.metric("factor", f"{factor:g}", help="rope_scaling.factor: linear, NTK (its α), dynamic, YaRN, Llama 3")
st.caption(
    f"Base model: {ext.base_pairs(p.config)}, rope_theta **{fmt.theta(p.config.rope_theta)}**, original context "
    f"L0 **{fmt.context(original)}**, target **{fmt.context(target)}**."
    + ("" if p.config.rope_type == "proportional" else  # one method, no parameters but factor
       " Method parameters (from the sidebar, every method's shown on this "
       f"page): Llama 3 low/high_freq_factor **{float(p['low_freq_factor']):g}/{float(p['high_freq_factor']):g}** · "
       f"YaRN beta_fast/slow **{float(p['beta_fast']):g}/{float(p['beta_slow']):g}**."
       + (" LongRoPE uses the current config's own factor lists." if "longrope" in by_type else
          " LongRoPE appears only when the current config has factor lists (Phi-3 preset or a pasted config.json)."))
)

rules_ctx = [(float(original), f"L0 = {fmt.context(original)}"), (float(target), f"target {fmt.context(target)}")]
order = [m.label for m in methods]


def stretch_view() -> None:
    st.subheader("What each method does to each pair")
    row = page.metric_row()
    if "ntk" in by_type:
        ntk_theta = rope_core.ntk_base(by_type["ntk"].config)
        row.metric("NTK-aware base θ'", fmt.theta(ntk_theta),
                   help=f"rope_theta · α^(d/(d−2)) = {ntk_theta:,.10g}: transformers has no static NTK type, so this "
                        "is the rope_theta to write, with no scaling block")
    if "dynamic" in by_type:
        dyn_theta = rope_core.ntk_base(by_type["dynamic"].config, target)
        row.metric("Dynamic NTK base at target", fmt.theta(dyn_theta),
                   help=f"rope_theta · (factor·L/L0 − (factor − 1))^(d/(d−2)) with L = max(target, L0) = "
                        f"{dyn_theta:,.10g}")
    if "yarn" in by_type:
        lo, hi = rope_core.yarn_correction_range(by_type["yarn"].config)
        row.metric("YaRN ramp (pairs)", f"{lo:.4g} … {hi:.4g}",
                   help="Pairs up to low keep θ_i; pairs from high on are divided by factor; in between the ramp is "
                        "linear in the pair index i, as in transformers and the official YaRN code. The paper's γ is "
                        "linear in r = L0/λ_i instead (see the note under the chart).")
    base = unscaled(p.config)

    def stretch_chart():
        ratio = ext.ratio_frame(base, methods)
        return charts.line(
            ratio, "wavelength", "ratio", color="method", color_title="method", color_sort=order, points=True,
            log_x=True, log_y=True, rules_x=rules_ctx,
            title="Wavelength stretch per pair: θ_i / θ'_i (original over scaled frequency)",
            subtitle="1 = pair untouched; factor = pair fully interpolated (PI, YaRN, Llama 3; NTK-aware only at its "
                     "last pair). Dynamic NTK is taken at the target length, where its stretch can exceed factor.",
            x_title="original wavelength 2π/θ_i (tokens, log)", y_title="θ_i / θ'_i (log)",
            tooltip=["method", "pair", "wavelength", "scaled_wavelength", "theta", "scaled_theta", "ratio"],
        ), ratio

    charts.show(*charts.kept(("extension_ratio", base, methods, original, target), stretch_chart),
                "extension_ratio")
    if "yarn" in by_type:
        ycfg = by_type["yarn"].config
        code, paper = rope_core.inv_freq(ycfg), paper_inv_freq(ycfg)
        base_theta = rope_core.default_inv_freq(ycfg.rotary_dim, ycfg.rope_theta)
        worst = int(np.argmax(np.abs(np.log(code / paper))))
        st.caption(
            "YaRN here is the code's: transformers and the official YaRN code (jquesnelle/yarn) ramp linearly in "
            "the pair index between low and high. Peng et al.'s paper writes the ramp γ as linear in r = L0/λ_i "
            "(from beta_slow to beta_fast turns), which blends the middle pairs differently: at these settings "
            f"pair {worst} is stretched {base_theta[worst] / code[worst]:.3g}× by the code and "
            f"{base_theta[worst] / paper[worst]:.3g}× by the paper's formula."
        )


# the figures first, each wide enough for its title, so all of them fit at 1,280 px; the long texts after them
# every column fits beside the sidebar at 1,280 px: the notes are listed in full under the table, and each method's
# config.json blocks (too long for a cell) are in the Plan view
OOD_COLUMNS = ("method", "attention factor", "pairs out of distribution", "of pairs", "first OOD pair",
               "its wavelength (tokens)")
OOD_CONFIG = {
    "method": st.column_config.TextColumn(width=160),
    "attention factor": st.column_config.NumberColumn(format="%.6g", width=110),
    "pairs out of distribution": st.column_config.NumberColumn("pairs OOD", width=80,
                                                               help="pairs out of distribution"),
    "of pairs": st.column_config.NumberColumn(width=70),
    "first OOD pair": st.column_config.NumberColumn(width=105),
    "its wavelength (tokens)": st.column_config.NumberColumn(format="%.6g", width=155),
}


def ood_view() -> None:
    st.subheader("What goes out of distribution")
    base = unscaled(p.config)

    def ood_chart():
        frames = ext.ood_frames(base, methods, original, target)
        ood = frames["frame"]
        return charts.line_marked(
            ood, "wavelength", "turns", "ood", mark_title="out of distribution", color="method", color_title="method",
            color_sort=[*order, ext.TRAINING], dash="positions", points=True, log_x=True, log_y=True,
            rules_y=[(1.0, "one full turn")],
            title=f"Largest angle per pair: within training (0 … {original - 1:,}) against at the target "
                  f"(0 … {target - 1:,})",
            subtitle=["Filled points: the pair turns further at the target than it ever did in training, and training "
                      "never completed a turn (above one turn every angle was seen)."],
            x_title="original wavelength 2π/θ_i (tokens, log)", y_title="largest angle (turns = radians / 2π, log)",
            tooltip=["method", "positions", "pair", "wavelength", "max_angle", "turns", "ood"], height=500,
        ), ood, frames["table"]

    chart, ood, table = charts.kept(("extension_ood", base, methods, original, target), ood_chart)
    charts.show(chart, ood, "extension_ood")
    st.dataframe(table, hide_index=True, width="stretch", column_order=OOD_COLUMNS, column_config=OOD_CONFIG)
    notes = []
    if "ntk" in by_type:  # rope_core's note, in the app's number style (it writes 1e+08)
        c = by_type["ntk"].config
        d = c.rotary_dim
        notes.append(f"- **{ext.LABELS['ntk']}**: transformers has no static NTK rope_type; the same frequencies are "
                     f"plain RoPE with rope_theta = θ·α^(d/(d−2)) = {fmt.plain(c.rope_theta)}·{fmt.plain(c.factor)}"
                     f"^({d}/{d - 2}) = {fmt.plain(hf_rope_theta(c))}.")
    st.markdown("\n".join(notes + ["- Each method's config.json block, in both transformers forms: the Plan view."]))


def longrange_view() -> None:
    st.subheader("Decay at long range")

    def decay_chart():
        decay = ext.decay_frame(methods, target)
        return charts.line(
            decay, "distance", "correlation", color="method", color_title="method", color_sort=order, log_x=True,
            rules_x=rules_ctx, rules_y=[(0.0, "0")],
            title="Correlation of RoPE-encoded vectors against distance, per method",
            subtitle=f"(2/d)·Σ cos(Δ·θ'_i) at {len(decay) // len(methods)} log-spaced distances from 1 to "
                     f"{target - 1:,} (exact values at those distances, not averages).",
            x_title="distance Δ = m − n (tokens, log)", y_title="correlation",
            tooltip=["method", "distance", "correlation"],
        ), decay

    charts.show(*charts.kept(("extension_decay", methods, original, target), decay_chart), "extension_decay")


def yarnattn_view() -> None:
    st.subheader("YaRN's attention factor")
    if "yarn" not in by_type:
        why = "the note above" if p.config.rope_type == "proportional" else "the warning above"
        st.info(f"YaRN is left out at these settings (see {why}).", icon=":material/info:")
        return
    ycfg = by_type["yarn"].config
    current = rope_core.attention_factor(ycfg)
    text = (f"YaRN multiplies cos and sin by an attention factor, so the logits grow by its square and attention "
            f"sharpens back after interpolation. At factor {factor:g} it is **{current:.6g}** (logits × {current**2:.6g}).")
    if ycfg.mscale_all_dim:
        mla = mla_softmax_scale(ycfg)
        text += (f" With mscale_all_dim set, transformers' DeepSeek-style (MLA) attention also multiplies its softmax "
                 f"scale 1/√qk_head_dim by get_mscale(factor, mscale_all_dim)² = **{mla:.5g}**, so there the "
                 f"rotated part's logits grow by {current**2:.5g} × {mla:.5g} = **{current**2 * mla:.5g}** and the "
                 f"rest of the head's by {mla:.5g}. Other models (Llama, Qwen) apply only the factor above.")
    st.markdown(text)

    def attention_chart():
        af = ext.yarn_attention_frame(ycfg)
        return charts.line(
            af, "factor", "value", color="quantity", color_title="quantity",
            rules_x=[(factor, f"current factor {factor:g}")],
            title="YaRN attention factor against the scaling factor",
            subtitle=["0.1·ln(factor) + 1 by default; get_mscale(s, mscale) / get_mscale(s, mscale_all_dim) when "
                      "both are set; an explicit attention_factor wins.",
                      "get_mscale(s, m) = 0.1·m·ln(s) + 1. With mscale_all_dim set, also the MLA (DeepSeek) softmax "
                      "scale."],
            x_title="factor s", y_title="multiplier", tooltip=["quantity", "factor", "value"],
        ), af

    charts.show(*charts.kept(("yarn_attention_factor", ext.yarn_attention_fields(ycfg), factor),
                                   attention_chart), "yarn_attention_factor")


def plan_view() -> None:
    st.subheader(f"Plan: extending to {fmt.context(target)}")
    hub.model_id_box("plan_hf")  # or a preset in the sidebar, or a config.json pasted on the Models page
    check_men = st.toggle("Men et al.'s check at the target", key="plan_men",
                          help="B(m) ≥ 0 at every integer m below the target, with each method's frequencies there. "
                               "It scans every m up to the first negative: seconds at millions of positions.")
    with st.spinner("Planning…"):
        # the methods this model can take (the warnings above name the others), with the sidebar's parameters
        templates = tuple(m.config for m in methods if m.config.rope_type in planner.METHODS)  # proportional: none
        base = unscaled(p.config)
        rows = planner.plans(base, target, check_men, templates)
    st.caption(f"Each method on the sidebar's model without its scaling, trained on L0 = {fmt.context(original)}, "
               f"with factor = target ÷ L0 = {target / original:g} (static NTK: α = that). Paste one block into the "
               "model's config.json: the v4 form for transformers 4.x, the v5 form for 5.x (both load in 5.x).")
    st.dataframe(planner.table(rows, target), hide_index=True, width="stretch",
                 column_config={"attention factor": st.column_config.NumberColumn(format="%.6g"),
                                "θ change up to L0 (max |θ'/θ − 1|)": st.column_config.NumberColumn(format="%.4g"),
                                "mean |θ'/θ − 1| up to L0": st.column_config.NumberColumn(format="%.4g")})
    for tab, plan in zip(st.tabs([ext.LABELS[r.rope_type] for r in rows]), rows):
        with tab:
            left, right = st.columns(2)
            left.code(json.dumps(plan.v4, indent=2), language="json")
            right.code(json.dumps(plan.v5, indent=2), language="json")
            if ntk_note(plan.config):
                st.caption(ntk_note(plan.config))
    preset = controls.preset_slugs().get(str(p.values.get("preset")))
    pasted = st.session_state.get(sidebar.PASTED) if p.values.get("preset") == controls.PASTED else None
    what, mapping = planner.source_config(p.config, preset, pasted["raw"] if pasted else None)
    found = pitfalls(mapping, target)
    st.markdown(f"**Pitfalls in {what}** at target {fmt.context(target)}:" + ("" if found else " none found."))
    for msg in found:
        st.warning(msg, icon=":material/warning:")


{"stretch": stretch_view, "ood": ood_view, "longrange": longrange_view, "yarnattn": yarnattn_view,
 "plan": plan_view}[view]()

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
    "0.1·ln(s) + 1, or get_mscale(s, mscale) / get_mscale(s, mscale_all_dim). MLA softmax scale: "
    "`rope_core.yarn_reference.mla_softmax_scales`, get_mscale(s, mscale_all_dim)², as transformers' "
    "`yarn_apply_mscale` in DeepSeek-V2/V3.\n"
    "- Plan: `rope_core.planner.plan(base, target)`: per method the blocks of `rope_core.hf_export.hf_fragment`, "
    "the pairs `ood_angles` flags, `attention_factor` at the target, max |θ'_i/θ_i − 1| at seq_len = L0, and "
    "`men_first_negative` with the frequencies at the target; `rope_core.planner.pitfalls` reads the config.json.\n"
    "- YaRN's ramp: `rope_core.inv_freq` ramps linearly in the pair index (transformers, jquesnelle/yarn); the "
    "paper's γ(r), r = L0/λ_i, is `rope_core.yarn_reference.paper_inv_freq`, used only for the note under the "
    "stretch chart."
)
