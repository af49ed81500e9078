"""Per-diagonal statistics of a score matrix: how far a matrix is from depending only on i − j."""

from __future__ import annotations

import numpy as np


def diagonal_spreads(S) -> tuple[np.ndarray, np.ndarray]:
    """(max − min) along every diagonal of S, indexed by the offset i − j (row minus column).

    For scores S[i, j] at evenly spaced positions p_i, the diagonal with offset k holds every pair
    at distance m − n = k · step; a zero spread there means the score depends only on m − n.
    diagonal_spread(S) is the maximum of these.
    Args: S (rows, cols). Returns: (offsets, spreads), each (rows + cols − 1,), offsets ascending
    from −(cols − 1) to rows − 1 (int64 and float64); empty arrays for an empty S.
    """
    S = np.asarray(S, dtype=np.float64)
    rows, cols = S.shape
    if rows == 0 or cols == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    offsets = np.arange(-(cols - 1), rows, dtype=np.int64)
    # Skew S so that diagonal i − j = k becomes column k + cols − 1, padded with ∓inf (never the max or
    # min of a diagonal, which always has an entry), then one max and one min per column: the same
    # values as np.ptp(np.diagonal(S, -k)) for every k, NaN included (max and min propagate it).
    col = np.arange(rows)[:, None] - np.arange(cols)[None, :] + (cols - 1)
    row = np.broadcast_to(np.arange(rows)[:, None], col.shape)
    high = np.full((rows, rows + cols - 1), -np.inf)
    low = np.full((rows, rows + cols - 1), np.inf)
    high[row, col] = S
    low[row, col] = S
    spreads = high.max(axis=0) - low.min(axis=0)
    return offsets, spreads


def diagonal_spread(S) -> float:
    """max over diagonals of (max − min): 0 for a matrix that depends only on i − j.

    Diagonals are by index offset, so they are distance diagonals for evenly spaced positions.
    Returns: float (0.0 for an empty matrix).
    """
    S = np.asarray(S, dtype=np.float64)
    rows, cols = S.shape
    if S.size == 0:
        return 0.0
    # Running max/min per offset j − i, indexed by j − i + rows − 1; one vector op per row.
    high = np.full(rows + cols - 1, -np.inf)
    low = np.full(rows + cols - 1, np.inf)
    for i in range(rows):
        window = slice(rows - 1 - i, rows - 1 - i + cols)
        np.maximum(high[window], S[i], out=high[window])
        np.minimum(low[window], S[i], out=low[window])
    return float(np.max(high - low))
