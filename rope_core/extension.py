"""Which rotary pairs meet angles at a target length that they never met in training.

A pair whose angle (train_len - 1) * theta_i stayed below 2*pi never completed a turn during
training, so angles beyond it are out of distribution (Chen et al. 2023, "Extending Context
Window ... via Positional Interpolation", arXiv 2306.15595, Sec. 2; bloc97's NTK-aware analysis).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .config import RopeConfig
from .frequencies import default_inv_freq, inv_freq


def unscaled(config: RopeConfig) -> RopeConfig:
    """The model before context extension: plain RoPE (rope_type "default") on the same head, rope_theta,
    rotary part, layout and position axes, with every scaling field at its default and max_position_embeddings
    = the pre-training length (config.original_context). Every extension method starts from it.
    A "proportional" config becomes plain RoPE on int(head_dim * partial_rotary_factor) features, as the
    extension methods see it (not its own frequencies at factor 1).
    """
    return dataclasses.replace(
        config, rope_type="default", factor=1.0, attention_factor=None, mscale=None, mscale_all_dim=None,
        short_factor=None, long_factor=None, original_max_position_embeddings=None,
        max_position_embeddings=config.original_context,
    )


def ood_angles(config: RopeConfig, train_len: int, target_len: int, seq_len: int | None = None) -> dict[str, np.ndarray]:
    """Per pair: largest angle seen in training vs the largest angle at the target length.

    train_max_i  = (train_len - 1) * theta_i, theta_i the unscaled pre-training frequencies
                   default_inv_freq(rotary_dim, rope_theta).
    target_max_i = (target_len - 1) * theta'_i, theta'_i = inv_freq(config, seq_len) with the
                   config's scaling method (seq_len defaults to target_len, which is what
                   transformers uses at that length for "dynamic"/"longrope").
    ood_i        = target_max_i >= train_len * theta_i and train_max_i < 2 pi: the angle passes
                   the whole trained position range [0, train_len) of a pair that never finished a
                   turn. (Training positions are treated as the interval [0, train_len), as in
                   Position Interpolation, so interpolating exactly onto it is in distribution.)
    Returns: dict of (n_pairs,) arrays "train_max", "target_max" (float64), "ood" (bool).
    """
    train_len, target_len = int(train_len), int(target_len)
    if train_len < 1 or target_len < 1:
        raise ValueError(f"train_len and target_len must be >= 1, got {train_len} and {target_len}")
    trained = default_inv_freq(config.rotary_dim, config.rope_theta)
    target = inv_freq(config, target_len if seq_len is None else seq_len)
    train_max = (train_len - 1) * trained
    target_max = (target_len - 1) * target
    # Relative slack: a target angle equal to the edge up to rounding is not "beyond" it.
    beyond = target_max >= train_len * trained * (1 - 1e-12)
    return {"train_max": train_max, "target_max": target_max, "ood": beyond & (train_max < 2 * np.pi)}
