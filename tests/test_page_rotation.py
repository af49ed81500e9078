"""Rotation page: the drawn points are RoPE(q, p)'s pair, on a circle of radius ‖(q_a, q_b)‖."""

import numpy as np
import pytest

import rope_core
from rope_core import RopeConfig

from tests.apptest_utils import (assert_unknown_view_falls_back, assert_view_shows, assert_views_switch_by_click,
                                 chart_titled, open_view, run_page, warnings_text)
from explorer.frames.common import make_qk

HEAVY = {"d": "512", "target": "4194304", "theta": "100000000"}
SMALLEST = {"d": "2", "target": "128", "theta": "10"}
# the configs these links describe, written out (the default model: original context 4,096, target 32,768)
HEAVY_CONFIG = RopeConfig(head_dim=512, rope_theta=1e8, original_max_position_embeddings=4096,
                          max_position_embeddings=4194304)
SMALLEST_CONFIG = RopeConfig(head_dim=2, rope_theta=10.0, original_max_position_embeddings=4096,
                             max_position_embeddings=128)
DEFAULT_CONFIG = RopeConfig(original_max_position_embeddings=4096, max_position_embeddings=32768)
# view -> the title of its one chart (the first view is the default)
VIEWS = {"plane": "Pair 8 of RoPE(q, p) for p = 0..3", "speeds": "Pairs 0, 32, 63 at positions 0..3",
         "angle": "Angle m·θ_i against position"}
METRICS = ["θ_i (rad/token)", "Wavelength 2π/θ_i (tokens)", "Angle m·θ_i (rad)", "Turns m·θ_i / 2π",
           "Length of the hand"]


def _check_plane(df, cfg, pair, m, content="random", seed=0, af=1.0):
    """Ring points lie on the circle of radius af·‖(q_a, q_b)‖; arrows are apply_rope's output."""
    q, _ = make_qk(cfg.head_dim, content, seed)
    a, b = rope_core.pair_indices(cfg.rotary_dim, cfg.layout)[pair]
    df = df[df["pair"] == pair]
    ring = df[df["kind"] == "ring"]
    turn = np.sort(ring["angle_rad"].to_numpy())  # one full turn, a point at least every 5° (a smooth circle)
    assert turn[0] == 0 and turn[-1] == pytest.approx(2 * np.pi, rel=1e-12)
    assert np.diff(turn).max() <= np.radians(5) + 1e-12
    np.testing.assert_allclose(np.hypot(ring["x"], ring["y"]), af * np.hypot(q[a], q[b]), rtol=1e-12)
    vec = df[df["kind"] == "vector"].sort_values("position")
    assert list(vec["position"]) == [0.0, float(m)]
    want = rope_core.apply_rope(np.stack([q, q]), [0.0, float(m)], cfg)
    np.testing.assert_allclose(vec["x"], want[:, a], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vec["y"], want[:, b], rtol=1e-12, atol=1e-12)
    angle = rope_core.angles(cfg, [m])[0, pair]
    assert vec["angle_rad"].iloc[-1] == pytest.approx(angle, rel=1e-12, abs=1e-15)
    label = df[df["kind"] == "text"]["text"].iloc[0]
    assert f"{angle:.4g}" in label
    # the hand at m has turned by m·θ_i from the hand at 0 (mod 2π)
    turned = np.arctan2(vec["y"].iloc[1], vec["x"].iloc[1]) - np.arctan2(vec["y"].iloc[0], vec["x"].iloc[0])
    assert np.cos(turned - angle) == pytest.approx(1.0, abs=1e-9)
    dots = df[df["kind"] == "dot"]["position"]
    assert dots.min() == 0 and dots.max() == m and len(dots) <= 49


