"""Frames of the Models page: the presets side by side, and reading a pasted config.json."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

import rope_core
from rope_core import RopeConfig
from rope_core.extension import unscaled
from rope_core.hf_export import hf_rope_theta, scaling_parameters

from explorer import charts, configjson
from explorer.cache import cached
from explorer import fmt

MAX_BYTES = 1 << 20  # 1 MB: a config.json is a few kB


class ConfigError(ValueError):
    """A pasted or uploaded config.json that cannot be used; each of err.messages is for the reader."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


_MARKDOWN = re.compile(r"([\\`*\[\]<$~])")  # what could turn a quoted value into a link, markup or LaTeX


def _quote(text: str, limit: int = 300) -> str:
    """A message quoting the user's input: shortened in the middle, and markdown characters escaped."""
    if len(text) > limit:  # keep both ends: rope_core puts the allowed values at the end
        text = text[: limit // 2] + " … " + text[-limit // 2:]
    return _MARKDOWN.sub(r"\\\1", text)


@dataclass(frozen=True)
class Parsed:
    name: str
    config: RopeConfig
    raw: dict
    notes: list[str] = field(default_factory=list)


def _model_name(raw: dict) -> str:
    for source in (raw, raw.get("text_config") if isinstance(raw.get("text_config"), dict) else {}):
        name = source.get("model_type")
        if isinstance(name, str):
            name = re.sub(r"[^A-Za-z0-9._\-]", "", name)[:40]
            if name:
                return name
    return "pasted config"


def check_size(size: int) -> None:
    """Raise ConfigError for a config of more than 1 MB."""
    if size > MAX_BYTES:
        raise ConfigError(f"The config is {size:,} bytes; the limit is 1 MB ({MAX_BYTES:,} bytes). "
                          "A model's config.json is a few kB.")


def parse_config_json(data: str | bytes) -> Parsed:
    """A config.json (text or file bytes) read with RopeConfig.from_hf_config.

    Raises ConfigError naming each problem (and the field and its allowed range): more than 1 MB, not UTF-8,
    anything configjson.read_config_text or check_limits refuses, or a value rope_core rejects.
    """
    check_size(len(data.encode("utf-8", "replace")) if isinstance(data, str) else len(data))
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ConfigError(f"The file is not UTF-8 text (bad byte at offset {err.start}); "
                              "upload the model's config.json.") from None
    # strict reading and the app's size limits, before rope_core sees a single value
    raw, problems = configjson.read_config_text(data)
    if raw is not None:
        problems = configjson.check_limits(raw)
    if problems:
        raise ConfigError(*problems)
    try:
        cfg = RopeConfig.from_hf_config(raw)
    except ValueError as err:
        raise ConfigError(f"Cannot use this config: {_quote(str(err))}.") from None
    except (TypeError, OverflowError, RecursionError, AttributeError, KeyError) as err:
        raise ConfigError(f"Cannot use this config: a value has the wrong type or size "
                          f"({type(err).__name__}: {_quote(str(err), 200)}).") from None
    return Parsed(_model_name(raw), cfg, raw)


def _scaling_text(cfg: RopeConfig) -> str:
    """The scaling block as transformers loads it (rope_core.hf_export), not RopeConfig's own "ntk"."""
    if cfg.rope_type == "ntk":  # no transformers rope_type: plain RoPE with the enlarged base
        return f"default with rope_theta {fmt.theta(hf_rope_theta(cfg))} (static NTK, α = {cfg.factor:g})"
    scaling = scaling_parameters(cfg)
    if not scaling:
        return "default"
    parts = []
    for k, v in scaling.items():
        if k in ("rope_type", "original_max_position_embeddings"):
            continue
        if k in ("short_factor", "long_factor"):
            parts.append(f"{k}: {len(v)} values")
        else:
            parts.append(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}")
    return f"{scaling['rope_type']}: " + ", ".join(parts)


def longest_wavelength(cfg: RopeConfig, seq_len: int | None = None) -> float:
    """2π/θ_i of the slowest rotating pair (proportional's frequency-0 pairs do not rotate: no wavelength)."""
    theta = rope_core.inv_freq(cfg, seq_len=seq_len)
    return float(rope_core.wavelengths(theta[theta > 0]).max())


def _row(name: str, cfg: RopeConfig, note: str) -> dict:
    ctx = cfg.max_position_embeddings
    return {
        "model": name,
        "head dim": cfg.head_dim,
        "rotary dim": 2 * rope_core.rotating_pairs(cfg),  # features that rotate (proportional: fewer than its rotary_dim)
        "layout": cfg.layout,
        "rope_theta": fmt.theta(cfg.rope_theta),
        "scaling": _scaling_text(cfg),
        "original context": fmt.context(cfg.original_context),
        "max context": fmt.context(ctx),
        "attention factor": rope_core.attention_factor(cfg, seq_len=ctx),
        "longest wavelength": longest_wavelength(cfg, ctx),
        "note": fmt.note(note),
    }


def configs(pasted: tuple[str, RopeConfig] | None = None) -> list[tuple[str, RopeConfig, str]]:
    """(name, RopeConfig, note) for every preset, then the pasted config if there is one."""
    out = [(name, rope_core.preset_config(name), preset.note) for name, preset in rope_core.PRESETS.items()]
    if pasted is not None:
        out.append((f"pasted: {pasted[0]}", pasted[1], "your config.json"))
    return out


@cached
def table(pasted: tuple[str, RopeConfig] | None = None) -> pd.DataFrame:
    """One row per model: the RoPE facts of its config.json; the longest wavelength is taken at max context."""
    return pd.DataFrame([_row(name, cfg, note) for name, cfg, note in configs(pasted)],
                        columns=["model", "head dim", "rotary dim", "layout", "rope_theta", "scaling", "original context",
                                 "max context", "attention factor", "longest wavelength", "note"])


@cached
def spectra(pasted: tuple[str, RopeConfig] | None = None, scaled: bool = True) -> pd.DataFrame:
    """Wavelength 2π/θ_i of every pair of every model against i / (d/2), the fraction of pairs.

    scaled: θ_i with the model's rope_scaling at its max context; else the unscaled base frequencies.
    """
    parts = []
    for name, cfg, _ in configs(pasted):
        if scaled:
            theta = rope_core.inv_freq(cfg, seq_len=cfg.max_position_embeddings)
        else:
            theta = rope_core.inv_freq(unscaled(cfg))  # proportional: its own at factor 1, not plain RoPE
        i = np.arange(theta.size)
        parts.append(pd.DataFrame({
            "model": name, "scaling": cfg.rope_type if scaled else "default (base)", "pair": i,
            "fraction": i / theta.size, "theta": theta,
            "wavelength": rope_core.wavelengths(theta),
        })[theta > 0])  # pairs that do not turn (proportional RoPE) have no wavelength; inf breaks the log axis
    if not parts:
        return pd.DataFrame({"model": [], "scaling": [], "pair": [], "fraction": [], "theta": [], "wavelength": []})
    return pd.concat(parts, ignore_index=True)


@cached
def coinciding(pasted: tuple[str, RopeConfig] | None = None, scaled: bool = True) -> list[list[str]]:
    """Groups of models whose spectra (spectra(pasted, scaled)) are the same line (same pairs, wavelengths equal to
    1e-9 relative), in order of first appearance: one drawn line may hide several models."""
    groups: dict[tuple, list[str]] = {}
    for name, part in spectra(pasted, scaled).groupby("model", sort=False):
        key = (tuple(part["fraction"]), tuple(np.round(np.log(part["wavelength"].to_numpy()), 9)))
        groups.setdefault(key, []).append(str(name))
    return [g for g in groups.values() if len(g) > 1]


@cached
def table_view(pasted: tuple[str, RopeConfig] | None = None) -> dict:
    """The table as the page draws it, once per pasted config: "rows", table(pasted) with each longest wavelength
    as fmt.tokens writes it (whole from 1,000 tokens, else to 0.01), as a pyarrow Table (st.dataframe sends one as
    it is; a DataFrame it converts again on every rerun); "notes", every row's scaling and note as a markdown list."""
    tbl = table(pasted)
    longest = tbl["longest wavelength"].to_numpy()
    shown = tbl.assign(**{"longest wavelength": np.where(longest >= 1000, np.round(longest), np.round(longest, 2))})
    notes = "\n".join(f"- **{model}** — {scaling}. {note}"
                      for model, scaling, note in zip(tbl["model"], tbl["scaling"], tbl["note"]))
    return {"rows": pa.Table.from_pandas(shown, preserve_index=False), "notes": notes}


@cached
def spectra_chart(pasted: tuple[str, RopeConfig] | None = None, scaled: bool = True,
                  highlight: str | None = None) -> dict:
    """The spectra chart of spectra(pasted, scaled) with the `highlight` model's line on top, built once per input
    (charts.show then converts its data once): "chart" (its data, chart.datasets[charts.DATA], are the spectra with
    the names as categoricals: the same CSV), and "same", the caption naming the models whose lines coincide ("" when
    none do). The chart and its frames are shared, never changed."""
    spec = spectra(pasted, scaled)
    # the names as categoricals: Arrow sends each name once, not once per pair (half the chart's bytes)
    names = spec.astype({"model": "category", "scaling": "category"})
    chart = charts.line(
        names, "fraction", "wavelength", color="model", color_title="model", log_y=True,
        # one legend row (~21 px) per model, never cut: Streamlit's height holds the title and x axis as well
        height=max(560, 21 * spec["model"].nunique() + 160), highlight=highlight,
        title="Wavelength of every pair, all models overlaid",
        subtitle=("Scaling applied at each model's max context." if scaled else "Base frequencies, no scaling.")
        + " x is the pair index divided by the number of pairs, so head dims compare."
        + (" Pairs of frequency 0 (infinite wavelength) are left out." if spec["wavelength"].eq(float("inf")).any()
           else ""),
        x_title="pair index i / (rotary dim / 2)", y_title="wavelength 2π/θ_i (tokens, log)",
        tooltip=["model", "scaling", "pair", "fraction", "theta", "wavelength"],
    )
    same = coinciding(pasted, scaled)
    caption = ("One line, several models (identical wavelengths; the one drawn last is on top): "
               + "; ".join(" = ".join(group) for group in same) + ".") if same else ""
    return {"chart": chart, "same": caption}
