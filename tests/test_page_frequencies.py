"""Frequencies page: θ_i is rope_core.inv_freq, wavelengths are 2π/θ_i, turns are context·θ_i/2π.

The page draws one chart per view: θ_i (freq, the default), wavelength, turns."""

import numpy as np
import pytest

import rope_core
from rope_core import RopeConfig

from tests.apptest_utils import (assert_unknown_view_falls_back, assert_view_shows, assert_views_switch_by_click,
                                 chart_titled, open_view, run_page)

HEAVY = {"d": "512", "target": "4194304", "theta": "100000000"}
SMALLEST = {"d": "2", "target": "128", "theta": "10"}
# view -> (title of its one chart at the defaults, the column it plots); the first view is the default
VIEWS = {
    "freq": ("θ_i per pair", "theta"),
    "wavelength": ("Wavelength 2π/θ_i per pair", "wavelength"),
    "turns": ("Turns each pair completes within 32k tokens", "turns"),
}
TITLES = {view: title for view, (title, _) in VIEWS.items()}
METRICS = ["Pairs", "Shortest wavelength (tokens)", "Longest wavelength (tokens)",
           "Pairs turning fully in the context"]


def _view(query, view):
    return open_view("frequencies", view, query)


def _check(query, cfg, context, label="default (no scaling)"):
    """Each view's one chart carries rope_core's numbers for the curve `label`, on a log y axis."""
    theta = rope_core.inv_freq(cfg, seq_len=context)
    for view, title, column, want in (
        ("freq", "θ_i per pair", "theta", theta),
        ("wavelength", "Wavelength 2π/θ_i per pair", "wavelength", 2 * np.pi / theta),
        ("turns", "Turns each pair completes", "turns", context * theta / (2 * np.pi)),
    ):
        spec, df = chart_titled(_view(query, view), title)
        rows = df[df["frequencies"] == label].sort_values("pair")
        assert list(rows["pair"]) == list(range(cfg.n_pairs))
        np.testing.assert_allclose(rows[column], want, rtol=1e-12)
        assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"


def test_defaults_match_rope_core_and_the_context_rule_is_drawn():
    cfg = RopeConfig()  # the lengths do not change unscaled frequencies: the context is the target, 32,768
    _check({}, cfg, 32768)
    _, df = chart_titled(_view({}, "turns"), "Turns each pair completes")
    assert set(df["frequencies"]) == {"default (no scaling)"}
    assert df["turns"].iloc[0] == pytest.approx(32768 / (2 * np.pi))  # θ_0 = 1
    assert df["full_turn"].sum() == rope_core.spectrum_summary(cfg, 32768)["full_turns"]
    spec, _ = chart_titled(_view({}, "wavelength"), "Wavelength 2π/θ_i per pair")
    assert len(spec["layer"]) == 2  # the line and the context rule


def test_scaling_overlays_original_and_scaled_frequencies():
    query = {"scaling": "yarn", "factor": "8"}
    cfg = RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=4096,
                     max_position_embeddings=32768)
    _check(query, cfg, 32768, label="scaled: yarn")
    _check(query, RopeConfig(head_dim=128), 32768)
    _, df = chart_titled(_view(query, "freq"), "θ_i per pair")
    orig = df[df["frequencies"] == "default (no scaling)"].sort_values("pair")["theta"].to_numpy()
    scaled = df[df["frequencies"] == "scaled: yarn"].sort_values("pair")["theta"].to_numpy()
    assert scaled[0] == orig[0]  # fast pairs are kept
    assert scaled[-1] == pytest.approx(orig[-1] / 8)  # slow pairs are interpolated by the factor
    spec, _ = chart_titled(_view(query, "wavelength"), "Wavelength 2π/θ_i per pair")
    assert len(spec["layer"]) == 3  # the line, the context rule and the original-context rule


def test_dynamic_ntk_changes_frequencies_only_beyond_the_original_context():
    inside = run_page("frequencies", {"scaling": "dynamic", "orig": "4096", "target": "4096"})
    _, df = chart_titled(inside, "θ_i per pair")
    a = df.pivot(index="pair", columns="frequencies", values="theta")
    np.testing.assert_allclose(a.iloc[:, 0], a.iloc[:, 1], rtol=1e-15)
    query = {"scaling": "dynamic", "orig": "256", "target": "8192"}
    # transformers reads dynamic NTK's trained context from max_position_embeddings; it runs at the target
    _check(query, RopeConfig(rope_type="dynamic", factor=8.0, max_position_embeddings=256), 8192,
           label="scaled: dynamic")
    _, df = chart_titled(_view(query, "freq"), "θ_i per pair")
    b = df.pivot(index="pair", columns="frequencies", values="theta")
    assert b["scaled: dynamic"].iloc[-1] < b["default (no scaling)"].iloc[-1]