def test_defaults_draw_pair_8_on_its_circle_turned_by_m_theta():
    at = run_page("rotation")
    assert not at.exception
    _, df = chart_titled(at, "Pair 8 of RoPE(q, p)")
    _check_plane(df, DEFAULT_CONFIG, 8, 3)
    # θ_8 = 10000^(−16/128): the default pair moves with rope_theta (pair 0 turns at 1 rad/token for every base)
    assert np.allclose(df[df["kind"] == "vector"]["angle_rad"], [0.0, 3 * 10000 ** (-16 / 128)], rtol=1e-12)
    other = run_page("rotation", {"theta": "500000"})
    _, moved = chart_titled(other, "Pair 8 of RoPE(q, p)")
    assert np.allclose(moved[moved["kind"] == "vector"]["angle_rad"], [0.0, 3 * 500000 ** (-16 / 128)], rtol=1e-12)


def test_small_multiples_show_fast_middle_slow_pairs_each_on_its_own_circle():
    at = run_page("rotation", {"view": "speeds", "m": "200"})
    assert not at.exception
    cfg = RopeConfig()
    _, df = chart_titled(at, "Pairs 0, 32, 63")
    for pair in (0, 32, 63):
        _check_plane(df, cfg, pair, 200)
    turns = df[df["kind"] == "vector"].groupby("pair")["turns"].max()
    assert turns[0] > turns[32] > turns[63]  # fast pairs turn more


def test_last_pair_and_last_position_at_default_context():
    at = run_page("rotation", {"pair": "63", "m": "255"})
    assert not at.exception
    _, df = chart_titled(at, "Pair 63 of RoPE(q, p)")
    _check_plane(df, RopeConfig(), 63, 255)


def test_out_of_range_pair_and_position_are_clamped_with_a_warning():
    at = run_page("rotation", {"pair": "64", "m": "32768"})
    assert not at.exception
    text = warnings_text(at)
    assert "`pair`" in text and "`m`" in text
    _, df = chart_titled(at, "Pair 63 of RoPE(q, p)")
    _check_plane(df, DEFAULT_CONFIG, 63, 32767)


@pytest.mark.parametrize("view", VIEWS)
def test_heaviest_settings_stay_bounded_in_every_view(view):
    titles = {"plane": "Pair 255 of RoPE(q, p) for p = 0..4194303",
              "speeds": "Pairs 0, 128, 255 at positions 0..4194303", "angle": VIEWS["angle"]}
    at = open_view("rotation", view, {**HEAVY, "pair": "255", "m": "4194303"})
    assert_view_shows(at, view, titles[view], exact=True)  # at most MAX_ROWS = 20,000 rows


def test_heaviest_settings_plane_is_exact():
    at = run_page("rotation", {**HEAVY, "pair": "255", "m": "4194303"})
    assert not at.exception
    _, df = chart_titled(at, "Pair 255 of RoPE(q, p)")
    _check_plane(df, HEAVY_CONFIG, 255, 4194303)


def test_heaviest_settings_angle_curves_are_exact():
    at = open_view("rotation", "angle", {**HEAVY, "pair": "255", "m": "4194303"})
    cfg = HEAVY_CONFIG
    _, curves = chart_titled(at, "Angle m·θ_i against position")
    assert curves["position"].max() <= 4194303 and curves.groupby("pair").size().max() <= 1000
    for pair in (0, 128, 255):
        rows = curves[curves["pair"].str.startswith(f"pair {pair} ")]
        np.testing.assert_allclose(rows["angle_rad"], rope_core.angles(cfg, rows["position"])[:, pair], rtol=1e-12)


def test_smallest_settings_one_pair_positions_0_and_1():
    at = run_page("rotation", {**SMALLEST, "m": "1"})
    assert not at.exception
    cfg = SMALLEST_CONFIG
    assert cfg.n_pairs == 1
    _, df = chart_titled(at, "Pair 0 of RoPE(q, p)")
    _check_plane(df, cfg, 0, 1)
    speeds = run_page("rotation", {**SMALLEST, "m": "1", "view": "speeds"})
    assert not speeds.exception
    _, multi = chart_titled(speeds, "Pairs 0 at positions")
    assert set(multi["pair"]) == {0}


