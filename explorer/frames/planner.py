"""Frames of the context-extension planner: rope_core.planner's per-method plan as a table, and the config.json
whose pitfalls are read (the sidebar's preset, the pasted config.json, else the sidebar's own fragment)."""

from __future__ import annotations

import pandas as pd

import rope_core
from rope_core import RopeConfig
from rope_core.hf_export import hf_fragment
from rope_core.planner import METHODS, MethodPlan, methods_for, plan

from explorer import fmt
from explorer.cache import cached
from explorer.frames.extension import LABELS


@cached
def plans(base: RopeConfig, target: int, check_men: bool, templates: tuple[RopeConfig, ...] = ()) -> tuple[MethodPlan, ...]:
    """templates: the page's method configs (their parameters are kept); only the methods among them are planned
    (when given), in the order of rope_core.planner.methods_for(base) (a proportional model: its own factor)."""
    by_type = {t.rope_type: t for t in templates}
    allowed = methods_for(base)
    methods = tuple(m for m in allowed if m in by_type) if templates else allowed
    return tuple(plan(base, target, methods=methods, check_men=check_men, templates=by_type))


def _rotating(p: MethodPlan) -> str:
    """" (64 rotate)" for a proportional model, whose other pairs have frequency 0; "" when every pair rotates."""
    turning = rope_core.rotating_pairs(p.config)
    return "" if turning == p.n_pairs else f" ({turning} rotate)"


def table(rows: tuple[MethodPlan, ...], target: int) -> pd.DataFrame:
    """One row per method: factor, pairs out of distribution, attention factor, change for short texts, Men."""
    def men(p: MethodPlan) -> str:
        if not p.men_checked:
            return "not checked"
        return "B ≥ 0 everywhere" if p.men_first_negative is None else f"B < 0 at m = {p.men_first_negative:,}"

    return pd.DataFrame({
        "method": [LABELS[p.rope_type] for p in rows],
        "factor": [p.factor for p in rows],
        "pairs out of distribution": [f"{p.ood_pairs} of {p.n_pairs}" + _rotating(p) for p in rows],
        "attention factor": [p.attention_factor for p in rows],
        "θ change up to L0 (max |θ'/θ − 1|)": [p.short_change for p in rows],
        "mean |θ'/θ − 1| up to L0": [p.short_mean_change for p in rows],
        f"Men et al. at {fmt.context(target)}": [men(p) for p in rows],
    })


def source_config(cfg: RopeConfig, preset: str | None, pasted_raw: dict | None) -> tuple[str, dict]:
    """(what it is, the config.json mapping) whose pitfalls the planner lists."""
    if pasted_raw is not None:
        return "your pasted config.json", pasted_raw
    if preset in rope_core.PRESETS:
        return f"the {preset} preset's config.json", rope_core.preset_dict(preset)
    return "the sidebar's configuration", hf_fragment(cfg, "v4")
