"""Which rotary pairs meet angles at a target length that they never met in training.

A pair whose angle (train_len - 1) * theta_i stayed below 2*pi never completed a turn during
training, so angles beyond it are out of distribution (Chen et al. 2023, "Extending Context
Window ... via Positional Interpolation", arXiv 2306.15595, Sec. 2; bloc97's NTK-aware analysis).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .config import RopeConfig
from .frequencies import inv_freq


# rope_types whose own frequencies at factor 1 are the trained model's (not plain RoPE on the rotary part)
OWN_FREQUENCIES = ("proportional", "axial")


def unscaled(config: RopeConfig) -> RopeConfig:
    """The model as trained, before context extension: same head, rope_theta, rotary part, layout and position
    axes, every scaling field at its default, max_position_embeddings = the pre-training length
    (config.original_context). Plain RoPE (rope_type "default") for the scaling methods; "proportional" stays
    proportional at factor 1 (head_dim / 2 pairs, the unrotated ones at frequency 0, exponents over head_dim:
    transformers `_compute_proportional_rope_parameters`), and "axial" stays axial.
    """
    kind = config.rope_type if config.rope_type in OWN_FREQUENCIES else "default"
    return dataclasses.replace(
        config, rope_type=kind, factor=1.0, attention_factor=None, mscale=None, mscale_all_dim=None,
        short_factor=None, long_factor=None, original_max_position_embeddings=None,
        max_position_embeddings=config.original_context,
    )


def ood_angles(config: RopeConfig, train_len: int, target_len: int, seq_len: int | None = None) -> dict[str, np.ndarray]:
    """Per pair: largest angle seen in training vs the largest angle at the target length.

    train_max_i  = (train_len - 1) * theta_i, theta_i the pre-training frequencies inv_freq(unscaled(config))
                   (plain RoPE on the rotary dim; proportional's own at factor 1).
    target_max_i = (target_len - 1) * theta'_i, theta'_i = inv_freq(config, seq_len) with the
                   config's scaling method (seq_len defaults to target_len, which is what
                   transformers uses at that length for "dynamic"/"longrope").
    ood_i        = target_max_i >= train_len * theta_i and train_max_i < 2 pi: the angle passes
                   the whole trained position range [0, train_len) of a pair that never finished a
                   turn. (Training positions are treated as the interval [0, train_len), as in
                   Position Interpolation, so interpolating exactly onto it is in distribution.)
                   A pair at frequency 0 in training and at the target (proportional's unrotated pairs)
                   never moves: never out of distribution.
    Returns: dict of (n_pairs,) arrays "train_max", "target_max" (float64), "ood" (bool).
    """
    train_len, target_len = int(train_len), int(target_len)
    if train_len < 1 or target_len < 1:
        raise ValueError(f"train_len and target_len must be >= 1, got {train_len} and {target_len}")
    trained = inv_freq(unscaled(config))
    target = inv_freq(config, target_len if seq_len is None else seq_len)
    train_max = (train_len - 1) * trained
    target_max = (target_len - 1) * target
    # Relative slack: a target angle equal to the edge up to rounding is not "beyond" it.
    beyond = target_max >= train_len * trained * (1 - 1e-12)
    return {"train_max": train_max, "target_max": target_max,
            "ood": beyond & (train_max < 2 * np.pi) & (target_max > 0)}
