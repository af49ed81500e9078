"""Frames of the Context extension page: every scaling method applied to the same base model."""

from __future__ import annotations

import json
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

import rope_core
from rope_core import RopeConfig
from rope_core.hf_export import hf_fragment, ntk_note
from rope_core.yarn_reference import mla_softmax_scales

from explorer.cache import cached
from explorer.fmt import ROPE_TYPE_LABELS

# dynamic NTK's frequencies depend on the length: the charts draw them at the target context
LABELS = {**ROPE_TYPE_LABELS, "dynamic": "dynamic NTK (at target)"}
TRAINING = "training (original RoPE)"
AS_TRAINED = "proportional, factor 1 (as trained)"  # a proportional model's baseline: itself, not plain RoPE


def base_pairs(cfg: RopeConfig) -> str:
    """The base model's rotating pairs, for the page's caption (markdown)."""
    turning = rope_core.rotating_pairs(cfg)
    if turning == cfg.n_pairs:
        return f"rotary dim **{cfg.rotary_dim}**"
    return f"proportional RoPE, **{turning} of {cfg.n_pairs}** pairs rotating (head dim {cfg.head_dim})"


def proportional_note(cfg: RopeConfig) -> str:
    """Why a proportional model is compared with its own factor only (rope_core.planner.methods_for)."""
    turning = rope_core.rotating_pairs(cfg)
    d = int(cfg.head_dim * cfg.partial_rotary_factor)
    return (f"transformers extends a proportional model only with proportional's own factor: θ_i / factor on its "
            f"{turning} rotating pairs (PI on them). Linear, dynamic NTK, YaRN and Llama 3 compute "
            f"int(head_dim · partial_rotary_factor) = {d} features ({d // 2} pairs, θ_i = rope_theta^(−2i/{d})), not "
            f"this model's {cfg.n_pairs} pairs with θ_i = rope_theta^(−2i/{cfg.head_dim}), and Gemma 4's and LFM3's "
            f"rotary embedding then fails on the shape (cos/sin {d} wide, head {cfg.head_dim}). So this page "
            f"compares the model as trained with it at the sidebar's factor; its {cfg.n_pairs - turning} pairs at "
            "frequency 0 never rotate (infinite wavelength) and are left off the charts.")


class Method(NamedTuple):
    """One scaling method on the base model: its config and the seq_len its θ_i are taken at.

    A tuple: cheap to key (explorer.cache.key) and to compare, on every cached call of every rerun."""

    label: str
    config: RopeConfig
    seq_len: int | None


def build_methods(configs: dict[str, RopeConfig], target: int) -> list[Method]:
    """Every method's config (explorer.controls.method_configs, keyed by rope_type) as the page compares them:
    dynamic NTK and LongRoPE at seq_len = target, the others as built."""
    return [Method(AS_TRAINED if kind == "default" and cfg.rope_type == "proportional" else LABELS[kind], cfg,
                   int(target) if kind in ("dynamic", "longrope") else None)
            for kind, cfg in configs.items()]


def _ratio(base: RopeConfig, m: Method) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    theta0 = rope_core.inv_freq(base)
    theta = rope_core.inv_freq(m.config, seq_len=m.seq_len)
    turning = theta0 > 0  # proportional's frequency-0 pairs: 0 before and after, no stretch to draw
    return theta0[turning], theta[turning], theta0[turning] / theta[turning]


@cached
def ratio_frame(base: RopeConfig, methods: tuple[Method, ...]) -> pd.DataFrame:
    """Per method and rotating pair: original and scaled θ_i, wavelength, and the stretch θ_i / θ'_i (pairs at
    frequency 0 in the base, proportional's unrotated ones, are left out; they are the last pairs)."""
    parts = [_ratio(base, m) for m in methods]
    theta0 = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
    theta = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    return pd.DataFrame({
        "method": _labels(methods, [p[0].size for p in parts]),
        "pair": np.concatenate([np.arange(p[0].size) for p in parts]) if parts else np.zeros(0, np.int64),
        "wavelength": rope_core.wavelengths(theta0),
        "scaled_wavelength": rope_core.wavelengths(theta),
        "theta": theta0,
        "scaled_theta": theta,
        "ratio": np.concatenate([p[2] for p in parts]) if parts else np.zeros(0),
    }, copy=False)


