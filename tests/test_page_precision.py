"""Precision page: angle errors are rope_core.angle_error's, worse in lower precision."""

import json

import numpy as np
import pytest

import rope_core
from rope_core import RopeConfig
from rope_core.phase_error import rotation_error

from tests.apptest_utils import (assert_unknown_view_falls_back, assert_view_shows, assert_views_switch_by_click,
                                 chart_titled, open_view, run_page)

HEAVY = {"d": "512", "target": "4194304", "theta": "100000000"}
SMALLEST = {"d": "2", "theta": "10"}
MILLION = {"maxpos": "1000000"}  # today's link form of the largest position: now the target context
VIEWS = {  # view → the title of its one chart
    "angleerr": "Error of the angle m·θ_i against float64",
    "cossin": "Resulting error of cos/sin",
    "perpair": "Angle error per pair at position",
}


def _opened(view: str, **query):
    return open_view("precision", view, query)


def _curves(at, cfg, maxpos):
    _, df = chart_titled(at, "Error of the angle m·θ_i against float64")
    assert df["position"].min() >= 1 and df["position"].max() <= maxpos
    for dt, rows in df.groupby("dtype"):
        want = rope_core.angle_error(cfg, rows["position"].to_numpy(), dt).max(axis=1)
        np.testing.assert_array_equal(rows["angle_error_rad"].to_numpy(), want)
    return df


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_draws_its_one_chart_and_the_dtype_table(view):
    at = _opened(view)
    assert_view_shows(at, view, VIEWS[view])
    (table,) = at.dataframe
    assert list(table.value["dtype"]) == ["bfloat16", "float16", "float32"]
    assert list(table.value["integer positions stored exactly up to"]) == [256, 2048, 16_777_216]
    # whole numbers with thousands separators (16,777,216), as the app writes every count
    columns = json.loads(table.proto.columns)
    assert columns["integer positions stored exactly up to"]["type_config"]["format"] == "localized"


def test_the_default_view_is_the_angle_error_and_a_click_switches_view_and_url():
    assert_views_switch_by_click("precision", VIEWS, clicks=["perpair", "cossin", "angleerr"])


def test_an_unknown_view_in_the_url_warns_and_shows_the_default():
    assert_unknown_view_falls_back("precision", VIEWS)


def test_defaults_reach_the_target_context():
    at = run_page("precision")
    assert not at.exception
    df = _curves(at, RopeConfig(), 32768)
    assert df["position"].max() == 32768


def test_all_dtypes_to_one_million():
    at = run_page("precision", MILLION)
    assert not at.exception
    assert at.session_state["_rope_values"]["max_position_embeddings"] == 1_000_000
    cfg = RopeConfig()
    df = _curves(at, cfg, 1_000_000)
    assert set(df["dtype"]) == {"bfloat16", "float16", "float32"}
    assert df["position"].max() == 1_000_000
    assert df[df["dtype"] == "float16"]["position"].max() <= 65504  # float16 overflows beyond
    wide = df.pivot(index="position", columns="dtype", values="angle_error_rad").dropna()
    wide = wide[wide.index >= 1000]
    assert len(wide) > 50
    assert (wide["float32"] < wide["float16"]).all() and (wide["float16"] < wide["bfloat16"]).all()
    last = df[df["position"] == 1_000_000].set_index("dtype")["angle_error_rad"]
    assert last["bfloat16"] > np.pi  # the angle is meaningless in bfloat16 at 1M
    assert last["float32"] < 0.1


def test_defaults_rotated_pair_error_is_the_worst_chord():
    cfg = RopeConfig()
    _, rot = chart_titled(_opened("cossin", **MILLION), "Resulting error of cos/sin")
    np.testing.assert_allclose(rot["rotation_error"],
                               2 * np.abs(np.sin(rot["rotation_worst_pair_angle_error_rad"] / 2)), rtol=1e-12)
    for dt, rows in rot.groupby("dtype"):  # the worst pair's chord is the largest over all pairs
        err = rope_core.angle_error(cfg, rows["position"].to_numpy(), dt)
        np.testing.assert_allclose(rows["rotation_error"], (2 * np.abs(np.sin(err / 2))).max(axis=1), rtol=1e-12)
    assert (rot["rotation_error"] <= 2).all()


def test_defaults_angle_error_per_pair_at_one_million():
    cfg = RopeConfig()
    _, pairs = chart_titled(_opened("perpair", **MILLION), "Angle error per pair at position 1,000,000")
    rows = pairs[pairs["dtype"] == "float32"].sort_values("pair")
    want = rope_core.angle_error(cfg, [1e6], "float32")[0]
    np.testing.assert_array_equal(rows["angle_error_rad"], want[want > 0])


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32"])
def test_one_dtype_at_the_smallest_max_position(dtype):
    at = run_page("precision", {"dtype": dtype, "target": "128"})
    assert not at.exception
    df = _curves(at, RopeConfig(), 128)
    assert set(df["dtype"]) == {dtype}


