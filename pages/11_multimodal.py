import streamlit as st

from explorer import charts, page, sidebar
from explorer.frames import multimodal as mm
from explorer.params import ParamSpec


def _in(*views):
    return lambda v: v.get("view") in views


SPECS = [
    page.view_spec({"grid": "Scores on the patch grid", "sections": "Pairs per axis",
                    "sequence": "Text + image + text"}),
    ParamSpec("rows", "Image rows (patches)", "int", 12, "Rows of the image's patch grid as the language model sees "
              "it (after the spatial merge).", lo=1, hi=64, step=1, show_if=_in("grid")),
    ParamSpec("cols", "Image columns (patches)", "int", 16, "Columns of the image's patch grid (after the merge).",
              lo=1, hi=64, step=1, show_if=_in("grid")),
    ParamSpec("qrow", "Query patch row", "int", 6, "Row of the patch whose scores with every patch are drawn.",
              lo=0, hi=lambda v: int(v["rows"]) - 1, step=1, show_if=_in("grid")),
    ParamSpec("qcol", "Query patch column", "int", 8, "Column of the patch whose scores with every patch are drawn.",
              lo=0, hi=lambda v: int(v["cols"]) - 1, step=1, show_if=_in("grid")),
    ParamSpec("sections_layout", "Sections layout (mrope_interleaved)", "choice", "model",
              "How the pairs are shared between t, h and w: the config's own way, contiguous blocks "
              "(Qwen2-VL, Qwen2.5-VL) or interleaved t h w t h w … (Qwen3-VL, Qwen3.5).",
              options=mm.SECTIONS, labels=mm.SECTION_LABELS, widget="radio", show_if=_in("grid", "sections")),
    ParamSpec("text_before", "Text tokens before the image", "int", 4, "Text tokens ahead of the image.",
              lo=0, hi=32, step=1, show_if=_in("sequence")),
    ParamSpec("grid_t", "Image grid t", "int", 1, "grid_thw's t: 1 for an image; more repeats the grid at "
              "t = start, start + 1, …", lo=1, hi=4, step=1, show_if=_in("sequence")),
    ParamSpec("grid_h", "Image grid h (patches)", "int", 8, "grid_thw's h: patch rows before the merge.",
              lo=2, hi=32, step=2, even=True, show_if=_in("sequence")),
    ParamSpec("grid_w", "Image grid w (patches)", "int", 12, "grid_thw's w: patch columns before the merge.",
              lo=2, hi=32, step=2, even=True, show_if=_in("sequence")),
    ParamSpec("spatial_merge_size", "spatial_merge_size", "int", 2, "vision_config.spatial_merge_size: m × m "
              "patches become one token (2 in every Qwen-VL).", lo=1, hi=2, step=1, show_if=_in("sequence")),
    ParamSpec("text_after", "Text tokens after the image", "int", 4, "Text tokens after the image.",
              lo=0, hi=32, step=1, show_if=_in("sequence")),
]

p = page.setup("multimodal", SPECS, inert=lambda v: mm.inert(v, st.session_state.get(sidebar.PASTED)))
st.title("Multimodal RoPE")
st.markdown(
    "M-RoPE (Qwen2-VL and its successors) gives every token three positions, time t, row h and column w, and "
    "splits the rotated pairs between them by `mrope_section`. Text tokens have t = h = w, which is plain RoPE; "
    "an image's patches share t and differ in h and w, so attention between patches sees 2-D offsets."
)
view = p.view()
pasted = st.session_state.get(sidebar.PASTED)
base, source = mm.mrope_config(p.config, mm.preset_of(p["preset"], pasted))
if source == "preset":
    st.info(f"The sidebar's values do not fit this model's mrope_section {list(base.mrope_section)}; this page "
            "uses the chosen model's own config.", icon=":material/info:")
elif source == "example" and view != "sequence":
    st.info(f"The sidebar's model has no mrope_section (it numbers positions on one axis), so this page shows "
            f"**{mm.EXAMPLE}**'s M-RoPE (mrope_section {list(base.mrope_section)}) as the example.",
            icon=":material/info:")
cfg = mm.with_sections(base, p["sections_layout"])
layout = "interleaved" if cfg.mrope_interleaved else "contiguous"


