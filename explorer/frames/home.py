"""Numbers of the Home page."""

from __future__ import annotations

import rope_core
from rope_core import RopeConfig

from explorer.cache import cached


@cached
def summary(cfg: RopeConfig, context: int) -> dict:
    return rope_core.spectrum_summary(cfg, context)
