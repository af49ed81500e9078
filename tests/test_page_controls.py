"""Every enabled control on every view changes what the view shows.

For each page and view, at the defaults and with each scaling method whose parameters have controls, every
enabled widget (sidebar and page) is moved once; the view's chart data (every dataset, raster images included),
its metrics or its tables must change. A control that cannot change a view must be hidden there or drawn
disabled with the reason (explorer.page.setup(inert=...)). This is the test that fails when a control is
disconnected from what it claims to set.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pytest

from explorer import controls
from explorer.nav import PAGES
from explorer.params import VIEW
from explorer.sidebar import VALUES
from tests.apptest_utils import PAGE_SPECS, exceptions, open_url, record_page_specs

# States to move the controls from: the defaults, and each method with its own parameters (with mscale_all_dim
# set, so that YaRN's mscale has something to divide).
STATES = {
    "defaults": {"mscale": "1", "mscale_all_dim": "1"},
    "yarn": {"rope_type": "yarn", "mscale": "1", "mscale_all_dim": "1"},
    "llama3": {"rope_type": "llama3", "mscale": "1", "mscale_all_dim": "1"},
}
# Where the page's own default sits outside what the scaling parameters touch: Rotation's default pair 8 is a fast
# pair that YaRN and Llama 3 keep; pair 40 is in both ramps (d = 128, rope_theta 1e4, original context 4,096).
PROBE = {"rotation": {"pair": "40"}}
SCALING_ONLY = set(controls.SCALING_PARAM_KEYS) | {"rope_type"}
MOVE_TO = {"preset": "gpt-neox-20b", "rope_type": "linear"}  # a preset unlike the defaults; a method with factor
# Multimodal RoPE draws a model only if it has an mrope_section (else Qwen2.5-VL's): move to one that differs
PAGE_MOVE_TO = {"multimodal": {"preset": "qwen3-vl-8b-instruct"}}


@pytest.fixture(scope="module", autouse=True)
def _record():
    record_page_specs()


def fingerprint(at) -> str:
    """What a view shows: every chart's datasets, every metric, every table (as bytes, hashed)."""
    h = hashlib.sha256()
    for el in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        for ds in el.proto.datasets:
            h.update(pa.ipc.open_stream(ds.data.data).read_all().to_pandas().to_csv().encode())
        h.update(el.proto.data.data)
    for m in at.metric:
        h.update(f"{m.label}={m.value}".encode())
    for df in at.dataframe:
        h.update(df.value.to_csv().encode())
    return h.hexdigest()


def _widgets(at):
    kinds = ("slider", "select_slider", "selectbox", "radio", "toggle")
    return [w for kind in kinds for w in getattr(at, kind) if getattr(w, "key", None) and not w.disabled]


def _moves(w, spec, page_id: str = "", values: dict | None = None) -> list:
    """Values to move a widget to, tried in turn: its low end (or the other choice), then its high end."""
    key = spec.key
    move_to = {**MOVE_TO, **PAGE_MOVE_TO.get(page_id, {})}
    if key in move_to and move_to[key] != w.value:
        return [move_to[key]]
    if spec.kind == "bool":
        return [not w.value]
    if w.type == "slider":
        cast = int if spec.kind == "int" else float
        ends = [cast(w.proto.min), cast(w.proto.max)]
    else:
        # a grid's options within its current bounds, as the slider lists them
        options = list(spec.grid_options(w.value, values)) if spec.kind == "grid" else list(spec.options)
        ends = [options[0], options[-1]]
    return [v for v in ends if v != w.value]


def views_of(page_id: str) -> list[str | None]:
    return [o for s in PAGE_SPECS.get(page_id, ()) if s.widget == VIEW for o in s.options] or [None]