def test_yarn_radius_includes_the_attention_factor():
    query = {"scaling": "yarn", "factor": "16", "pair": "10", "m": "50"}
    at = run_page("rotation", query)
    assert not at.exception
    cfg = RopeConfig(rope_type="yarn", factor=16.0, original_max_position_embeddings=4096,
                     max_position_embeddings=32768)
    af = rope_core.attention_factor(cfg, 32768)
    assert af == pytest.approx(0.1 * np.log(16) + 1)
    _, df = chart_titled(at, "Pair 10 of RoPE(q, p)")
    _check_plane(df, cfg, 10, 50, af=af)


def test_interleaved_layout_and_ones_content_use_features_2i_2i_plus_1():
    query = {"layout": "interleaved", "content": "ones", "pair": "5", "m": "7"}
    at = run_page("rotation", query)
    assert not at.exception
    _, df = chart_titled(at, "Pair 5 of RoPE(q, p)")
    _check_plane(df, RopeConfig(layout="interleaved"), 5, 7, content="ones")
    ring = df[df["kind"] == "ring"]
    np.testing.assert_allclose(np.hypot(ring["x"], ring["y"]), np.sqrt(2), rtol=1e-12)


def test_angle_chart_unwrapped_is_m_theta_and_wrapped_is_measured_mod_2pi():
    at = run_page("rotation", {"pair": "5", "view": "angle", "target": "256"})
    assert not at.exception
    cfg = RopeConfig()
    _, curves = chart_titled(at, "Angle m·θ_i against position")
    assert set(curves["pair"]) == {"pair 0 (fast)", "pair 5 (chosen)", "pair 32 (middle)", "pair 63 (slow)"}
    # the log angle axis (default) leaves out position 0, at angle 0
    assert list(curves[curves["pair"] == "pair 0 (fast)"]["position"]) == list(range(1, 256))
    for pair in (0, 5, 32, 63):
        rows = curves[curves["pair"].str.startswith(f"pair {pair} ")]
        np.testing.assert_allclose(rows["angle_rad"], rope_core.angles(cfg, rows["position"])[:, pair], rtol=1e-12)
        # measured from apply_rope's output: the same angle reduced to (−π, π]
        np.testing.assert_allclose(np.cos(rows["wrapped_rad"] - rows["angle_rad"]), 1.0, atol=1e-9)
        assert rows["wrapped_rad"].between(-np.pi, np.pi).all()

    wrapped = run_page("rotation", {"wrap": "1", "view": "angle"})
    assert not wrapped.exception
    spec, _ = chart_titled(wrapped, "Wrapped angle against position")
    assert "wrapped_rad" in str(spec)


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_draws_exactly_its_one_chart(view):
    at = open_view("rotation", view)
    assert_view_shows(at, view, VIEWS[view], exact=True)
    # the pair's numbers explain the plane: they are shown with it only
    assert [m.label for m in at.metric] == (METRICS if view == "plane" else [])
    # page controls that a view does not use are hidden
    sliders = [s.label for s in at.slider]
    assert ("Pair index i" in sliders) == (view in ("plane", "angle"))
    assert "Position m" in [s.label for s in at.select_slider]
    toggles = {t.label: t.disabled for t in at.toggle}
    # the log angle axis shows on every view, disabled (with the reason) where there is no angle axis
    assert toggles == ({"Wrap the angle": False, "Log angle axis": False} if view == "angle"
                       else {"Log angle axis": True})


