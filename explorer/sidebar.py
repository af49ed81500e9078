"""The shared sidebar: every RoPE parameter, kept in session state and mirrored in the URL.

One canonical dict of values lives in st.session_state[VALUES]. Each run:
1. the URL is read when it carries something this session did not write (a shared link, the
   first request of a session, back/forward); every value is validated, and anything unusable
   is clamped or reset with a warning naming the parameter and its allowed range;
2. each widget is seeded from the canonical value before it is drawn (so values survive page
   switches, which drop widget state) and copies its value back in an on_change callback;
3. the URL is rewritten with the non-default values of the shared and current page's controls.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import rope_core
from rope_core import RopeConfig
from rope_core.hf_export import hf_fragment, ntk_note

from explorer import configjson, controls, fmt
from explorer.frames import models
from explorer.params import VIEW, ParamSpec, Values, human, parse_query

VALUES = "_rope_values"
WRITTEN = "_rope_url_written"
PASTED = "_rope_pasted"  # {"name": str, "config": RopeConfig, "raw": dict} from the Models page
DRAWN_ON = "_rope_sidebar_page"  # the page whose run last drew the sidebar widgets
IGNORED_QUERY_KEYS = ("embed", "embed_options")
CONFIG = "config"  # URL parameter: a pasted config.json's RoPE keys (configjson.encode_config), preset "pasted"
# Sections of the sidebar that describe the model (every page); "Positions drawn" and "q and k" are drawn only
# on the pages that read them (page.setup(uses=...)).
MODEL_SECTIONS = ("Model", "Context", "Scaling")


@dataclass
class SidebarResult:
    values: Values
    config: RopeConfig
    warnings: list[str] = field(default_factory=list)
    preset_status: str = ""
    in_page: dict[str, ParamSpec] = field(default_factory=dict)  # controls the page draws itself
    fresh: bool = False  # the first run of this page since another page drew the sidebar
    link: dict[str, str] = field(default_factory=dict)  # the URL's parameters for this view
    notes: list[str] = field(default_factory=list)  # what the page shows instead (a NoPE layer type), as st.info
    inert: dict[str, str] = field(default_factory=dict)  # controls that cannot change this view → why


def _preset_spec() -> ParamSpec:
    options = ("custom", *controls.listed_preset_slugs())
    if PASTED in st.session_state:
        options = (*options, controls.PASTED)
    return dataclasses.replace(controls.SHARED[0], options=options, labels=_preset_labels(options))


def _preset_label(opt: str) -> str:
    if opt == "custom":
        return "custom"
    if opt == controls.PASTED:
        return f"pasted: {st.session_state[PASTED]['name']}" if PASTED in st.session_state else "pasted"
    return controls.preset_slugs().get(opt, opt)


def _preset_labels(options: Sequence[str]) -> dict[str, str]:
    return {o: _preset_label(o) for o in options}


def _main_config(values: Values) -> RopeConfig | None:
    """The preset's or pasted config's own RopeConfig (its main layer type); None for custom."""
    preset = values.get("preset", "custom")
    if preset == controls.PASTED and PASTED in st.session_state:
        return st.session_state[PASTED]["config"]
    if preset in controls.preset_slugs():
        return rope_core.preset_config(controls.preset_slugs()[preset])
    return None


def _layer_choices(values: Values) -> dict[str, rope_core.LayerRope]:
    """The model's attention layer types (controls.layer_choices), from the preset's or pasted raw config.json."""
    preset = values.get("preset", "custom")
    if preset == controls.PASTED and PASTED in st.session_state:
        pasted = st.session_state[PASTED]
        if "layers" not in pasted:  # read once per pasted config
            try:
                pasted["layers"] = controls.layer_choices(rope_core.layer_ropes(pasted["raw"]))
            except ValueError:  # the pasted config was read with its main RoPE; its layers cannot be listed
                pasted["layers"] = {}
        return pasted["layers"]
    name = controls.preset_slugs().get(preset)
    return controls.layer_choices(controls.preset_layers(name)) if name else {}


def _default_layer(values: Values) -> str:
    choices = _layer_choices(values)
    return controls.default_layer(choices, _main_config(values)) if choices else ""


def _layer_spec(values: Values) -> ParamSpec:
    choices = _layer_choices(values)
    if not choices:
        return controls.SPEC["layer_type"]
    return dataclasses.replace(controls.SPEC["layer_type"], options=tuple(choices), default=_default_layer(values),
                               labels={k: controls.layer_label(k, layer) for k, layer in choices.items()})


def _base_config(values: Values) -> RopeConfig | None:
    """The RopeConfig the model's values start from: the chosen layer type's (a NoPE one: the model's own)."""
    layer = _layer_choices(values).get(values.get("layer_type", ""))
    if layer is not None and layer.rope is not None:
        return layer.rope
    return _main_config(values)


def _layer_notes(values: Values) -> list[str]:
    choices = _layer_choices(values)
    note = controls.nope_note(choices, values.get("layer_type", ""), _default_layer(values),
                              int(values["max_position_embeddings"])) if choices else None
    return [note] if note else []


@lru_cache(maxsize=32)
def _reference(base: RopeConfig) -> Values:
    """The model's values of a preset or pasted config: read once per config, not once per use."""
    return controls.values_from_config(base)


def _preset_values(values: Values) -> Values:
    base = _base_config(values)
    return dict(_reference(base)) if base is not None else {}


def _baseline(values: Values, specs: Sequence[ParamSpec]) -> Values:
    """What a value is compared with to decide whether the URL must carry it."""
    out = {s.key: s.default for s in specs}
    out.update(_preset_values(values))
    out["layer_type"] = _default_layer(values)
    return out


def _raw_query() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}