def grid_view() -> None:
    rows, cols = int(p["rows"]), int(p["cols"])
    qrow, qcol = min(int(p["qrow"]), rows - 1), min(int(p["qcol"]), cols - 1)
    frame = mm.grid_scores(cfg, rows, cols, qrow, qcol)
    at_query = float(frame["score"].iloc[qrow * cols + qcol])
    row = page.metric_row()
    row.metric("Score at the query patch", f"{at_query:.6g}",
               help="|q|² = head_dim for the all-ones q (times the attention factor² on rotated features)")
    row.metric("Lowest score", f"{frame['score'].min():.6g}")
    st.caption(f"q = k = the all-ones vector of {cfg.head_dim} features at every patch, so the score "
               f"⟨RoPE(q, (0, {qrow}, {qcol})), RoPE(k, (0, h, w))⟩ depends on the positions only: "
               f"{mm.score_formula(cfg)}, Δᵢ = the offset along pair i's axis (0 for t, h − {qrow} or w − {qcol}).")
    chart = charts.heatmap(
        frame, "col", "row", "score", diverging=False, title=f"Score of query patch (row {qrow}, column {qcol}) with every patch",
        subtitle=f"mrope_section {list(cfg.mrope_section)}, {layout}; patch (row, column) at t = 0, h = row, "
                 "w = column", x_title="patch column (w)", y_title="patch row (h)", z_title="score",
        tooltip=["row", "col", "dh", "dw", "score"])
    charts.show(chart, frame, "patch_scores")
    if note := mm.flat_columns_note(cfg, cols):
        st.caption(note)


def sections_view() -> None:
    frame = mm.sections(cfg)
    st.caption("; ".join(mm.section_summary(frame)) + ".")
    chart = charts.line(
        frame, "pair", "wavelength", color="axis", color_title="axis", color_sort=mm.AXES,
        color_domain=mm.AXES, points=True, log_y=True,
        title=f"Which pairs turn with t, h and w: mrope_section {list(cfg.mrope_section)}, {layout}",
        x_title="pair index i", y_title="wavelength 2π/θ_i (tokens, log)",
        tooltip=["pair", "axis", "theta", "wavelength"])
    charts.show(chart, frame, "mrope_sections")


def sequence_view() -> None:
    m = int(p["spatial_merge_size"])
    frame, delta = mm.sequence(int(p["text_before"]), int(p["grid_t"]), int(p["grid_h"]), int(p["grid_w"]),
                               int(p["text_after"]), m)
    row = page.metric_row()
    row.metric("Tokens", f"{len(frame) // 3}")
    row.metric("Image tokens", f"{int((frame['segment'] == 'image').sum()) // 3}")
    row.metric("rope_delta", f"{delta}", help="max position + 1 − tokens: what generation adds to later text "
                                             "positions")
    chart = charts.line(
        frame, "token", "position", color="axis", color_title="axis", color_sort=mm.AXES, color_domain=mm.AXES,
        dash="axis", points=True,
        title="Position ids (t, h, w) of text, an image and text",
        subtitle=f"image grid (t, h, w) = ({p['grid_t']}, {p['grid_h']}, {p['grid_w']}) patches, "
                 f"spatial_merge_size {m}; text tokens have t = h = w",
        x_title="token index", y_title="position id", tooltip=["token", "segment", "axis", "position"])
    charts.show(chart, frame, "mrope_positions")


{"grid": grid_view, "sections": sections_view, "sequence": sequence_view}[view]()

page.how_computed(
    "- Patch grid: positions from `rope_core.mrope_position_ids([(\"image\", 1, rows, cols)], "
    "spatial_merge_size=1)`: (t, h, w) = (0, row, column). q = k = ones(head_dim); "
    "`rope_core.apply_rope` rotates q at the query patch and k at every patch (pair i by its axis's position "
    "times θᵢ, `rope_core.pair_axes`), then one dot product per patch.\n"
    "- Pairs per axis: `rope_core.pair_axes(cfg)` and `rope_core.wavelengths(rope_core.inv_freq(cfg))`. "
    "Contiguous: the first s_t pairs turn with t, the next s_h with h, the rest with w. Interleaved: pair i turns "
    "with h if i mod 3 = 1 and i < 3·s_h, with w if i mod 3 = 2 and i < 3·s_w, else with t (transformers 5.25 "
    "`Qwen3VLTextRotaryEmbedding`).\n"
    "- Sequence: `rope_core.mrope_position_ids([(\"text\", a), (\"image\", t, h, w), (\"text\", b)], "
    "spatial_merge_size)`, Qwen2-VL's `get_rope_index`: text counts on from the last position on all axes; the "
    "image starting at s has (s + frame, s + row, s + column) on the merged grid; the text after it resumes at "
    "s + max(h, w) / spatial_merge_size."
)
