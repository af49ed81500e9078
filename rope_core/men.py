"""Men et al.'s B(m) and the smallest rope_theta that keeps it non-negative over a context.

  B(m) = Σ_{i=0}^{d/2−1} cos(m θ_i),   θ_i = rope_theta^(−2i/d)   (d = rotary dim)

For i.i.d. q and k, the attention gap between a similar token and a random one at distance m is proportional to
B(m); a base is admissible for a context L when B(m) ≥ 0 at every integer 0 ≤ m < L.
Source: Men et al. 2024, "Base of RoPE Bounds Context Length" (arXiv 2405.14591), Sec. 4 and Table 1.
"""

from __future__ import annotations

import math

import numpy as np

from .angle_sums import pair_sums
from .config import RopeConfig
from .frequencies import inv_freq
from .men_table import MIN_THETA, TABLE_RTOL

_CHUNK = 1 << 17  # distances per block product: keeps the (rows, 2P) tables small
_SMALL = 1 << 14  # ranges computed by _b_small
_SERIAL_MNK = 1 << 18  # OpenBLAS runs a product with m·n·k ≤ this on one thread (threads stall on a busy machine)


def men_b(config: RopeConfig, m) -> np.ndarray:
    """B(m) = Σ_i cos(m θ_i) with the config's (scaled) θ_i, evaluated directly. Returns: float64, shape of m."""
    m = np.asarray(m, dtype=np.float64)
    theta = inv_freq(config)
    flat = m.reshape(-1)
    out = np.empty(flat.shape)
    for lo in range(0, len(flat), 65536):  # chunks keep the (chunk, d/2) angle table small
        out[lo : lo + 65536] = np.cos(np.outer(flat[lo : lo + 65536], theta)).sum(axis=1)
    return out.reshape(m.shape)


def b_range(theta: np.ndarray, start: int, stop: int) -> np.ndarray:
    """B(m) for every integer m in [start, stop), by angle addition (angle_sums.pair_sums). Returns: (stop − start,)."""
    return pair_sums(np.ones(theta.size), np.zeros(theta.size), theta, float(start), 1.0, stop - start)