@pytest.mark.parametrize("view", list(VIEWS))
def test_heaviest_settings(view):
    at = _opened(view, **HEAVY)
    assert_view_shows(at, view, VIEWS[view])  # at most MAX_ROWS = 20,000 rows
    if view == "angleerr":
        df = _curves(at, RopeConfig(head_dim=512, rope_theta=1e8), 4194304)
        assert len(df) > 300


def test_smallest_settings_single_pair_theta_one_is_exact_at_small_positions():
    at = run_page("precision", {**SMALLEST, "target": "128"})
    assert not at.exception
    # θ_0 = 1 and positions ≤ 128 are exact in every dtype: no error to draw
    assert any("exactly 0" in i.value for i in at.info)
    at = run_page("precision", {**SMALLEST, **MILLION})
    df = _curves(at, RopeConfig(head_dim=2, rope_theta=10.0), 1_000_000)
    assert df[df["dtype"] == "bfloat16"]["position"].min() > 256  # bfloat16 holds integers up to 256


@pytest.mark.parametrize("view", ["cossin", "perpair"])
def test_the_other_views_say_why_their_chart_is_empty_too(view):
    at = _opened(view, **SMALLEST, target="128")
    chart_titled(at, VIEWS[view])
    assert any("exactly 0" in i.value for i in at.info)
    assert not any("exactly 0" in i.value for i in _opened(view).info)  # rounding at the defaults: no note


@pytest.mark.parametrize("cfg", [RopeConfig(), rope_core.preset_config("Gemma-4-31B (global layers)")],
                         ids=["default", "proportional"])
def test_position_frame_is_the_naive_worst_pair_per_position(cfg):
    """error_by_position against a plain reading of rope_core: per dtype and position the largest angle error and its
    pair, and the largest chord with NaN (float16 overflow) never the largest, also past 65,520 where whole rows are
    NaN and on a proportional model, whose frequency-0 pairs give no angle at all there."""
    from explorer.frames import precision

    dtypes = ("bfloat16", "float16", "float32")
    curves = precision.error_by_position(cfg, 1_000_000, dtypes)
    frame = curves["frame"]
    pos = precision.log_positions(1_000_000)
    assert pos.max() > precision.FLOAT16_OVERFLOW
    for dt in dtypes:
        rows = frame[frame["dtype"] == dt]
        np.testing.assert_array_equal(rows["position"], pos)
        err = rope_core.angle_error(cfg, pos, dt)
        rot = rotation_error(cfg, pos, dt)
        worst = [int(np.argmax(e)) for e in err]
        rot_worst = [max(range(len(r)), key=lambda j: -1.0 if np.isnan(r[j]) else r[j]) for r in rot]
        np.testing.assert_array_equal(rows["worst_pair"], worst)
        np.testing.assert_array_equal(rows["angle_error_rad"], [e[j] for e, j in zip(err, worst)])
        np.testing.assert_array_equal(rows["rotation_worst_pair"], rot_worst)
        np.testing.assert_array_equal(rows["rotation_error"], [r[j] for r, j in zip(rot, rot_worst)])
        np.testing.assert_array_equal(rows["rotation_worst_pair_angle_error_rad"],
                                      [e[j] for e, j in zip(err, rot_worst)])
    drawn = frame[np.isfinite(frame["angle_error_rad"]) & (frame["angle_error_rad"] > 0)]
    np.testing.assert_array_equal(curves["angle"].to_numpy(), drawn.to_numpy())
    drawn = frame[np.isfinite(frame["rotation_error"]) & (frame["rotation_error"] > 0)]
    np.testing.assert_array_equal(curves["rotation"].to_numpy(), drawn.to_numpy())
    assert curves["exact"] == []


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_chart_follows_rope_theta_when_the_slider_moves(view):
    """Each view's chart is kept per input (charts.kept): moving rope_theta draws the new θ_i's errors."""
    at = _opened(view)
    for theta in (500000.0, 10000.0):
        at.select_slider(key="w_rope_theta").set_value(theta).run()
        _, df = chart_titled(at, VIEWS[view])
        cfg = RopeConfig(rope_theta=theta)
        rows = df[df["dtype"] == "float32"]
        if view == "perpair":
            want = rope_core.angle_error(cfg, [32768.0], "float32")[0]
            np.testing.assert_array_equal(rows.sort_values("pair")["angle_error_rad"], want[want > 0])
        else:
            err = rope_core.angle_error(cfg, rows["position"].to_numpy(), "float32")
            got = rows["angle_error_rad"] if view == "angleerr" else rows["rotation_error"]
            want = err.max(axis=1) if view == "angleerr" else rotation_error(cfg, rows["position"].to_numpy(),
                                                                             "float32").max(axis=1)
            np.testing.assert_array_equal(got, want, err_msg=f"{view} at rope_theta {theta}")
