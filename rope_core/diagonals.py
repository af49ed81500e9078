"""Per-diagonal statistics of a score matrix: how far a matrix is from depending only on i − j."""

from __future__ import annotations

import numpy as np


def diagonal_spreads(S) -> tuple[np.ndarray, np.ndarray]:
    """(max − min) along every diagonal of S, indexed by the offset i − j (row minus column).

    For scores S[i, j] at evenly spaced positions p_i, the diagonal with offset k holds every pair
    at distance m − n = k · step; a zero spread there means the score depends only on m − n.
    scores.diagonal_spread(S) is the maximum of these.
    Args: S (rows, cols). Returns: (offsets, spreads), each (rows + cols − 1,), offsets ascending
    from −(cols − 1) to rows − 1 (int64 and float64); empty arrays for an empty S.
    """
    S = np.asarray(S, dtype=np.float64)
    rows, cols = S.shape
    if rows == 0 or cols == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    offsets = np.arange(-(cols - 1), rows, dtype=np.int64)
    # np.diagonal(S, t) runs over j − i = t, i.e. over i − j = −t
    spreads = np.array([np.ptp(np.diagonal(S, -k)) for k in offsets], dtype=np.float64)
    return offsets, spreads
