"""rope_core.phase_error: the cos/sin error an angle error causes, against a direct computation."""

import ml_dtypes
import numpy as np
import pytest

from rope_core.config import RopeConfig
from rope_core.frequencies import inv_freq
from rope_core.phase_error import largest_exact_integer, rotation_error, unit_roundoff

POSITIONS = np.array([0, 1, 7, 255, 256, 257, 4097, 65504, 65505, 10**6], dtype=np.float64)


def _naive_chord(cfg, positions, dt):
    """Cast position and theta_i to dt, multiply there, compare (cos, sin) with float64's: a loop."""
    theta = inv_freq(cfg)
    out = np.zeros((len(positions), len(theta)))
    for r, m in enumerate(positions):
        for i, t in enumerate(theta):
            with np.errstate(over="ignore", invalid="ignore"):
                low = float(np.asarray(m).astype(dt) * np.asarray(t).astype(dt))
            if not np.isfinite(low):
                out[r, i] = np.nan
                continue
            out[r, i] = np.hypot(np.cos(low) - np.cos(m * t), np.sin(low) - np.sin(m * t))
    return out


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32"])
@pytest.mark.parametrize("layout", ["half", "interleaved"])
def test_rotation_error_equals_the_distance_between_the_rotated_unit_vectors(dtype, layout):
    cfg = RopeConfig(head_dim=16, rope_theta=10000.0, layout=layout)
    dt = np.dtype(ml_dtypes.bfloat16) if dtype == "bfloat16" else np.dtype(dtype)
    got = rotation_error(cfg, POSITIONS, dtype)
    want = _naive_chord(cfg, POSITIONS, dt)
    assert got.shape == (len(POSITIONS), cfg.n_pairs)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=1e-9, atol=1e-12)


def test_rotation_error_is_bounded_by_two_and_nan_only_where_float16_overflows():
    cfg = RopeConfig(head_dim=64)
    err16 = rotation_error(cfg, POSITIONS, "float16")
    assert np.all(np.isnan(err16[POSITIONS > 65519]))  # float16 rounds 65505..65519 down to 65504
    assert not np.any(np.isnan(err16[POSITIONS <= 65504]))
    for dt in ("bfloat16", "float32"):
        e = rotation_error(cfg, POSITIONS, dt)
        assert np.all((e >= 0) & (e <= 2))
    assert np.all(rotation_error(cfg, POSITIONS, "float64") == 0)


def test_largest_exact_integer_is_exact_and_the_next_integer_is_not():
    for name, want in (("bfloat16", 256), ("float16", 2048), ("float32", 2**24), ("float64", 2**53)):
        dt = np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)
        n = largest_exact_integer(name)
        assert n == want
        assert float(np.asarray(float(n)).astype(dt)) == n
        assert float(np.asarray(float(n + 1)).astype(dt)) != n + 1


def test_unit_roundoff_is_half_the_spacing_above_one():
    assert unit_roundoff("bfloat16") == 2.0**-8
    assert unit_roundoff("float16") == 2.0**-11
    assert unit_roundoff("float32") == 2.0**-24
