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


def _moves(w, spec, page_id: str = "") -> list:
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
        options = list(spec.grid_options(w.value)) if spec.kind == "grid" else list(spec.options)
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
                old, moves = w.value, _moves(w, spec, page_id)
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
