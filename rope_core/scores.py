"""Attention scores under RoPE as a function of relative distance, and the long-distance arguments.

Sign convention: a query at position m and a key at position n give
<RoPE(q, m), RoPE(k, n)> = g(m - n), with g(delta) = <RoPE(q, delta), RoPE(k, 0)>.
All scores include attention_factor**2 (apply_rope scales q and k by it, as transformers does).
"""

from __future__ import annotations

import math

import numpy as np

from .config import RopeConfig
from .frequencies import attention_factor, default_inv_freq, inv_freq
from .rotation import apply_rope, pair_indices


def scores_absolute(q, k, config: RopeConfig, positions_q, positions_k, seq_len: int | None = None) -> np.ndarray:
    """Naive reference: S[i, j] = <RoPE(q, positions_q[i]), RoPE(k, positions_k[j])>.

    Rotates q at every query position and k at every key position, then one matmul: O(L^2 d).
    Args: q, k (head_dim,). Returns: (len(positions_q), len(positions_k)) float64.
    """
    q = np.asarray(q, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    positions_q = np.asarray(positions_q, dtype=np.float64).reshape(-1)
    positions_k = np.asarray(positions_k, dtype=np.float64).reshape(-1)
    rq = apply_rope(np.broadcast_to(q, (len(positions_q), q.shape[-1])), positions_q, config, seq_len)
    rk = apply_rope(np.broadcast_to(k, (len(positions_k), k.shape[-1])), positions_k, config, seq_len)
    return rq @ rk.T


def score_vs_distance(q, k, config: RopeConfig, deltas, seq_len: int | None = None) -> np.ndarray:
    """g(delta) = <RoPE(q, delta), RoPE(k, 0)>, delta = m - n, in O(len(deltas) * d).

    Per pair i with q-pair (a, b), k-pair (c, e), phi = delta * theta_i:
      g = af^2 * sum_i [(a c + b e) cos(phi) + (a e - b c) sin(phi)] + <q_pass, k_pass>.
    Source: RoFormer (arXiv 2104.09864) Eq. 16, R(m)^T R(n) = R(n - m).
    Args: q, k (head_dim,). Returns: (len(deltas),) float64.
    """
    q = np.asarray(q, dtype=np.float64).reshape(-1)
    k = np.asarray(k, dtype=np.float64).reshape(-1)
    deltas = np.asarray(deltas, dtype=np.float64).reshape(-1)
    idx = pair_indices(config.rotary_dim, config.layout)
    a, b = q[idx[:, 0]], q[idx[:, 1]]
    c, e = k[idx[:, 0]], k[idx[:, 1]]
    phi = np.outer(deltas, inv_freq(config, seq_len))
    af = attention_factor(config, seq_len)
    rotated = np.cos(phi) @ (a * c + b * e) + np.sin(phi) @ (a * e - b * c)
    passthrough = q[config.rotary_dim :] @ k[config.rotary_dim :]
    return af * af * rotated + passthrough


def score_on_grid(q, k, config: RopeConfig, start: float, step: float, count: int,
                  seq_len: int | None = None) -> np.ndarray:
    """g(start + j*step) for j = 0 .. count-1, as score_vs_distance, in O(sqrt(count) * d) trig calls.

    Evenly spaced distances split as u + v with u on a coarse grid (every `block` steps) and v on a
    fine one (0 .. block-1 steps); angle addition gives
      g(u + v) = af^2 * sum_i [cos(u θ_i) P_i(v) + sin(u θ_i) Q_i(v)] + <q_pass, k_pass>,
      P_i(v) = A_i cos(v θ_i) + B_i sin(v θ_i),  Q_i(v) = B_i cos(v θ_i) - A_i sin(v θ_i),
    with A_i = a c + b e, B_i = a e - b c as in score_vs_distance: one (R × d/2)·(d/2 × block)
    matrix product instead of count × d/2 cosines. Agrees with score_vs_distance to ~1e-12 relative.
    Returns: (count,) float64.
    """
    q = np.asarray(q, dtype=np.float64).reshape(-1)
    k = np.asarray(k, dtype=np.float64).reshape(-1)
    if count <= 0:
        return np.zeros(0)
    idx = pair_indices(config.rotary_dim, config.layout)
    a, b = q[idx[:, 0]], q[idx[:, 1]]
    c, e = k[idx[:, 0]], k[idx[:, 1]]
    big_a, big_b = a * c + b * e, a * e - b * c
    theta = inv_freq(config, seq_len)
    block = max(1, int(math.ceil(math.sqrt(count))))
    rows = -(-count // block)
    u = start + step * block * np.arange(rows, dtype=np.float64)
    v = step * np.arange(block, dtype=np.float64)
    cu, su = np.cos(np.outer(u, theta)), np.sin(np.outer(u, theta))
    cv, sv = np.cos(np.outer(theta, v)), np.sin(np.outer(theta, v))
    p = big_a[:, None] * cv + big_b[:, None] * sv
    qq = big_b[:, None] * cv - big_a[:, None] * sv
    af = attention_factor(config, seq_len)
    g = (cu @ p + su @ qq).reshape(-1)[:count]
    return af * af * g + q[config.rotary_dim :] @ k[config.rotary_dim :]


def relative_score_matrix(q, k, config: RopeConfig, positions, seq_len: int | None = None) -> np.ndarray:
    """S[i, j] = g(positions[i] - positions[j]) built from the scores at each distance.

    For evenly spaced positions S is Toeplitz: g is evaluated on the 2L - 1 distances with
    score_on_grid (O(sqrt(L) d) trig) and S is returned as a read-only strided view of that
    vector (O(L) memory, no L×L index arrays; `.copy()` it to write). Otherwise g is evaluated
    once per distinct difference. Returns: (L, L) float64, equal to
    scores_absolute(q, k, config, positions, positions) within ~1e-11 relative.
    """
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    n = len(positions)
    if n == 0:
        return np.zeros((0, 0))
    i = np.arange(n)
    step = positions[1] - positions[0] if n > 1 else 0.0
    if n == 1 or np.array_equal(positions, positions[0] + step * i):
        g = score_on_grid(q, k, config, -(n - 1) * step, step, 2 * n - 1, seq_len)
        # row i holds g at distances i - j, j = 0..n-1: a window of the reversed vector
        return np.lib.stride_tricks.sliding_window_view(g[::-1], n)[::-1]
    diffs = positions[:, None] - positions[None, :]
    unique, inverse = np.unique(diffs, return_inverse=True)
    return score_vs_distance(q, k, config, unique, seq_len)[inverse.reshape(n, n)]


def diagonal_spread(S) -> float:
    """max over diagonals of (max - min): 0 for a matrix that depends only on i - j.

    Diagonals are by index offset, so they are distance diagonals for evenly spaced positions.
    Returns: float (0.0 for an empty matrix).
    """
    S = np.asarray(S, dtype=np.float64)
    rows, cols = S.shape
    if S.size == 0:
        return 0.0
    # Running max/min per offset j - i, indexed by j - i + rows - 1; one vector op per row.
    high = np.full(rows + cols - 1, -np.inf)
    low = np.full(rows + cols - 1, np.inf)
    for i in range(rows):
        window = slice(rows - 1 - i, rows - 1 - i + cols)
        np.maximum(high[window], S[i], out=high[window])
        np.minimum(low[window], S[i], out=low[window])
    return float(np.max(high - low))


def correlation(config: RopeConfig, deltas, seq_len: int | None = None) -> np.ndarray:
    """(2/d) * sum_i cos(delta * theta_i), d = rotary_dim.

    For q with i.i.d. isotropic pairs and k = q, E<RoPE(q, m), RoPE(q, n)> / E|q|^2 equals this at
    delta = m - n: the expected similarity of a vector with itself moved by delta positions.
    Returns: (len(deltas),) float64, 1 at delta = 0.
    """
    deltas = np.asarray(deltas, dtype=np.float64).reshape(-1)
    return np.cos(np.outer(deltas, inv_freq(config, seq_len))).mean(axis=1)


def correlation_on_grid(config: RopeConfig, start: float, step: float, count: int,
                        seq_len: int | None = None) -> np.ndarray:
    """correlation(start + j*step) for j = 0 .. count-1, in O(sqrt(count) * d) trig calls.

    As score_on_grid: each distance splits as u + v, u on a coarse grid (every `block` steps) and v on
    a fine one (0 .. block-1 steps), and cos((u + v) theta) = cos(u theta) cos(v theta) - sin(u theta)
    sin(v theta) turns the sum over pairs into one (R x d/2)·(d/2 x block) matrix product:
      C(u + v) = (2/d) * sum_i [cos(u theta_i) cos(v theta_i) - sin(u theta_i) sin(v theta_i)].
    Agrees with correlation to ~1e-12 where the angles are moderate; at angles ~1e6 rad both carry
    the rounding of the angle itself (~1e-10). Source: the quantity of correlation (RoFormer,
    arXiv 2104.09864, Sec. 3.4.3); the splitting is that of score_on_grid. Returns: (count,) float64.
    """
    if count <= 0:
        return np.zeros(0)
    theta = inv_freq(config, seq_len)
    block = max(1, int(math.ceil(math.sqrt(count))))
    rows = -(-count // block)
    u = np.outer(start + step * block * np.arange(rows, dtype=np.float64), theta)
    v = np.outer(theta, step * np.arange(block, dtype=np.float64))
    c = np.cos(u) @ np.cos(v) - np.sin(u) @ np.sin(v)
    return c.reshape(-1)[:count] / len(theta)


def roformer_bound(config: RopeConfig, deltas, seq_len: int | None = None) -> np.ndarray:
    """RoFormer's long-term-decay curve (1 / (d/2)) * sum_{j=1}^{d/2} |S_j|.

    S_j = sum_{k=0}^{j-1} exp(i delta theta_k). The score is bounded by
    max_i |h_{i+1} - h_i| * sum_j |S_j| (Abel summation).
    Source: Su et al., RoFormer (arXiv 2104.09864) Sec. 3.4.3 and Fig. 2.
    Returns: (len(deltas),) float64; d/4 + 1/2 at delta = 0.
    """
    deltas = np.asarray(deltas, dtype=np.float64).reshape(-1)
    partial_sums = np.cumsum(np.exp(1j * np.outer(deltas, inv_freq(config, seq_len))), axis=1)
    return np.abs(partial_sums).mean(axis=1)


def _b_block(theta: np.ndarray, start: int, stop: int) -> np.ndarray:
    """B(m) = sum_i cos(m theta_i) for integer m in [start, stop), via one matrix product.

    cos((m0 + t) theta) = cos(m0 theta) cos(t theta) - sin(m0 theta) sin(t theta): the block
    starts m0 and offsets t each need only (count / width + width) * d/2 trig calls, and the
    sum over i becomes a BLAS product. Returns: (stop - start,) float64.
    """
    count = stop - start
    if count <= 0:
        return np.zeros(0)
    width = math.isqrt(count - 1) + 1  # ~sqrt(count): fewest trig calls for the block grid
    starts = start + width * np.arange(-(-count // width), dtype=np.float64)
    offsets = np.arange(width, dtype=np.float64)
    phase0 = np.outer(starts, theta)
    phase_t = np.outer(offsets, theta)
    b = np.cos(phase0) @ np.cos(phase_t).T - np.sin(phase0) @ np.sin(phase_t).T
    return b.reshape(-1)[:count]


def men_b(config: RopeConfig, m) -> np.ndarray:
    """B(m) = sum_{i=0}^{d/2-1} cos(m theta_i), with the config's (scaled) theta_i.

    Men et al. 2024, "Base of RoPE Bounds Context Length" (arXiv 2405.14591): for i.i.d. q, k
    the attention gap between a similar token and a random one at distance m is proportional to B.
    Returns: float64, shape of m.
    """
    m = np.asarray(m, dtype=np.float64)
    theta = inv_freq(config)
    flat = m.reshape(-1)
    out = np.empty(flat.shape)
    for lo in range(0, len(flat), 65536):  # chunks keep the (chunk, d/2) angle table small
        out[lo : lo + 65536] = np.cos(np.outer(flat[lo : lo + 65536], theta)).sum(axis=1)
    return out.reshape(m.shape)


def _first_negative(theta: np.ndarray, max_len: int, chunk: int = 1 << 17) -> int | None:
    for lo in range(0, max_len, chunk):
        b = _b_block(theta, lo, min(lo + chunk, max_len))
        negative = np.flatnonzero(b < 0)
        if len(negative):
            return lo + int(negative[0])
    return None


def men_first_negative(config: RopeConfig, max_len: int) -> int | None:
    """Smallest integer m in [0, max_len) with B(m) < 0, or None if B stays >= 0.

    Evaluated exactly at every integer m (block product, see _b_block), ascending, stopping at
    the first negative. Reference values (d=128): m = 1707 for rope_theta 1e4, 18438 for 5e5.
    """
    return _first_negative(inv_freq(config), int(max_len))


def _admissible(theta: np.ndarray, context_length: int, top: int = 4096) -> bool:
    """True when B(m) >= 0 for every integer m in [0, context_length)."""
    return _negative_m(theta, context_length, top) is None


def _negative_m(theta: np.ndarray, context_length: int, top: int = 4096) -> int | None:
    """An integer m in [0, context_length) with B(m) < 0 (its block's most negative), or None if B >= 0.

    The blocks and their order are _admissible's: below the threshold B fails mostly at large m, so
    the top `top` distances go first, then blocks of 2^17 downwards. Each block's values are exactly
    _b_block's (the cos/sin table of the offsets, shared by blocks of the same width, is made once).
    """
    tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def block(start: int, stop: int) -> np.ndarray:
        count = stop - start
        width = math.isqrt(count - 1) + 1
        if width not in tables:
            phase_t = np.outer(np.arange(width, dtype=np.float64), theta)
            tables[width] = (np.cos(phase_t).T, np.sin(phase_t).T)
        cos_t, sin_t = tables[width]
        phase0 = np.outer(start + width * np.arange(-(-count // width), dtype=np.float64), theta)
        return (np.cos(phase0) @ cos_t - np.sin(phase0) @ sin_t).reshape(-1)[:count]

    head = max(0, context_length - top)
    for lo, hi in [(head, context_length)] + [(max(0, h - (1 << 17)), h) for h in range(head, 0, -(1 << 17))]:
        if hi <= lo:
            continue
        b = block(lo, hi)
        if np.any(b < 0):
            return lo + int(np.argmin(b))
    return None


class _Witnesses:
    """Distances where B was negative for earlier bases, tried first on the next base.

    B at a few distances costs a few cosines per pair, against the whole range for a full check; a
    witness only rejects when B is below -margin there, margin far above the rounding difference
    between this direct sum and _b_block's block products (angles m·theta_i are rounded to ~m·eps
    in both), so every decision is the one _negative_m would make.
    """

    def __init__(self, context_length: int, keep: int = 16) -> None:
        self.context_length, self.keep, self.m = context_length, keep, []

    def reject(self, theta: np.ndarray) -> bool:
        if not self.m:
            return False
        m = np.array(self.m, dtype=np.float64)
        b = np.cos(np.outer(m, theta)).sum(axis=1)
        margin = 16 * np.finfo(np.float64).eps * theta.size * (m + 2 * theta.size + 1)
        hit = np.flatnonzero(b < -margin)
        if not hit.size:
            return False
        self.m.insert(0, self.m.pop(int(hit[0])))  # most recently useful first
        return True

    def admissible(self, theta: np.ndarray) -> bool:
        """The same answer as _admissible(theta, context_length)."""
        if self.reject(theta):
            return False
        m = _negative_m(theta, self.context_length)
        if m is None:
            return True
        self.m.insert(0, m)
        del self.m[self.keep:]
        return False


def men_min_theta(
    head_dim: int,
    context_length: int,
    *,
    method: str = "grid",
    theta_min: float = 2.0,
    theta_max: float = 1e15,
    grid_ratio: float = 1.05,
    rtol: float = 1e-3,
) -> float:
    """Smallest rope_theta with B(m) >= 0 for every integer distance 0 <= m < context_length.

    Default frequencies theta_i = rope_theta^(-2i/head_dim); every check is exact at every
    integer m (_b_block). The admissible set is NOT monotone in rope_theta: below the point where
    it becomes an interval there are narrow admissible islands (d=128, L=1024: about [4293, 4330],
    [5602, 5643], then everything sampled from ~6017 up; L=4096: the first island is about
    [26951, 26971], under 0.1 % wide). Men et al.'s Table 1 reports those lowest islands.

    method="grid" (fast: 0.03 s CPU at L=1k, 0.1 s at 32k, 0.5 s at 1e6 for d=128, one core):
      scan rope_theta = theta_min * grid_ratio^k upward, stop at the first admissible grid point,
      then bisect geometrically against the grid point below until the two differ by < rtol.
      Returns an admissible rope_theta with an inadmissible one within a factor 1 + rtol below,
      and every grid point below it inadmissible. Islands narrower than the grid step
      (grid_ratio - 1, 5 % by default) are missed, so this is an upper bound on the true minimum
      (d=128: 6022 for L=1024, 45855 for 4096).
    method="certified" (exact up to rtol; cost grows ~L^2: ~0.1 s at 1k, 0.35 s at 4k, 2 s at
      16k, 11 s at 64k, CPU on one core): step up from theta_min, each step proven to skip only
      inadmissible bases. If B_theta(m) < 0, then B stays < 0 while ln(theta) grows by less than
      -B(m) / K_m with K_m = m * sum_i (2i/d) theta_i >= |dB(m)/d ln theta| (theta_i only shrink
      as theta grows). The step is the largest such bound over all m, but at least a factor
      1 + rtol (the one place a narrower island could be stepped over). Reproduces Men et al.'s
      Table 1 at d=128: 4294 (1k; paper 4.3e3), 26971 (4k; 2.7e4), 2.096e6 (64k; 2.1e6).
    Source: Men et al. 2024, "Base of RoPE Bounds Context Length" (arXiv 2405.14591), Sec. 4, Table 1.
    Raises: ValueError for bad arguments or if nothing up to theta_max is admissible.
    """
    if int(head_dim) < 2 or int(head_dim) % 2:
        raise ValueError(f"head_dim must be an even integer >= 2, got {head_dim}")
    if not theta_min > 1:
        raise ValueError(f"theta_min must be > 1, got {theta_min}")
    if not grid_ratio > 1:
        raise ValueError(f"grid_ratio must be > 1, got {grid_ratio}")
    if not rtol > 0:
        raise ValueError(f"rtol must be > 0, got {rtol}")
    if method not in ("grid", "certified"):
        raise ValueError(f"method must be 'grid' or 'certified', got {method!r}")
    head_dim, context_length = int(head_dim), int(context_length)
    if method == "certified":
        return _men_min_theta_certified(head_dim, context_length, theta_min, theta_max, rtol)

    witnesses = _Witnesses(context_length)

    def ok(theta: float) -> bool:
        return witnesses.admissible(default_inv_freq(head_dim, theta))

    steps = math.ceil(math.log(theta_max / theta_min) / math.log(grid_ratio))
    below = None
    for k in range(steps + 1):
        candidate = theta_min * grid_ratio**k
        if ok(candidate):
            break
        below = candidate
    else:
        raise ValueError(f"no rope_theta up to theta_max = {theta_max:g} keeps B(m) >= 0 up to {context_length}")
    if below is None:
        return candidate
    lo, hi = below, candidate
    while hi / lo > 1 + rtol:
        mid = math.sqrt(lo * hi)
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _men_min_theta_certified(head_dim: int, context_length: int, theta_min: float, theta_max: float, rtol: float) -> float:
    m = np.arange(context_length, dtype=np.float64)
    slope = np.arange(head_dim // 2) * 2.0 / head_dim  # -d ln(theta_i) / d ln(theta)
    min_step = math.log1p(rtol)
    theta = theta_min
    while theta <= theta_max:
        freqs = default_inv_freq(head_dim, theta)
        b = _b_block(freqs, 0, context_length)
        negative = b < 0
        if not negative.any():
            return theta
        # m = 0 has B = d/2 > 0, so K_m > 0 wherever B < 0.
        step = float(np.max(-b[negative] / (m[negative] * (slope @ freqs))))
        theta *= math.exp(max(step, min_step))
    raise ValueError(f"no rope_theta up to theta_max = {theta_max:g} keeps B(m) >= 0 up to {context_length}")