def _b_small(theta: np.ndarray, start: int, stop: int) -> np.ndarray:
    """b_range for a short range, as products small enough for one BLAS thread each. Returns: (stop − start,)."""
    count, P = stop - start, theta.size
    width = math.isqrt(count - 1) + 1
    rows = -(-count // width)
    u = np.outer(start + width * np.arange(rows, dtype=np.float64), theta)
    v = np.outer(theta, np.arange(width, dtype=np.float64))
    lhs = np.concatenate([np.cos(u), -np.sin(u)], axis=1)  # cos(u + v) = cos u cos v − sin u sin v
    rhs = np.concatenate([np.cos(v), np.sin(v)])
    step = max(1, _SERIAL_MNK // (2 * P * width))
    out = np.concatenate([lhs[r : r + step] @ rhs for r in range(0, rows, step)]).reshape(-1)
    return out[:count]


def men_first_negative(config: RopeConfig, max_len: int) -> int | None:
    """Smallest integer m in [0, max_len) with B(m) < 0, or None if B stays ≥ 0 there.

    Exact at every integer m, ascending, stopping at the first negative. Reference values (d = 128): m = 1707 for
    rope_theta 1e4, 18438 for 5e5 (rope-formulas.md Sec. 10).
    """
    theta, max_len = inv_freq(config), int(max_len)
    for lo in range(0, max_len, _CHUNK):
        negative = np.flatnonzero(b_range(theta, lo, min(lo + _CHUNK, max_len)) < 0)
        if negative.size:
            return lo + int(negative[0])
    return None


def men_min_theta(head_dim: int, context_length: int, *, theta_min: float = 2.0, theta_max: float = 1e15,
                  rtol: float = 1e-3) -> float:
    """The smallest rope_theta ≥ theta_min with B(m) ≥ 0 at every integer 0 ≤ m < context_length.

    head_dim is the rotary dim d (θ_i = rope_theta^(−2i/d), unscaled). The admissible set is not an interval: below
    the point where it becomes one there are narrow admissible islands (d = 128, L = 4096: about [26951, 26971]),
    and the smallest base is often such an island, below Men et al.'s Table 1 (their search missed some).
    Returns an admissible base b with no admissible base in [theta_min, b·(1 − rtol)) (see _sweep for the one
    exception, islands narrower than rtol·1e-4). men_table.MIN_THETA holds this same sweep's results for every rotary
    dim at short contexts and the presets' dims at every context of the app (`python scripts/make_men_table.py`);
    elsewhere the sweep runs from the table's value at the longest shorter context (its cost grows with the context).
    Raises: ValueError for bad arguments, or when no base up to theta_max is admissible.
    """
    if int(head_dim) != head_dim or head_dim < 2 or head_dim % 2:
        raise ValueError(f"head_dim must be an even integer >= 2, got {head_dim}")
    if not theta_min > 1:
        raise ValueError(f"theta_min must be > 1, got {theta_min}")
    if not 0 < rtol < 1:
        raise ValueError(f"rtol must be in (0, 1), got {rtol}")
    d, length = int(head_dim), int(context_length)
    low = float(theta_min)
    shorter = [n for dim, n in MIN_THETA if dim == d and n <= length] if rtol >= TABLE_RTOL else []
    if shorter:  # the sweep's own result from theta_min = 2: every base below it fails, at longer contexts too
        known = MIN_THETA[(d, max(shorter))]
        if known is None and theta_max <= 1e15:
            raise ValueError(f"no rope_theta up to {theta_max:g} keeps B(m) >= 0 for every m < {length}")
        if known is not None and max(shorter) == length and theta_min <= known <= theta_max:
            return known
        if known is not None:
            low = max(low, known)
    start = math.log(low)
    s = _sweep(d, length, start, math.log(theta_max), tiny=rtol * 1e-4)
    return low if s == start else math.exp(s)


def _sweep(d: int, length: int, s: float, s_max: float, tiny: float) -> float:
    """Sweep s = ln(rope_theta) upward, proving every skipped base inadmissible; return the first admissible s.

    With c_i = 2i/d, θ_i = e^(−c_i s) only shrinks as s grows, so for s' ≥ s
      |∂B(m)/∂s| ≤ K1 = m Σ c_i θ_i,   |∂²B(m)/∂s²| ≤ K2 = m² Σ c_i² θ_i² + m Σ c_i² θ_i   (taken at s).
    A witness m with B(m) < 0 at s keeps B(m) < 0 on [s, s + h), h = max(−B/K1, root of B + B′h + K2 h²/2):
    that whole range is inadmissible. The next witness is almost always near a recent one, so the sweep looks
    there first, then in a window around the last witness, and scans every m only when both fail; a scan with
    no negative B proves s admissible. Where the best step is below `tiny` (s is a near-root of B(m) at every
    witness), the sweep moves by `tiny` unproven: an admissible island narrower than that could be skipped.
    """
    if length <= 1:
        return s
    c = np.arange(d // 2) * 2.0 / d
    near = np.arange(-4.0, 5.0)
    witnesses = np.zeros(0)
    window = 4096
    while s <= s_max:
        theta = np.exp(-s * c)
        w = c * theta
        bounds = (w.sum(), (w * w).sum(), (c * w).sum())
        step = -np.inf
        if witnesses.size:
            m = np.minimum(np.maximum(np.add.outer(witnesses, near).ravel(), 1.0), length - 1.0)  # repeats are harmless
            step, best = _best_step(m, theta, w, bounds)
            if step >= tiny:
                witnesses = np.concatenate([[best], witnesses[witnesses != best]])[:4]
        if step < tiny and witnesses.size:
            lo = int(max(0, witnesses[0] - window))
            step, found = _scan(theta, w, bounds, lo, int(min(length, witnesses[0] + window)))
            if step >= tiny:
                witnesses = found
        if step < tiny:
            step, found = _scan(theta, w, bounds, 0, length)
            if found is None:
                return s
            witnesses = found
        s += max(step, tiny)
    raise ValueError(f"no rope_theta up to {math.exp(s_max):g} keeps B(m) >= 0 for every m < {length}")


def _best_step(m: np.ndarray, theta: np.ndarray, w: np.ndarray, bounds) -> tuple[float, float]:
    """The longest proven-inadmissible step from s among the distances m (−inf if B ≥ 0 at all), and its m."""
    phase = np.outer(m, theta)
    b = np.cos(phase).sum(axis=1)
    db = m * np.einsum("kp,p->k", np.sin(phase), w)  # ∂B/∂s = Σ m c_i θ_i sin(m θ_i); no BLAS threads for tiny products
    k1 = m * bounds[0]
    k2 = m * m * bounds[1] + m * bounds[2]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.maximum(-b / k1, (np.sqrt(db * db - 2 * k2 * b) - db) / k2)
    h = np.where(b < 0, h, -np.inf)
    j = int(np.argmax(h))
    return float(h[j]), float(m[j])


def _scan(theta, w, bounds, lo: int, hi: int):
    """B at every m in [lo, hi): (best step, witnesses among the most negative m), or (−inf, None) if B ≥ 0."""
    found = []
    for start in range(lo, hi, _CHUNK):
        stop = min(start + _CHUNK, hi)
        b = _b_small(theta, start, stop) if stop - start <= _SMALL else b_range(theta, start, stop)
        negative = np.flatnonzero(b < 0)
        if negative.size:
            pick = negative[np.argsort(b[negative])[:32]] + start
            found.append(_best_step(pick.astype(np.float64), theta, w, bounds))
    if not found:
        return -np.inf, None
    found.sort(reverse=True)
    return found[0][0], np.array([m for _, m in found[:4]])


def min_theta_table(rotary_dims, contexts) -> dict[tuple[int, int], float | None]:
    """{(d, L): the sweep's smallest base from theta_min = 2 at TABLE_RTOL, None when there is none up to 1e15}."""
    table = {}
    for d in rotary_dims:
        for length in contexts:
            try:
                table[(int(d), int(length))] = math.exp(_sweep(int(d), int(length), math.log(2.0), math.log(1e15),
                                                               tiny=TABLE_RTOL * 1e-4))
            except ValueError:
                table[(int(d), int(length))] = None
    return table