def _apply_preset(values: Values, keep_layer: bool = False) -> None:
    """Set the model's values from the preset (at its own layer type), or from the chosen layer type's RoPE."""
    if not keep_layer:
        values["layer_type"] = _default_layer(values)
    values.update(_preset_values(values))


def _specs(page_specs: Sequence[ParamSpec]) -> list[ParamSpec]:
    return [_preset_spec(), *controls.SHARED[1:], *page_specs]


def _history_navigation() -> bool:
    """True when this run was started by the browser's Back or Forward (streamlit 1.67 marks such runs on the
    script run context; without the mark, False: the URL is then read as on any other run)."""
    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "is_history_navigation", False))


def _read_url(specs: Sequence[ParamSpec], current: Values | None, whole: bool = False) -> tuple[Values, list[str]]:
    """The values a link asks for. A link without parameters keeps the session's model (a page switch), unless
    `whole`: Back or Forward to an entry without parameters, which was the default view."""
    raw, given = controls.canonical_query(_raw_query())
    values = dict(current) if current else {}
    if not raw and not whole:
        for s in specs:
            values.setdefault(s.key, s.default)
        return values, []
    # a URL describes the whole view: what it leaves out is the default (or the preset's value)
    values.update({s.key: s.default for s in specs})
    warnings: list[str] = []
    if CONFIG in raw:  # a pasted config.json travels in the link: it is the preset "pasted"
        warnings += _read_linked_config(raw.pop(CONFIG)[-1])
        if PASTED in st.session_state:
            raw.setdefault("preset", [controls.PASTED])
    # the preset first: the other values are read relative to it
    preset_raw = {k: v for k, v in raw.items() if k == "preset"}
    if preset_raw and preset_raw["preset"][-1] == controls.PASTED and PASTED not in st.session_state:
        preset_raw = {}
        warnings.append("This link names a pasted config.json, which lives only in the session that pasted it; "
                        "paste it on the Models page to see it. Using the link's other values.")
    values, more = parse_query(preset_raw, [_preset_spec()], values)  # options now include a linked config
    warnings += more
    _apply_preset(values)
    # then the layer type: the model's values are its RoPE's
    if raw.get("layer_type", [""])[-1]:  # empty: the model's own layer type
        if _layer_choices(values):
            values, more = parse_query({"layer_type": raw["layer_type"]}, [_layer_spec(values)], values)
            warnings += more
            _apply_preset(values, keep_layer=True)
        else:
            warnings.append("URL parameter `layer_type`: this model has one kind of attention layer; ignored.")
    rest = {k: v for k, v in raw.items() if k not in ("preset", "layer_type")}
    values, more = parse_query(rest, [s for s in specs[1:] if s.key != "layer_type"], values,
                               ignore=(*IGNORED_QUERY_KEYS, "preset", "layer_type"), names=given)
    return values, warnings + more


