import streamlit as st

from explorer import charts, controls, page
from explorer.frames import attention
from explorer.params import ParamSpec

PANELS = ("with RoPE", "without RoPE")  # the two panels of the head-1 view, left to right

SPECS = [
    ParamSpec("causal", "Causal mask", "bool", True,
              "Let each query attend only to keys at its own or earlier positions, as a decoder does."),
    page.view_spec({"head1": "Head 1: with / without RoPE", "heads": "Every head"}),
]

p = page.setup("attention", SPECS, uses=("window", "offset", "content", "seed", "heads"),
               inert=lambda v: controls.unused(v, target="unread"))
cfg = p.config
causal = bool(p["causal"])
heads = int(p["heads"])

st.title("Attention patterns")
st.markdown(
    "Every position holds the **same token**, so any structure in the attention comes from position alone. "
    "Without RoPE all queries and all keys are equal, and softmax spreads attention uniformly over the keys a query "
    "may see; with RoPE the score depends on m − n, and each head (its own random W_Q, W_K) draws its own pattern."
)
view = p.view()

args = (cfg, p.window, p["offset"], p["content"], p["seed"], heads, causal)
mask_note = "causal mask" if causal else "no mask"


def binning_note(stride: int) -> list[str]:
    if stride <= 1:
        return ["Cell = the attention weight of one key. Log colour scale; masked cells are blank."]
    return [f"Rows: one query in every {stride} of {p.window:,}. Keys: bins of {stride}, after softmax over full rows.",
            "Cell = mean weight per key of its bin that the query may see (bin mass ÷ visible keys), so a bin the",
            "mask cuts short reads like the others. Log colour; masked cells blank."]


def head1_view() -> None:
    def build():
        with_rope = attention.attention_view(*args, charts.MAX_AXIS, True, 1, True, frame=False)
        without = attention.attention_view(*args, charts.MAX_AXIS, False, 1, frame=False)
        stride = with_rope["stride"]
        # one frame, one faceted chart: the rope column names the panel each row is drawn in
        frame = attention.panels_frame([with_rope, without], "rope", PANELS, causal)
        # two 340 px panels: 820–850 px wide with axes and legend, inside the main column of a 1,400 px window
        chart = charts.heatmap(
            frame, "n", "m", "attention", step=stride, diverging=False, facet="rope", facet_sort=PANELS,
            log_color=True, domain=attention.COLOR_DOMAIN, columns=2, panel=340,
            title=f"Head 1 with and without RoPE ({mask_note})",
            subtitle=binning_note(stride) + ["Same token, same head; one colour scale for both panels."],
            x_title="key position n", y_title="query position m", z_title="attention per key",
            tooltip=["rope", "m", "n", "n_last", "attention", "keys", "mass"],
        )
        return chart, frame, with_rope["shift_change"], max(with_rope["row_sums"], without["row_sums"])

    chart, frame, shift_change, row_sums = charts.kept(("attention", "head1", *args), build)
    charts.show(chart, frame, "attention_head1")

    st.subheader("Shift invariance")
    if not p["offset"]:
        st.caption("Set a **position offset** in the sidebar: the attention below is recomputed at the shifted "
                   "positions and compared with this one.")
    row = page.metric_row()
    row.metric(f"Head 1: max |A(offset {p['offset']:,}) − A(0)|", f"{shift_change:.2e}",
               help="Same token at the displayed positions (a sequence of its own: every stride-th position), every "
                    "position moved by the sidebar offset; head 1, computed naively at both places (rotate q and k, "
                    "then dot), with the frequencies of the same seq_len.")
    row.metric("max |row sum − 1|, both panels", f"{row_sums:.2e}",
               help="Each displayed row's attention summed over all its keys (softmax over every key, not only the "
                    "shown ones).")
    st.caption(
        "RoPE scores depend only on m − n, so moving every position by the same offset leaves the attention "
        "unchanged: try the 'Position offset' slider. (With dynamic NTK or LongRoPE the frequencies depend on the "
        "sequence length, which is held fixed here.)"
    )


def heads_view() -> None:
    def build():
        every = attention.attention_view(*args, attention.cells_per_axis(heads), True)
        labels = [f"head {h + 1}" for h in range(heads)]
        chart = charts.heatmap(
            every["frame"], "n", "m", "attention", step=every["stride"], diverging=False, facet="head",
            facet_sort=labels, log_color=True, domain=attention.COLOR_DOMAIN,
            columns=min(4, heads), panel=180 if heads > 1 else 420,
            title=f"Every head with RoPE ({heads} head{'s' if heads > 1 else ''}, {mask_note})",
            subtitle=binning_note(every["stride"]) + ["Each head has its own seeded random W_Q and W_K; one colour "
                                                      "scale for all."],
            x_title="key position n", y_title="query position m", z_title="attention per key",
            tooltip=["head", "m", "n", "n_last", "attention", "keys", "mass"],
        )
        return chart, every["frame"], every["row_sums"]

    chart, frame, row_sums = charts.kept(("attention", "heads", *args), build)
    charts.show(chart, frame, "attention_heads")
    row = page.metric_row()
    row.metric("max |row sum − 1|, all heads", f"{row_sums:.2e}",
               help="Each displayed row's attention summed over all its keys (softmax over every key, not only the "
                    "shown ones).")


{"head1": head1_view, "heads": heads_view}[view]()

page.how_computed(
    "- `rope_core.random_projections(rng, heads, d, d)` draws each head's W_Q, W_K (seeded by the sidebar seed); the "
    "token x is the sidebar's q vector (d_model = head dim), repeated at every position.\n"
    "- The same token everywhere makes head h's score a function of m − n only: "
    "g_h(m − n) = ⟨RoPE(xW_Q[h], m), RoPE(xW_K[h], n)⟩. `rope_core.same_token_attention(q, k, cfg, L, rows, causal, "
    "use_rope, key_bins)` computes g_h once for all 2L − 1 distances (`rope_core.same_token_scores`), then "
    "A = softmax(g_h(m − n) / √head_dim) over all keys n for the displayed query rows m only (the same rows as the "
    "naive `rope_core.attention_rows` and `rope_core.attention_maps`, which rotate every key).\n"
    "- Keys are then summed into ≤ 140 bins for display, and each cell shows its bin's mass divided by the number "
    "of the bin's keys the query may see (the mean weight per visible key); the row-sum check uses the masses.\n"
    "- The shift check is naive on purpose: `rope_core.same_token_rows_naive` rotates q and k at the "
    "displayed positions, with and without the offset, and compares the two softmax maps."
)
