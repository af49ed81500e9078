"""Frames of the Precision page: the error of m·θ_i computed in a low-precision dtype."""

from __future__ import annotations

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.phase_error import largest_exact_integer, rotation_error, unit_roundoff

from explorer.cache import cached

DTYPES = ("bfloat16", "float16", "float32")
N_POSITIONS = 240
# float16 rounds positions 65,505–65,519 down to its largest value 65,504; from 65,520 (halfway to 2^16) it gives inf
FLOAT16_OVERFLOW = 65_520
MAXPOS_GRID = (100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 65_504, 100_000, 200_000,
               500_000, 1_000_000)


def log_positions(max_position: int, n: int = N_POSITIONS) -> np.ndarray:
    """About n integer positions from 1 to max_position, evenly spaced on a log axis (float64)."""
    pos = np.unique(np.rint(np.geomspace(1, max_position, n)))
    return pos


def _plotted(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows a log axis can draw: finite and > 0 (an exact angle has error 0, an overflow inf/NaN)."""
    v = df[column].to_numpy()
    return df[np.isfinite(v) & (v > 0)]


@cached
def error_by_position(cfg: RopeConfig, max_position: int, dtypes: tuple[str, ...]) -> dict:
    """Largest error over pairs at each log-spaced position, per dtype.

    angle_error: rope_core.angle_error (radians); rotation_error: rope_core.phase_error.rotation_error,
    ‖R_dtype x − R x‖ / ‖x‖ of the worst pair. Returns the full frame (CSV) and the drawable rows.
    """
    pos = log_positions(max_position)
    rows = np.arange(len(pos))
    parts = []
    for dt in dtypes:
        err = rope_core.angle_error(cfg, pos, dt)
        rot = rotation_error(cfg, pos, dt)
        worst = np.argmax(err, axis=1)  # inf (overflow) counts as the worst
        rot_worst = np.argmax(np.where(np.isnan(rot), -1.0, rot), axis=1)
        parts.append(pd.DataFrame({
            "dtype": dt, "position": pos, "angle_error_rad": err[rows, worst], "worst_pair": worst,
            "rotation_error": rot[rows, rot_worst], "rotation_worst_pair": rot_worst,
            "rotation_worst_pair_angle_error_rad": err[rows, rot_worst],
        }))
    frame = pd.concat(parts, ignore_index=True)
    angle = _plotted(frame, "angle_error_rad")
    exact = [dt for dt in dtypes if (frame.loc[frame["dtype"] == dt, "angle_error_rad"] == 0).all()]
    return {"frame": frame, "angle": angle, "rotation": _plotted(frame, "rotation_error"), "exact": exact}


@cached
def error_by_pair(cfg: RopeConfig, position: int, dtypes: tuple[str, ...]) -> dict:
    """angle_error of every pair at one position, per dtype."""
    parts = []
    for dt in dtypes:
        err = rope_core.angle_error(cfg, [float(position)], dt)[0]
        parts.append(pd.DataFrame({"dtype": dt, "pair": np.arange(err.size), "angle_error_rad": err,
                                   "angle_rad": rope_core.angles(cfg, [float(position)])[0]}))
    frame = pd.concat(parts, ignore_index=True)
    return {"frame": frame, "plotted": _plotted(frame, "angle_error_rad")}


def dtype_facts(dtypes: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({
        "dtype": list(dtypes),
        "integer positions stored exactly up to": [largest_exact_integer(dt) for dt in dtypes],
        "rounding of a stored cos/sin (unit roundoff)": [unit_roundoff(dt) for dt in dtypes],
    })
