"""M-RoPE (3-axis positions) and 2-D vision RoPE: position numbering, pair axes, angles and rotation.

Expected values: naive re-implementations written from the transformers 5.25 model code (loops, one
token or pair at a time), and the vectors transformers printed (rope-frontier.md B2, B4).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rope_core import (
    RopeConfig,
    angles,
    apply_rope,
    apply_rope_pairs,
    inv_freq,
    mrope_position_ids,
    pair_axes,
    vision_patch_positions,
)

QWEN2_VL = RopeConfig(head_dim=128, rope_theta=1e6, mrope_section=(16, 24, 24))
QWEN3_VL = RopeConfig(head_dim=128, rope_theta=5e6, mrope_section=(24, 20, 20), mrope_interleaved=True)
QWEN3_5 = RopeConfig(head_dim=256, partial_rotary_factor=0.25, rope_theta=1e7, mrope_section=(11, 11, 10),
                     mrope_interleaved=True)
PIXTRAL = RopeConfig(rope_type="axial", head_dim=64, axial_split="alternate")
QWEN_VISION = RopeConfig(rope_type="axial", head_dim=80, axial_split="shared")


def axis_string(config):
    return "".join("thw"[a] for a in pair_axes(config))


def test_pair_axes_match_the_patterns_transformers_recomposes():
    # probed from transformers 5.25 by giving unit t/h/w positions (rope-frontier.md B2)
    assert axis_string(QWEN2_VL) == "t" * 16 + "h" * 24 + "w" * 24
    assert axis_string(QWEN3_VL) == "thw" * 20 + "tttt"
    assert axis_string(QWEN3_5) == "thw" * 10 + "th"
    assert "".join("rc"[a] for a in pair_axes(PIXTRAL)) == "r" * 16 + "c" * 16


def naive_mrope_angles(config, tok):
    """Qwen2-VL `recomposition_frequencies` / Qwen3-VL's, written per pair."""
    theta = inv_freq(config)
    s_t, s_h, s_w = config.mrope_section
    out = []
    for i in range(config.n_pairs):
        if config.mrope_interleaved:
            axis = 1 if (i % 3 == 1 and i < 3 * s_h) else 2 if (i % 3 == 2 and i < 3 * s_w) else 0
        else:
            axis = 0 if i < s_t else 1 if i < s_t + s_h else 2
        out.append(tok[axis] * theta[i])
    return np.array(out)


@pytest.mark.parametrize("config", [QWEN2_VL, QWEN3_VL, QWEN3_5], ids=["qwen2-vl", "qwen3-vl", "qwen3.5"])
def test_mrope_angles_equal_the_per_pair_recomposition(config):
    pos = np.array([[7, 3, 5], [0, 0, 0], [12, 40, 2], [1000, 1001, 1002]])
    expected = np.stack([naive_mrope_angles(config, p) for p in pos])
    np.testing.assert_array_equal(angles(config, pos), expected)


def test_mrope_vectors_printed_by_transformers():
    cos = np.cos(angles(QWEN2_VL, [[7, 3, 5]])[0])
    np.testing.assert_allclose(cos[[0, 16, 40]], [0.753902256, 0.995503366, 0.999999583], rtol=1e-7)
    assert inv_freq(QWEN3_VL)[1] == pytest.approx(0.785830021, rel=1e-7)
    assert math.cos(angles(QWEN3_VL, [[9, 3, 8]])[0, 1]) == pytest.approx(-0.708022296, rel=1e-6)
    np.testing.assert_allclose(inv_freq(QWEN3_5)[[0, 1, 2, 31]], [1, 0.604296386, 0.365174145, 1.65481708e-07],
                               rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=12), st.sampled_from([QWEN2_VL, QWEN3_VL, QWEN3_5]))
def test_text_positions_make_mrope_plain_rope(positions, config):
    """1-D positions mean t = h = w: every pair turns by m * theta_i whatever its axis."""
    pos = np.array(positions)
    np.testing.assert_array_equal(angles(config, pos), np.outer(pos, inv_freq(config)))
    np.testing.assert_array_equal(angles(config, pos), angles(config, np.stack([pos] * 3, axis=1)))


def test_apply_rope_with_3_axis_positions_rotates_each_pair_by_its_axis():
    rng = np.random.default_rng(5)
    pos = np.array([[3, 3, 3], [3, 3, 4], [3, 4, 5], [9, 2, 7]])
    x = rng.standard_normal((len(pos), QWEN3_5.head_dim))
    out = apply_rope(x, pos, QWEN3_5)
    theta = inv_freq(QWEN3_5)
    n = QWEN3_5.n_pairs
    for row in range(len(pos)):
        phi = naive_mrope_angles(QWEN3_5, pos[row])
        for i in range(n):  # half layout over the first rotary_dim = 64 features
            a, b = x[row, i], x[row, i + n]
            assert out[row, i] == pytest.approx(a * math.cos(phi[i]) - b * math.sin(phi[i]), abs=1e-12)
            assert out[row, i + n] == pytest.approx(b * math.cos(phi[i]) + a * math.sin(phi[i]), abs=1e-12)
        np.testing.assert_array_equal(out[row, 2 * n:], x[row, 2 * n:])  # partial rotary: pass-through
    assert theta.shape == (32,)
    pairs = [0, 1, 2, 31]
    got = apply_rope_pairs(x, pos, QWEN3_5, pairs)
    for k, i in enumerate(pairs):
        np.testing.assert_array_equal(got[:, k, 0], out[:, i])
        np.testing.assert_array_equal(got[:, k, 1], out[:, i + n])