@pytest.mark.parametrize("page_id", [info.url_path for info in PAGES])
def test_every_enabled_control_changes_the_view(page_id):
    open_url(page_id)  # records the page's own controls
    specs = {s.key: s for s in (*controls.SHARED, *PAGE_SPECS[page_id])}
    idle = []
    for view in views_of(page_id):
        for state_id, state in STATES.items():
            query = dict(state, **({"view": view} if view else {}))
            if state_id != "defaults":
                query.update(PROBE.get(page_id, {}))
            at = open_url(page_id, query)
            assert not at.exception, exceptions(at)
            before = fingerprint(at)
            for wkey in [w.key for w in _widgets(at)]:
                key = wkey.removeprefix("w_")
                spec = specs.get(key)
                if spec is None or spec.widget == VIEW:
                    continue
                if state_id != "defaults" and key not in SCALING_ONLY:
                    continue  # the other controls were moved at the defaults
                w = next(w for w in _widgets(at) if w.key == wkey)
                old, moves = w.value, _moves(w, spec, page_id, at.session_state[VALUES])
                for new in moves:  # the control is connected if one of its moves changes the view
                    next(w for w in _widgets(at) if w.key == wkey).set_value(new).run()
                    assert not at.exception, exceptions(at)
                    changed = fingerprint(at) != before
                    at = open_url(page_id, query)  # a fresh view for the next move
                    if changed:
                        break
                else:
                    idle.append(f"{page_id} [{view or '-'}, {state_id}]: {key} {old!r} → {moves!r}")
    assert not idle, "controls that changed nothing:\n" + "\n".join(idle)


# Today's RoPE types (issue 17): each new control, from a model that has it, moved on every page and view.
# layer_type to another RoPE layer type changes the view; to a NoPE one, the page says so (st.info) and keeps the
# RoPE layers' view. M-RoPE's controls are drawn disabled with the reason wherever positions are text (t = h = w),
# and change the view on the pages that place tokens in (t, h, w).
PAGES_3D = ("multimodal",)
NEW_STATES = {
    "gemma-4": ({"preset": "gemma-4-31b-global-layers"}, ("layer_type", "factor", "partial_rotary_factor")),
    "llama-4": ({"preset": "llama-4-scout-17b-16e"}, ("layer_type",)),
    "qwen3-vl": ({"preset": "qwen3-vl-8b-instruct"}, ("mrope_interleaved",)),
}
NEW_MOVES = {("gemma-4", "layer_type"): "sliding_attention", ("llama-4", "layer_type"): "full_attention",
             ("gemma-4", "factor"): 4.0, ("qwen3-vl", "mrope_interleaved"): False, ("gemma-4", "partial_rotary_factor"): 0.5}
NOPE = "no rotary embedding (NoPE)"


def _any_widget(at, wkey):
    kinds = ("slider", "select_slider", "selectbox", "radio", "toggle", "text_input")
    return next((w for kind in kinds for w in getattr(at, kind) if getattr(w, "key", None) == wkey), None)


@pytest.mark.parametrize("page_id", [info.url_path for info in PAGES])
def test_each_new_rope_control_changes_the_view_or_says_why_not(page_id):
    open_url(page_id)
    problems = []
    for view in views_of(page_id):
        for state_id, (state, keys) in NEW_STATES.items():
            query = dict(state, **({"view": view} if view else {}), **PROBE.get(page_id, {}))
            for key in keys:
                at = open_url(page_id, query)
                assert not at.exception, exceptions(at)
                w = _any_widget(at, "w_" + key)
                where = f"{page_id} [{view or '-'}, {state_id}]: {key}"
                if w is None:
                    problems.append(f"{where} not drawn")
                    continue
                if w.disabled:  # allowed only with a reason shown in the help
                    if "Disabled here" not in (w.help or ""):
                        problems.append(f"{where} disabled without a reason")
                    continue
                if key.startswith("mrope") and page_id not in PAGES_3D:
                    problems.append(f"{where} enabled on a page of text positions, where it changes nothing")
                    continue
                before = fingerprint(at)
                if (state_id, key) == ("llama-4", "layer_type"):
                    w.set_value(NEW_MOVES[(state_id, key)]).run()
                    assert not at.exception, exceptions(at)
                    if NOPE not in " ".join(i.value for i in at.info) or fingerprint(at) != before:
                        problems.append(f"{where} → NoPE: no note, or the view left the RoPE layers")
                    continue
                moves = [NEW_MOVES[(state_id, key)]]
                if w.type == "slider":  # then the ends, as the test above does
                    moves += [v for v in (w.proto.min, w.proto.max) if v not in (w.value, moves[0])]
                for new in moves:  # connected if one of its moves changes the view
                    _any_widget(at, "w_" + key).set_value(new).run()
                    assert not at.exception, exceptions(at)
                    changed = fingerprint(at) != before
                    at = open_url(page_id, query)
                    if changed:
                        break
                else:
                    problems.append(f"{where} → {moves!r} changed nothing")
    assert not problems, "\n".join(problems)
