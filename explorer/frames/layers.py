"""Frames of the Models page's per-layer view: each layer type's RoPE (rope_core.layer_ropes) and Llama 4's
attention temperature on its NoPE layers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

import rope_core

from explorer.cache import cached

_LAYER_SUFFIX = re.compile(r" \((global|local) layers\)$")  # two presets of one config.json, one per layer type
TEMPERATURE_POINTS = 512


def models(pasted: tuple[str, dict] | None = None) -> list[tuple[str, dict]]:
    """(name, config.json keys) of every preset with more than one layer type (one entry per config.json),
    then the pasted config if it has several."""
    out: dict[str, dict] = {}
    for name, preset in rope_core.PRESETS.items():
        out.setdefault(_LAYER_SUFFIX.sub("", name), preset.config)
    if pasted is not None:
        out[f"pasted: {pasted[0]}"] = pasted[1]
    return [(name, raw) for name, raw in out.items() if len(_layer_ropes(raw)) > 1]


def _layer_ropes(raw: dict) -> tuple:
    try:
        return rope_core.layer_ropes(raw)
    except ValueError:  # the pasted config's own message is shown where it is pasted
        return ()


def layers_text(layers: tuple[int, ...], limit: int = 8) -> str:
    """"36: 0, 1, 2, 4, 5, …" (how many, then the first indices); "not given" without a layer count."""
    if not layers:
        return "not given (no num_hidden_layers)"
    head = ", ".join(str(i) for i in layers[:limit])
    return f"{len(layers)}: {head}" + (", …" if len(layers) > limit else "")


@cached
def table(pasted: tuple[str, dict] | None = None) -> pd.DataFrame:
    """One row per layer type of every model with several: its RoPE, or "no RoPE"."""
    rows = []
    for name, raw in models(pasted):
        for lr in _layer_ropes(raw):
            cfg = lr.rope
            rows.append({
                "model": name, "layer type": lr.layer_type, "layers": layers_text(lr.layers),
                "rope_theta": cfg.rope_theta if cfg else None,
                "rope_type": cfg.rope_type if cfg else "no RoPE",
                "head dim": cfg.head_dim if cfg else None,
                "rotary dim": cfg.rotary_dim if cfg else None,
                "pairs that turn": rope_core.rotating_pairs(cfg) if cfg else 0,
                "query temperature": "1 + {s:g}·ln(1 + ⌊(m + 1)/{f:g}⌋)".format(
                    s=lr.temperature.attn_scale, f=lr.temperature.floor_scale) if lr.temperature else "",
            })
    frame = pd.DataFrame(rows, columns=["model", "layer type", "layers", "rope_theta", "rope_type", "head dim",
                                        "rotary dim", "pairs that turn", "query temperature"])
    return frame.astype({"head dim": "Int64", "rotary dim": "Int64"})  # blank, not NaN, on NoPE rows


@cached
def temperatures(pasted: tuple[str, dict] | None = None) -> pd.DataFrame:
    """Llama 4's query temperature (rope_core.attention_temperature) against position m, 1 ≤ m < the model's
    max_position_embeddings, log-spaced, for every model whose NoPE layers scale their queries."""
    parts = []
    for name, raw in models(pasted):
        ropes = _layer_ropes(raw)
        context = max((lr.rope.max_position_embeddings for lr in ropes if lr.rope), default=1 << 20)
        for lr in ropes:
            if lr.temperature is None:
                continue
            m = np.unique(np.geomspace(1, context - 1, TEMPERATURE_POINTS).astype(np.int64))
            parts.append(pd.DataFrame({"model": name, "layer type": lr.layer_type, "position": m,
                                       "temperature": lr.temperature(m)}))
    if not parts:
        return pd.DataFrame({"model": [], "layer type": [], "position": [], "temperature": []})
    return pd.concat(parts, ignore_index=True)
