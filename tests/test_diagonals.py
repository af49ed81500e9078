import numpy as np
import pytest

from rope_core.diagonals import diagonal_spread, diagonal_spreads


def naive_spreads(S):
    rows, cols = S.shape
    out = {}
    for i in range(rows):
        for j in range(cols):
            out.setdefault(i - j, []).append(S[i, j])
    return {k: max(v) - min(v) for k, v in out.items()}


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (4, 7), (7, 4)])
def test_diagonal_spreads_match_a_loop_over_cells(shape):
    S = np.random.default_rng(1).standard_normal(shape)
    offsets, spreads = diagonal_spreads(S)
    expected = naive_spreads(S)
    assert sorted(expected) == list(offsets)
    for k, s in zip(offsets, spreads):
        assert s == pytest.approx(expected[int(k)], abs=0)


def test_toeplitz_matrix_has_zero_spread_and_max_matches_diagonal_spread():
    g = np.random.default_rng(2).standard_normal(11)
    i = np.arange(6)
    toeplitz = g[i[:, None] - i[None, :] + 5]
    assert np.all(diagonal_spreads(toeplitz)[1] == 0)
    S = np.random.default_rng(3).standard_normal((5, 6))
    assert diagonal_spreads(S)[1].max() == diagonal_spread(S)


def test_offset_sign_is_row_minus_column():
    S = np.zeros((3, 3))
    S[2, 0], S[1, 0] = 5.0, 0.0  # only the diagonal i - j = 2 (one cell) and i - j = 1
    S[2, 1] = 1.0
    offsets, spreads = diagonal_spreads(S)
    assert spreads[list(offsets).index(1)] == 1.0
    assert spreads[list(offsets).index(-1)] == 0.0


def test_empty_matrix():
    offsets, spreads = diagonal_spreads(np.zeros((0, 0)))
    assert offsets.size == 0 and spreads.size == 0


@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (6, 1), (5, 9), (9, 5), (40, 40)])
def test_diagonal_spreads_equal_ptp_of_each_diagonal_nan_and_inf_included(shape):
    S = np.random.default_rng(5).standard_normal(shape)
    if S.size > 4:
        S.flat[1], S.flat[3] = np.nan, np.inf
    with np.errstate(invalid="ignore"):  # inf − inf on the diagonal holding the inf: NaN, as np.ptp gives
        offsets, spreads = diagonal_spreads(S)
        expected = np.array([np.ptp(np.diagonal(S, -k)) for k in offsets])
    np.testing.assert_array_equal(spreads, expected)


def test_diagonal_spreads_of_an_empty_matrix_are_empty():
    for shape in [(0, 3), (3, 0)]:
        offsets, spreads = diagonal_spreads(np.zeros(shape))
        assert offsets.size == 0 and spreads.size == 0


def test_diagonal_spread_matches_a_loop_over_cells():
    for shape in [(1, 1), (3, 3), (4, 7), (7, 4)]:
        S = np.random.default_rng(sum(shape)).standard_normal(shape)
        assert diagonal_spread(S) == max(naive_spreads(S).values())
    toeplitz = np.subtract.outer(np.arange(6), np.arange(6)) ** 2.0
    assert diagonal_spread(toeplitz) == 0.0
    assert diagonal_spread(np.zeros((0, 3))) == 0.0
