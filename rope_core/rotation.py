"""Angles, the rotation R(m), applying RoPE to vectors, and the identities R satisfies.

Pair layouts:
  "half"        pairs (i, i + d/2): transformers `rotate_half` (Llama, GPT-NeoX, Mistral, Qwen, Gemma, Phi-3).
  "interleaved" pairs (2i, 2i + 1): RoFormer Eq. 34, GPT-J `rotate_every_two`, Meta's complex form.
Pair i turns by m * theta_i: (a, b) -> (a cos - b sin, a sin + b cos).
With several position axes (M-RoPE's t, h, w; a vision encoder's row, column) pair i turns by
m[axis_i] * theta_i, axis_i = pair_axes(config)[i].
"""

from __future__ import annotations

import numpy as np

from .config import RopeConfig
from .diagonals import diagonal_spread
from .frequencies import attention_factor, inv_freq
from .precision import resolve_dtype


def pair_axes(config: RopeConfig) -> np.ndarray:
    """The position axis each pair turns with: 0 .. config.position_axes - 1.

    M-RoPE (mrope_section = (s_t, s_h, s_w), axes t=0, h=1, w=2):
      contiguous (Qwen2-VL, Qwen2.5-VL): pairs [0, s_t) <- t, [s_t, s_t + s_h) <- h, the rest <- w.
        Source: transformers 5.25 `Qwen2VLRotaryEmbedding.recomposition_frequencies` (split, chunk k <- axis k % 3).
      interleaved (Qwen3-VL, Qwen3.5): pair i <- h if i % 3 == 1 and i < 3 s_h, w if i % 3 == 2 and i < 3 s_w,
        else t: t h w t h w ... then t.
        Source: transformers 5.25 `Qwen3VLTextRotaryEmbedding.recomposition_frequencies`.
    "axial" (vision encoders, axes row=0, column=1): the first n_pairs/2 pairs <- row, the rest <- column
        (frequencies.ROPE_INIT_FUNCTIONS["axial"] orders theta to match).
    One axis otherwise: all zeros.
    Returns: (n_pairs,) int array.
    """
    n = config.n_pairs
    i = np.arange(n)
    if config.mrope_section is not None:
        s_t, s_h, s_w = config.mrope_section
        if config.mrope_interleaved:
            axes = np.zeros(n, dtype=np.int64)
            axes[(i % 3 == 1) & (i < 3 * s_h)] = 1
            axes[(i % 3 == 2) & (i < 3 * s_w)] = 2
            return axes
        return np.repeat(np.arange(3), [s_t, s_h, s_w])
    if config.rope_type == "axial":
        return (i >= n // 2).astype(np.int64)
    return np.zeros(n, dtype=np.int64)


def position_matrix(config: RopeConfig, positions) -> np.ndarray:
    """Positions as an (L, position_axes) float64 array.

    1-D positions (L,) fill every axis (text tokens in M-RoPE: t = h = w = m); an (L, k) array must
    have k = config.position_axes columns (t, h, w for M-RoPE; row, column for "axial").
    """
    positions = np.asarray(positions, dtype=np.float64)
    k = config.position_axes
    if positions.ndim <= 1:
        positions = positions.reshape(-1, 1)
        return np.repeat(positions, k, axis=1) if k > 1 else positions
    if positions.ndim != 2 or positions.shape[1] != k:
        names = {1: "(L,)", 2: "(L,) or (L, 2) as (row, column)", 3: "(L,) or (L, 3) as (t, h, w)"}[k]
        raise ValueError(f"positions must have shape {names} for this config, got {positions.shape}")
    return positions


def angles(config: RopeConfig, positions, seq_len: int | None = None) -> np.ndarray:
    """m * theta_i for every position m and pair i (m[axis_i] * theta_i with several axes, see pair_axes).

    positions: (L,), or (L, config.position_axes) for M-RoPE / axial configs (1-D means every axis equal).
    Source: transformers `RotaryEmbedding.forward` (`freqs = position_ids * inv_freq`), recomposed per axis
    as the M-RoPE and vision rotary embeddings do.
    Returns: (L, n_pairs) float64.
    """
    pos = position_matrix(config, positions)
    if pos.shape[1] == 1:
        return np.outer(pos[:, 0], inv_freq(config, seq_len))
    return pos[:, pair_axes(config)] * inv_freq(config, seq_len)


def pair_indices(rotary_dim: int, layout: str) -> np.ndarray:
    """Feature indices (a_i, b_i) of pair i.

    "half": (i, i + d/2); "interleaved": (2i, 2i + 1).
    Returns: (rotary_dim // 2, 2) int array.
    """
    n = rotary_dim // 2
    i = np.arange(n)
    if layout == "half":
        return np.stack([i, i + n], axis=1)
    if layout == "interleaved":
        return np.stack([2 * i, 2 * i + 1], axis=1)
    raise ValueError(f"layout must be 'half' or 'interleaved', got {layout!r}")


def pair_slices(rotary_dim: int, layout: str) -> tuple[slice, slice]:
    """The features a_i and b_i of every pair as two slices, in pair order: pair_indices(...)[:, 0] and [:, 1]
    as views instead of copies ("half": [0, n) and [n, 2n); "interleaved": even and odd features)."""
    n = rotary_dim // 2
    if layout == "half":
        return slice(0, n), slice(n, 2 * n)
    if layout == "interleaved":
        return slice(0, 2 * n, 2), slice(1, 2 * n, 2)
    raise ValueError(f"layout must be 'half' or 'interleaved', got {layout!r}")


def rotation_matrix(config: RopeConfig, m: float, seq_len: int | None = None) -> np.ndarray:
    """R(m): block rotation by m * theta_i in each pair's plane, in the config's layout.

    R[a_i, a_i] = R[b_i, b_i] = cos(m theta_i), R[a_i, b_i] = -sin, R[b_i, a_i] = sin.
    A pure rotation: it does not include attention_factor (apply_rope does).
    Source: RoFormer (arXiv 2104.09864) Eq. 13-15.
    Returns: (rotary_dim, rotary_dim) float64.
    """
    return _rotation_from_angles(angles(config, [m], seq_len)[0], config.layout)


def _rotation_from_angles(phi: np.ndarray, layout: str) -> np.ndarray:
    idx = pair_indices(2 * len(phi), layout)
    a, b = idx[:, 0], idx[:, 1]
    cos = np.cos(np.asarray(phi, dtype=np.float64))
    sin = np.sin(np.asarray(phi, dtype=np.float64))
    rot = np.zeros((2 * len(phi), 2 * len(phi)), dtype=np.float64)
    rot[a, a] = cos
    rot[b, b] = cos
    rot[a, b] = -sin
    rot[b, a] = sin
    return rot


def apply_rope(x, positions, config: RopeConfig, seq_len: int | None = None) -> np.ndarray:
    """RoPE(x, m) as transformers applies it: rotate the first rotary_dim features, pass the rest.

    out[..., a_i] = af * (x_a cos(m theta_i) - x_b sin(m theta_i))
    out[..., b_i] = af * (x_b cos(m theta_i) + x_a sin(m theta_i))
    out[..., rotary_dim:] = x[..., rotary_dim:]   (pass-through, not scaled)
    af = attention_factor(config, seq_len): transformers multiplies cos and sin by it
    (`cos = emb.cos() * attention_scaling`), and its partial-rotary models (GPT-NeoX
    `apply_rotary_pos_emb`, GPT-J) concatenate the untouched `q_pass` part afterwards.
    seq_len: None gives the frequencies transformers builds at init. To reproduce its forward
    on a fresh module for "dynamic"/"longrope", pass seq_len = int(max(positions)) + 1.
    Args: x (..., seq, head_dim); positions (seq,) ints or floats, or (seq, position_axes) (see angles).
    Returns: float64, same shape as x.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] != config.head_dim:
        raise ValueError(f"x must end in head_dim = {config.head_dim} features, got shape {x.shape}")
    phi = angles(config, positions, seq_len)
    if x.ndim < 2 or x.shape[-2] != phi.shape[0]:
        raise ValueError(f"x must have shape (..., seq, head_dim) with seq = len(positions) = {phi.shape[0]}")
    af = attention_factor(config, seq_len)
    cos, sin = np.cos(phi) * af, np.sin(phi) * af
    sa, sb = pair_slices(config.rotary_dim, config.layout)  # views: fancy indexing would copy
    xa, xb = x[..., sa], x[..., sb]
    out = x.copy()
    out[..., sa] = xa * cos - xb * sin
    out[..., sb] = xb * cos + xa * sin
    return out


def apply_rope_pairs(x, positions, config: RopeConfig, pairs, seq_len: int | None = None) -> np.ndarray:
    """The features (a_i, b_i) of RoPE(x, m) for the listed pairs i only.

    out[..., k, 0] = af * (x_a cos(m theta_i) - x_b sin(m theta_i)),
    out[..., k, 1] = af * (x_b cos(m theta_i) + x_a sin(m theta_i)),  i = pairs[k], (a, b) = pair_indices[i]:
    the same operations as apply_rope, so the values equal apply_rope(x, positions, config, seq_len)[..., [a, b]]
    exactly, at the cost of len(pairs) pairs instead of all n_pairs (cos/sin of large angles dominate).
    Args: x (..., seq, head_dim); positions (seq,) or (seq, position_axes); pairs: indices in 0 .. n_pairs - 1.
    Returns: (..., seq, len(pairs), 2) float64.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] != config.head_dim:
        raise ValueError(f"x must end in head_dim = {config.head_dim} features, got shape {x.shape}")
    pos = position_matrix(config, positions)
    if x.ndim < 2 or x.shape[-2] != pos.shape[0]:
        raise ValueError(f"x must have shape (..., seq, head_dim) with seq = len(positions) = {pos.shape[0]}")
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= config.n_pairs):
        raise ValueError(f"pairs must be indices in 0 .. {config.n_pairs - 1}")
    theta = inv_freq(config, seq_len)[pairs]
    phi = np.outer(pos[:, 0], theta) if pos.shape[1] == 1 else pos[:, pair_axes(config)[pairs]] * theta
    af = attention_factor(config, seq_len)
    cos, sin = np.cos(phi) * af, np.sin(phi) * af
    idx = pair_indices(config.rotary_dim, config.layout)[pairs]
    xa, xb = x[..., idx[:, 0]], x[..., idx[:, 1]]
    return np.stack([xa * cos - xb * sin, xb * cos + xa * sin], axis=-1)


