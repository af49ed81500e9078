import streamlit as st

from explorer import charts, controls, page
from explorer.frames import matrix
from explorer.params import POSITION_GRID, ParamSpec

N_SPEC = ParamSpec("n", "Position n", "grid", 7,
                   "The second position n, for the identities R(m)R(n) = R(m+n) and ⟨R(m)q, R(n)k⟩ (0 to the target "
                   "context − 1); steps as Position m's.",
                   lo=0, hi=controls.last_position, options=POSITION_GRID)
WINDOW = ParamSpec("win", "First pair shown", "int", 0,
                   f"R(m) has more than {matrix.WINDOW_PAIRS} pairs here: the heatmap shows the rows and columns of "
                   f"{matrix.WINDOW_PAIRS} pairs starting at this one.",
                   lo=0, hi=lambda v: max(0, controls.n_pairs_of(v) - matrix.WINDOW_PAIRS), step=1,
                   show_if=lambda v: controls.n_pairs_of(v) > matrix.WINDOW_PAIRS)

p = page.setup("rotation_matrix", [controls.POSITION_SPEC, N_SPEC, WINDOW], uses=("content", "seed"),
               inert=lambda v: controls.unused(v, target="seq_len", attention_factor=False))
cfg = p.config
m, n = int(p["m"]), int(p["n"])

st.title("Rotation matrix")
st.markdown(
    "RoPE at position m multiplies the rotated part of q by a matrix R(m): a 2×2 rotation by m·θ_i in the "
    "plane of each pair and zeros elsewhere. Its identities are what make RoPE relative; the table measures "
    "them live, with R built in float64 and in float32."
)

p.controls()
table = matrix.identity_table(cfg, m, n, p["content"], p["seed"])
st.markdown(f"**Identity errors at m = {m}, n = {n}**, measured with R built in float64 and in float32")
st.dataframe(
    table, hide_index=True, width="stretch",
    column_config={  # the texts in full beside the sidebar at 1,280 px and up (a cell would cut them)
        "identity": st.column_config.TextColumn(width=270),
        "measured as": st.column_config.TextColumn(width=390),
        "float64 error": st.column_config.NumberColumn(format="%.3e", help="R built from float64 angles", width=110),
        "float32 error": st.column_config.NumberColumn(
            format="%.3e", help="positions and θ_i cast to float32, multiplied there; entries stored in float32",
            width=110),
    },
)
st.caption(
    "float64 errors are rounding, about 1e-16 per unit of angle; float32 errors are about 1e-7 from storing R's "
    "entries, and the relative-position check grows with m because the angle m·θ_i itself is rounded "
    "(see the Precision page)."
)


def matrix_chart(first: int):
    win = matrix.matrix_window(cfg, m, first, p.target)
    d = cfg.rotary_dim
    if cfg.layout == "half":
        shape = "pairs (i, i + d/2): the cos diagonal plus ∓sin bands d/2 off it (block-diagonal after reordering)"
    else:
        shape = "pairs (2i, 2i + 1): 2×2 blocks on the diagonal"
    subtitle = [f"Layout {cfg.layout}: {shape}."]
    if win["windowed"]:
        subtitle.append(f"Window: rows and columns of pairs {win['first']}–{win['last']} of {cfg.n_pairs} "
                        f"({len(win['frame']['row'].unique())} of {d} features); exact entries, not averaged.")
    chart = charts.matrix(
        win["frame"], "row", "col", "value", title=f"R(m) at m = {m} ({d}×{d})", subtitle=subtitle,
        row_title="row (feature index)", col_title="column (feature index)", z_title="entry",
        domain=(-1.0, 1.0), tooltip=["row", "col", "value", "row_pair", "col_pair"], size=560,
    )
    return win, chart


# built once per input (charts.kept): everything matrix_chart reads is in the key
win, chart = charts.kept(("rotation_matrix", cfg, m, int(p["win"]), p.target), lambda: matrix_chart(int(p["win"])))
charts.show(chart, win["frame"], "rotation_matrix")

page.how_computed(
    "- Heatmap: `rope_core.rotation_matrix(cfg, m)`: R[a_i, a_i] = R[b_i, b_i] = cos mθ_i, "
    "R[a_i, b_i] = −sin mθ_i, R[b_i, a_i] = sin mθ_i, with (a_i, b_i) from `rope_core.pair_indices`. "
    "It is a pure rotation (the YaRN/LongRoPE attention factor is applied by `apply_rope`, not here).\n"
    "- Table: `rope_core.identity_errors(cfg, m, n, x=q, dtype)`: R is built from angles computed in the dtype "
    "and stored in it; products and norms are then taken in float64, block by block (R is a 2×2 rotation per pair), "
    "and the determinant is the product of the blocks' c² + s², summed as logarithms in extended precision. "
    "It uses the frequencies at initialisation (seq_len unset), which differ from the heatmap's only for "
    "dynamic NTK and LongRoPE beyond the original context."
)
