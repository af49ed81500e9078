"""rope_core.rotation: apply_rope against a naive loop, the layout vectors, and R(m)'s identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rope_core.config import RopeConfig
from rope_core.frequencies import attention_factor, inv_freq
from rope_core.precision import resolve_dtype
from rope_core.rotation import (_probe_vectors, angles, apply_rope, identity_errors, pair_indices, pair_slices,
                                 rotation_matrix)
from rope_core.diagonals import diagonal_spread


def naive_rope(x, m, config):
    """One vector, one pair at a time, straight from RoFormer Eq. 13 and the layout's pairing."""
    d = config.rotary_dim
    theta = inv_freq(config)
    af = attention_factor(config)
    out = list(x)
    for i in range(d // 2):
        a, b = (i, i + d // 2) if config.layout == "half" else (2 * i, 2 * i + 1)
        c, s = math.cos(m * theta[i]), math.sin(m * theta[i])
        out[a] = af * (x[a] * c - x[b] * s)
        out[b] = af * (x[b] * c + x[a] * s)
    return out


@pytest.mark.parametrize("layout", ["half", "interleaved"])
@pytest.mark.parametrize(("head_dim", "partial"), [(4, 1.0), (16, 1.0), (64, 1.0), (96, 0.25), (24, 0.5)])
@pytest.mark.parametrize("theta", [10000.0, 500000.0])
def test_apply_rope_matches_naive_loop(layout, head_dim, partial, theta):
    config = RopeConfig(head_dim=head_dim, partial_rotary_factor=partial, rope_theta=theta, layout=layout)
    rng = np.random.default_rng(head_dim)
    positions = np.array([0, 1, 2, 7, 100, 4095, 123456.5])
    x = rng.standard_normal((len(positions), head_dim))
    fast = apply_rope(x, positions, config)
    for row, m in enumerate(positions):
        np.testing.assert_allclose(fast[row], naive_rope(x[row], m, config), rtol=1e-12, atol=1e-12)


def test_apply_rope_with_attention_factor_matches_naive_loop():
    config = RopeConfig(rope_type="yarn", factor=8.0, head_dim=16, partial_rotary_factor=0.5,
                        original_max_position_embeddings=64)
    x = np.random.default_rng(0).standard_normal((3, 16))
    fast = apply_rope(x, [0, 5, 900], config)
    for row, m in enumerate([0, 5, 900]):
        np.testing.assert_allclose(fast[row], naive_rope(x[row], m, config), rtol=1e-12)
    np.testing.assert_array_equal(fast[:, 8:], x[:, 8:])  # pass-through is not scaled


def test_layout_test_vectors():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    half = apply_rope(x, [1], RopeConfig(head_dim=4, layout="half"))
    inter = apply_rope(x, [1], RopeConfig(head_dim=4, layout="interleaved"))
    np.testing.assert_allclose(half[0], [-1.98411065, 1.95990067, 2.46237790, 4.01979967], atol=5e-9)
    np.testing.assert_allclose(inter[0], [-1.14263966, 1.92207560, 2.95985067, 4.02979950], atol=5e-9)


def test_apply_rope_broadcasts_over_leading_axes_and_checks_shapes():
    config = RopeConfig(head_dim=8)
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 8))
    out = apply_rope(x, np.arange(5), config)
    np.testing.assert_allclose(out[1, 2], apply_rope(x[1, 2], np.arange(5), config), rtol=1e-15)
    with pytest.raises(ValueError, match="head_dim = 8"):
        apply_rope(np.zeros((5, 6)), np.arange(5), config)
    with pytest.raises(ValueError, match="seq = len"):
        apply_rope(np.zeros((4, 8)), np.arange(5), config)


def test_pair_indices():
    np.testing.assert_array_equal(pair_indices(6, "half"), [[0, 3], [1, 4], [2, 5]])
    np.testing.assert_array_equal(pair_indices(6, "interleaved"), [[0, 1], [2, 3], [4, 5]])
    with pytest.raises(ValueError, match="layout"):
        pair_indices(6, "zigzag")


@pytest.mark.parametrize("layout", ["half", "interleaved"])
@pytest.mark.parametrize("rotary_dim", [2, 6, 64, 510])
def test_pair_slices_select_the_pair_indices(layout, rotary_dim):
    features = np.arange(rotary_dim + 4)  # partial rotary: features past rotary_dim are in no pair
    sa, sb = pair_slices(rotary_dim, layout)
    idx = pair_indices(rotary_dim, layout)
    np.testing.assert_array_equal(features[sa], idx[:, 0])
    np.testing.assert_array_equal(features[sb], idx[:, 1])
    with pytest.raises(ValueError, match="layout"):
        pair_slices(rotary_dim, "zigzag")