def _read_linked_config(token: str) -> list[str]:
    """Make a link's config token the session's pasted config; the warnings if it cannot be used."""
    pasted = st.session_state.get(PASTED)
    if pasted is not None and pasted.get("token") == token:
        return []
    mapping, problems = configjson.decode_config(token)
    if mapping is None:
        return [f"URL parameter `{CONFIG}` (a pasted config.json): {p}" for p in problems]
    try:
        parsed = models.parse_config_json(json.dumps(mapping))
    except models.ConfigError as err:
        return [f"URL parameter `{CONFIG}` (a pasted config.json): {m}" for m in err.messages]
    st.session_state[PASTED] = {"name": parsed.name, "config": parsed.config, "raw": parsed.raw, "token": token}
    return []


def _to_widget(spec: ParamSpec, value: Any) -> Any:
    if spec.kind == "int":
        return int(value)
    if spec.kind == "float":
        return float(value)
    if spec.kind == "grid":
        return type(spec.options[0])(value)
    return value


def _on_change(key: str) -> None:
    values = st.session_state[VALUES]
    values[key] = st.session_state["w_" + key]
    if key == "preset":
        _apply_preset(values)
    elif key == "layer_type":
        _apply_preset(values, keep_layer=True)


_UNSET = object()
# a grid slider formats every option on every rerun (71 bases): each label is worked out once
_grid_label = lru_cache(maxsize=1024)(human)
_context_label = lru_cache(maxsize=1024)(fmt.context)


def _widget(spec: ParamSpec, values: Values, fresh: bool, disabled: str | None = None,
            width: int | str | None = None) -> None:
    """Draw one control where the caller is writing. disabled: why it cannot change this view (shown as help).
    width: the widget's own width (pixels or "content"; default: Streamlit's)."""
    wkey = "w_" + spec.key
    value = spec.clamp(values[spec.key], values)
    values[spec.key] = value
    shown = _to_widget(spec, value)
    # Set only when it changed, or on the first run of a page (widget ids include the page): a value set
    # from the script is re-sent with the widget and re-rendered by the browser.
    if fresh or st.session_state.get(wkey, _UNSET) != shown:
        st.session_state[wkey] = shown
    help_text = f"{spec.help}\n\n**Disabled here:** {disabled}." if disabled else spec.help
    common = dict(key=wkey, help=help_text, on_change=_on_change, args=(spec.key,), disabled=bool(disabled))
    if width is not None:
        common["width"] = width
    if spec.kind in ("int", "float"):
        lo, hi = spec.bounds(values)
        if lo == hi:  # a one-value range cannot be a slider
            st.caption(f"{spec.label}: {value}")
            return
        cast = int if spec.kind == "int" else float
        st.slider(spec.label, cast(lo), cast(hi), step=cast(spec.step), format=spec.fmt, **common)
    elif spec.kind == "grid":
        # lengths in fmt.context's form: LFM3's 128,000 and 131,072 ("128k") must not share a label
        label = _context_label if isinstance(spec.options[0], int) else _grid_label
        st.select_slider(spec.label, options=spec.grid_options(value, values), format_func=label, **common)
    elif spec.kind == "bool":
        st.toggle(spec.label, **common)
    elif spec.kind == "ints":
        st.text_input(spec.label, max_chars=40, placeholder="t,h,w", **common)
    elif spec.widget == "radio":
        st.radio(spec.label, spec.options, format_func=lambda o: spec.labels.get(o, o), horizontal=True, **common)
    elif spec.widget == "selectbox":
        st.selectbox(spec.label, spec.options, format_func=lambda o: spec.labels.get(o, o), **common)
    elif spec.widget == VIEW:
        st.segmented_control(spec.label, spec.options, format_func=lambda o: spec.labels.get(o, o), required=True,
                             label_visibility="collapsed", **common)
    else:
        st.select_slider(spec.label, spec.options, format_func=lambda o: spec.labels.get(o, o), **common)


def _build_config(values: Values) -> tuple[RopeConfig, list[str]]:
    """The one RopeConfig of this run, and why it differs from the values, if it does."""
    base = _base_config(values)
    notes = []
    if values["rope_type"] != "proportional":  # proportional counts pairs: any fraction is used as it is
        _, prf_note = controls.effective_prf(int(values["head_dim"]), float(values["partial_rotary_factor"]))
        notes += [prf_note] if prf_note else []
    mrope = controls.mrope_problem(values)
    if mrope:
        notes.append(f"{mrope}. Showing the model without M-RoPE sections (every pair on the text position).")
        values = dict(values, mrope_section="")
    try:
        return controls.config_from_values(values, base), notes
    except ValueError as err:
        msg = f"{err}"
    if values["rope_type"] == "longrope":
        msg = ("LongRoPE needs per-pair factor lists, which only a preset (Phi-3) or a pasted config.json provide, "
               f"and their length must be rotary_dim/2 ({msg})")
    try:
        cfg = controls.config_from_values(values, base, rope_type="default")
    except ValueError:
        cfg = RopeConfig()
    return cfg, notes + [f"{msg}. Showing rope_type default (no scaling) instead."]


