import streamlit as st

from explorer import controls, fmt, nav, page
from explorer.frames import home

p = page.setup("home", inert=lambda v: controls.unused(
    v, layout="Home's figures do not depend on which features form a pair"))
cfg = p.config
st.title("RoPE Explorer")
st.markdown(
    "**Rotary Position Embeddings** encode a token's position m by rotating its query and key vectors. "
    "The head's features are split into d/2 pairs; pair i is a 2-D vector turned by the angle m·θ_i, "
    "with frequencies θ_i = b^(−2i/d) falling geometrically from 1 rad/token (pair 0) to b^(−(d−2)/d) for the "
    "slowest pair, i = d/2 − 1: b^(2/d) times 1/b (1.15× for b = 10k and d = 128; 2.15× for GPT-NeoX-20B, "
    "which rotates 24 features). "
    "Because rotations compose, the dot product of a query at m and a key at n depends only on m − n: "
    "absolute rotations, relative attention. Scaling methods (PI, NTK, YaRN, Llama 3, LongRoPE) "
    "change the θ_i so that a model trained on one context length works on a longer one."
)
st.latex(
    r"\begin{pmatrix} x'_{a_i} \\ x'_{b_i} \end{pmatrix} = "
    r"\begin{pmatrix} \cos m\theta_i & -\sin m\theta_i \\ \sin m\theta_i & \cos m\theta_i \end{pmatrix}"
    r"\begin{pmatrix} x_{a_i} \\ x_{b_i} \end{pmatrix},\qquad \theta_i = b^{-2i/d}"
)

s = home.summary(cfg, p.target)
st.subheader(f"Current configuration: {p.preset_status}")
row = page.metric_row()
turning = s["rotating"]
row.metric("Rotated pairs", f"{s['pairs']}" if turning == s["pairs"] else f"{turning} of {s['pairs']}",
           help=f"rotary dim {cfg.rotary_dim} of head dim {cfg.head_dim}" if turning == s["pairs"] else
           f"proportional RoPE: int(partial_rotary_factor · head_dim // 2) = {turning} pairs rotate, the other "
           f"{s['pairs'] - turning} have frequency 0")
row.metric("Shortest wavelength", f"{fmt.tokens(s['shortest'])} tokens", help="2π/θ_0, the fastest pair")
row.metric("Longest wavelength", f"{fmt.tokens(s['longest'])} tokens",
           help="2π/θ_{d/2−1}, the slowest pair" if turning == s["pairs"] else
           f"∞: {s['pairs'] - turning} pairs have frequency 0 and do not rotate; the slowest rotating pair turns "
           f"once in {fmt.tokens(s['longest_turning'])} tokens")
row.metric("Pairs completing a full turn", f"{s['full_turns']} of {s['pairs']}",
           help=f"pairs whose wavelength is at most the target context, {fmt.exact(p.target)}")
row = page.metric_row()
row.metric("Scaling method", cfg.rope_type)
row.metric("Attention factor", f"{s['attention_factor']:.6g}")
row.metric("Mean wavelength stretch", f"× {s['mean_stretch']:.6g}",
           help="θ_i / θ'_i averaged over the pairs: unscaled over scaled frequency, at the target context")
row.metric("rope_theta", fmt.theta(cfg.rope_theta), help=f"{cfg.rope_theta:,.10g}")
row.metric("Target context", fmt.context(p.target),
           help=f"max_position_embeddings = {p.target:,}; trained on {fmt.exact(p.original)}")

st.subheader("Pages")
for info in nav.PAGES[1:]:  # one element per page: each costs the browser a little on every rerun
    nav.page_link(info.url_path, label=f"**{info.title}**: {info.blurb}")

page.how_computed(
    "`rope_core.inv_freq(cfg, seq_len)` gives θ_i (with the scaling method applied); wavelengths are 2π/θ_i. "
    "`rope_core.spectrum_summary` counts the pairs whose wavelength fits in the context shown; "
    "`rope_core.attention_factor` is the factor HF multiplies cos and sin by."
)
