"""Per-layer RoPE: which layers rotate, with which RopeConfig, and Llama 4's attention temperature.

Current models mix layer types: Gemma 3/4 and LFM3 use one RoPE on sliding-window layers and another on
full-attention layers; Llama 4 leaves every fourth layer without RoPE (NoPE) and instead scales those
layers' queries with position; Qwen3.5 and LFM3 have layers without attention (linear attention,
convolutions). layer_ropes reads a config.json into LayerRope entries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from .config import RopeConfig
from .hf_config import layer_rope_kwargs


@dataclasses.dataclass(frozen=True)
class AttnTemperature:
    """Llama 4's query scaling on its NoPE layers (config.json `floor_scale`, `attn_scale`)."""

    floor_scale: float = 8192.0
    attn_scale: float = 0.1

    def __call__(self, positions) -> np.ndarray:
        return attention_temperature(positions, self.floor_scale, self.attn_scale)


def attention_temperature(positions, floor_scale: float = 8192.0, attn_scale: float = 0.1) -> np.ndarray:
    """The factor Llama 4 multiplies a NoPE layer's query at position m by:

        1 + attn_scale * ln(1 + floor((m + 1) / floor_scale))

    1 up to m = floor_scale - 2, then growing by steps of floor_scale (logits grow by the same factor,
    which keeps attention sharp over long contexts without any position rotation).
    Source: transformers 5.25 `Llama4TextAttention.forward` (`attn_temperature_tuning`); Nakanishi 2025
    (arXiv 2501.19399).
    Returns: float64 array shaped like positions.
    """
    m = np.asarray(positions, dtype=np.float64)
    return 1.0 + attn_scale * np.log1p(np.floor((m + 1.0) / floor_scale))


@dataclasses.dataclass(frozen=True)
class LayerRope:
    """One layer type of a model.

    layer_type: the config.json `layer_types` name ("sliding_attention", "full_attention",
        "chunked_attention", "linear_attention", "conv", ...).
    layers: the indices of the layers of this type (empty if the config does not say how many layers).
    rope: its RopeConfig, or None for layers without RoPE (NoPE attention, linear attention, convolutions).
    temperature: Llama 4's query scaling on NoPE layers, else None.
    """

    layer_type: str
    layers: tuple[int, ...]
    rope: RopeConfig | None
    temperature: AttnTemperature | None = None

    @property
    def label(self) -> str:
        """"sliding_attention: RoPE" style short description for a legend."""
        if self.rope is None:
            return f"{self.layer_type}: no RoPE"
        return f"{self.layer_type}: {self.rope.rope_type} RoPE"


def layer_ropes(mapping: Mapping[str, Any]) -> tuple[LayerRope, ...]:
    """Every layer type of a config.json's text model with its RopeConfig, or None where its layers have no RoPE.

    In order of first appearance; which layers and which RoPE: rope_core.hf_config.layer_rope_kwargs.
    Raises: ValueError naming the config.json field, as RopeConfig.from_hf_config.
    """
    return tuple(
        LayerRope(layer_type, layers, None if rope is None else RopeConfig(**rope),
                  None if temperature is None else AttnTemperature(**temperature))
        for layer_type, layers, rope, temperature in layer_rope_kwargs(mapping)
    )
