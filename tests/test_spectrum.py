import math

import pytest

import rope_core
from rope_core import RopeConfig


@pytest.mark.parametrize("head_dim,theta,context", [(128, 1e4, 4096), (64, 5e5, 100), (2, 10.0, 2), (512, 1e8, 8192)])
def test_summary_counts_pairs_whose_wavelength_fits_in_the_context(head_dim, theta, context):
    cfg = RopeConfig(head_dim=head_dim, rope_theta=theta)
    s = rope_core.spectrum_summary(cfg, context)
    # naive: one pair at a time, straight from θ_i = theta^(-2i/d)
    wl = [2 * math.pi * theta ** (2 * i / head_dim) for i in range(head_dim // 2)]
    assert s["pairs"] == head_dim // 2
    assert s["shortest"] == pytest.approx(min(wl), rel=1e-12)
    assert s["longest"] == pytest.approx(max(wl), rel=1e-12)
    assert s["full_turns"] == sum(w <= context for w in wl)
    assert s["attention_factor"] == 1.0


def test_summary_uses_the_scaled_frequencies_and_attention_factor():
    cfg = RopeConfig(head_dim=128, rope_theta=1e4, rope_type="yarn", factor=8.0,
                     original_max_position_embeddings=4096, max_position_embeddings=32768)
    s = rope_core.spectrum_summary(cfg, 4096)
    assert s["attention_factor"] == pytest.approx(0.1 * math.log(8) + 1)
    assert s["longest"] == pytest.approx(8 * 2 * math.pi * 1e4 ** (126 / 128), rel=1e-12)
