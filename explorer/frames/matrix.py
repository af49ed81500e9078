"""Frames of the Rotation matrix page: R(m) (or a window of it) and its identities, measured."""

from __future__ import annotations

import numpy as np
import pandas as pd

import rope_core
from rope_core import RopeConfig

from explorer.cache import cached
from explorer.charts import MAX_AXIS
from explorer.frames.common import make_qk

WINDOW_PAIRS = MAX_AXIS // 2  # 70 pairs = 140 rows and columns

IDENTITIES = (
    ("orthogonality", "RᵀR = I", "max |R(m)ᵀR(m) − I|"),
    ("determinant", "det R = 1", "|det R(m) − 1|"),
    ("composition", "R(m)R(n) = R(m+n)", "max |R(m)R(n) − R(m+n)|"),
    ("inverse", "R(m)R(−m) = I", "max |R(m)R(−m) − I|"),
    ("norm", "‖R x‖ = ‖x‖", "|‖R(m)x‖ − ‖x‖|, x = q's rotated part"),
    ("relative", "⟨R(m)q, R(n)k⟩ depends on m − n only",
     "spread along diagonals of ⟨R(m+i)q, R(m+j)k⟩, i, j < 8"),
)


@cached
def matrix_window(cfg: RopeConfig, m: int, first_pair: int, seq_len: int) -> dict:
    """Entries of R(m) on the rows and columns of pairs first_pair … first_pair + 69 (all when fewer).

    In the interleaved layout those rows are contiguous; in the half layout they are two bands,
    i … and i + d/2 …, so the window keeps every pair whole.
    """
    rot = rope_core.rotation_matrix(cfg, m, seq_len=seq_len)
    n = cfg.n_pairs
    first = max(0, min(first_pair, n - WINDOW_PAIRS)) if n > WINDOW_PAIRS else 0
    pairs = np.arange(first, min(n, first + WINDOW_PAIRS))
    ab = rope_core.pair_indices(cfg.rotary_dim, cfg.layout)
    idx = np.sort(ab[pairs].ravel())
    pair_of = np.empty(cfg.rotary_dim, dtype=np.int64)
    pair_of[ab[:, 0]] = np.arange(n)
    pair_of[ab[:, 1]] = np.arange(n)
    r, c = np.meshgrid(idx, idx, indexing="ij")
    frame = pd.DataFrame({"row": r.ravel(), "col": c.ravel(), "value": rot[r, c].ravel(),
                          "row_pair": pair_of[r.ravel()], "col_pair": pair_of[c.ravel()]})
    return {"frame": frame, "first": int(pairs[0]), "last": int(pairs[-1]), "windowed": len(pairs) < n}


@cached
def identity_table(cfg: RopeConfig, m: int, n: int, content: str, seed: int) -> pd.DataFrame:
    """Measured identity errors of R in float64 and float32 (rope_core.identity_errors)."""
    q, _ = make_qk(cfg.head_dim, content, seed)
    errs = {dt: rope_core.identity_errors(cfg, m, n, x=q, dtype=dt) for dt in ("float64", "float32")}
    return pd.DataFrame({
        "identity": [label for _, label, _ in IDENTITIES],
        "measured as": [how for _, _, how in IDENTITIES],
        "float64 error": [errs["float64"][key] for key, _, _ in IDENTITIES],
        "float32 error": [errs["float32"][key] for key, _, _ in IDENTITIES],
    })
