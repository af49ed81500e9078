"""How much of the angle m * theta_i survives low-precision arithmetic.

Modelled on the real pipeline (transformers `RotaryEmbedding.forward`:
`position_ids.float() * inv_freq`): positions and theta_i are each cast to the dtype and
multiplied in that dtype. bfloat16 comes from ml_dtypes.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from .config import RopeConfig
from .frequencies import inv_freq

DTYPES: dict[str, np.dtype] = {
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float16": np.dtype(np.float16),
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
}


def resolve_dtype(dtype) -> np.dtype:
    """A numpy dtype from a name in DTYPES ("bfloat16", "float16", "float32", "float64") or a dtype."""
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        return DTYPES[dtype]
    resolved = np.dtype(dtype)
    if resolved not in DTYPES.values():
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {resolved}")
    return resolved


def angle_error(config: RopeConfig, positions, dtype) -> np.ndarray:
    """|fl(fl(m) * fl(theta_i)) - m * theta_i| per position and pair, in radians.

    fl() rounds to `dtype`; the product is formed in dtype; the reference is float64.
    Where the dtype cannot hold the position the error is inf: float16 rounds 65505..65519 down to its
    largest value 65504 (a finite error) and overflows from 65520, halfway to 2^16, on.
    The error is of the raw angle (not reduced mod 2*pi): it is the phase error of cos/sin.
    Source: the float32 pipeline of transformers `RotaryEmbedding.forward`; Xiong et al. 2023
    and others note bf16 RoPE angles lose position resolution at long context.
    Returns: (len(positions), n_pairs) float64.
    """
    dt = resolve_dtype(dtype)
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    theta = inv_freq(config)
    with np.errstate(over="ignore", invalid="ignore"):
        err = (positions.astype(dt)[:, None] * theta.astype(dt)[None, :]).astype(np.float64)
        # in place: a few passes over positions × pairs, each as long as the product itself
        np.subtract(err, np.multiply.outer(positions, theta), out=err)
        np.abs(err, out=err)
    err[np.isnan(err)] = np.inf  # a rounded position of inf times θ_i = 0 (a proportional pair): no angle at all
    return err
