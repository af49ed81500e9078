"""Inputs several pages share: the q and k vectors the sidebar's "content" control describes."""

from __future__ import annotations

import numpy as np
import pandas as pd

CONTENTS = ("random", "identical", "ones")


def make_qk(head_dim: int, content: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """q and k of shape (head_dim,): independent N(0, 1) draws, one draw used twice, or all ones."""
    if content == "ones":
        ones = np.ones(head_dim)
        return ones, ones.copy()
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(head_dim)
    k = q.copy() if content == "identical" else rng.standard_normal(head_dim)
    return q, k


def positions(offset: int, length: int) -> np.ndarray:
    return np.arange(offset, offset + length, dtype=np.float64)


def stack_frames(frames, column: str, labels) -> pd.DataFrame:
    """The frames (same columns) one below the other, `column` naming each row's frame (a categorical of
    `labels`, in order). Column by column in numpy: pd.concat aligns indexes and re-checks every categorical."""
    sizes = [len(f) for f in frames]
    out = {}
    for name in frames[0].columns:
        first = frames[0][name]
        if isinstance(first.dtype, pd.CategoricalDtype) and all(f[name].dtype == first.dtype for f in frames):
            # the same categories in every frame: join the codes
            codes = np.concatenate([f[name].cat.codes.to_numpy() for f in frames])
            out[name] = pd.Categorical.from_codes(codes, dtype=first.dtype)
        else:
            out[name] = np.concatenate([f[name].to_numpy() for f in frames])
    out[column] = pd.Categorical.from_codes(np.repeat(np.arange(len(frames)), sizes), list(labels))
    # the arrays are new: no copy, and no second one to consolidate the float columns into one block
    return pd.DataFrame(out, copy=False)