def _status(values: Values) -> str:
    preset = values.get("preset", "custom")
    ref = _preset_values(values)
    if preset == "custom" or not ref:
        return "custom"
    name = _preset_label(preset)
    layer = values.get("layer_type", "")
    if layer and layer != _default_layer(values):
        name += f", {layer} layers"
    changed = [k for k in controls.MODEL_KEYS if k in ref and not _same(values.get(k), ref[k])]
    return f"custom (from {name})" if changed else name


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _url_params(values: Values, specs: Sequence[ParamSpec], shown) -> dict[str, str]:
    baseline = _baseline(values, specs)
    out: dict[str, str] = {}
    for s in specs:
        if not shown(s):
            continue
        if s.key == "preset":
            if values["preset"] != "custom":
                out["preset"] = values["preset"]
            if values["preset"] == controls.PASTED and st.session_state.get(PASTED, {}).get("token"):
                out[CONFIG] = st.session_state[PASTED]["token"]
            continue
        if not _same(values[s.key], baseline[s.key]):
            out[s.key] = s.to_url(values[s.key])
    return out


def render(page_id: str, page_specs: Sequence[ParamSpec] = (), all_scaling: bool = False,
           uses: Sequence[str] = (), inert: dict[str, str] | None = None) -> SidebarResult:
    """Draw the sidebar (the model, shared by every page) and return the run's values and RopeConfig.

    all_scaling: show every scaling method's parameters, not just the selected one's. uses: which of
    controls.OPTIONAL_KEYS the page reads (the others are hidden and left out of the link). inert: shared
    controls that cannot change what the page shows now, each with the reason (drawn disabled).
    Page-specific controls (page_specs) are not drawn here: the page draws them beside its view picker.
    """
    specs = _specs(page_specs)
    own = {s.key for s in page_specs}
    fresh = st.session_state.get(DRAWN_ON) != page_id
    st.session_state[DRAWN_ON] = page_id
    current = st.session_state.get(VALUES)
    raw = {k: v[-1] for k, v in _raw_query().items()}
    warnings: list[str] = []
    # Back or Forward to an entry without parameters means the defaults; a page switch without them keeps the model
    history = _history_navigation()
    if current is not None and fresh:
        # a page switch drops the previous page's own parameters (its view, its position m, …)
        current = {k: v for k, v in current.items() if k in controls.SPEC}
    if current is None or ((raw or history) and raw != st.session_state.get(WRITTEN)):
        values, warnings = _read_url(specs, current, whole=history)
    else:
        values = current
        for s in specs:
            values.setdefault(s.key, s.default)
    st.session_state[VALUES] = values
    specs[0] = _preset_spec()  # a link may have brought a pasted config
    specs[1] = _layer_spec(values)  # the model's own layer types
    inert = inert(values) if callable(inert) else (inert or {})
    uses = uses(values) if callable(uses) else uses

    def shown(s: ParamSpec) -> bool:
        if s.key == "layer_type":
            return len(specs[1].options) > 1
        if s.key in controls.OPTIONAL_KEYS:
            return s.key in uses
        if s.key in own:
            return s.visible(values)
        return s.visible(values) or (all_scaling and s.key in controls.SCALING_PARAM_KEYS)

    dynamic = {"preset": specs[0], "layer_type": specs[1]}
    with st.sidebar:
        for name, section in controls.SECTIONS.items():
            drawn = [dynamic.get(s.key, s) for s in section if s.key == "preset" or shown(s)]
            if not drawn:
                continue
            st.subheader(name)
            for s in drawn:
                _widget(s, values, fresh, inert.get(s.key))
            if name == "Model":
                _preset_caption(values)

    for s in page_specs:  # bounds may have moved with the model (m < target context)
        values[s.key] = s.clamp(values[s.key], values)
    cfg, cfg_warnings = _build_config(values)
    warnings += cfg_warnings
    params = _url_params(values, specs, shown)
    st.query_params.from_dict(params)
    st.session_state[WRITTEN] = params
    return SidebarResult(values=values, config=cfg, warnings=warnings, preset_status=_status(values),
                         in_page={s.key: s for s in page_specs}, fresh=fresh, link=params, notes=_layer_notes(values),
                         inert=inert)


