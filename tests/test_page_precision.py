"""Precision page: angle errors are rope_core.angle_error's, worse in lower precision."""

import numpy as np
import pytest

import rope_core

from tests.apptest_utils import chart_titled, charts, config_for, run_page

HEAVY = {"d": "512", "L": "8192", "offset": "100000", "theta": "100000000"}
SMALLEST = {"d": "2", "L": "2", "theta": "10"}


_config = config_for


def _curves(at, cfg, maxpos):
    _, df = chart_titled(at, "Error of the angle m·θ_i against float64")
    assert df["position"].min() >= 1 and df["position"].max() <= maxpos
    for dt, rows in df.groupby("dtype"):
        want = rope_core.angle_error(cfg, rows["position"].to_numpy(), dt).max(axis=1)
        np.testing.assert_array_equal(rows["angle_error_rad"].to_numpy(), want)
    return df


def test_defaults_all_dtypes_to_one_million():
    at = run_page("precision")
    assert not at.exception
    cfg = _config({})
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
    _, rot = chart_titled(at, "Resulting error of cos/sin")
    np.testing.assert_allclose(rot["rotation_error"],
                               2 * np.abs(np.sin(rot["rotation_worst_pair_angle_error_rad"] / 2)), rtol=1e-12)
    for dt, rows in rot.groupby("dtype"):  # the worst pair's chord is the largest over all pairs
        err = rope_core.angle_error(cfg, rows["position"].to_numpy(), dt)
        np.testing.assert_allclose(rows["rotation_error"], (2 * np.abs(np.sin(err / 2))).max(axis=1), rtol=1e-12)
    assert (rot["rotation_error"] <= 2).all()
    _, pairs = chart_titled(at, "Angle error per pair at position 1,000,000")
    rows = pairs[pairs["dtype"] == "float32"].sort_values("pair")
    want = rope_core.angle_error(cfg, [1e6], "float32")[0]
    np.testing.assert_array_equal(rows["angle_error_rad"], want[want > 0])


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32"])
def test_one_dtype_at_the_smallest_max_position(dtype):
    at = run_page("precision", {"dtype": dtype, "maxpos": "100"})
    assert not at.exception
    df = _curves(at, _config({}), 100)
    assert set(df["dtype"]) == {dtype}


def test_heaviest_settings():
    at = run_page("precision", HEAVY)
    assert not at.exception
    df = _curves(at, _config(HEAVY), 1_000_000)
    for _, frame in charts(at):
        assert len(frame) <= 20_000
    assert len(df) > 300


def test_smallest_settings_single_pair_theta_one_is_exact_at_small_positions():
    at = run_page("precision", {**SMALLEST, "maxpos": "100"})
    assert not at.exception
    # θ_0 = 1 and positions ≤ 100 are exact in every dtype: no error to draw
    assert any("exactly 0" in i.value for i in at.info)
    at = run_page("precision", SMALLEST)
    df = _curves(at, _config(SMALLEST), 1_000_000)
    assert df[df["dtype"] == "bfloat16"]["position"].min() > 256  # bfloat16 holds integers up to 256
