"""explorer.fmt: the app's one number style, against literal expectations."""

from __future__ import annotations

import pytest

from explorer import fmt


@pytest.mark.parametrize(("n", "text"), [
    (4096, "4k"), (16_384, "16k"), (32_768, "32k"), (131_072, "128k"), (163_840, "160k"), (1_048_576, "1M"),
    (4_194_304, "4M"), (1024, "1k"), (512, "512"), (2, "2"), (4000, "4,000"), (100_000, "100,000"),
    (1_000_000, "1,000,000"), (1536, "1,536"), (128_000, "128,000"), (1_024_000, "1,024,000"),
])
def test_context_uses_binary_k_and_m_only_when_exact(n, text):
    assert fmt.context(n) == text


def test_exact_gives_the_full_count_for_hover():
    assert fmt.exact(16_384) == "16,384 tokens"
    assert fmt.exact(1_048_576) == "1,048,576 tokens"


@pytest.mark.parametrize(("v", "text"), [
    (10_000.0, "10k"), (500_000.0, "500k"), (1_000_000.0, "1M"), (1e6, "1M"), (1_500_000, "1.5M"),
    (150_000, "150k"), (2_500.0, "2.5k"), (40_889.94243248622, "40,890"), (2_044_500.0, "2,044,500"),
    (10.0, "10"), (12.5, "12.5"), (1e8, "100M"), (5e9, "5G"), (999.5, "999.5"),
])
def test_theta_has_one_form(v, text):
    assert fmt.theta(v) == text


def test_short_picks_the_length_form_for_binary_multiples_and_the_theta_form_otherwise():
    assert fmt.short(16_384) == "16k"
    assert fmt.short(131_072.0) == "128k"
    assert fmt.short(10_000.0) == "10k"
    assert fmt.short(65_504) == "65,504"
    assert fmt.short(1_000_000) == "1M"
    assert fmt.short(128_000) == "128k"  # a decimal value: the theta form


def test_note_drops_the_internal_copy_marker():
    assert fmt.note("[copy] rope_theta raised to 500000; no scaling.") == "rope_theta raised to 500000; no scaling."
    assert fmt.note("max 131072, original 4096 (top level) are [copy]; attention") == \
        "max 131072, original 4096 (top level) are read from a copy of the config.json; attention"
    assert fmt.note("your config.json") == "your config.json"


def test_no_preset_note_shows_the_marker():
    import rope_core

    assert all("[copy]" not in fmt.note(p.note) for p in rope_core.PRESETS.values())


def test_tokens_writes_one_wavelength_one_way():
    assert fmt.tokens(6.283185307179586) == "6.283"
    assert fmt.tokens(54_410.6) == "54,411"
    assert fmt.tokens(999.94) == "999.9"


@pytest.mark.parametrize(("v", "digits", "text"), [
    (4_194_304 / 128, 4, "32,768"), (16.0, 4, "16"), (2.5, 4, "2.5"), (1234.6, 4, "1,235"), (12_345.6, 4, "12,346"),
    (4_194_303.0, 6, "4,194,303"), (667_544.3, 6, "667,544"), (3.14159265, 6, "3.14159"), (1e-7, 4, "1e-07"),
])
def test_plain_never_writes_large_numbers_in_e_notation(v, digits, text):
    assert fmt.plain(v, digits) == text
