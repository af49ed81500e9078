"""The values RopeConfig's fields accept, and the checks every config reader shares.

Each check raises ValueError naming the field and its allowed range, so a message can go straight to the
user. Kept apart from rope_core.config so that the config.json readers (rope_core.hf_config) and the
position builders (mrope, vision) check values without importing the dataclass.
"""

from __future__ import annotations

import math
from typing import Any

SCALING_TYPES: tuple[str, ...] = (
    "default", "linear", "ntk", "dynamic", "yarn", "llama3", "longrope", "proportional", "axial",
)
LAYOUTS: tuple[str, ...] = ("half", "interleaved")
# How a 2-D vision encoder ("axial") shares its frequencies between patch rows and columns.
#   "alternate" (Pixtral): theta_i over head_dim; even i turn with the row, odd i with the column.
#   "shared" (Qwen2-VL vision tower): theta_i over head_dim / 2, the same set for rows and columns.
AXIAL_SPLITS: tuple[str, ...] = ("alternate", "shared")


def is_number(value: Any) -> bool:
    """An int or float, not a bool (JSON true/false are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_finite(name: str, value: Any) -> float:
    """value as a float; ValueError naming `name` unless it is a finite number."""
    if not is_number(value):
        raise ValueError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def check_int(name: str, value: Any, minimum: int) -> int:
    """value as an int (a whole float such as 4096.0 is accepted); ValueError naming `name` unless >= minimum."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value
