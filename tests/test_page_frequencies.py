"""Frequencies page: θ_i is rope_core.inv_freq, wavelengths are 2π/θ_i, turns are context·θ_i/2π."""

import numpy as np
import pytest

import rope_core

from tests.apptest_utils import chart_titled, charts, config_for, run_page

HEAVY = {"d": "512", "L": "8192", "offset": "100000", "theta": "100000000"}
SMALLEST = {"d": "2", "L": "2", "theta": "10"}


_config = config_for


def _check(at, cfg, context, label="original (no scaling)"):
    theta = rope_core.inv_freq(cfg, seq_len=context)
    for title, column, want in (
        ("θ_i per pair", "theta", theta),
        ("Wavelength 2π/θ_i per pair", "wavelength", 2 * np.pi / theta),
        ("Turns each pair completes", "turns", context * theta / (2 * np.pi)),
    ):
        spec, df = chart_titled(at, title)
        rows = df[df["frequencies"] == label].sort_values("pair")
        assert list(rows["pair"]) == list(range(cfg.n_pairs))
        np.testing.assert_allclose(rows[column], want, rtol=1e-12)
        assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"


def test_defaults_match_rope_core_and_the_context_rule_is_drawn():
    at = run_page("frequencies")
    assert not at.exception
    cfg = _config({})
    _check(at, cfg, 256)
    _, df = chart_titled(at, "Turns each pair completes")
    assert set(df["frequencies"]) == {"original (no scaling)"}
    assert df["turns"].iloc[0] == pytest.approx(256 / (2 * np.pi))  # θ_0 = 1
    assert df["full_turn"].sum() == rope_core.spectrum_summary(cfg, 256)["full_turns"]
    spec, _ = chart_titled(at, "Wavelength 2π/θ_i per pair")
    assert len(spec["layer"]) == 2  # the line and the context rule


def test_scaling_overlays_original_and_scaled_frequencies():
    query = {"scaling": "yarn", "factor": "8"}
    at = run_page("frequencies", query)
    assert not at.exception
    cfg = _config(query)
    _check(at, cfg, 256, label="scaled: YaRN")
    _check(at, cfg.__class__(head_dim=128), 256)
    _, df = chart_titled(at, "θ_i per pair")
    orig = df[df["frequencies"] == "original (no scaling)"].sort_values("pair")["theta"].to_numpy()
    scaled = df[df["frequencies"] == "scaled: YaRN"].sort_values("pair")["theta"].to_numpy()
    assert scaled[0] == orig[0]  # fast pairs are kept
    assert scaled[-1] == pytest.approx(orig[-1] / 8)  # slow pairs are interpolated by the factor
    spec, _ = chart_titled(at, "Wavelength 2π/θ_i per pair")
    assert len(spec["layer"]) == 3  # the line, the context rule and the original-context rule


def test_dynamic_ntk_changes_frequencies_only_beyond_the_original_context():
    inside = run_page("frequencies", {"scaling": "dynamic", "orig": "4096"})
    _, df = chart_titled(inside, "θ_i per pair")
    a = df.pivot(index="pair", columns="frequencies", values="theta")
    np.testing.assert_allclose(a.iloc[:, 0], a.iloc[:, 1], rtol=1e-15)
    query = {"scaling": "dynamic", "orig": "256", "L": "8192"}
    beyond = run_page("frequencies", query)
    assert not beyond.exception
    _check(beyond, _config(query), 8192, label="scaled: dynamic NTK")
    _, df = chart_titled(beyond, "θ_i per pair")
    b = df.pivot(index="pair", columns="frequencies", values="theta")
    assert b["scaled: dynamic NTK"].iloc[-1] < b["original (no scaling)"].iloc[-1]


def test_heaviest_settings():
    at = run_page("frequencies", HEAVY)
    assert not at.exception
    cfg = _config(HEAVY)
    assert cfg.n_pairs == 256
    _check(at, cfg, 108192)
    for _, frame in charts(at):
        assert len(frame) <= 20_000


def test_smallest_settings_single_pair_theta_one():
    at = run_page("frequencies", SMALLEST)
    assert not at.exception
    cfg = _config(SMALLEST)
    _check(at, cfg, 2)
    _, df = chart_titled(at, "Wavelength 2π/θ_i per pair")
    assert len(df) == 1 and df["wavelength"].iloc[0] == pytest.approx(2 * np.pi)
