import hashlib
import json

import streamlit as st

import rope_core
from rope_core.hf_export import hf_fragment, ntk_note
from explorer import charts, controls, page, sidebar
from explorer import hub
from explorer.frames import layers, models
from explorer.params import ParamSpec

PAGE_SPECS = [
    ParamSpec("scaled", "Spectra with scaling", "bool", True,
              "Draw each model's frequencies with its rope_scaling applied at its max context, or the unscaled base."),
]
SOURCE_TAB = "models_source"  # the open tab of "Your model's config.json": Paste, Upload or Hugging Face id
APPLIED = "_models_applied"  # {"paste" | "upload": digest of the last config.json put into the sidebar}

# the table and chart show every preset's own config: the sidebar's model is what a pasted config.json becomes
INERT = {k: "this page shows every preset's own config, not the sidebar's model" for k in controls.MODEL_KEYS}
INERT["preset"] = "this page lists every preset; a config.json pasted below becomes the sidebar's model"
# every column fits the main area beside the sidebar at 1,280 px (no horizontal scroll): the long texts (scaling
# parameters, the note) are read in full in the list under the table
TABLE_COLUMNS = ("model", "head dim", "rotary dim", "layout", "rope_theta", "original context", "max context",
                 "attention factor", "longest wavelength", "scaling")
TABLE_CONFIG = {
    "model": st.column_config.TextColumn(width=186),
    "head dim": st.column_config.NumberColumn(width=68),
    "rotary dim": st.column_config.NumberColumn("rotary", width=52,
                                                help="features that rotate: the rotary dim (proportional RoPE: "
                                                     "2 × its rotating pairs; its other pairs pass through)"),
    "layout": st.column_config.TextColumn(width=74),
    "rope_theta": st.column_config.TextColumn(width=82),
    "original context": st.column_config.TextColumn("original", width=62,
                                                      help="original (training) context, tokens"),
    "max context": st.column_config.TextColumn(width=84, help="max_position_embeddings, tokens"),
    "attention factor": st.column_config.NumberColumn("attn. factor", format="%.4g", width=76,
                                                      help="Attention factor at max context"),
    "longest wavelength": st.column_config.NumberColumn(
        "longest λ", format="localized", width=90, help="2π/θ_i of the slowest rotating pair (tokens), scaling applied at max context"),
    "scaling": st.column_config.TextColumn(width="medium", help="In full in the notes under the table"),
}


p = page.setup("models", PAGE_SPECS, inert=INERT)
st.title("Models")
st.markdown(
    "Real models' RoPE settings, read from their config.json by `rope_core.RopeConfig.from_hf_config`. "
    "Paste or upload your own model's config.json below to see its RoPE on every page."
)

pasted = st.session_state.get(sidebar.PASTED)
pasted_key = (pasted["name"], pasted["config"]) if pasted else None

tbl = models.table_view(pasted_key)  # computed once per pasted config
st.dataframe(  # wavelengths as fmt.tokens writes them: whole with separators from 1,000 tokens
    tbl["rows"], hide_index=True, width="stretch", height=35 * (tbl["rows"].num_rows + 1) + 3,
    column_order=TABLE_COLUMNS, column_config=TABLE_CONFIG,
)
with st.container(height=200, border=True):  # each row's scaling parameters and note, in full (a cell would cut them)
    st.markdown(tbl["notes"])

p.controls()  # the spectra's own toggle, above their chart
spectra = models.spectra_chart(pasted_key, bool(p["scaled"]), controls.preset_slugs().get(p["preset"]))
data = spectra["chart"].datasets[charts.DATA]
if len(data):
    charts.show(spectra["chart"], data, "model_spectra")
    if spectra["same"]:
        st.caption(spectra["same"])
else:
    st.info("No presets are available.", icon=":material/info:")

# lazy, like page.how_computed: its chart is drawn only while open (one chart per rerun otherwise)
with st.expander("Per-layer RoPE: Gemma 3 and 4, Llama 4, LFM3 and your config.json", icon=":material/layers:",
                 key="layers_open", on_change="rerun") as box:
    if box.open:
        layered = (pasted["name"], pasted["raw"]) if pasted else None
        st.dataframe(layers.table(layered), hide_index=True, width="stretch")
        temp = layers.temperatures(layered)
        if len(temp):
            charts.show(charts.line(
                temp, "position", "temperature", color="model", log_x=True, interpolate="step-after",
                title="Query temperature of the layers without RoPE (Llama 4)", x_title="position m (log)",
                y_title="factor on the query", tooltip=["model", "layer type", "position", "temperature"]),
                temp, "attn_temperature")

