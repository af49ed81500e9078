"""Frames of the Precision page: the error of m·θ_i computed in a low-precision dtype."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

import rope_core
from rope_core import RopeConfig
from rope_core.phase_error import chord, largest_exact_integer, unit_roundoff

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


def _dtype_column(dtypes: tuple[str, ...], n: int) -> pd.Categorical:
    """Each dtype's name repeated n times, as a categorical: built from codes (no per-row strings to infer), and
    Arrow sends each name once."""
    return pd.Categorical.from_codes(np.repeat(np.arange(len(dtypes)), n), categories=list(dtypes))


def _frame(cols: dict[str, np.ndarray | pd.Categorical], keep: np.ndarray | None = None) -> pd.DataFrame:
    """A frame of the columns (the rows flagged in `keep` only), each column taken as it is."""
    if keep is not None and not keep.all():
        cols = {k: v[keep] for k, v in cols.items()}
    return pd.DataFrame(cols, copy=False)


def _drawable(values: np.ndarray) -> np.ndarray:
    """Rows a log axis can draw: finite and > 0 (an exact angle has error 0, an overflow inf/NaN)."""
    return np.isfinite(values) & (values > 0)


@cached
def error_by_position(cfg: RopeConfig, max_position: int, dtypes: tuple[str, ...]) -> dict:
    """Largest error over pairs at each log-spaced position, per dtype.

    angle_error: rope_core.angle_error (radians); rotation_error: rope_core.phase_error.rotation_error,
    ‖R_dtype x − R x‖ / ‖x‖ of the worst pair. Returns the full frame (CSV), the drawable rows of each error
    ("angle", "rotation") and the dtypes whose every angle is exact.
    """
    pos = log_positions(max_position)
    rows = np.arange(len(pos))
    parts: dict[str, list] = {k: [] for k in ("angle_error_rad", "worst_pair", "rotation_error",
                                              "rotation_worst_pair", "rotation_worst_pair_angle_error_rad")}
    exact = []
    for dt in dtypes:
        err = rope_core.angle_error(cfg, pos, dt)
        rot = chord(err)  # rotation_error from the same angle errors
        worst = np.argmax(err, axis=1)  # inf (overflow) counts as the worst
        top = err[rows, worst]
        rot_worst = np.argmax(rot, axis=1)
        # rot is NaN only where err is inf, i.e. in rows whose largest error is inf; there NaN must not win
        over = ~np.isfinite(top)
        if over.any():
            rot_worst[over] = np.argmax(np.nan_to_num(rot[over], nan=-1.0), axis=1)
        parts["angle_error_rad"].append(top)
        parts["worst_pair"].append(worst)
        parts["rotation_error"].append(rot[rows, rot_worst])
        parts["rotation_worst_pair"].append(rot_worst)
        parts["rotation_worst_pair_angle_error_rad"].append(err[rows, rot_worst])
        if not top.any():
            exact.append(dt)
    cols = {"dtype": _dtype_column(dtypes, len(pos)), "position": np.tile(pos, len(dtypes)),
            **{k: np.concatenate(v) for k, v in parts.items()}}
    return {"frame": _frame(cols), "angle": _frame(cols, _drawable(cols["angle_error_rad"])),
            "rotation": _frame(cols, _drawable(cols["rotation_error"])), "exact": exact}


@cached
def error_by_pair(cfg: RopeConfig, position: int, dtypes: tuple[str, ...]) -> dict:
    """angle_error of every pair at one position, per dtype."""
    err = np.concatenate([rope_core.angle_error(cfg, [float(position)], dt)[0] for dt in dtypes])
    n = cfg.n_pairs
    cols = {"dtype": _dtype_column(dtypes, n), "pair": np.tile(np.arange(n), len(dtypes)), "angle_error_rad": err,
            "angle_rad": np.tile(rope_core.angles(cfg, [float(position)])[0], len(dtypes))}
    return {"frame": _frame(cols), "plotted": _frame(cols, _drawable(err))}


def dtype_facts(dtypes: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({
        "dtype": list(dtypes),
        "integer positions stored exactly up to": [largest_exact_integer(dt) for dt in dtypes],
        "rounding of a stored cos/sin (unit roundoff)": [unit_roundoff(dt) for dt in dtypes],
    })


@cached
def dtype_facts_table(dtypes: tuple[str, ...]) -> pa.Table:
    """dtype_facts as the Arrow table st.dataframe sends (it depends on the dtypes only: built once, not converted
    from pandas on every rerun)."""
    return pa.Table.from_pandas(dtype_facts(dtypes), preserve_index=False)
