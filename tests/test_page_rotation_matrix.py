"""Rotation matrix page: heatmap entries are rope_core.rotation_matrix; identity errors measured."""

import numpy as np
import pandas as pd
import pytest

import rope_core
from rope_core import RopeConfig

from tests.apptest_utils import assert_raster_shows, chart_titled, raster_of, run_page, warnings_text

HEAVY = {"d": "512", "target": "4194304", "theta": "100000000"}
SMALLEST = {"d": "2", "target": "128", "theta": "10"}
# the models these links describe, written out (R(m) does not depend on the contexts of an unscaled model)
DEFAULT_CONFIG = RopeConfig()
HEAVY_CONFIG = RopeConfig(head_dim=512, rope_theta=1e8)
SMALLEST_CONFIG = RopeConfig(head_dim=2, rope_theta=10.0)


def _heatmap(at, cfg, m):
    """The shown window of R(m): every cell's pixel is the colour of rope_core's entry, every non-zero entry is a
    hover cell with its exact value; returns the window as (row, col, value) rows, from rope_core."""
    _, cells = chart_titled(at, f"R(m) at m = {m}")
    rot = rope_core.rotation_matrix(cfg, m)
    idx = np.unique(np.r_[cells["row"], cells["col"]]).astype(int) if len(cells) else np.arange(0)
    images, _, _ = raster_of(at, f"R(m) at m = {m}")
    n = int(images["_x2"].iloc[0])
    if len(idx) < n:  # a window whose hover cells do not name every index: the full matrix is shown
        assert n == rot.shape[0], (n, rot.shape)
        idx = np.arange(n)
    r, c = np.meshgrid(idx, idx, indexing="ij")
    window = pd.DataFrame({"row": r.ravel(), "col": c.ravel(), "value": rot[r, c].ravel()})
    assert_raster_shows(at, f"R(m) at m = {m}", window, "col", "row", "value", by_rank=True)
    assert len(cells) == int((window["value"] != 0).sum())  # every non-zero entry hovers
    return window


def _table(at):
    table = at.dataframe[0].value
    return table.set_index("identity")


def test_defaults_full_matrix_and_identities_hold_to_float64_rounding():
    at = run_page("rotation_matrix")
    assert not at.exception
    cfg = DEFAULT_CONFIG
    df = _heatmap(at, cfg, 3)
    assert len(df) == 128 * 128
    # block structure of the half layout: nonzero only on the diagonal and at distance d/2
    off = df[(df["row"] != df["col"]) & ((df["row"] - df["col"]).abs() != 64)]
    assert (off["value"] == 0).all()
    table = _table(at)
    assert len(table) == 6
    assert (table["float64 error"] < 1e-12).all()
    assert (table["float32 error"] > table["float64 error"]).all()
    assert (table["float32 error"] < 1e-3).all()
    q = np.random.default_rng(0).standard_normal(128)
    want = rope_core.identity_errors(cfg, 3, 7, x=q, dtype=np.float32)
    assert table.loc["R(m)R(n) = R(m+n)", "float32 error"] == want["composition"]


def test_position_zero_gives_the_identity_exactly():
    at = run_page("rotation_matrix", {"m": "0", "n": "0"})
    assert not at.exception
    df = _heatmap(at, DEFAULT_CONFIG, 0)
    assert ((df["row"] == df["col"]) == (df["value"] == 1.0)).all()
    table = _table(at)
    for identity in ("RᵀR = I", "det R = 1", "R(m)R(n) = R(m+n)", "R(m)R(−m) = I", "‖R x‖ = ‖x‖"):
        assert table.loc[identity, "float64 error"] == 0 and table.loc[identity, "float32 error"] == 0


def test_heaviest_settings_show_a_window_and_errors_grow_only_with_rounding_of_the_angle():
    m = n = 4194303
    at = run_page("rotation_matrix", {**HEAVY, "m": str(m), "n": str(n)})
    assert not at.exception
    cfg = HEAVY_CONFIG
    df = _heatmap(at, cfg, m)
    assert len(df) == 140 * 140
    assert set(df["row"]) == set(range(70)) | set(range(256, 326))  # pairs 0..69, both halves
    table = _table(at)
    # float64 rounds the angle m·θ_i at about 1e-16 · m·θ_i radians
    assert (table["float64 error"] < 1e-15 * (1 + m + n)).all()
    assert (table["float32 error"] > table["float64 error"]).all()


def test_window_control_at_its_last_pair_interleaved():
    query = {**HEAVY, "layout": "interleaved", "win": "186"}
    at = run_page("rotation_matrix", query)
    assert not at.exception
    df = _heatmap(at, RopeConfig(head_dim=512, rope_theta=1e8, layout="interleaved"), 3)
    assert set(df["row"]) == set(range(372, 512))  # pairs 186..255 are features 2i, 2i+1
    over = run_page("rotation_matrix", {**query, "win": "187"})
    assert "`win`" in warnings_text(over)


def test_smallest_settings_two_by_two_rotation():
    at = run_page("rotation_matrix", {**SMALLEST, "m": "1", "n": "1"})
    assert not at.exception
    df = _heatmap(at, SMALLEST_CONFIG, 1).set_index(["row", "col"])["value"]
    assert df[(0, 0)] == pytest.approx(np.cos(1.0)) and df[(1, 1)] == pytest.approx(np.cos(1.0))
    assert df[(0, 1)] == pytest.approx(-np.sin(1.0)) and df[(1, 0)] == pytest.approx(np.sin(1.0))
    assert (_table(at)["float64 error"] < 1e-12).all()
