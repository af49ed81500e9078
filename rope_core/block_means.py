"""Block means of the score matrix S[m, n] = g(m − n): the mean of S over each (block of m) × (block of n).

Per pair i with weights A_i = a c + b e, B_i = a e − b c (rope_core.scores.score_vs_distance),
g(Δ) = af² Σ_i Re[(A_i − j B_i) e^{jΔθ_i}] + <q_pass, k_pass>. The sum of e^{jmθ} over a block of n positions
centred at c is e^{jcθ} D_n(θ) with D_n(θ) = sin(nθ/2) / sin(θ/2) (a geometric series; D_n(0) = n), so the sum of
S over blocks I × J is af² Σ_i D_{n_I}(θ_i) D_{n_J}(θ_i) [A_i cos((c_I − c_J)θ_i) + B_i sin((c_I − c_J)θ_i)]
+ n_I n_J <q_pass, k_pass>: g at the distance of the block centres, each pair weighted by w = D_n/n per block.
Exact (no sampling), O(blocks · d) instead of the O(L²) cells.
"""

from __future__ import annotations

import numpy as np

from .angle_sums import pair_sums
from .config import RopeConfig
from .frequencies import attention_factor, inv_freq
from .scores import pair_weights


def _pair_weights(n, theta: np.ndarray) -> np.ndarray:
    """D_n(θ) / n = sin(nθ/2) / (n sin(θ/2)): the mean of e^{j(u − (n−1)/2)θ} over u = 0 … n − 1, per block size n
    (rows) and pair (columns); 1 where sin(θ/2) = 0."""
    n = np.asarray(n, dtype=np.float64).reshape(-1, 1)
    half = np.sin(theta / 2.0)
    zero = half == 0.0
    return np.where(zero, 1.0, np.sin(n * theta / 2.0) / (n * np.where(zero, 1.0, half)))


def score_block_means(q, k, config: RopeConfig, edges, seq_len: int | None = None) -> np.ndarray:
    """M[I, J] = mean of <RoPE(q, m), RoPE(k, n)> over m in [edges[I], edges[I+1]), n in [edges[J], edges[J+1]).

    Blocks of equal size at equal spacing give a Toeplitz M (the centre distance is a multiple of the size), which
    is evaluated once per block distance (angle_sums.pair_sums); a different last block, row and column, directly.
    Args: q, k (head_dim,); edges increasing ints. Returns: (len(edges) − 1, len(edges) − 1) float64.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1)
    big_a, big_b, passthrough = pair_weights(q, k, config)
    theta = inv_freq(config, seq_len)
    af2 = attention_factor(config, seq_len) ** 2
    sizes = np.diff(edges)
    centres = (edges[:-1] + edges[1:] - 1) / 2.0
    cells = len(sizes)
    out = np.empty((cells, cells))
    if cells == 0:
        return out

    # the leading blocks of the first block's size, evenly spaced: one value per block distance
    size = sizes[0]
    full = int(np.argmax(sizes != size)) if (sizes != size).any() else cells
    w2 = _pair_weights(size, theta)[0] ** 2
    h = af2 * pair_sums(w2 * big_a, w2 * big_b, theta, -(full - 1) * float(size), float(size), 2 * full - 1)
    # out[I, J] = h[I − J + full − 1]: row I is the window of h[::-1] from full − 1 − I (a view, no index array)
    out[:full, :full] = np.lib.stride_tricks.sliding_window_view((h + passthrough)[::-1], full)[::-1]

    # blocks of another size (the window's remainder): their rows and columns against every block
    if full < cells:
        w = _pair_weights(sizes, theta)  # (cells, P)
        rest = np.arange(full, cells)

        def means(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            phi = np.subtract.outer(centres[rows], centres[cols])[..., None] * theta  # (rows, cols, P)
            weight = w[rows][:, None, :] * w[cols][None, :, :]
            return af2 * np.sum(weight * (big_a * np.cos(phi) + big_b * np.sin(phi)), axis=-1) + passthrough

        out[rest, :] = means(rest, np.arange(cells))
        out[:, rest] = means(np.arange(cells), rest)
    return out