@pytest.mark.parametrize(("config", "positions"), [
    (QWEN2_VL, np.zeros((4, 2))), (PIXTRAL, np.zeros((4, 3))), (RopeConfig(), np.zeros((4, 3))),
])
def test_positions_with_the_wrong_number_of_axes_are_rejected(config, positions):
    with pytest.raises(ValueError, match=r"positions must have shape"):
        angles(config, positions)


# --- position ids: naive get_rope_index ----------------------------------------------------------------

def naive_rope_index(segments, m, tokens_per_second):
    """Token by token, as Qwen2.5-VL's get_rope_index walks the sequence."""
    out, current = [], 0
    for seg in segments:
        if seg[0] == "text":
            for j in range(seg[1]):
                out.append((current + j,) * 3)
            current += seg[1]
            continue
        t, h, w = seg[1:4]
        seconds = seg[4] if len(seg) > 4 else 1.0
        interval = tokens_per_second * seconds if (seg[0] == "video" and tokens_per_second is not None) else 1
        for k in range(t):
            for r in range(h // m):
                for c in range(w // m):
                    out.append((current + int(k * interval), current + r, current + c))
        current += max(h, w) // m
    pos = np.array(out, dtype=np.int64)
    return pos, int(pos.max()) + 1 - len(pos)


def test_position_ids_vectors_from_transformers():
    pos, _ = mrope_position_ids([("text", 3), ("image", 1, 4, 6)])
    assert pos[3:].T.tolist() == [[3] * 6, [3, 3, 3, 4, 4, 4], [3, 4, 5, 3, 4, 5]]
    pos, _ = mrope_position_ids([("text", 5), ("video", 3, 4, 4, 1.0)], tokens_per_second=2)
    assert pos[5:, 0].tolist() == [5] * 4 + [7] * 4 + [9] * 4
    assert pos[5:, 1].tolist() == [5, 5, 6, 6] * 3 and pos[5:, 2].tolist() == [5, 6, 5, 6] * 3


segments = st.lists(st.one_of(
    st.tuples(st.just("text"), st.integers(0, 5)),
    st.tuples(st.just("image"), st.integers(1, 2), st.integers(1, 4).map(lambda v: 2 * v),
              st.integers(1, 4).map(lambda v: 2 * v)),
    st.tuples(st.just("video"), st.integers(1, 4), st.integers(1, 3).map(lambda v: 2 * v),
              st.integers(1, 3).map(lambda v: 2 * v), st.sampled_from([0.5, 1.0, 1.5, 2.0])),
), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(segments, st.sampled_from([None, 2.0, 4.0, 25.0]))
def test_position_ids_equal_the_token_by_token_walk(segs, tps):
    pos, delta = mrope_position_ids(segs, 2, tps)
    if not len(pos):
        return  # only empty text: nothing to number (checked below)
    expected, expected_delta = naive_rope_index(segs, 2, tps)
    np.testing.assert_array_equal(pos, expected)
    assert delta == expected_delta


def test_position_ids_empty_and_bad_segments():
    pos, delta = mrope_position_ids([("text", 0)])
    assert pos.shape == (0, 3) and delta == 0
    for bad, message in [
        ([("audio", 3)], r"segments\[0\] must start with one of text, image, video"),
        ([("image", 1, 5, 4)], r"segments\[0\] grid h = 5 must be a multiple of spatial_merge_size = 2"),
        ([("text", 2), ("image", 1, 4)], r"segments\[1\] must be \('image', t, h, w\)"),
        ([("video", 1, 4, 4, math.nan)], r"segments\[0\] second_per_grid_t must be a finite number"),
        ([("text", -1)], r"segments\[0\] text length must be an integer >= 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            mrope_position_ids(bad)


# --- 2-D vision RoPE --------------------------------------------------------------------------------

def test_vision_patch_positions_block_major_as_get_vision_position_ids():
    pos = vision_patch_positions(4, 4, spatial_merge_size=2)
    assert pos[:, 0].tolist() == [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]
    assert pos[:, 1].tolist() == [0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3]
    plain = vision_patch_positions(2, 3)
    assert plain.tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
    assert vision_patch_positions(2, 2, t=2).tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] * 2
    with pytest.raises(ValueError, match=r"multiple of spatial_merge_size = 2"):
        vision_patch_positions(3, 4, spatial_merge_size=2)


def test_axial_vectors_printed_by_transformers():
    cos = np.cos(angles(PIXTRAL, [[3, 5]])[0])
    np.testing.assert_allclose(cos[0:3], [-0.989992499, -0.115966164, 0.582753658], rtol=1e-6)
    cos = np.cos(angles(QWEN_VISION, [[3, 5]])[0])
    np.testing.assert_allclose(cos[[0, 1, 20, 21]], [-0.989992499, -0.316536039, 0.2836622, -0.999912977], rtol=1e-6)


def test_axial_scores_depend_only_on_the_2d_offset():
    """<R(p) q, R(p') k> is a function of p' - p on both axes: the relative property in 2-D."""
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((2, PIXTRAL.head_dim))
    grid = vision_patch_positions(6, 6)

    def score(p, p2):
        return apply_rope(q[None], [p], PIXTRAL)[0] @ apply_rope(k[None], [p2], PIXTRAL)[0]

    for p in grid[[0, 7, 20, 35]]:
        assert score(p, p + [1, 2]) == pytest.approx(score([0, 0], [1, 2]), abs=1e-12)
    assert abs(score([0, 0], [0, 3]) - score([0, 0], [3, 0])) > 1e-3  # rows and columns turn differently
