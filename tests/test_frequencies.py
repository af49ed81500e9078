"""rope_core.frequencies: every scaling method against published values and a naive per-pair loop."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rope_core.config import SCALING_TYPES, RopeConfig
from rope_core.frequencies import (
    attention_factor,
    default_inv_freq,
    inv_freq,
    ntk_base,
    wavelengths,
    yarn_correction_range,
)

# --- naive references: one pair at a time, straight from the formulas (rope-formulas.md) ----------


def naive_default(d, base):
    return [1.0 / base ** (2 * i / d) for i in range(d // 2)]


def naive_inv_freq(c: RopeConfig, seq_len=None):
    d = c.rotary_dim
    plain = naive_default(d, c.rope_theta)
    if c.rope_type == "default":
        return plain
    if c.rope_type == "linear":
        return [t / c.factor for t in plain]
    if c.rope_type == "ntk":
        return naive_default(d, c.rope_theta * c.factor ** (d / (d - 2)))
    if c.rope_type == "dynamic":
        length = max(seq_len or 0, c.max_position_embeddings)
        ratio = c.factor * length / c.max_position_embeddings - (c.factor - 1)
        return naive_default(d, c.rope_theta * ratio ** (d / (d - 2)))
    if c.rope_type == "yarn":
        length = c.original_max_position_embeddings or c.max_position_embeddings

        def corr(r):
            return d * math.log(length / (2 * math.pi * r)) / (2 * math.log(c.rope_theta))

        low, high = corr(c.beta_fast), corr(c.beta_slow)
        if c.truncate:
            low, high = math.floor(low), math.ceil(high)
        low, high = max(low, 0), min(high, d - 1)
        if low == high:
            high += 0.001
        out = []
        for i, t in enumerate(plain):
            ramp = min(max((i - low) / (high - low), 0.0), 1.0)
            out.append(t / c.factor * ramp + t * (1 - ramp))
        return out
    if c.rope_type == "llama3":
        orig = c.original_max_position_embeddings or c.max_position_embeddings
        out = []
        for t in plain:
            wavelen = 2 * math.pi / t
            if wavelen < orig / c.high_freq_factor:
                out.append(t)
            elif wavelen > orig / c.low_freq_factor:
                out.append(t / c.factor)
            else:
                s = (orig / wavelen - c.low_freq_factor) / (c.high_freq_factor - c.low_freq_factor)
                out.append((1 - s) * t / c.factor + s * t)
        return out
    if c.rope_type == "longrope":
        orig = c.original_max_position_embeddings or c.max_position_embeddings
        ext = c.long_factor if seq_len is not None and seq_len > orig else c.short_factor
        return [t / e for t, e in zip(plain, ext)]
    raise AssertionError(c.rope_type)


def synthetic_lists(n):
    return tuple(1.0 + 0.05 * i for i in range(n)), tuple(1.0 + 0.5 * i for i in range(n))


CASES = [
    (RopeConfig(head_dim=64, rope_theta=10000.0), [None]),
    (RopeConfig(head_dim=96, partial_rotary_factor=0.25, rope_theta=20000.0), [None]),
    (RopeConfig(rope_type="linear", factor=4.0), [None]),
    (RopeConfig(rope_type="ntk", factor=4.0, head_dim=64), [None]),
    (RopeConfig(rope_type="dynamic", factor=2.0), [None, 100, 4096, 6144, 8192, 16384]),
    (RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=4096, max_position_embeddings=32768), [None]),
    (RopeConfig(rope_type="yarn", factor=32.0, rope_theta=150000.0, head_dim=64, truncate=False,
                original_max_position_embeddings=4096), [None]),
    (RopeConfig(rope_type="yarn", factor=4.0, rope_theta=1e6, beta_fast=64.0, beta_slow=0.5), [None]),
    (RopeConfig(rope_type="llama3", rope_theta=500000.0, factor=8.0, original_max_position_embeddings=8192,
                max_position_embeddings=131072), [None]),
    (RopeConfig(rope_type="llama3", rope_theta=10000.0, factor=4.0, low_freq_factor=2.0, high_freq_factor=8.0,
                original_max_position_embeddings=2048, head_dim=64), [None]),
    (RopeConfig(rope_type="longrope", head_dim=96, factor=32.0, original_max_position_embeddings=4096,
                max_position_embeddings=131072, short_factor=synthetic_lists(48)[0], long_factor=synthetic_lists(48)[1]),
     [None, 4096, 4097, 131072]),
]


@pytest.mark.parametrize(("config", "seq_lens"), CASES, ids=[f"{c.rope_type}-{i}" for i, (c, _) in enumerate(CASES)])
def test_inv_freq_matches_naive_per_pair_loop(config, seq_lens):
    for seq_len in seq_lens:
        np.testing.assert_allclose(inv_freq(config, seq_len), naive_inv_freq(config, seq_len), rtol=1e-13, atol=0)


def test_inv_freq_shape_and_dtype():
    theta = inv_freq(RopeConfig(head_dim=96, partial_rotary_factor=0.5))
    assert theta.shape == (24,) and theta.dtype == np.float64


# --- default ------------------------------------------------------------------------------------


def test_default_values_base_5e5():
    theta = default_inv_freq(128, 500000.0)
    np.testing.assert_allclose(theta[[0, 1, 2, 63]], [1.0, 0.8146172339, 0.6636012377, 2.4551407911e-06], rtol=1e-9)
    assert wavelengths(theta)[-1] == pytest.approx(2.559e6, rel=1e-3)


def test_default_values_base_1e4_agree_with_float32_table():
    theta = default_inv_freq(128, 10000.0)
    expected = [1.0, 0.86596435, 0.74989420, 0.011547820, 0.0099999998, 1.1547819e-4]
    np.testing.assert_allclose(theta[[0, 1, 2, 31, 32, 63]], expected, rtol=1e-6)


def test_wavelengths_are_two_pi_over_frequency():
    theta = default_inv_freq(16, 10000.0)
    np.testing.assert_allclose(wavelengths(theta) * theta, 2 * np.pi, rtol=1e-15)


# --- every method with factor 1 is plain RoPE -------------------------------------------------------


ONES = tuple([1.0] * 64)
FACTOR_ONE = [
    RopeConfig(rope_type="linear", factor=1.0),
    RopeConfig(rope_type="ntk", factor=1.0),
    RopeConfig(rope_type="dynamic", factor=1.0),
    RopeConfig(rope_type="yarn", factor=1.0, original_max_position_embeddings=4096),
    RopeConfig(rope_type="yarn", factor=1.0, truncate=False, mscale=1.0, mscale_all_dim=0.5),
    RopeConfig(rope_type="llama3", factor=1.0, original_max_position_embeddings=8192),
    RopeConfig(rope_type="longrope", factor=1.0, short_factor=ONES, long_factor=ONES),
]
# Dynamic NTK past max_position_embeddings is excluded: there transformers' formula grows the base
# even at factor 1 (see test_dynamic_with_factor_one_still_grows_past_max_position_embeddings).
FACTOR_ONE_CASES = [
    (config, seq_len)
    for config in FACTOR_ONE
    for seq_len in (None, 100, 4096, 50000)
    if not (config.rope_type == "dynamic" and seq_len == 50000)
]


@pytest.mark.parametrize(("config", "seq_len"), FACTOR_ONE_CASES,
                         ids=[f"{c.rope_type}-{s}" for c, s in FACTOR_ONE_CASES])
def test_every_method_with_factor_one_equals_default(config, seq_len):
    plain = default_inv_freq(config.rotary_dim, config.rope_theta)
    np.testing.assert_allclose(inv_freq(config, seq_len), plain, rtol=1e-15)
    assert attention_factor(config, seq_len) == 1.0


def test_dynamic_with_factor_one_still_grows_past_max_position_embeddings():
    # transformers: base * (factor * L / max - (factor - 1)) ** (d / (d - 2)) = base * (L / max) ** (d / (d - 2)).
    config = RopeConfig(rope_type="dynamic", factor=1.0, max_position_embeddings=4096)
    assert ntk_base(config, 8192) == pytest.approx(10000.0 * 2.0 ** (128 / 126), rel=1e-14)


# --- static and dynamic NTK ------------------------------------------------------------------------


@pytest.mark.parametrize(("alpha", "head_dim", "expected"),
                         [(4, 128, 40889.9424), (2, 128, 20221.2617), (8, 128, 82684.6226), (4, 64, 41829.3659)])
def test_static_ntk_base(alpha, head_dim, expected):
    config = RopeConfig(rope_type="ntk", factor=alpha, head_dim=head_dim)
    assert ntk_base(config) == pytest.approx(expected, abs=5e-5)
    np.testing.assert_allclose(inv_freq(config), default_inv_freq(head_dim, expected), rtol=1e-8)


@pytest.mark.parametrize(("seq_len", "expected"),
                         [(None, 10000.0), (1000, 10000.0), (4096, 10000.0), (6144, 20221.2617),
                          (8192, 30527.7367), (16384, 72195.8601)])
def test_dynamic_ntk_base_depends_on_seq_len(seq_len, expected):
    config = RopeConfig(rope_type="dynamic", factor=2.0, max_position_embeddings=4096)
    assert ntk_base(config, seq_len) == pytest.approx(expected, abs=5e-5)


def test_dynamic_uses_max_position_embeddings_not_original():
    config = RopeConfig(rope_type="dynamic", factor=2.0, max_position_embeddings=4096,
                        original_max_position_embeddings=1024)
    assert ntk_base(config, 8192) == pytest.approx(30527.7367, abs=5e-5)


def test_ntk_base_is_rope_theta_for_other_methods():
    assert ntk_base(RopeConfig(rope_type="linear", factor=4.0, rope_theta=5e5)) == 5e5


# --- YaRN -----------------------------------------------------------------------------------------

YARN8 = RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=4096, max_position_embeddings=32768)


def test_yarn_correction_dims_and_range():
    raw = RopeConfig(rope_type="yarn", factor=8.0, original_max_position_embeddings=4096, truncate=False)
    low, high = yarn_correction_range(raw)
    assert low == pytest.approx(20.94448, abs=1e-5) and high == pytest.approx(45.02688, abs=1e-5)
    assert yarn_correction_range(YARN8) == (20, 46)


def test_yarn_attention_factor_and_frequency_ratios():
    assert attention_factor(YARN8) == pytest.approx(1.2079442, abs=1e-7)
    ratio = default_inv_freq(128, 10000.0) / inv_freq(YARN8)
    np.testing.assert_allclose(ratio[:21], 1.0, rtol=1e-14)
    assert ratio[21] == pytest.approx(1.034826, abs=1e-6)
    assert ratio[30] == pytest.approx(1.507246, abs=1e-6)
    assert ratio[45] == pytest.approx(6.30303, abs=1e-5)
    np.testing.assert_allclose(ratio[46:], 8.0, rtol=1e-14)


def test_yarn_uses_max_position_embeddings_when_no_original_is_given():
    config = RopeConfig(rope_type="yarn", factor=8.0, max_position_embeddings=4096)
    assert yarn_correction_range(config) == (20, 46)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (RopeConfig(rope_type="yarn", head_dim=64, factor=40.0, original_max_position_embeddings=4096), (10, 23)),
        (RopeConfig(rope_type="yarn", rope_theta=1e6, factor=4.0, original_max_position_embeddings=32768,
                    max_position_embeddings=32768), (23, 40)),
    ],
    ids=["deepseek-v3", "qwen2.5"],
)
def test_yarn_ranges_of_real_models(config, expected):
    assert yarn_correction_range(config) == expected


def test_yarn_factor_is_used_even_when_max_equals_original():
    # transformers 5.x (PR #40320): Qwen's factor 4 with max = original = 32768 stays 4, not 1.
    qwen = RopeConfig(rope_type="yarn", rope_theta=1e6, factor=4.0, original_max_position_embeddings=32768,
                      max_position_embeddings=32768)
    assert attention_factor(qwen) == pytest.approx(1.1386294, abs=1e-7)
    assert inv_freq(qwen)[-1] == pytest.approx(default_inv_freq(128, 1e6)[-1] / 4, rel=1e-14)


def test_yarn_truncate_false_keeps_fractional_bounds():
    gpt_oss = RopeConfig(rope_type="yarn", head_dim=64, rope_theta=150000.0, factor=32.0, truncate=False,
                         original_max_position_embeddings=4096, max_position_embeddings=131072)
    low, high = yarn_correction_range(gpt_oss)
    assert low == pytest.approx(8.09278, abs=1e-5) and high == pytest.approx(17.39802, abs=1e-5)


@pytest.mark.parametrize(("factor", "expected"),
                         [(4, 1.138629), (8, 1.207944), (16, 1.277259), (32, 1.346574), (40, 1.368888)])
def test_yarn_default_attention_factor(factor, expected):
    config = RopeConfig(rope_type="yarn", factor=factor, original_max_position_embeddings=4096)
    assert attention_factor(config) == pytest.approx(expected, abs=1e-6)


def test_yarn_mscale_ratio_explicit_override_and_lone_mscale():
    base = dict(rope_type="yarn", head_dim=64, factor=40.0, original_max_position_embeddings=4096)
    assert attention_factor(RopeConfig(**base, mscale=1.0, mscale_all_dim=1.0)) == 1.0
    ratio = (0.1 * 1.0 * math.log(40) + 1) / (0.1 * 0.5 * math.log(40) + 1)
    assert attention_factor(RopeConfig(**base, mscale=1.0, mscale_all_dim=0.5)) == pytest.approx(ratio, rel=1e-15)
    assert attention_factor(RopeConfig(**base, attention_factor=1.5, mscale=1.0, mscale_all_dim=0.5)) == 1.5
    # transformers needs both: a lone mscale falls back to 0.1 ln(factor) + 1.
    assert attention_factor(RopeConfig(**base, mscale=2.0)) == pytest.approx(1.368888, abs=1e-6)


# --- Llama 3.1 ------------------------------------------------------------------------------------

LLAMA31 = RopeConfig(rope_type="llama3", rope_theta=500000.0, factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                     original_max_position_embeddings=8192, max_position_embeddings=131072)


def test_llama31_bands():
    ratio = default_inv_freq(128, 500000.0) / inv_freq(LLAMA31)
    np.testing.assert_array_equal(ratio[:29], 1.0)
    assert np.all((ratio[29:35] > 1.0) & (ratio[29:35] < 8.0))
    np.testing.assert_allclose(ratio[35:], 8.0, rtol=1e-15)
    assert inv_freq(LLAMA31)[29] == pytest.approx(2.166570e-3, rel=1e-6)
    np.testing.assert_allclose(ratio[[29, 30, 31, 32]], [1.207484, 1.553415, 2.026313, 2.694530], atol=1e-6)
    np.testing.assert_allclose(inv_freq(LLAMA31)[[30, 31, 32, 35]], [1.371894e-3, 8.567515e-4, 5.248461e-4, 9.556212e-5],
                               rtol=1e-6)


def test_llama31_smooth_factors():
    wavelen = wavelengths(default_inv_freq(128, 500000.0))[29:35]
    smooth = (8192 / wavelen - 1.0) / (4.0 - 1.0)
    np.testing.assert_allclose(smooth, [0.803621, 0.592849, 0.421151, 0.281283, 0.167343, 0.074527], atol=1e-6)


# --- LongRoPE -------------------------------------------------------------------------------------


def test_longrope_switches_to_long_factors_above_original_length():
    short, long = synthetic_lists(48)
    config = RopeConfig(rope_type="longrope", head_dim=96, factor=32.0, original_max_position_embeddings=4096,
                        max_position_embeddings=131072, short_factor=short, long_factor=long)
    plain = default_inv_freq(96, 10000.0)
    for seq_len in (None, 1, 4096):
        np.testing.assert_allclose(inv_freq(config, seq_len), plain / np.array(short), rtol=1e-15)
    for seq_len in (4097, 131072):
        np.testing.assert_allclose(inv_freq(config, seq_len), plain / np.array(long), rtol=1e-15)


def test_phi3_attention_factor():
    ones = tuple([1.0] * 48)
    config = RopeConfig(rope_type="longrope", head_dim=96, factor=131072 / 4096, original_max_position_embeddings=4096,
                        max_position_embeddings=131072, short_factor=ones, long_factor=ones)
    assert attention_factor(config) == pytest.approx(math.sqrt(17 / 12), abs=1e-9)
    assert attention_factor(config) == pytest.approx(1.190238071, abs=1e-9)


# --- properties -----------------------------------------------------------------------------------


@st.composite
def scaled_configs(draw):
    head_dim = 2 * draw(st.integers(2, 128))
    # proportional (zero frequencies) and axial (2-D, its own ordering) have their own tests
    rope_type = draw(st.sampled_from([t for t in SCALING_TYPES if t not in ("proportional", "axial")]))
    n = head_dim // 2
    lists = {}
    if rope_type == "longrope":
        lists = {"short_factor": tuple(draw(st.lists(st.floats(1.0, 64.0), min_size=n, max_size=n))),
                 "long_factor": tuple(draw(st.lists(st.floats(1.0, 64.0), min_size=n, max_size=n)))}
    return RopeConfig(
        head_dim=head_dim,
        rope_theta=draw(st.floats(2.0, 1e8)),
        rope_type=rope_type,
        factor=draw(st.floats(1.0, 64.0)),
        max_position_embeddings=draw(st.integers(16, 1 << 20)),
        original_max_position_embeddings=draw(st.integers(16, 1 << 16)),
        truncate=draw(st.booleans()),
        **lists,
    )


@settings(max_examples=150, deadline=None)
@given(scaled_configs(), st.one_of(st.none(), st.integers(1, 1 << 22)))
def test_scaling_never_raises_a_frequency_and_stays_finite(config, seq_len):
    theta = inv_freq(config, seq_len)
    plain = default_inv_freq(config.rotary_dim, config.rope_theta)
    assert theta.shape == (config.n_pairs,)
    assert np.all(np.isfinite(theta)) and np.all(theta > 0)
    assert np.all(theta <= plain * (1 + 1e-12))
    assert math.isfinite(attention_factor(config, seq_len)) and attention_factor(config, seq_len) >= 1.0


@pytest.mark.parametrize("config", [
    YARN8,
    RopeConfig(rope_type="yarn", factor=4.0, mscale=2.0, mscale_all_dim=1.0),
    RopeConfig(rope_type="yarn", factor=4.0, mscale=1.0, mscale_all_dim=0.0),
    RopeConfig(rope_type="yarn", factor=4.0, attention_factor=0.7),
], ids=["plain", "mscale-ratio", "lone-mscale", "explicit"])
def test_yarn_attention_factors_equal_attention_factor_of_each_config(config):
    import dataclasses

    from rope_core.frequencies import yarn_attention_factors

    factors = np.round(np.arange(1.0, 64.0 + 1e-9, 0.25), 2)
    expected = [attention_factor(dataclasses.replace(config, factor=float(s))) for s in factors]
    np.testing.assert_array_equal(yarn_attention_factors(config, factors), expected)


# --- proportional (p-RoPE), llama3 with low == high, axial: values transformers 5.25 printed -----------
# (/work/shared/reference/rope-frontier.md B1, B3, B4; float32 values, so rtol 1e-6)

GEMMA4_GLOBAL = RopeConfig(rope_type="proportional", head_dim=512, partial_rotary_factor=0.25, rope_theta=1e6)


def test_proportional_gemma4_global_matches_transformers():
    theta = inv_freq(GEMMA4_GLOBAL)
    assert theta.shape == (256,) and GEMMA4_GLOBAL.n_pairs == 256 and GEMMA4_GLOBAL.rotary_dim == 512
    np.testing.assert_allclose(theta[:4], [1, 0.947463512, 0.897687137, 0.850525856], rtol=1e-6)
    assert theta[63] == pytest.approx(0.0333762467, rel=1e-6)
    assert np.count_nonzero(theta) == 64 and np.all(theta[64:] == 0.0)
    assert attention_factor(GEMMA4_GLOBAL) == 1.0


def test_proportional_exponent_is_over_the_full_head_dim_not_the_rotated_part():
    # default + partial 0.25 on head_dim 512 uses 128 as the denominator: theta_63 = 1e6 ** (-126/128)
    partial = RopeConfig(head_dim=512, partial_rotary_factor=0.25, rope_theta=1e6)
    assert inv_freq(partial)[63] == pytest.approx(1.24093776e-06, rel=1e-6)
    assert inv_freq(GEMMA4_GLOBAL)[63] == pytest.approx(1e6 ** (-126 / 512), rel=1e-15)


def test_proportional_factor_divides_and_lfm3_and_odd_fractions():
    scaled = dataclasses.replace(GEMMA4_GLOBAL, factor=8.0)
    np.testing.assert_allclose(inv_freq(scaled)[[0, 1, 63]], [0.125, 0.118432939, 0.00417203084], rtol=1e-6)
    lfm3 = RopeConfig(rope_type="proportional", head_dim=128, partial_rotary_factor=0.5, rope_theta=1e6)
    theta = inv_freq(lfm3)
    np.testing.assert_allclose(theta[:3], [1, 0.805842221, 0.649381638], rtol=1e-6)
    assert theta[31] == pytest.approx(0.00124093785, rel=1e-6) and np.count_nonzero(theta) == 32
    # int(0.3 * 100 // 2) = 15 rotating pairs of 50 (transformers' edge case)
    odd = RopeConfig(rope_type="proportional", head_dim=100, partial_rotary_factor=0.3)
    assert np.count_nonzero(inv_freq(odd)) == 15 and inv_freq(odd).shape == (50,)
    assert np.isinf(wavelengths(inv_freq(odd))[15:]).all()


def test_llama3_with_low_equal_high_is_llama4_scouts_hard_step():
    scout = RopeConfig(rope_type="llama3", rope_theta=5e5, factor=16.0, low_freq_factor=1.0, high_freq_factor=1.0,
                       original_max_position_embeddings=8192, max_position_embeddings=10485760)
    theta = inv_freq(scout)
    np.testing.assert_allclose(theta[:3], [1, 0.814617217, 0.663601279], rtol=1e-6)
    np.testing.assert_allclose(theta[20:24], [0.0165604409, 0.0134904198, 0.0109895291, 0.00895225909], rtol=1e-6)
    assert theta[63] == pytest.approx(1.53446294e-07, rel=1e-6)
    plain = default_inv_freq(128, 5e5)
    divided = np.isclose(theta, plain / 16, rtol=1e-15)
    assert divided.sum() == 29 and np.all(divided == (wavelengths(plain) > 8192))
    assert np.all(np.isfinite(theta)) and np.all(theta[~divided] == plain[~divided])


def test_axial_frequencies_of_pixtral_and_qwen2_vl_vision():
    pixtral = inv_freq(RopeConfig(rope_type="axial", head_dim=64, axial_split="alternate"))
    np.testing.assert_allclose(pixtral[0:4], [1, 0.562341332, 0.316227764, 0.177827939], rtol=1e-6)
    np.testing.assert_allclose(pixtral[16:20], [0.749894202, 0.421696514, 0.237137362, 0.133352146], rtol=1e-6)
    qwen = inv_freq(RopeConfig(rope_type="axial", head_dim=80, axial_split="shared"))
    np.testing.assert_allclose(qwen[0:4], [1, 0.630957305, 0.398107171, 0.251188636], rtol=1e-6)
    assert qwen.shape == (40,) and np.array_equal(qwen[:20], qwen[20:])


def test_rotating_pairs_counts_proportionals_n_rot_and_every_pair_otherwise():
    import rope_core

    # n_rot = int(partial_rotary_factor · head_dim // 2), by hand: 0.25 · 512 // 2 = 64 of 256; 0.5 · 128 // 2 = 32 of 64
    gemma = rope_core.preset_config("Gemma-4-31B (global layers)")
    lfm = rope_core.preset_config("LFM3 (global layers)")
    assert (rope_core.rotating_pairs(gemma), gemma.n_pairs) == (64, 256)
    assert (rope_core.rotating_pairs(lfm), lfm.n_pairs) == (32, 64)
    assert rope_core.rotating_pairs(dataclasses.replace(gemma, factor=8.0)) == 64  # scaling never stills a pair
    for name in ("Llama-3.1-8B", "Phi-3.5-mini-instruct", "Qwen2.5-7B-Instruct + YaRN x4", "GPT-NeoX-20B"):
        cfg = rope_core.preset_config(name)
        assert rope_core.rotating_pairs(cfg) == cfg.rotary_dim // 2, name
