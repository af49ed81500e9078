"""RopeConfig: every number that decides one rotary position embedding.

Field names are the config.json keys (`rope_theta`, `factor`, `beta_fast`, `mrope_section`, ...)
so a model card reads straight into the dataclass. Conventions follow Hugging Face transformers
5.25, `src/transformers/modeling_rope_utils.py` (`RopeParameters`) and each model's rotary
embedding. rope_core.hf_config reads a config.json into this dataclass's keyword arguments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .fields import AXIAL_SPLITS, LAYOUTS, SCALING_TYPES, check_finite, check_int
from .hf_config import rope_kwargs

__all__ = ["AXIAL_SPLITS", "LAYOUTS", "SCALING_TYPES", "RopeConfig"]


@dataclasses.dataclass(frozen=True)
class RopeConfig:
    """One rotary embedding: head size, base, pair layout and scaling method.

    Fields use the config.json names. `factor` is the scale s of every scaling method
    (the NTK alpha for "ntk"). Factor lists are stored as tuples so the config is
    hashable (the app caches on it); lists passed in are converted.

    Position axes (rope_core.rotation.pair_axes):
        mrope_section (t, h, w) pair counts: M-RoPE, positions (L, 3); contiguous blocks
            (Qwen2-VL) or, with mrope_interleaved, t h w t h w ... (Qwen3-VL, Qwen3.5).
        rope_type "axial": 2-D RoPE of a vision encoder, positions (L, 2) = (row, column),
            split between the axes as axial_split says (AXIAL_SPLITS).
        Otherwise one axis, positions (L,).

    Properties:
        rotary_dim = int(head_dim * partial_rotary_factor)  (HF `dim`); head_dim for
            "proportional" and "axial", whose frequencies cover the whole head
        n_pairs = rotary_dim // 2
        original_context = original_max_position_embeddings or max_position_embeddings
            (what transformers' `standardize_rope_params` fills in for yarn/llama3/longrope).

    Raises:
        ValueError naming the field and its allowed range for any invalid value.
    """

    head_dim: int = 128
    rope_theta: float = 10000.0
    partial_rotary_factor: float = 1.0
    layout: str = "half"
    rope_type: str = "default"
    factor: float = 1.0
    max_position_embeddings: int = 4096
    original_max_position_embeddings: int | None = None
    low_freq_factor: float = 1.0
    high_freq_factor: float = 4.0
    beta_fast: float = 32.0
    beta_slow: float = 1.0
    truncate: bool = True
    attention_factor: float | None = None
    mscale: float | None = None
    mscale_all_dim: float | None = None
    short_factor: tuple[float, ...] | None = None
    long_factor: tuple[float, ...] | None = None
    mrope_section: tuple[int, ...] | None = None
    mrope_interleaved: bool = False
    axial_split: str = "alternate"

    def __post_init__(self) -> None:
        # object.__setattr__ because the dataclass is frozen; we only normalise types here.
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        if not isinstance(self.rope_type, str) or self.rope_type not in SCALING_TYPES:
            raise ValueError(
                f"rope_type {self.rope_type!r} is not supported; supported rope types: {', '.join(SCALING_TYPES)}"
            )
        if not isinstance(self.layout, str) or self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(repr(x) for x in LAYOUTS)}, got {self.layout!r}")

        put("head_dim", check_int("head_dim", self.head_dim, 2))
        prf = check_finite("partial_rotary_factor", self.partial_rotary_factor)
        if not 0.0 < prf <= 1.0:
            raise ValueError(f"partial_rotary_factor must be in (0, 1], got {prf}")
        put("partial_rotary_factor", prf)
        rotary_dim = self.rotary_dim
        if self.rope_type == "proportional" and int(prf * self.head_dim // 2) < 1:
            raise ValueError(
                f"proportional RoPE rotates int(partial_rotary_factor * head_dim // 2) pairs, which must be >= 1, "
                f"got 0 (head_dim={self.head_dim}, partial_rotary_factor={prf})"
            )
        if self.rope_type == "axial" and self.head_dim % 4:
            raise ValueError(f"head_dim must be a multiple of 4 for rope_type 'axial' (rows and columns), "
                             f"got {self.head_dim}")
        if rotary_dim < 2 or rotary_dim % 2:
            raise ValueError(
                f"rotary dim = int(head_dim * partial_rotary_factor) must be even and >= 2, "
                f"got {rotary_dim} (head_dim={self.head_dim}, partial_rotary_factor={prf})"
            )

        theta = check_finite("rope_theta", self.rope_theta)
        if theta <= 1.0:
            raise ValueError(f"rope_theta must be a finite number > 1, got {theta}")
        put("rope_theta", theta)

        factor = check_finite("factor", self.factor)
        if factor < 1.0:
            raise ValueError(f"factor must be a finite number >= 1, got {factor}")
        put("factor", factor)

        put("max_position_embeddings", check_int("max_position_embeddings", self.max_position_embeddings, 1))
        if self.original_max_position_embeddings is not None:
            put(
                "original_max_position_embeddings",
                check_int("original_max_position_embeddings", self.original_max_position_embeddings, 1),
            )

        low = check_finite("low_freq_factor", self.low_freq_factor)
        high = check_finite("high_freq_factor", self.high_freq_factor)
        put("low_freq_factor", low)
        put("high_freq_factor", high)
        if self.rope_type == "llama3":
            if low <= 0:
                raise ValueError(f"low_freq_factor must be > 0 for rope_type 'llama3', got {low}")
            # high == low is Llama 4 Scout's config: transformers accepts it (a warning) and the band
            # between the two wavelengths is empty.
            if high < low:
                raise ValueError(
                    f"high_freq_factor must be >= low_freq_factor for rope_type 'llama3', "
                    f"got high_freq_factor={high} < low_freq_factor={low}"
                )

        beta_fast = check_finite("beta_fast", self.beta_fast)
        beta_slow = check_finite("beta_slow", self.beta_slow)
        put("beta_fast", beta_fast)
        put("beta_slow", beta_slow)
        if self.rope_type == "yarn":
            # find_correction_dim takes log(L / (2 pi beta)): beta must be positive.
            if beta_slow <= 0:
                raise ValueError(f"beta_slow must be > 0 for rope_type 'yarn', got {beta_slow}")
            if beta_fast < beta_slow:
                raise ValueError(f"beta_fast must be >= beta_slow, got beta_fast={beta_fast} < beta_slow={beta_slow}")

        if not isinstance(self.truncate, bool):
            raise ValueError(f"truncate must be true or false, got {self.truncate!r}")

        if self.attention_factor is not None:
            af = check_finite("attention_factor", self.attention_factor)
            if af <= 0:
                raise ValueError(f"attention_factor must be a finite number > 0 (or None), got {af}")
            put("attention_factor", af)
        for name in ("mscale", "mscale_all_dim"):
            value = getattr(self, name)
            if value is not None:
                value = check_finite(name, value)
                if value < 0:
                    raise ValueError(f"{name} must be a finite number >= 0 (or None), got {value}")
                put(name, value)

        n_pairs = rotary_dim // 2
        for name in ("short_factor", "long_factor"):
            value = getattr(self, name)
            if value is None:
                if self.rope_type == "longrope":
                    raise ValueError(f"{name} is required for rope_type 'longrope' (a list of {n_pairs} numbers)")
                continue
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise ValueError(f"{name} must be a list of numbers, got {value!r}")
            items = tuple(check_finite(f"{name}[{i}]", v) for i, v in enumerate(value))
            if len(items) != n_pairs:
                raise ValueError(
                    f"{name} must have length rotary_dim/2 = {n_pairs}, got {len(items)}"
                )
            if any(v <= 0 for v in items):
                raise ValueError(f"{name} entries must be > 0")
            put(name, items)

        self._check_axes(n_pairs)

        if self.rope_type in ("ntk", "dynamic") and rotary_dim < 4:
            # base' uses the exponent d / (d - 2), undefined for d = 2.
            raise ValueError(f"rotary dim must be >= 4 for rope_type {self.rope_type!r}, got {rotary_dim}")

    def _check_axes(self, n_pairs: int) -> None:
        if not isinstance(self.mrope_interleaved, bool):
            raise ValueError(f"mrope_interleaved must be true or false, got {self.mrope_interleaved!r}")
        if not isinstance(self.axial_split, str) or self.axial_split not in AXIAL_SPLITS:
            raise ValueError(f"axial_split must be one of {', '.join(repr(x) for x in AXIAL_SPLITS)}, "
                             f"got {self.axial_split!r}")
        section = self.mrope_section
        if section is None:
            if self.mrope_interleaved:
                raise ValueError("mrope_interleaved needs an mrope_section")
            return
        if self.rope_type == "axial":
            raise ValueError("mrope_section cannot be combined with rope_type 'axial'")
        if isinstance(section, (str, bytes)) or not hasattr(section, "__iter__"):
            raise ValueError(f"mrope_section must be a list of 3 integers (t, h, w pairs), got {section!r}")
        items = tuple(check_int(f"mrope_section[{i}]", v, 0) for i, v in enumerate(section))
        if len(items) != 3:
            raise ValueError(f"mrope_section must be a list of 3 integers (t, h, w pairs), got {len(items)}")
        if sum(items) != n_pairs:
            raise ValueError(
                f"mrope_section must add up to the number of rotated pairs rotary_dim/2 = {n_pairs}, "
                f"got {list(items)} (sum {sum(items)})"
            )
        object.__setattr__(self, "mrope_section", items)

    @property
    def rotary_dim(self) -> int:
        """Number of features the frequencies cover: int(head_dim * partial_rotary_factor) (HF `dim`).

        head_dim for "proportional" (its unrotated pairs have frequency 0) and "axial".
        """
        if self.rope_type in ("proportional", "axial"):
            return self.head_dim
        return int(self.head_dim * self.partial_rotary_factor)

    @property
    def position_axes(self) -> int:
        """Coordinates per position: 3 (t, h, w) with mrope_section, 2 (row, column) for "axial", else 1."""
        if self.mrope_section is not None:
            return 3
        return 2 if self.rope_type == "axial" else 1

    @property
    def n_pairs(self) -> int:
        """Number of rotated 2-D pairs (= number of frequencies), rotary_dim // 2."""
        return self.rotary_dim // 2

    @property
    def original_context(self) -> int:
        """Pre-training context L0: original_max_position_embeddings, else max_position_embeddings."""
        if self.original_max_position_embeddings is not None:
            return self.original_max_position_embeddings
        return self.max_position_embeddings

    @classmethod
    def from_hf_config(
        cls, mapping: Mapping[str, Any], layer_type: str | None = None, tower: str = "text"
    ) -> RopeConfig:
        """Build a RopeConfig from a model's config.json (a dict); the keys read: rope_core.hf_config.rope_kwargs.

        layer_type picks one layer type of a model that mixes them ("sliding_attention" / "local",
        "full_attention" / "global", "chunked_attention"); tower="vision" reads the vision tower's 2-D RoPE.
        Raises: ValueError naming the config.json field.
        """
        return cls(**rope_kwargs(mapping, layer_type=layer_type, tower=tower))