def test_clicking_the_view_picker_switches_the_chart_and_the_url():
    def pair_follows_the_view(at, view):
        if view == "angle":
            _, curves = chart_titled(at, "Angle m·θ_i against position")
            assert "pair 5 (chosen)" in set(curves["pair"])  # the pair carries over
        if view == "speeds":
            assert "pair" not in at.query_params  # not used by this view
        else:
            assert at.query_params["pair"] == "5"

    titles = {**VIEWS, "plane": "Pair 5 of RoPE(q, p) for p = 0..3"}
    assert_views_switch_by_click("rotation", titles, {"pair": "5"}, clicks=["angle", "speeds", "plane"], exact=True,
                                 also=pair_follows_the_view)


def test_unknown_view_warns_and_falls_back_to_the_plane():
    assert_unknown_view_falls_back("rotation", VIEWS, exact=True)


def _y_scale_types(spec) -> set:
    found = set()

    def walk(node):
        if isinstance(node, dict):
            y = node.get("encoding", {}).get("y") if isinstance(node.get("encoding"), dict) else None
            if isinstance(y, dict) and y.get("field") == "angle_rad":
                found.add((y.get("scale") or {}).get("type", "linear"))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(spec)
    return found


def test_angle_axis_is_log_by_default_so_slow_pairs_are_not_flat_at_zero():
    at = open_view("rotation", "angle")
    spec, curves = chart_titled(at, "Angle m·θ_i against position")
    assert _y_scale_types(spec) == {"log"}
    assert (curves["angle_rad"] > 0).all()  # position 0 (angle 0) left out of a log axis
    slow = curves[curves["pair"] == "pair 63 (slow)"]
    # θ_63 = 10000^(−126/128): the slow pair's largest angle is over 3 decades below the fast pair's
    assert slow["angle_rad"].max() == pytest.approx(slow["position"].max() * 10000 ** (-126 / 128), rel=1e-12)
    assert "log axis" in " ".join(spec["title"]["subtitle"])
    linear = open_view("rotation", "angle", {"log_angle": "0"})
    spec, curves = chart_titled(linear, "Angle m·θ_i against position")
    assert _y_scale_types(spec) == {"linear"}
    assert curves["position"].min() == 0
    assert linear.query_params["log_angle"] == "0"
    wrapped = open_view("rotation", "angle", {"wrap": "1"})
    assert [t.disabled for t in wrapped.toggle if t.label == "Log angle axis"] == [True]


def test_the_position_slider_steps_through_small_m_one_by_one_and_ends_at_the_last_position():
    """A slider over the whole target context (131,072 positions at Llama-3.1-8B) could not pick m = 5."""
    at = run_page("rotation", {"preset": "llama-3.1-8b"})
    m = next(w for w in at.select_slider if w.label == "Position m")
    assert m.options[:17] == [str(i) for i in range(17)]
    assert m.options[-1] == "131,071" and len(m.options) < 80
    m.set_value(5).run()
    assert at.query_params.get("m") in ("5", ["5"])
    assert next(x for x in at.metric if x.label == "Angle m·θ_i (rad)").value == f"{5 * 500000.0 ** (-16 / 128):.6g}"  # pair 8 is fast: llama3 leaves it unscaled
    # an old link's off-grid position is read as it is, and shown on the slider
    at = run_page("rotation", {"m": "1234"})
    m = next(w for w in at.select_slider if w.label == "Position m")
    assert m.value == 1234 and "1,234" in m.options and not warnings_text(at)
    at = run_page("rotation", {"m": "40000"})  # beyond the default target context's last position, 32,767
    assert "URL parameter `m` (Position m): out of range `40000`" in warnings_text(at)


def test_speeds_caption_writes_large_angles_and_turns_whole_with_separators():
    at = run_page("rotation", {"view": "speeds", "max_position_embeddings": "4194304", "m": "4194303"})
    assert not at.exception
    caption = next(c.value for c in at.caption if "m·θ" in c.value)
    # pair 0 turns at θ₀ = 1 rad per token: 4,194,303 rad, 4,194,303 / 2π = 667,544.2 turns
    assert "pair 0: m·θ = 4,194,303 rad (667,544 turns)" in caption
