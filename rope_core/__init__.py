"""rope_core: an exact float64 numpy engine for Rotary Position Embeddings (RoPE).

Conventions follow Hugging Face transformers 5.x `modeling_rope_utils.py`. Pure numpy (plus
ml_dtypes for bfloat16): no streamlit, pandas or altair, so it runs in any notebook.
"""

from . import phase_error
from .attention import attention_maps, random_projections
from .attention_rows import attention_rows
from .config import RopeConfig
from .fields import AXIAL_SPLITS, LAYOUTS, SCALING_TYPES
from .decay import correlation, correlation_on_grid, roformer_bound
from .diagonals import diagonal_spread, diagonal_spreads
from .extension import ood_angles
from .layers import AttnTemperature, LayerRope, attention_temperature, layer_ropes
from .mrope import SEGMENT_KINDS, mrope_position_ids
from .frequencies import (
    ROPE_INIT_FUNCTIONS,
    attention_factor,
    default_inv_freq,
    inv_freq,
    rotating_pairs,
    ntk_base,
    wavelengths,
    yarn_attention_factors,
    yarn_correction_range,
)
from .men import men_b, men_first_negative, men_min_theta
from .precision import DTYPES, angle_error, resolve_dtype
from .presets import PRESET_ALIASES, PRESETS, Preset, preset_config, preset_dict
from .rotation import (
    angles,
    apply_rope,
    apply_rope_pairs,
    identity_errors,
    pair_axes,
    pair_indices,
    position_matrix,
    rotation_blocks,
    rotation_matrix,
)
from .same_token import same_token_attention, same_token_rows_naive, same_token_scores
from .scores import relative_score_matrix, score_on_grid, score_vs_distance, scores_absolute
from .sinusoidal import additive_vs_rope, additive_vs_rope_same_token, sinusoidal_pe
from .spectrum import spectrum_summary
from .vision import vision_patch_positions

__all__ = [
    "phase_error",
    "AXIAL_SPLITS",
    "AttnTemperature",
    "DTYPES",
    "LayerRope",
    "LAYOUTS",
    "PRESETS",
    "PRESET_ALIASES",
    "ROPE_INIT_FUNCTIONS",
    "SCALING_TYPES",
    "SEGMENT_KINDS",
    "Preset",
    "RopeConfig",
    "additive_vs_rope",
    "additive_vs_rope_same_token",
    "angle_error",
    "angles",
    "apply_rope",
    "apply_rope_pairs",
    "attention_factor",
    "attention_temperature",
    "attention_maps",
    "attention_rows",
    "correlation",
    "correlation_on_grid",
    "default_inv_freq",
    "diagonal_spread",
    "diagonal_spreads",
    "identity_errors",
    "inv_freq",
    "rotating_pairs",
    "layer_ropes",
    "men_b",
    "men_first_negative",
    "men_min_theta",
    "mrope_position_ids",
    "ntk_base",
    "ood_angles",
    "pair_axes",
    "pair_indices",
    "position_matrix",
    "preset_config",
    "preset_dict",
    "random_projections",
    "relative_score_matrix",
    "resolve_dtype",
    "roformer_bound",
    "rotation_blocks",
    "rotation_matrix",
    "same_token_attention",
    "same_token_rows_naive",
    "same_token_scores",
    "score_on_grid",
    "score_vs_distance",
    "scores_absolute",
    "sinusoidal_pe",
    "spectrum_summary",
    "vision_patch_positions",
    "wavelengths",
    "yarn_attention_factors",
    "yarn_correction_range",
]