st.subheader("Your model's config.json")
if pasted:
    st.success(f"In use on every page: **{pasted['name']}** (sidebar preset “pasted: {pasted['name']}”).",
               icon=":material/check_circle:")
tab_paste, tab_upload, tab_hub = st.tabs(["Paste", "Upload", "Hugging Face id"], key=SOURCE_TAB, on_change="rerun")
with tab_paste:
    text = st.text_area(
        "config.json contents", key="models_json", height=220,
        placeholder='{"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "rope_theta": 500000.0, '
                    '"max_position_embeddings": 131072, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, ...}}',
        help="Paste a Hugging Face config.json (≤ 1 MB); press Ctrl+Enter or click outside to read it.",
    )
with tab_upload:
    # the widget accepts up to 5 MB so that the page itself can explain the 1 MB limit
    upload = st.file_uploader("config.json file (≤ 1 MB)", type=["json"], key="models_upload", max_upload_size=5,
                              help="A Hugging Face config.json; only its RoPE keys are read.")
with tab_hub:
    if tab_hub.open:  # lazy: its box is sent only while its tab is open (opening it reruns the page)
        hub.model_id_box("models_hf")

inputs = {"paste": (tab_paste, text if text and text.strip() else None), "upload": (tab_upload, upload)}
for source, (box, item) in inputs.items():
    if item is None:
        continue
    try:
        if source == "upload":
            models.check_size(item.size)
            item = item.getvalue()
        parsed = models.parse_config_json(item)
    except models.ConfigError as err:
        for message in err.messages:
            box.error(message, icon=":material/error:")
        continue
    raw_bytes = item.encode("utf-8", "replace") if isinstance(item, str) else item
    digest = hashlib.sha256(raw_bytes).hexdigest()
    applied = st.session_state.setdefault(APPLIED, {})
    if applied.get(source) != digest:  # new input: it becomes the sidebar's model once, then sidebar edits stand
        applied[source] = digest
        if sidebar.use_pasted_config(parsed.name, parsed.config, parsed.raw):
            st.rerun()
    with box:
        for note in [*parsed.notes, *controls.out_of_range_notes(parsed.config)]:
            st.warning(note, icon=":material/warning:")
        cfg = parsed.config
        turning = rope_core.rotating_pairs(cfg)
        pairs = f"{cfg.n_pairs} pairs" + (f" ({turning} rotating)" if turning < cfg.n_pairs else "")
        st.markdown(f"Understood **{parsed.name}**: {pairs}, rope_type `{cfg.rope_type}`, "
                    f"longest wavelength {models.longest_wavelength(cfg):,.6g} tokens. "
                    "As a config.json fragment, in transformers' v4 form (rope_scaling) and v5 form (rope_parameters):")
        st.code(json.dumps(hf_fragment(cfg, "v4"), indent=2), language="json")
        st.code(json.dumps(hf_fragment(cfg, "v5"), indent=2), language="json")
        if ntk_note(cfg):
            st.caption(ntk_note(cfg))

page.how_computed(
    "- Each row: `rope_core.preset_config(name)` (the preset's config.json keys through "
    "`RopeConfig.from_hf_config`), `rope_core.attention_factor(cfg, seq_len=max_position_embeddings)` and "
    "`rope_core.wavelengths(rope_core.inv_freq(cfg, seq_len=max_position_embeddings))`.\n"
    "- Per-layer RoPE: `rope_core.layer_ropes(config.json)`, one entry per layer type with its RopeConfig (or none: "
    "NoPE, linear attention, convolutions); Llama 4's query temperature `rope_core.attention_temperature`.\n"
    "- Spectra: λ_i = 2π/θ_i against i/(d/2); unscaled θ_i = rope_theta^(−2i/d) (`rope_core.default_inv_freq`).\n"
    "- Your config.json: `explorer.configjson.read_config_text` (strict JSON: no key twice, no NaN or Infinity) and "
    "`check_limits` (every size within the app's limits, e.g. head dim ≤ 512) before anything is computed, then "
    "`RopeConfig.from_hf_config`, which validates every field (type, range, factor-list length); the result becomes "
    "the sidebar's preset “pasted” for this session."
)
