"""What an error in the angle m * theta_i does to the rotation, and the dtype facts behind it.

Companion to precision.angle_error, which measures the angle's error itself.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from .config import RopeConfig
from .precision import angle_error, resolve_dtype


def rotation_error(config: RopeConfig, positions, dtype) -> np.ndarray:
    """||R_dtype(m) x - R(m) x|| / ||x|| in every pair's plane: 2 |sin(dphi / 2)|.

    dphi = precision.angle_error(config, positions, dtype). This is the distance between the unit
    vectors (cos phi', sin phi') and (cos phi, sin phi), i.e. the error of cos/sin caused by the
    angle alone (cos and sin evaluated exactly); 0 <= value <= 2, where 2 means the pair points the
    opposite way. NaN where the dtype cannot hold the position (cos(inf) is NaN in every framework).
    Returns: (len(positions), n_pairs) float64.
    """
    return chord(angle_error(config, positions, dtype))


def chord(angle_err: np.ndarray) -> np.ndarray:
    """2 |sin(dphi / 2)| of each angle error dphi (radians): rotation_error from precision.angle_error's
    output, NaN where it is inf. Returns: a new array of angle_err's shape, float64."""
    out = np.multiply(angle_err, 0.5, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # sin(inf) is NaN: the dtype could not hold the position
        np.sin(out, out=out)
    np.abs(out, out=out)
    out *= 2.0
    return out


def largest_exact_integer(dtype) -> int:
    """2 ** (mantissa bits + 1): every integer position up to this is stored exactly in `dtype`.

    bfloat16 256, float16 2048, float32 16,777,216, float64 2 ** 53.
    """
    return 2 ** (int(ml_dtypes.finfo(resolve_dtype(dtype)).nmant) + 1)


def unit_roundoff(dtype) -> float:
    """eps / 2: the largest relative rounding error of storing a number (e.g. cos, sin) in `dtype`."""
    return float(ml_dtypes.finfo(resolve_dtype(dtype)).eps) / 2.0