def test_angles_are_outer_product():
    config = RopeConfig(head_dim=8)
    np.testing.assert_array_equal(angles(config, [0, 3, 5]), np.outer([0, 3, 5], inv_freq(config)))
    assert angles(config, np.arange(10)).shape == (10, 4)


def test_rotation_matrix_applies_like_apply_rope_without_attention_factor():
    config = RopeConfig(head_dim=12, rope_type="yarn", factor=4.0, original_max_position_embeddings=32)
    x = np.random.default_rng(2).standard_normal(12)
    rotated = rotation_matrix(config, 17.0) @ x
    np.testing.assert_allclose(rotated * attention_factor(config), apply_rope(x[None], [17.0], config)[0], rtol=1e-13)


def test_identity_errors_float64_are_at_rounding_level():
    errors = identity_errors(RopeConfig(), 1000.0, 37.0)
    assert set(errors) == {"orthogonality", "determinant", "composition", "inverse", "norm", "relative"}
    assert max(errors.values()) < 1e-12


def test_identity_errors_grow_in_bfloat16():
    low = identity_errors(RopeConfig(), 1000.0, 37.0, dtype="bfloat16")
    high = identity_errors(RopeConfig(), 1000.0, 37.0)
    for key in ("orthogonality", "composition", "relative"):
        assert low[key] > 1e-4 > high[key]


# --- hypothesis: identities over random dims, thetas, positions -----------------------------------

dims = st.integers(1, 64).map(lambda n: 2 * n)
thetas = st.floats(2.0, 1e7)
positions = st.floats(-1e5, 1e5, allow_nan=False)
layouts = st.sampled_from(["half", "interleaved"])


def unit_vector(seed, d):
    v = np.random.default_rng(seed).standard_normal(d)
    return v / np.linalg.norm(v)


@settings(max_examples=60, deadline=None)
@given(dims, thetas, positions, layouts, st.integers(0, 2**32 - 1))
def test_rotation_preserves_norm(d, theta, m, layout, seed):
    config = RopeConfig(head_dim=d, rope_theta=theta, layout=layout)
    x = unit_vector(seed, d)
    assert np.linalg.norm(apply_rope(x[None], [m], config)) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(dims, thetas, positions, positions, layouts, st.integers(0, 2**32 - 1))