def _probe_vectors(d: int, x=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The vectors identity_errors measures with: x (its first d features; default a seeded unit vector) and
    seeded unit q, k, all of length d."""
    rng = np.random.default_rng(0)
    if x is None:
        x = rng.standard_normal(d)
        x /= np.linalg.norm(x)
    x = np.asarray(x, dtype=np.float64).reshape(-1)[:d]
    q, k = rng.standard_normal((2, d))
    return x, q / np.linalg.norm(q), k / np.linalg.norm(k)


def rotation_blocks(theta: np.ndarray, p: float, dtype=np.float64) -> np.ndarray:
    """The 2x2 blocks of R(p), [[cos, -sin], [sin, cos]] of p * theta_i, as R is stored in `dtype`.

    The angle is computed in dtype (p and theta_i cast to dtype and multiplied there, as in
    precision.angle_error) and each entry rounded to dtype, then returned as float64.
    Returns: (len(theta), 2, 2) float64.
    """
    dt = resolve_dtype(dtype)
    phi = (np.asarray(p, dtype=np.float64).astype(dt) * np.asarray(theta).astype(dt)).astype(np.float64)
    c = np.cos(phi).astype(dt).astype(np.float64)
    s = np.sin(phi).astype(dt).astype(np.float64)
    return np.stack([np.stack([c, -s], axis=-1), np.stack([s, c], axis=-1)], axis=-2)


def identity_errors(config: RopeConfig, m: float, n: float, x=None, dtype=np.float64) -> dict[str, float]:
    """Measured violations of the rotation identities at positions m and n, with R stored in `dtype`.

      "orthogonality": max |R(m)^T R(m) - I|
      "determinant":   |det R(m) - 1|
      "composition":   max |R(m) R(n) - R(m+n)|
      "inverse":       max |R(m) R(-m) - I|
      "norm":          | ||R(m) x|| - ||x|| |   (x: first rotary_dim features; default a seeded unit vector)
      "relative":      diagonal_spread of S[i, j] = <R(p_i) q, R(p_j) k>, p = m + 0..7, seeded unit q, k
    R (rotation_blocks) is rounded to dtype; products and norms are taken in float64, so the errors show
    what storing R in dtype costs.
    R is block diagonal, one 2x2 rotation per pair, so R^T R, R(m) R(n) and det R are taken block by
    block (the fast path: O(d) instead of dense d x d products); `identity_errors_dense` in
    tests/test_rotation.py builds the dense matrices and agrees to float64 rounding. det R is the product
    of the blocks' determinants c^2 + s^2, summed as logarithms in extended precision.
    Source: RoFormer (arXiv 2104.09864) Sec. 3.4.
    """
    theta = inv_freq(config)

    def R(p: float) -> np.ndarray:
        return rotation_blocks(theta, p, dtype)

    def T(blocks: np.ndarray) -> np.ndarray:
        return np.swapaxes(blocks, -1, -2)

    def rotate(blocks: np.ndarray, v: np.ndarray) -> np.ndarray:
        """R v for a vector v of rotary_dim features, pair by pair in the config's layout."""
        idx = pair_indices(config.rotary_dim, config.layout)
        out = np.empty(config.rotary_dim)
        turned = blocks @ v[idx][..., None]
        out[idx[:, 0]], out[idx[:, 1]] = turned[:, 0, 0], turned[:, 1, 0]
        return out

    identity = np.eye(2)
    x, q, k = _probe_vectors(config.rotary_dim, x)
    R_m = R(m)
    c, s = R_m[:, 0, 0].astype(np.longdouble), R_m[:, 1, 0].astype(np.longdouble)
    det = np.expm1(np.sum(np.log1p(c * c + s * s - 1)))
    turned_q = np.stack([rotate(R(m + i), q) for i in range(8)])
    turned_k = np.stack([rotate(R(m + i), k) for i in range(8)])
    return {
        "orthogonality": float(np.max(np.abs(T(R_m) @ R_m - identity))),
        "determinant": float(abs(det)),
        "composition": float(np.max(np.abs(R_m @ R(n) - R(m + n)))),
        "inverse": float(np.max(np.abs(R_m @ R(-m) - identity))),
        "norm": float(abs(np.linalg.norm(rotate(R_m, x)) - np.linalg.norm(x))),
        "relative": float(diagonal_spread(turned_q @ turned_k.T)),
    }