def _preset_caption(values: Values) -> None:
    status = _status(values)
    if status != "custom":
        st.caption(f"Preset: **{status}**")
    preset = values.get("preset", "custom")
    if preset in controls.preset_slugs():
        note = rope_core.PRESETS[controls.preset_slugs()[preset]].note
        if note:
            st.caption(fmt.note(note))


def draw_in_page(spec: ParamSpec, values: Values, fresh: bool, disabled: str | None = None,
                 width: int | str | None = None) -> Any:
    """Draw a page's own control (its view picker, its position, …) where the page is writing; return its value.
    disabled: why it cannot change this view (drawn disabled, the reason in its help). width: the widget's."""
    _widget(spec, values, fresh, disabled, width)
    return values[spec.key]


def set_values(changes: Values) -> None:
    """Change state values from a button's callback (e.g. make the target context agree with factor)."""
    values = st.session_state[VALUES]
    values.update(changes)


SHARE_KEY = "share_open"


def share_box(cfg: RopeConfig, params: dict[str, str], page_id: str) -> None:
    """One click near the top: the link, config.json fragment and rope_core snippet at the page's width.
    Sent only while open (every element costs each slider move)."""
    with st.popover("Share", icon=":material/share:", key=SHARE_KEY, on_change="rerun") as box:
        if not box.open:
            return
        base = st.context.url or f"/{page_id}"
        link = base + ("?" + urlencode(params) if params else "")
        st.caption("Link to exactly this view (copy button at the right):")
        st.code(link, language=None, wrap_lines=True)
        pasted = st.session_state.get(PASTED)
        if params.get("preset") == controls.PASTED and pasted and not pasted.get("token"):
            st.warning(f"The pasted config does not travel in this link: {pasted.get('link_problem')}",
                       icon=":material/warning:")
        st.caption("config.json fragment, transformers v4 form (rope_scaling):")
        st.code(json.dumps(hf_fragment(cfg, "v4"), indent=2), language="json")
        st.caption("The same in the v5 form (rope_parameters):")
        st.code(json.dumps(hf_fragment(cfg, "v5"), indent=2), language="json")
        if ntk_note(cfg):
            st.caption(ntk_note(cfg))
        st.caption("rope_core snippet:")
        st.code(python_snippet(cfg), language="python")


def python_snippet(cfg: RopeConfig) -> str:
    """A few lines of Python that rebuild this configuration with rope_core."""
    default = RopeConfig()
    args = []
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        if v != getattr(default, f.name):
            args.append(f"    {f.name}={v!r},")
    body = "\n".join(args)
    return (
        "import numpy as np\nimport rope_core\n\n"
        f"cfg = rope_core.RopeConfig(\n{body}\n)\n" if args else
        "import numpy as np\nimport rope_core\n\ncfg = rope_core.RopeConfig()\n"
    ) + ("theta = rope_core.inv_freq(cfg)            # (rotary_dim // 2,) angular frequencies\n"
         "x = np.random.default_rng(0).standard_normal((8, cfg.head_dim))\n"
         "y = rope_core.apply_rope(x, np.arange(8), cfg)  # rotated, same shape\n")


def use_pasted_config(name: str, config: RopeConfig, raw: dict) -> bool:
    """Make a config.json pasted on the Models page the sidebar's model, on every page (then st.rerun()).

    A config past the app's limits (configjson.check_limits) is refused with an st.error per field: False.
    """
    problems = configjson.check_limits(raw)
    for message in problems:
        st.error(message, icon=":material/error:")
    if problems:
        return False
    try:  # the link carries it, if it fits
        token, link_problem = configjson.encode_config(raw), None
    except ValueError as err:
        token, link_problem = None, str(err)
    st.session_state[PASTED] = {"name": name, "config": config, "raw": raw, "token": token,
                                "link_problem": link_problem}
    values = st.session_state.get(VALUES)
    if values is None:
        values = st.session_state[VALUES] = controls.defaults()
    values["preset"] = controls.PASTED
    _apply_preset(values)
    return True
