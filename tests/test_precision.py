"""rope_core.precision: angle error of low-precision m * theta_i against float64."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from rope_core.config import RopeConfig
from rope_core.frequencies import inv_freq
from rope_core.precision import angle_error, resolve_dtype

POSITIONS = np.array([0, 1, 7, 255, 256, 257, 4097, 65504, 65505, 10**6], dtype=np.float64)


def naive_error(config, positions, dt):
    """Cast one position and one theta_i to dt, multiply there, compare with float64: a loop."""
    theta = inv_freq(config)
    out = np.zeros((len(positions), len(theta)))
    for r, m in enumerate(positions):
        for i, t in enumerate(theta):
            with np.errstate(over="ignore", invalid="ignore"):
                low = float(np.array([m], dtype=dt)[0] * np.array([t], dtype=dt)[0])
            out[r, i] = abs(low - m * t) if np.isfinite(low) else np.inf
    return out


@pytest.mark.parametrize("name", ["bfloat16", "float16", "float32", "float64"])
def test_angle_error_matches_scalar_loop(name):
    config = RopeConfig(head_dim=16)
    np.testing.assert_array_equal(angle_error(config, POSITIONS, name), naive_error(config, POSITIONS, resolve_dtype(name)))


def test_float64_is_exact_and_float32_is_small():
    config = RopeConfig(head_dim=128, rope_theta=500000.0)
    assert np.all(angle_error(config, POSITIONS, "float64") == 0)
    err32 = angle_error(config, POSITIONS, "float32")
    # Positions here are exact in float32, so two roundings (theta_i, the product) bound the error.
    exact = np.outer(POSITIONS, inv_freq(config))
    assert np.all(err32 <= 2 * 2.0**-24 * exact * (1 + 1e-6))
    assert err32.max() < 0.1


def test_bfloat16_loses_whole_radians_at_a_million():
    config = RopeConfig(head_dim=128)
    # bf16 keeps 8 significant bits: 1e6 rounds to 999424, and theta_0 = 1 exactly.
    assert angle_error(config, [1e6], "bfloat16")[0, 0] == 576.0
    assert float(np.array(1e6, dtype=ml_dtypes.bfloat16)) == 999424.0


def test_float16_overflow_is_reported_as_infinite():
    err = angle_error(RopeConfig(head_dim=8), [65504.0, 1e6], "float16")
    assert np.all(np.isfinite(err[0])) and np.all(np.isinf(err[1]))


def test_resolve_dtype_accepts_names_and_dtypes_only():
    assert resolve_dtype("bfloat16") == np.dtype(ml_dtypes.bfloat16)
    assert resolve_dtype(np.float32) == np.dtype(np.float32)
    with pytest.raises(ValueError, match="dtype must be one of"):
        resolve_dtype("int8")
    with pytest.raises(ValueError, match="dtype must be one of"):
        resolve_dtype(np.int32)
