"""rope_core.block_means: exact block means of the score matrix, against the naive mean of every cell."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from rope_core import RopeConfig
from rope_core.block_means import score_block_means


def naive_block_means(q, k, cfg, edges, seq_len):
    """Rotate q and k at every position, take every dot product, average each block: O(L² d)."""
    pos = np.arange(edges[-1], dtype=np.float64)
    s = rope_core.scores_absolute(q, k, cfg, pos, pos, seq_len=seq_len)
    cells = len(edges) - 1
    return np.array([[s[edges[i]:edges[i + 1], edges[j]:edges[j + 1]].mean() for j in range(cells)]
                     for i in range(cells)])


CONFIGS = {
    "default": RopeConfig(head_dim=16),
    "interleaved, partial rotary": RopeConfig(head_dim=16, layout="interleaved", partial_rotary_factor=0.5),
    "yarn (attention factor)": RopeConfig(head_dim=32, rope_theta=500.0, rope_type="yarn", factor=8.0,
                                          original_max_position_embeddings=32),
    "proportional (θ = 0 pairs)": RopeConfig(head_dim=16, rope_type="proportional", partial_rotary_factor=0.5),
}


@pytest.mark.parametrize("edges", [
    [0, 10, 20, 30, 40, 50, 60],  # equal blocks
    [0, 8, 16, 24, 32, 37],  # a shorter last block
    list(range(0, 25)),  # block 1: the matrix itself
    [0, 5],  # one block
], ids=["equal", "remainder", "every-cell", "one-block"])
@pytest.mark.parametrize("cfg", CONFIGS.values(), ids=CONFIGS.keys())
def test_block_means_are_the_mean_of_every_cell(cfg, edges):
    rng = np.random.default_rng(7)
    q, k = rng.normal(size=cfg.head_dim), rng.normal(size=cfg.head_dim)
    got = score_block_means(q, k, cfg, edges, seq_len=200)
    want = naive_block_means(q, k, cfg, np.asarray(edges), 200)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * max(1.0, np.abs(want).max()))


@settings(max_examples=30, deadline=None)
@given(block=st.integers(1, 9), cells=st.integers(1, 8), rest=st.integers(0, 8), theta=st.floats(2.0, 1e6),
       seed=st.integers(0, 2**16))
def test_block_means_match_the_naive_mean_for_any_blocks(block, cells, rest, theta, seed):
    edges = list(range(0, block * cells + 1, block)) + ([block * cells + rest] if rest else [])
    cfg = RopeConfig(head_dim=8, rope_theta=theta)
    rng = np.random.default_rng(seed)
    q, k = rng.normal(size=8), rng.normal(size=8)
    want = naive_block_means(q, k, cfg, np.asarray(edges), None)
    np.testing.assert_allclose(score_block_means(q, k, cfg, edges), want, rtol=0,
                               atol=1e-12 * max(1.0, np.abs(want).max()))