def _labels(methods, sizes, *more: tuple[str, int]) -> pd.Categorical:
    """Each method's label repeated once per row of its part, then each (label, rows) of `more`: a categorical
    built from codes (no per-row strings for pandas to infer; Arrow sends each label once)."""
    labels = [m.label for m in methods] + [label for label, _ in more]
    categories = list(dict.fromkeys(labels))
    codes = np.repeat(np.array([categories.index(label) for label in labels], dtype=np.int64),
                      [*sizes, *(n for _, n in more)])
    return pd.Categorical.from_codes(codes, categories=categories)


def ood_frame(base: RopeConfig, methods: tuple[Method, ...], original: int, target: int) -> pd.DataFrame:
    """Largest angle per pair: the base model within training, and each method at the target length.

    rope_core.ood_angles gives both and the out-of-distribution flag; angles are also shown in turns.
    Rows: every method's pairs, then the training rows (taken from the first method's train_max). Pairs at
    frequency 0 in the base (proportional's unrotated ones, the last pairs) never move and are left out.
    """
    theta0 = rope_core.inv_freq(base)
    turning = theta0 > 0
    res = [rope_core.ood_angles(m.config, original, target, seq_len=m.seq_len) for m in methods]
    train = np.asarray(res[0]["train_max"], dtype=float)[turning]  # every method keeps the base's pairs
    wl = rope_core.wavelengths(theta0[turning])
    n, k = train.size, len(methods)
    tmax = np.concatenate([np.asarray(r["target_max"], dtype=float)[turning] for r in res] + [train])
    return pd.DataFrame({
        "method": _labels(methods, [n] * k, (TRAINING, n)),
        "pair": np.tile(np.arange(n), k + 1),
        "wavelength": np.tile(wl, k + 1),
        "max_angle": tmax,
        "turns": tmax / (2 * np.pi),
        "ood": np.concatenate([np.asarray(r["ood"], dtype=bool)[turning] for r in res] + [np.zeros(n, dtype=bool)]),
        "positions": pd.Categorical.from_codes(np.repeat([0, 1], [n * k, n]), categories=POSITIONS),
    }, copy=False)


POSITIONS = ["0 … target−1", "0 … L0−1"]  # the ood frame's two ranges of positions: each method's, training's
V4, V5 = "config.json v4 (rope_theta, rope_scaling)", "config.json v5 (rope_parameters)"


@cached
def ood_frames(base: RopeConfig, methods: tuple[Method, ...], original: int, target: int) -> dict:
    """{"frame": ood_frame(...), "table": summary(...) of it as an Arrow table}, in one cached call: both are pure in
    the methods, and st.dataframe sends the table as it is (no pandas to convert)."""
    frame = ood_frame(base, methods, original, target)
    return {"frame": frame, "table": summary(methods, frame)}


def summary(methods: tuple[Method, ...], ood: pd.DataFrame) -> pa.Table:
    """One row per method: its config.json fragment (both transformers forms), attention factor, and what is out
    of distribution (columns in the order of SUMMARY_TYPES)."""
    labels = ood["method"].to_numpy(dtype=object)
    flag = ood["ood"].to_numpy(dtype=bool)
    pair = ood["pair"].to_numpy()
    wavelength = ood["wavelength"].to_numpy(dtype=float)
    cols: dict[str, list] = {name: [] for name in SUMMARY_TYPES}
    for m in methods:
        bad = (labels == m.label) & flag
        v4 = hf_fragment(m.config, "v4")
        v4 = {"rope_theta": v4["rope_theta"], "rope_scaling": v4["rope_scaling"]}
        v5 = hf_fragment(m.config, "v5")["rope_parameters"]
        if m.config.rope_type == "longrope":
            # 2 × n_pairs numbers do not fit a table cell; say which list is in use instead.
            lists = "long" if m.seq_len is not None and m.seq_len > m.config.original_context else "short"
            for block in (v4["rope_scaling"], v5):
                for key in ("short_factor", "long_factor"):
                    block[key] = f"[{m.config.n_pairs} values]"
                block["in use"] = lists
        for name, value in (
                ("method", m.label), (V4, json.dumps(v4)), (V5, json.dumps(v5)), ("note", ntk_note(m.config) or ""),
                ("attention factor", rope_core.attention_factor(m.config, seq_len=m.seq_len)),
                ("pairs out of distribution", int(bad.sum())), ("of pairs", m.config.n_pairs),
                ("first OOD pair", int(pair[bad].min()) if bad.any() else None),
                ("its wavelength (tokens)", float(wavelength[bad].min()) if bad.any() else None)):
            cols[name].append(value)
    return pa.table({name: pa.array(values, type=SUMMARY_TYPES[name]) for name, values in cols.items()})


