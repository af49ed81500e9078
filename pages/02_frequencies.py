import streamlit as st

from explorer import charts, controls, fmt, page
from explorer.frames import frequencies

VIEWS = page.view_spec({"freq": "θ_i", "wavelength": "Wavelength", "turns": "Turns"})

p = page.setup("frequencies", [VIEWS], inert=lambda v: controls.unused(
    v, attention_factor=False, layout="the frequency spectrum does not depend on the pair layout"))
cfg = p.config
ctx = p.target

st.title("Frequencies")
st.markdown(
    "Pair i turns by θ_i = rope_theta^(−2i/d) radians per token, so it completes a full turn every "
    "**2π/θ_i tokens**, its wavelength. The first pairs turn many times within the context; "
    "the last ones may never complete a turn. Scaling methods differ in which pairs they change: PI (linear) "
    "divides every θ_i by the factor; NTK-aware raises the base, which changes every pair but pair 0; YaRN changes "
    "every pair that turns fewer than beta_fast times in the original context; Llama 3 every pair whose wavelength "
    "exceeds original context / high_freq_factor; LongRoPE each pair by its own factor."
)

facts = frequencies.summary(cfg, ctx)
row = page.metric_row()
row.metric("Pairs", f"{facts['pairs']}", help="rotary_dim / 2")
row.metric("Shortest wavelength (tokens)", fmt.tokens(facts["shortest"]))
row.metric("Longest wavelength (tokens)", fmt.tokens(facts["longest"]) + (
    " (does not rotate)" if facts["longest"] == float("inf") else ""))
row.metric("Pairs turning fully in the context", f"{facts['full_turns']} of {facts['pairs']}",
           help=f"pairs whose wavelength is at most the target context, {fmt.exact(ctx)}")

view = p.view()

spec = frequencies.spectrum(cfg, ctx)
scaled = frequencies.is_scaled(cfg)
order = frequencies.curve_names(cfg)  # original first
common = dict(color="frequencies", color_title="frequencies", color_sort=order, points=True, log_y=True,
              x_title="pair index i", tooltip=["frequencies", "pair", "theta", "wavelength", "turns"])


def freq_view() -> None:
    method_note = (f"{frequencies.scaled_label(cfg)} against the same model without scaling "
                   f"({frequencies.original_label(cfg)}); dynamic NTK and LongRoPE use the target context "
                   f"({fmt.context(ctx)}) as seq_len." if scaled else None)
    chart = charts.line(spec, "pair", "theta", title="θ_i per pair", subtitle=method_note,
                        y_title="θ_i (radians per token, log scale)", **common)
    charts.show(chart, spec, "theta_per_pair")


def wavelength_view() -> None:
    rules = [(float(ctx), f"target context: {fmt.context(ctx)}")]
    if scaled:
        rules.append((float(cfg.original_context), f"original context: {fmt.context(cfg.original_context)}"))
    chart = charts.line(spec, "pair", "wavelength", title="Wavelength 2π/θ_i per pair",
                        subtitle="Pairs above the context line do not complete one turn within it.",
                        y_title="wavelength (tokens per turn, log scale)", rules_y=rules, **common)
    charts.show(chart, spec, "wavelength_per_pair")


def turns_view() -> None:
    chart = charts.line(spec, "pair", "turns", title=f"Turns each pair completes within {fmt.context(ctx)} tokens",
                        subtitle="target context · θ_i / 2π: the angle at that position, in turns.",
                        y_title="turns within the context (log scale)", rules_y=[(1.0, "one full turn")], **common)
    charts.show(chart, spec, "turns_per_pair")


{"freq": freq_view, "wavelength": wavelength_view, "turns": turns_view}[view]()
if note := frequencies.still_pairs(cfg):
    st.caption(note)

page.how_computed(
    "- θ_i: `rope_core.inv_freq(cfg, seq_len=max_position_embeddings)`, θ_i = rope_theta^(−2i/d) for i = 0 … d/2 − 1 "
    "(d = rotary dim), then changed by the scaling method; the original is `inv_freq` of "
    "`rope_core.extension.unscaled(cfg)`, the same model without scaling (for proportional RoPE its own "
    "frequencies at factor 1: exponents over head_dim, the unrotated pairs at 0).\n"
    "- Wavelength: `rope_core.wavelengths(θ)` = 2π/θ_i, tokens per full turn.\n"
    "- Turns: `rope_core.angles(cfg, [max_position_embeddings])` / 2π; a pair turns fully when its wavelength ≤ the context "
    "(`rope_core.spectrum.spectrum_summary`)."
)