def test_heaviest_settings():
    cfg = RopeConfig(head_dim=512, rope_theta=1e8)
    assert cfg.n_pairs == 256
    _check(HEAVY, cfg, 4194304)


@pytest.mark.parametrize("view", VIEWS)
def test_heaviest_settings_stay_bounded_in_every_view(view):
    titles = {**TITLES, "turns": "Turns each pair completes within 4M tokens"}
    assert_view_shows(_view(HEAVY, view), view, titles[view], exact=True)  # at most MAX_ROWS = 20,000 rows


def test_smallest_settings_single_pair_theta_one():
    cfg = RopeConfig(head_dim=2, rope_theta=10.0)
    _check(SMALLEST, cfg, 128)
    _, df = chart_titled(_view(SMALLEST, "wavelength"), "Wavelength 2π/θ_i per pair")
    assert len(df) == 1 and df["wavelength"].iloc[0] == pytest.approx(2 * np.pi)
    # one pair: the shortest and the longest wavelength are one number, written one way
    metrics = {m.label: m.value for m in _view(SMALLEST, "wavelength").metric}
    assert metrics["Shortest wavelength (tokens)"] == metrics["Longest wavelength (tokens)"] == "6.283"


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_draws_exactly_its_one_chart(view):
    at = _view({}, view)
    title, column = VIEWS[view]
    spec, _ = assert_view_shows(at, view, title, exact=True)
    assert spec["layer"][0]["encoding"]["y"]["field"] == column
    # the spectrum's summary concerns the whole page: it stays above the picker in every view
    assert [m.label for m in at.metric] == METRICS


def test_clicking_the_view_picker_switches_the_chart_and_the_url():
    def other_settings_carry_over(at, view):
        assert at.query_params["max_position_embeddings"] == "1024", dict(at.query_params)

    titles = {**TITLES, "turns": "Turns each pair completes within 1k tokens"}
    assert_views_switch_by_click("frequencies", titles, {"target": "1024"}, clicks=["turns", "wavelength", "freq"],
                                 exact=True, also=other_settings_carry_over)


def test_unknown_view_warns_and_falls_back_to_theta():
    assert_unknown_view_falls_back("frequencies", TITLES, exact=True)


# Gemma 4's global layers: transformers 5.25 Gemma4TextRotaryEmbedding.full_attention_inv_freq (float32), printed
# once: 256 pairs, 64 nonzero, θ_0 = 1, θ_1 = 0.947463512 (= 1e6^(−2/512)), θ_63 = 0.0333762467, θ_64… = 0
GEMMA4 = {"preset": "gemma-4-31b-global-layers"}


def test_proportional_preset_draws_its_own_frequencies_not_plain_rope_on_the_rotated_part():
    at = _view(GEMMA4, "freq")
    _, df = chart_titled(at, "θ_i per pair")
    assert set(df["frequencies"]) == {"proportional (p-RoPE), factor 1"}  # factor 1: one curve, the model itself
    rows = df.sort_values("pair")
    # the log axis shows the 64 rotating pairs; the 192 at frequency 0 are named in a caption instead
    assert list(rows["pair"]) == list(range(64))
    np.testing.assert_allclose(rows["theta"].to_numpy()[[0, 1, 63]], [1.0, 0.947463512, 0.0333762467], rtol=1e-6)
    assert np.isfinite(rows[["theta", "wavelength", "turns"]].to_numpy()).all()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pairs"] == "256" and metrics["Pairs turning fully in the context"] == "64 of 256"
    assert metrics["Longest wavelength (tokens)"] == "∞ (does not rotate)"
    assert any("Pairs 64 … 255 (192 of 256) have θ_i = 0" in c.value for c in at.caption)


def test_proportional_factor_is_drawn_against_the_model_at_factor_1():
    at = _view({**GEMMA4, "factor": "8", "target": "2097152"}, "wavelength")
    _, df = chart_titled(at, "Wavelength 2π/θ_i per pair")
    trained = df[df["frequencies"] == "proportional (p-RoPE), factor 1"].sort_values("pair")
    scaled = df[df["frequencies"] == "scaled: proportional"].sort_values("pair")
    assert list(trained["pair"]) == list(scaled["pair"]) == list(range(64))
    # transformers: factor 8 gives θ_63 = 0.00417203084, factor 1 θ_63 = 0.0333762467
    np.testing.assert_allclose(scaled["wavelength"].iloc[63], 2 * np.pi / 0.00417203084, rtol=1e-6)
    np.testing.assert_allclose(trained["wavelength"].iloc[63], 2 * np.pi / 0.0333762467, rtol=1e-6)