SUMMARY_TYPES = {"method": pa.string(), V4: pa.string(), V5: pa.string(), "note": pa.string(),
                 "attention factor": pa.float64(), "pairs out of distribution": pa.int64(), "of pairs": pa.int64(),
                 "first OOD pair": pa.int64(), "its wavelength (tokens)": pa.float64()}


def distances(target: int, n: int = 400) -> np.ndarray:
    """Integer distances 1 … target−1, log-spaced, at most n of them."""
    top = max(int(target) - 1, 1)
    return np.unique(np.round(np.geomspace(1, top, n)).astype(np.int64)).astype(np.float64)


@cached
def decay_frame(methods: tuple[Method, ...], target: int) -> pd.DataFrame:
    """rope_core.correlation, (2/d)·Σ cos(Δ·θ'_i), per method at log-spaced distances up to the target."""
    deltas = distances(target)
    corr = [rope_core.correlation(m.config, deltas, seq_len=m.seq_len) for m in methods]
    return pd.DataFrame({"method": _labels(methods, [deltas.size] * len(methods)),
                         "distance": np.tile(deltas, len(methods)),
                         "correlation": np.concatenate(corr) if corr else np.zeros(0)}, copy=False)


FACTORS = np.round(np.arange(1.0, 64.0 + 1e-9, 0.25), 2)


MLA_SCALE = "MLA softmax scale × get_mscale(s, mscale_all_dim)²"
MLA_TOTAL = "MLA rotated logits: attention factor² × that"


def yarn_attention_frame(yarn_cfg: RopeConfig) -> pd.DataFrame:
    """YaRN's attention factor (it multiplies cos and sin) and the logit scale (its square) against factor; with
    mscale_all_dim set, also what transformers' MLA attention (DeepSeek) multiplies its softmax scale by, and the
    product of both on the rotated logits."""
    # keyed on the only fields the curves read: a change of rope_theta, the lengths or the factor reuses them
    return _yarn_attention_frame(yarn_attention_fields(yarn_cfg), yarn_cfg)


def yarn_attention_fields(yarn_cfg: RopeConfig) -> tuple:
    """The fields yarn_attention_frame reads (rope_core.yarn_attention_factors, mla_softmax_scales)."""
    return yarn_cfg.rope_type, yarn_cfg.attention_factor, yarn_cfg.mscale, yarn_cfg.mscale_all_dim


@cached
def _yarn_attention_frame(fields: tuple, _yarn_cfg: RopeConfig) -> pd.DataFrame:
    """yarn_attention_frame; keyed on `fields` only (explorer.cache leaves out `_yarn_cfg`: its leading underscore)."""
    af = rope_core.yarn_attention_factors(_yarn_cfg, FACTORS)
    names = ["attention factor (× cos, sin)", "logit scale = attention factor²"]
    values = [af, af ** 2]
    if _yarn_cfg.mscale_all_dim:
        mla = mla_softmax_scales(_yarn_cfg, FACTORS)
        names += [MLA_SCALE, MLA_TOTAL]
        values += [mla, af ** 2 * mla]
    n = FACTORS.size
    return pd.DataFrame({
        "quantity": pd.Categorical.from_codes(np.repeat(np.arange(len(names)), n), categories=names),
        "factor": np.tile(FACTORS, len(names)),
        "value": np.concatenate(values),
    }, copy=False)
