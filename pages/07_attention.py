import streamlit as st

from explorer import charts, page
from explorer.frames import attention
from explorer.params import ParamSpec

COLOR_DOMAIN = (1e-4, 1.0)  # attention mass per cell; smaller values share the darkest colour

SPECS = [
    ParamSpec("causal", "Causal mask", "bool", True,
              "Let each query attend only to keys at its own or earlier positions, as a decoder does."),
]

p = page.setup("attention", SPECS)
cfg = p.config
causal = bool(p["causal"])
heads = int(p["heads"])

st.title("Attention patterns")
st.markdown(
    "Every position holds the **same token**, so any structure in the attention comes from position alone. "
    "Without RoPE all queries and all keys are equal, and softmax spreads attention uniformly over the keys a query "
    "may see; with RoPE the score depends on m − n, and each head (its own random W_Q, W_K) draws its own pattern."
)

args = (cfg, p.seq_len, p["offset"], p["content"], p["seed"], heads, causal)
with_rope = attention.attention_view(*args, charts.MAX_AXIS, True, 1, True)
without = attention.attention_view(*args, charts.MAX_AXIS, False, 1)
stride = with_rope["stride"]


def binning_note(stride: int) -> list[str]:
    if stride <= 1:
        return ["Every query and every key. Log colour scale; masked cells are blank."]
    return [f"Rows: one query in every {stride} of {p.seq_len:,}.",
            f"Keys: summed into bins of {stride}, after softmax over full rows.",
            "Cell = attention mass of its bin (rows sum to 1). Log colour; masked cells blank."]


mask_note = "causal mask" if causal else "no mask"
cols = st.columns(2)
for col, view, name in ((cols[0], with_rope, "with RoPE"), (cols[1], without, "without RoPE")):
    with col:
        frame = view["frame"]
        chart = charts.heatmap(
            frame, "n", "m", "attention", step=stride, diverging=False, height=380,
            log_color=True, domain=COLOR_DOMAIN,
            title=f"Head 1 {name} ({mask_note})", subtitle=binning_note(stride),
            x_title="key position n", y_title="query position m", z_title="attention",
            tooltip=["m", "n", "n_last", "attention"],
        )
        charts.show(chart, frame, f"attention_head1_{'rope' if view is with_rope else 'norope'}")

per_axis = attention.cells_per_axis(heads)
view = attention.attention_view(*args, per_axis, True)
frame = view["frame"]
labels = [f"head {h + 1}" for h in range(heads)]
note = binning_note(view["stride"])
chart = charts.heatmap(
    frame, "n", "m", "attention", step=view["stride"], diverging=False, facet="head", facet_sort=labels,
    log_color=True, domain=COLOR_DOMAIN,
    columns=min(4, heads), panel=180 if heads > 1 else 420,
    title=f"Every head with RoPE ({heads} head{'s' if heads > 1 else ''}, {mask_note})",
    subtitle=note + ["Each head has its own seeded random W_Q and W_K; one colour scale for all."],
    x_title="key position n", y_title="query position m", z_title="attention",
    tooltip=["head", "m", "n", "n_last", "attention"],
)
charts.show(chart, frame, "attention_heads")

st.subheader("Shift invariance")
c1, c2 = st.columns(2)
if not p["offset"]:
    c1.caption("Set a **position offset** in the sidebar: the attention below is recomputed at the shifted "
               "positions and compared with this one.")
c1.metric(f"Head 1: max |A(offset {p['offset']:,}) − A(0)|", f"{with_rope['shift_change']:.2e}",
          help="Same token at the displayed positions (a sequence of its own: every stride-th position), every "
               "position moved by the sidebar offset; head 1, computed naively at both places (rotate q and k, "
               "then dot), with the frequencies of the same seq_len.")
c2.metric("max |row sum − 1|, all heads", f"{max(view['row_sums'], with_rope['row_sums']):.2e}",
          help="Each displayed row's attention summed over all its keys (softmax over every key, not only the shown ones).")
st.caption(
    "RoPE scores depend only on m − n, so moving every position by the same offset leaves the attention unchanged: "
    "try the 'Position offset' slider. (With dynamic NTK or LongRoPE the frequencies depend on the sequence length, "
    "which is held fixed here.)"
)

page.how_computed(
    "- `rope_core.random_projections(rng, heads, d, d)` draws each head's W_Q, W_K (seeded by the sidebar seed); the "
    "token x is the sidebar's q vector (d_model = head dim), repeated at every position.\n"
    "- The same token everywhere makes head h's score a function of m − n only: "
    "g_h(m − n) = ⟨RoPE(xW_Q[h], m), RoPE(xW_K[h], n)⟩. `rope_core.same_token_attention(q, k, cfg, L, rows, causal, "
    "use_rope, key_bins)` computes g_h once for all 2L − 1 distances (`rope_core.same_token_scores`), then "
    "A = softmax(g_h(m − n) / √head_dim) over all keys n for the displayed query rows m only (the same rows as the "
    "naive `rope_core.attention_rows` and `rope_core.attention_maps`, which rotate every key).\n"
    "- Keys are then summed into ≤ 140 bins for display, so every row of cells still sums to 1.\n"
    "- The shift check is naive on purpose: `rope_core.same_token_rows_naive` rotates q and k at the "
    "displayed positions, with and without the offset, and compares the two softmax maps."
)
