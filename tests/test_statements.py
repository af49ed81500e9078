"""The numbers the pages' text states, checked against rope_core, numpy's float16 and transformers.

Each test names the page whose sentence it protects; expected values are by hand (or transformers' own code).
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest

import rope_core
from rope_core import RopeConfig, preset_config
from rope_core.yarn_reference import mla_softmax_scale, mla_softmax_scales, paper_inv_freq


def test_home_slowest_pair_turns_at_b_to_the_minus_d_minus_2_over_d():
    """Home: θ_{d/2−1} = b^(−(d−2)/d), which is b^(2/d) = 1.15× 1/b at b = 10k, d = 128 and 2.15× for GPT-NeoX-20B."""
    theta = rope_core.inv_freq(RopeConfig(head_dim=128, rope_theta=10000.0))
    assert theta[-1] == pytest.approx(10000.0 ** (-126 / 128), rel=1e-14)
    assert round(theta[-1] * 10000.0, 2) == 1.15
    neox = preset_config("GPT-NeoX-20B")
    assert neox.rotary_dim == 24
    assert round(rope_core.inv_freq(neox)[-1] * neox.rope_theta, 2) == 2.15


def test_precision_float16_rounds_65505_to_65519_down_and_overflows_from_65520():
    """Precision: 65,504 is float16's largest value; 65,505–65,519 round to it; 65,520 and above are inf."""
    assert float(np.float16(65504)) == 65504.0
    for m in (65505, 65512, 65519):
        assert float(np.float16(m)) == 65504.0
    with np.errstate(over="ignore"):
        assert np.isinf(np.float16(65520)) and np.isinf(np.float16(70000))
    err = rope_core.angle_error(RopeConfig(head_dim=2), [65504, 65519, 65520], "float16")[:, 0]
    assert err[0] == 0.0 and err[1] == 15.0  # θ_0 = 1: the angle is the position, rounded to 65,504
    assert np.isinf(err[2])


def test_precision_per_pair_errors_share_a_bound_but_not_a_value():
    """Precision: bf16 at m = 3000 (default head): some pair is exact, the worst relative error is 8.0e-3, under
    three bf16 roundings; at m = 4096 pair 0 is exact and pair 1 loses the most radians."""
    cfg = RopeConfig()
    u = float(ml_dtypes.finfo(ml_dtypes.bfloat16).eps) / 2  # 2^-8
    for m in (3000, 4096):
        err = rope_core.angle_error(cfg, [m], "bfloat16")[0]
        rel = err / (m * rope_core.inv_freq(cfg))
        assert rel.min() == 0.0 and rel.max() <= 3 * u + 3 * u * u
    rel3000 = rope_core.angle_error(cfg, [3000], "bfloat16")[0] / (3000 * rope_core.inv_freq(cfg))
    assert round(rel3000.max(), 4) == 0.0080
    err4096 = rope_core.angle_error(cfg, [4096], "bfloat16")[0]
    assert err4096[0] == 0.0 and int(np.argmax(err4096)) == 1


def test_context_extension_yarn_ramp_is_linear_in_pair_index_unlike_the_papers_gamma():
    """Context extension: d = 128, base 10k, L0 = 4k, factor 16: pair 33 is stretched 1.88× by the code (ramp
    (33 − 20) / (46 − 20) = 1/2, so 1 / (1/2 + 1/32)) and 4.93× by the paper's γ(r) linear in r = L0/λ."""
    cfg = RopeConfig(rope_type="yarn", factor=16.0, original_max_position_embeddings=4096,
                     max_position_embeddings=65536)
    base = rope_core.default_inv_freq(128, 10000.0)
    assert rope_core.yarn_correction_range(cfg) == (20, 46)
    assert base[33] / rope_core.inv_freq(cfg)[33] == pytest.approx(1 / (0.5 + 0.5 / 16), rel=1e-12)
    r = 4096 / (2 * math.pi / base[33])
    gamma = (r - 1) / 31
    assert base[33] / paper_inv_freq(cfg)[33] == pytest.approx(1 / ((1 - gamma) / 16 + gamma), rel=1e-12)
    assert round(base[33] / paper_inv_freq(cfg)[33], 2) == 4.93
    # pairs turning more than beta_fast times keep θ_i, fewer than beta_slow are divided by the factor, in both
    turns = 4096 / (2 * math.pi / base)
    for theta in (rope_core.inv_freq(cfg), paper_inv_freq(cfg)):
        np.testing.assert_allclose(theta[turns > 40], base[turns > 40], rtol=1e-15)
        np.testing.assert_allclose(theta[turns < 0.5], base[turns < 0.5] / 16, rtol=1e-15)


def test_context_extension_deepseek_v3_logits_grow_by_mscale_all_dim_squared():
    """YaRN attention view at DeepSeek-V3: cos/sin factor get_mscale(40, 1) / get_mscale(40, 1) = 1, and the MLA
    softmax scale × (0.1 ln 40 + 1)² = 1.8739, as transformers' yarn_apply_mscale."""
    from transformers.modeling_rope_utils import yarn_apply_mscale

    cfg = preset_config("DeepSeek-V3 (rope part)")
    assert rope_core.attention_factor(cfg) == 1.0
    assert mla_softmax_scale(cfg) == pytest.approx((0.1 * math.log(40) + 1) ** 2, rel=1e-15)
    assert round(mla_softmax_scale(cfg), 4) == 1.8739
    params = {"rope_type": "yarn", "factor": 40.0, "mscale": 1.0, "mscale_all_dim": 1.0}
    factors = np.array([1.0, 2.0, 40.0, 64.0])
    np.testing.assert_allclose(mla_softmax_scales(cfg, factors),
                               [yarn_apply_mscale(dict(params, factor=s), 1.0) for s in factors], rtol=1e-12)
    # without mscale_all_dim, or without scaling, transformers leaves the softmax scale alone
    assert mla_softmax_scale(RopeConfig(rope_type="yarn", factor=40.0)) == 1.0
    assert yarn_apply_mscale({"rope_type": "yarn", "factor": 40.0}, 1.0) == 1.0
    assert mla_softmax_scale(RopeConfig(mscale_all_dim=1.0)) == 1.0


def test_context_extension_dynamic_ntk_stretch_can_exceed_the_factor_at_the_target():
    """Stretch chart subtitle: dynamic NTK at 4× L0 with factor 8 stretches the last pair by exactly
    (8·4 − 7)^((d−2)/d · d/(d−2)) = 25, above the factor (every other method stays ≤ factor or α)."""
    base = rope_core.inv_freq(RopeConfig())
    dyn = rope_core.inv_freq(RopeConfig(rope_type="dynamic", factor=8.0, max_position_embeddings=4096), 16384)
    assert base[-1] / dyn[-1] == pytest.approx(25.0, rel=1e-12)
    ntk = rope_core.inv_freq(RopeConfig(rope_type="ntk", factor=4.0))
    assert base[-1] / ntk[-1] == pytest.approx(4.0, rel=1e-12)