def test_score_depends_only_on_relative_position(d, theta, m, n, layout, seed):
    config = RopeConfig(head_dim=d, rope_theta=theta, layout=layout)
    q, k = unit_vector(seed, d), unit_vector(seed + 1, d)
    absolute = apply_rope(q[None], [m], config)[0] @ apply_rope(k[None], [n], config)[0]
    relative = apply_rope(q[None], [m - n], config)[0] @ k
    assert absolute == pytest.approx(relative, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(dims, thetas, positions, positions, layouts)
def test_rotations_compose_and_invert(d, theta, m, n, layout):
    config = RopeConfig(head_dim=d, rope_theta=theta, layout=layout)
    r_m, r_n = rotation_matrix(config, m), rotation_matrix(config, n)
    np.testing.assert_allclose(r_m @ r_n, rotation_matrix(config, m + n), atol=1e-9)
    np.testing.assert_allclose(r_m @ rotation_matrix(config, -m), np.eye(d), atol=1e-12)
    np.testing.assert_allclose(r_m.T @ r_m, np.eye(d), atol=1e-12)
    assert np.linalg.det(r_m) == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(dims, thetas, positions, st.integers(0, 2**32 - 1))
def test_layouts_agree_up_to_a_permutation(d, theta, m, seed):
    half = RopeConfig(head_dim=d, rope_theta=theta, layout="half")
    inter = RopeConfig(head_dim=d, rope_theta=theta, layout="interleaved")
    # P sends interleaved feature order [0, 2, 4, ..., 1, 3, 5, ...] onto half-split order.
    perm = np.concatenate([np.arange(0, d, 2), np.arange(1, d, 2)])
    x = unit_vector(seed, d)
    np.testing.assert_allclose(apply_rope(x[perm][None], [m], half)[0], apply_rope(x[None], [m], inter)[0][perm],
                               atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(dims, thetas, positions, positions)
def test_identity_errors_stay_tiny_in_float64(d, theta, m, n):
    errors = identity_errors(RopeConfig(head_dim=d, rope_theta=theta), m, n)
    assert errors["orthogonality"] < 1e-12 and errors["inverse"] < 1e-12 and errors["norm"] < 1e-12
    assert errors["composition"] < 1e-9 and errors["relative"] < 1e-9 and errors["determinant"] < 1e-9


def identity_errors_dense(config, m, n, x=None, dtype=np.float64):
    """The definitions as written: dense d×d R built entry by entry in float64 and then stored in the dtype as a
    whole (so -sin is rounded, not negated after rounding), products and LU determinant by numpy."""
    dt = resolve_dtype(dtype)
    theta = inv_freq(config)
    d = config.rotary_dim

    def rot(p):
        phi = (np.asarray(p, dtype=np.float64).astype(dt) * theta.astype(dt)).astype(np.float64)
        r = np.zeros((d, d))
        for i, (a, b) in enumerate(pair_indices(d, config.layout)):
            c, s = math.cos(phi[i]), math.sin(phi[i])
            r[a, a], r[a, b], r[b, a], r[b, b] = c, -s, s, c
        return r.astype(dt).astype(np.float64)

    eye, r_m = np.eye(d), rot(m)
    x, q, k = _probe_vectors(d, x)  # the same inputs; everything measured on them is computed here
    rq = np.stack([rot(m + i) @ q for i in range(8)])
    rk = np.stack([rot(m + i) @ k for i in range(8)])
    return {
        "orthogonality": float(np.max(np.abs(r_m.T @ r_m - eye))),
        "determinant": float(abs(np.linalg.det(r_m) - 1.0)),
        "composition": float(np.max(np.abs(r_m @ rot(n) - rot(m + n)))),
        "inverse": float(np.max(np.abs(r_m @ rot(-m) - eye))),
        "norm": float(abs(np.linalg.norm(r_m @ x) - np.linalg.norm(x))),
        "relative": float(diagonal_spread(rq @ rk.T)),
    }


@settings(max_examples=40, deadline=None)
@given(dims, thetas, positions, positions, st.sampled_from(["float64", "float32", "bfloat16"]),
       st.sampled_from(["half", "interleaved"]), st.booleans())
def test_identity_errors_by_blocks_match_the_dense_definitions(d, theta, m, n, dtype, layout, with_x):
    """identity_errors works on R's 2×2 blocks; the dense products must give the same errors, up to the rounding
    of the float64 measurement itself (a few ulp per entry; the LU determinant adds ~d ulp)."""
    config = RopeConfig(head_dim=d, rope_theta=theta, layout=layout)
    x = np.random.default_rng(d).standard_normal(d) if with_x else None
    fast = identity_errors(config, m, n, x=x, dtype=dtype)
    slow = identity_errors_dense(config, m, n, x=x, dtype=dtype)
    assert set(fast) == set(slow)
    eps = np.finfo(np.float64).eps
    for key in ("orthogonality", "inverse", "composition", "relative"):
        assert abs(fast[key] - slow[key]) <= 4 * eps, (key, fast[key], slow[key])
    assert abs(fast["norm"] - slow["norm"]) <= 8 * eps * (float(np.linalg.norm(x)) if with_x else 1.0)
    assert abs(fast["determinant"] - slow["determinant"]) <= 4 * d * eps, (fast["determinant"], slow["determinant"])


@pytest.mark.parametrize("config", [
    RopeConfig(),
    RopeConfig(head_dim=10, partial_rotary_factor=0.6, layout="interleaved"),
    RopeConfig(head_dim=64, rope_type="yarn", factor=64.0, max_position_embeddings=262144,
               original_max_position_embeddings=4096),
    RopeConfig(head_dim=16, rope_type="dynamic", factor=2.0, max_position_embeddings=64),
], ids=["default", "partial-interleaved", "yarn", "dynamic"])
def test_apply_rope_pairs_are_exactly_apply_ropes_columns(config):
    from rope_core.rotation import apply_rope_pairs

    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 30, config.head_dim))
    positions = rng.integers(0, 200_000, 30).astype(np.float64)
    pairs = [0, config.n_pairs - 1, config.n_pairs // 2, 0]
    for seq_len in (None, 300_000):
        full = apply_rope(x, positions, config, seq_len)
        got = apply_rope_pairs(x, positions, config, pairs, seq_len)
        ab = pair_indices(config.rotary_dim, config.layout)[pairs]
        assert got.shape == (2, 30, 4, 2)
        np.testing.assert_array_equal(got[..., 0], full[..., ab[:, 0]])
        np.testing.assert_array_equal(got[..., 1], full[..., ab[:, 1]])


def test_apply_rope_pairs_rejects_bad_arguments():
    from rope_core.rotation import apply_rope_pairs

    config = RopeConfig(head_dim=8)
    with pytest.raises(ValueError, match="pairs"):
        apply_rope_pairs(np.ones((3, 8)), [0, 1, 2], config, [4])
    with pytest.raises(ValueError, match="head_dim"):
        apply_rope_pairs(np.ones((3, 6)), [0, 1, 2], config, [0])
    with pytest.raises(ValueError, match="seq"):
        apply_rope_pairs(np.ones((3, 8)), [0, 1], config, [0])
