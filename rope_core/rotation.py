"""Angles, the rotation R(m), applying RoPE to vectors, and the identities R satisfies.

Pair layouts:
  "half"        pairs (i, i + d/2): transformers `rotate_half` (Llama, GPT-NeoX, Mistral, Qwen, Gemma, Phi-3).
  "interleaved" pairs (2i, 2i + 1): RoFormer Eq. 34, GPT-J `rotate_every_two`, Meta's complex form.
Pair i turns by m * theta_i: (a, b) -> (a cos - b sin, a sin + b cos).
"""

from __future__ import annotations

import numpy as np

from .config import RopeConfig
from .diagonals import diagonal_spread
from .frequencies import attention_factor, inv_freq
from .precision import resolve_dtype


def angles(config: RopeConfig, positions, seq_len: int | None = None) -> np.ndarray:
    """m * theta_i for every position m and pair i: outer(positions, inv_freq).

    Source: transformers `RotaryEmbedding.forward` (`freqs = position_ids * inv_freq`).
    Returns: (len(positions), n_pairs) float64.
    """
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    return np.outer(positions, inv_freq(config, seq_len))


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
    Args: x (..., seq, head_dim); positions (seq,) ints or floats.
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
    sa, sb = pair_slices(config.rotary_dim, config.layout)  # views: fancy indexing took half the time at d = 512
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
    Args: x (..., seq, head_dim); positions (seq,); pairs: pair indices in 0 .. n_pairs - 1.
    Returns: (..., seq, len(pairs), 2) float64.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] != config.head_dim:
        raise ValueError(f"x must end in head_dim = {config.head_dim} features, got shape {x.shape}")
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    if x.ndim < 2 or x.shape[-2] != positions.size:
        raise ValueError(f"x must have shape (..., seq, head_dim) with seq = len(positions) = {positions.size}")
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= config.n_pairs):
        raise ValueError(f"pairs must be indices in 0 .. {config.n_pairs - 1}")
    phi = np.outer(positions, inv_freq(config, seq_len)[pairs])
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


def identity_errors(config: RopeConfig, m: float, n: float, x=None, dtype=np.float64) -> dict[str, float]:
    """Measured violations of the rotation identities at positions m and n.

    Each R is built from angles computed in `dtype` (positions and theta_i cast to dtype and
    multiplied there, as in precision.angle_error) with entries rounded to dtype; products and
    norms are then taken in float64, so the errors show what storing R in dtype costs.
      "orthogonality": max |R(m)^T R(m) - I|
      "determinant":   |det R(m) - 1|
      "composition":   max |R(m) R(n) - R(m+n)|
      "inverse":       max |R(m) R(-m) - I|
      "norm":          | ||R(m) x|| - ||x|| |   (x: first rotary_dim features; default a seeded unit vector)
      "relative":      diagonal_spread of S[i, j] = <R(p_i) q, R(p_j) k>, p = m + 0..7, seeded unit q, k
    R is block diagonal (a 2×2 rotation per pair, `pair_indices`), so every product is taken block by block:
    O(d) work instead of O(d³) dense products. `identity_errors_dense` in tests/test_rotation.py is the dense
    reference; the two agree to float64 rounding. The determinant is the product of the blocks' determinants
    c² + s², summed as logarithms in extended precision: closer to det of the rounded R than an LU factorisation.
    Source: RoFormer (arXiv 2104.09864) Sec. 3.4.
    """
    dt = resolve_dtype(dtype)
    theta = inv_freq(config)

    def rot(p: float) -> tuple[np.ndarray, np.ndarray]:
        """cos and sin of each pair's angle at position p, rounded to dt (R's nonzero entries, as float64)."""
        phi = (np.asarray(p, dtype=np.float64).astype(dt) * theta.astype(dt)).astype(np.float64)
        return np.cos(phi).astype(dt).astype(np.float64), np.sin(phi).astype(dt).astype(np.float64)

    def times(c1, s1, c2, s2):
        """Entries (a,a), (a,b), (b,a), (b,b) of the blocks of R1 R2: [[c1, -s1], [s1, c1]] @ [[c2, -s2], [s2, c2]]."""
        return c1 * c2 + (-s1) * s2, c1 * (-s2) + (-s1) * c2, s1 * c2 + c1 * s2, s1 * (-s2) + c1 * c2

    d = config.rotary_dim
    idx = pair_indices(d, config.layout)
    a, b = idx[:, 0], idx[:, 1]

    def apply(c, s, v):
        out = np.empty(d)
        out[a] = c * v[a] + (-s) * v[b]
        out[b] = s * v[a] + c * v[b]
        return out

    (c_m, s_m), (c_n, s_n) = rot(m), rot(n)
    x, q, k = _probe_vectors(d, x)
    turned = [rot(m + i) for i in range(8)]
    rq = np.stack([apply(c, s, q) for c, s in turned])
    rk = np.stack([apply(c, s, k) for c, s in turned])
    # R(m)^T = R(-m) when both come from the same angles: the blocks of R^T R are those of R(m) R(-m)
    # ((-m) · θ_i is exactly -(m · θ_i) in any binary dtype), so one block product serves both identities.
    aa, ab, ba, bb = times(c_m, s_m, c_m, -s_m)
    orthogonal = float(max(np.max(np.abs(aa - 1.0)), np.max(np.abs(ab)), np.max(np.abs(ba)), np.max(np.abs(bb - 1.0))))
    c_mn, s_mn = rot(m + n)
    aa, ab, ba, bb = times(c_m, s_m, c_n, s_n)
    composition = max(np.max(np.abs(aa - c_mn)), np.max(np.abs(ab + s_mn)), np.max(np.abs(ba - s_mn)),
                      np.max(np.abs(bb - c_mn)))
    c_l, s_l = c_m.astype(np.longdouble), s_m.astype(np.longdouble)
    log_det = np.sum(np.log1p(c_l * c_l + s_l * s_l - 1))
    return {
        "orthogonality": orthogonal,
        "determinant": float(abs(np.expm1(log_det))),
        "composition": float(composition),
        "inverse": orthogonal,
        "norm": float(abs(np.linalg.norm(apply(c_m, s_m, x)) - np.linalg.norm(x))),
        "relative": float(diagonal_spread(rq @ rk.T)),
    }
