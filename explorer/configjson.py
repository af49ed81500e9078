"""A config.json from a stranger: strict reading, size limits, and a compact token for links.

A pasted config or a `config=` link is input anyone can send, so every size it sets is checked against
the app's limits before anything is computed from it (a head_dim of 1e8 would otherwise allocate gigabytes).
Pure Python and the standard library: no streamlit, no numpy.

    read_config_text(text) -> (dict | None, messages)   strict JSON: repeated keys, NaN, depth, sizes
    check_limits(mapping)  -> messages                   every size a config sets, with its path and range
    encode_config(mapping) -> token                      RoPE keys only, canonical JSON, zlib, base64url
    decode_config(token)   -> (dict | None, messages)    bounded inflate, then the two checks above
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from collections.abc import Mapping
from typing import Any

# The app's largest head dim (explorer/controls.py HEAD_DIM_MAX; a test keeps the two equal).
HEAD_DIM_MAX = 512

MAX_TEXT_CHARS = 1 << 20  # a config.json is a few kB; the Models page has always said "≤ 1 MB"
MAX_DEPTH = 16            # real configs nest 5 deep (text_config.rope_parameters.full_attention.long_factor)
MAX_ITEMS = 4096          # per list or object: layer_types of 1,024 layers fits 4 times over
MAX_VALUES = 50_000       # in the whole document, so parsing 1 MB cannot build millions of objects

# A link token. Chromium and Firefox accept URLs of megabytes, but servers and proxies do not: nginx's default
# request-line buffer is 8 kB and Cloudflare's URL limit 16 kB. 4,000 characters leaves half of the 8 kB to the
# rest of the link; Phi-3.5-mini's 96 LongRoPE factors need about 1,200.
MAX_TOKEN_CHARS = 4000
MAX_TOKEN_JSON = 64 * 1024  # what a token may inflate to; the canonical RoPE keys of any config are < 16 kB
TOKEN_VERSION = "1."        # token prefix, so a later format can be told apart

POSITIONS_MAX = 1 << 24   # 16,777,216 tokens: Llama 4 Scout's 10M context fits
LAYERS_MAX = 1024
HEADS_MAX = 1024
HIDDEN_MAX = 65536
THETA_MAX = 1e12
FACTOR_MAX = 1024.0
COEF_MAX = 1e6            # beta_fast, mscale, LongRoPE factors, ...: any finite size the formulas accept
GRID_SIDE_MAX = 1024      # image_size / patch_size per side

# --- strict parsing --------------------------------------------------------------------------------------

_TOKEN = re.compile(r'[\[\]{},"]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # unrolled: linear, no backtracking
_COLON = re.compile(r"\s*:")
_MARKDOWN = re.compile(r"([\\`*_\[\]<$~])")  # what could turn a quoted value into a link, markup or LaTeX


def _name(key: Any) -> str:
    """A user's key, safe inside a markdown code span."""
    text = str(key).replace("`", "'")
    return text if len(text) <= 40 else text[:37] + "…"


def _path(parts: list) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p is None:
            out += "[…]"
        else:
            out += ("." if out else "") + _name(p)
    return out or "the config"


def _prescan(text: str) -> str | None:
    """Depth, items per container and total values, counted on the raw text before json builds anything.

    A message naming where the limit is passed, or None (also for malformed JSON, which json then locates).
    """
    if (text.count("[") + text.count("{") <= MAX_DEPTH
            and text.count(",") <= min(MAX_ITEMS, MAX_VALUES) - 1):
        return None  # too few brackets and commas to pass any limit
    stack: list[list] = []  # [count of commas, key naming this container]
    key = None
    total = 0
    pos = 0
    while (m := _TOKEN.search(text, pos)) is not None:
        ch, pos = m.group(), m.end()
        if ch == '"':
            s = _STRING_REST.match(text, pos)
            if s is None:
                return None
            pos = s.end()
            if c := _COLON.match(text, pos):
                key, pos = text[m.end(): s.end() - 1], c.end()
            continue
        if ch in "[{":
            stack.append([0, key])
            key = None
            total += 1
            if len(stack) > MAX_DEPTH:
                return (f"`{_path([k for _, k in stack[1:]])}` is nested {len(stack)} levels deep; "
                        f"a config.json nests at most {MAX_DEPTH} levels here.")
        elif ch == ",":
            key = None
            total += 1
            if stack:
                stack[-1][0] += 1
                if stack[-1][0] >= MAX_ITEMS:
                    return (f"`{_path([k for _, k in stack[1:]])}` has more than {MAX_ITEMS:,} items; "
                            f"the allowed range is 0 to {MAX_ITEMS:,} items per list or object.")
        elif stack:
            stack.pop()
        if total > MAX_VALUES:
            return f"The config holds more than {MAX_VALUES:,} values; a config.json has a few hundred."
    return None


class _NonFinite:
    """What json hands back for NaN, Infinity and overflowing numbers, found and named after parsing."""

    def __init__(self, literal: str):
        self.literal = literal


def _parse_float(literal: str) -> float | _NonFinite:
    value = float(literal)
    return value if math.isfinite(value) else _NonFinite(literal)


def _find_marks(obj: Any, repeated: dict[int, tuple], out: list[str]) -> None:
    """Messages for repeated keys and non-finite numbers, each with its path (the tree is bounded by _prescan)."""
    stack: list[tuple[list, Any]] = [([], obj)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            _, names, dropped = repeated.get(id(node), (None, (), ()))
            for name in names:
                out.append(f"`{_path(path + [name])}` is given more than once; a config.json gives each key once "
                           "(JSON readers disagree on which one wins).")
            stack.extend((path + [k], v) for k, v in reversed([*dropped, *node.items()]))
        elif isinstance(node, list):
            stack.extend((path + [i], v) for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, _NonFinite):
            out.append(f"`{_path(path)}` is {node.literal}; a config.json value must be a finite number.")


def read_config_text(text: str) -> tuple[dict | None, list[str]]:
    """Strictly parse pasted config.json text. Returns (the object, []) or (None, messages); never raises.

    Refused, each with a message saying where: text longer than MAX_TEXT_CHARS (checked first), deeper than
    MAX_DEPTH, a list or object of more than MAX_ITEMS items, more than MAX_VALUES values (counted on the raw
    text before parsing), not JSON (line and column), not an object, a key given twice at any level, NaN,
    Infinity or a number that overflows a float.
    """
    try:
        if isinstance(text, (bytes, bytearray)):
            if len(text) > 4 * MAX_TEXT_CHARS:
                return None, [f"The config is {len(text):,} bytes; the limit is {MAX_TEXT_CHARS:,} characters."]
            try:
                text = bytes(text).decode("utf-8-sig")
            except UnicodeDecodeError as err:
                return None, [f"The config is not UTF-8 text (bad byte at offset {err.start})."]
        if not isinstance(text, str):
            return None, [f"The config must be text, got {type(text).__name__}."]
        if len(text) > MAX_TEXT_CHARS:
            return None, [f"The config is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,} "
                          "(1 MB). A model's config.json is a few kB."]
        text = text.lstrip("\ufeff")
        if not text.strip():
            return None, ["The config is empty: paste the contents of the model's config.json."]
        problem = _prescan(text)
        if problem:
            return None, [problem]

        repeated: dict[int, tuple] = {}

        def pairs_hook(pairs: list[tuple[str, Any]]) -> dict:
            out = dict(pairs)
            if len(out) < len(pairs):
                # the earlier values of a repeated key are dropped from the dict; keep them to search them too
                # (and keep `out`, so that no later object can reuse its id)
                last = {k: i for i, (k, _) in enumerate(pairs)}
                dropped = [(k, v) for i, (k, v) in enumerate(pairs) if last[k] != i]
                repeated[id(out)] = (out, list(dict.fromkeys(k for k, _ in dropped)), dropped)
            return out

        try:
            obj = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=_NonFinite,
                             parse_float=_parse_float)
        except json.JSONDecodeError as err:
            return None, [f"Not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}."]
        except (ValueError, RecursionError) as err:  # an integer of thousands of digits
            return None, [f"Not usable JSON: {_name(type(err).__name__)}: {_name(err)}."]
        if not isinstance(obj, dict):
            kind = {list: "a JSON list (array)", str: "a JSON string", int: "a JSON number", float: "a JSON number",
                    bool: "a JSON true/false", type(None): "JSON null"}.get(type(obj), "not a JSON object")
            return None, [f"This is {kind}; a config.json is a JSON object of keys and values, e.g. "
                          '{"head_dim": 128, "rope_theta": 10000.0}.']
        messages: list[str] = []
        _find_marks(obj, repeated, messages)
        return (None, messages) if messages else (obj, [])
    except Exception as err:  # noqa: BLE001 - the contract is "never raises": say what happened instead
        return None, [f"The config could not be read ({type(err).__name__})."]


# --- limits ----------------------------------------------------------------------------------------------

def _int_rule(lo: int, hi: int, why: str = "") -> tuple:
    return ("int", lo, hi, why)


def _num_rule(lo: float, hi: float, lo_open: bool = False, why: str = "") -> tuple:
    return ("num", lo, hi, lo_open, why)


_HEAD = _int_rule(2, HEAD_DIM_MAX, "the app's largest head dim")
_POS = _int_rule(1, POSITIONS_MAX)
_THETA = _num_rule(1.0, THETA_MAX, lo_open=True)
_COEF = _num_rule(0.0, COEF_MAX)

# Keys that size a model (top level, text_config, vision_config).
_MODEL_RULES: dict[str, tuple] = {
    "head_dim": _HEAD, "qk_rope_head_dim": _HEAD, "global_head_dim": _HEAD, "rotary_dim": _HEAD,
    "hidden_size": _int_rule(1, HIDDEN_MAX), "n_embd": _int_rule(1, HIDDEN_MAX), "embed_dim": _int_rule(1, HIDDEN_MAX),
    "num_attention_heads": _int_rule(1, HEADS_MAX), "n_head": _int_rule(1, HEADS_MAX),
    "num_heads": _int_rule(1, HEADS_MAX), "num_key_value_heads": _int_rule(1, HEADS_MAX),
    "num_hidden_layers": _int_rule(1, LAYERS_MAX), "n_layer": _int_rule(1, LAYERS_MAX),
    "num_layers": _int_rule(1, LAYERS_MAX), "depth": _int_rule(1, LAYERS_MAX),
    "sliding_window_pattern": _int_rule(1, LAYERS_MAX),
    "max_position_embeddings": _POS, "original_max_position_embeddings": _POS, "n_positions": _POS,
    "sliding_window": _POS,
    "partial_rotary_factor": _num_rule(0.0, 1.0, lo_open=True), "rotary_pct": _num_rule(0.0, 1.0, lo_open=True),
    "rope_theta": _THETA, "rotary_emb_base": _THETA, "rope_local_base_freq": _THETA,
}
# Vision towers: the patch grid sizes their 2-D RoPE.
_VISION_RULES: dict[str, tuple] = {
    "image_size": ("side", 1, 16384), "patch_size": ("side", 1, 1024),
    "spatial_merge_size": _int_rule(1, 64), "temporal_patch_size": _int_rule(1, 64),
    "window_size": _int_rule(1, 16384),
}
# Keys of a rope_scaling / rope_parameters object (or of one layer type's object inside it).
_ROPE_RULES: dict[str, tuple] = {
    "rope_theta": _THETA, "partial_rotary_factor": _num_rule(0.0, 1.0, lo_open=True),
    "factor": _num_rule(1.0, FACTOR_MAX), "original_max_position_embeddings": _POS,
    "low_freq_factor": _COEF, "high_freq_factor": _COEF, "beta_fast": _COEF, "beta_slow": _COEF,
    "attention_factor": _COEF, "mscale": _COEF, "mscale_all_dim": _COEF,
    "short_factor": ("factors",), "long_factor": ("factors",), "mrope_section": ("sections",),
}
_LIST_RULES = {"layer_types": LAYERS_MAX, "no_rope_layers": LAYERS_MAX}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer()


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_finite(v: Any) -> bool:
    """A number, not NaN or infinite (math.isfinite overflows on a huge int, which is finite)."""
    return _is_num(v) and (isinstance(v, int) or math.isfinite(v))


def _show(v: Any) -> str:
    if _is_num(v) and not isinstance(v, float):
        return f"{v:,}" if abs(v) < 10 ** 30 else f"an integer of about {int(v.bit_length() * 0.30103)} digits"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) < 1e15 or not math.isfinite(v) else f"{v:.3g}"
    text = json.dumps(v, default=str) if not isinstance(v, _NonFinite) else v.literal
    return _MARKDOWN.sub(r"\\\1", text if len(text) <= 60 else text[:57] + "…")


def _check_value(path: str, rule: tuple, v: Any, out: list[str]) -> None:
    kind = rule[0]
    if v is None:
        return  # null means "not set" in config.json
    if kind == "int":
        _, lo, hi, why = rule
        if not _is_int(v) or not lo <= v <= hi:
            note = f" ({why})" if why else ""
            out.append(f"`{path}` = {_show(v)}: must be an integer from {lo:,} to {hi:,}{note}.")
    elif kind == "num":
        _, lo, hi, lo_open, why = rule
        ok = _is_finite(v) and (lo < v if lo_open else lo <= v) and v <= hi
        if not ok:
            left = f"greater than {lo:g} and at most" if lo_open else f"from {lo:g} to"
            out.append(f"`{path}` = {_show(v)}: must be a finite number {left} {hi:g}.")
    elif kind == "side":
        _, lo, hi = rule
        sides = v if isinstance(v, list) else [v]
        if not 1 <= len(sides) <= 3 or not all(_is_int(s) and lo <= s <= hi for s in sides):
            out.append(f"`{path}` = {_show(v)}: must be an integer from {lo:,} to {hi:,} (or a list of 2 or 3 such).")
    elif kind == "factors":
        n = HEAD_DIM_MAX // 2
        if not isinstance(v, list) or len(v) > n:
            size = f"a list of {len(v):,} items" if isinstance(v, list) else _show(v)
            out.append(f"`{path}` is {size}: must be a list of 1 to {n} numbers (one per pair, head dim ≤ "
                       f"{HEAD_DIM_MAX}).")
            return
        bad = next((i for i, x in enumerate(v) if not (_is_finite(x) and 0 < x <= COEF_MAX)), None)
        if bad is not None:
            out.append(f"`{path}[{bad}]` = {_show(v[bad])}: must be a finite number greater than 0 and at most {COEF_MAX:g}.")
    elif kind == "sections":
        n = HEAD_DIM_MAX // 2
        if (not isinstance(v, list) or not 1 <= len(v) <= 4
                or not all(_is_int(x) and 0 <= x <= n for x in v) or sum(v) > n):
            out.append(f"`{path}` = {_show(v)}: must be a list of 1 to 4 integers from 0 to {n} summing to at most "
                       f"{n} (half the head dim).")


def _head_dim_from(cfg: Mapping, where: Mapping[str, str], out: list[str]) -> None:
    """hidden_size // num_attention_heads is the head dim when none is given (rope_core _read_head_dim).

    where: the path prefix of each key (a text_config key is read over the top level's).
    """
    if cfg.get("qk_rope_head_dim") is not None or cfg.get("head_dim") is not None:
        return
    for hidden_key, heads_key in (("hidden_size", "num_attention_heads"), ("n_embd", "n_head")):
        hidden, heads = cfg.get(hidden_key), cfg.get(heads_key)
        if hidden is not None and heads is not None:
            if _is_int(hidden) and _is_int(heads) and heads >= 1 and hidden // heads > HEAD_DIM_MAX:
                out.append(f"`{where.get(hidden_key, '')}{hidden_key}` / `{where.get(heads_key, '')}{heads_key}` = "
                           f"{_show(int(hidden) // int(heads))} is the head dim: must be from 2 to {HEAD_DIM_MAX} "
                           "(the app's largest head dim).")
            return


def _check_rope(cfg: Any, path: str, out: list[str]) -> None:
    if cfg is None:
        return
    if not isinstance(cfg, Mapping):
        out.append(f"`{path}` = {_show(cfg)}: must be a JSON object or null.")
        return
    for key, value in cfg.items():
        if isinstance(value, Mapping):  # one layer type's parameters (Gemma 3 v5: full_attention, ...)
            _check_rope(value, f"{path}.{_name(key)}", out)
        elif key in _ROPE_RULES:
            _check_value(f"{path}.{key}", _ROPE_RULES[key], value, out)


def _check_model(cfg: Mapping, prefix: str, rules: dict[str, tuple], out: list[str]) -> None:
    for key, rule in rules.items():
        if key in cfg:
            _check_value(prefix + key, rule, cfg[key], out)
    for key, n in _LIST_RULES.items():
        v = cfg.get(key)
        if v is not None and (not isinstance(v, list) or len(v) > n):
            size = f"a list of {len(v):,} items" if isinstance(v, list) else _show(v)
            out.append(f"`{prefix}{key}` is {size}: must be a list of at most {n:,} items (one per layer).")
    for key in ("rope_scaling", "rope_parameters"):
        if key in cfg:
            _check_rope(cfg[key], prefix + key, out)


def _structure(mapping: Any) -> str | None:
    """Depth, items per container and total values of an already built object (same limits as the text)."""
    stack: list[tuple[int, Any, list]] = [(1, mapping, [])]
    total = 0
    while stack:
        depth, node, path = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                return f"`{_path(path)}` is nested {depth} levels deep; a config.json nests at most {MAX_DEPTH} levels."
            if len(node) > MAX_ITEMS:
                return (f"`{_path(path)}` has {len(node):,} items; the allowed range is 0 to {MAX_ITEMS:,} items "
                        "per list or object.")
            total += len(node)
            if total > MAX_VALUES:
                return f"The config holds more than {MAX_VALUES:,} values; a config.json has a few hundred."
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((depth + 1, v, path + [k]) for k, v in items)
        elif isinstance(node, str) and len(node) > MAX_TEXT_CHARS:
            return f"`{_path(path)}` is a text of {len(node):,} characters; the limit is {MAX_TEXT_CHARS:,}."
    return None


def check_limits(mapping: dict) -> list[str]:
    """Every size the config sets, checked against the app's limits before anything is computed from it.

    Covers the keys RopeConfig.from_hf_config reads (head dims, hidden_size / num_attention_heads, rotary
    fraction, rope_theta, context lengths, each rope_scaling / rope_parameters entry, per layer type too), layer
    counts and layer_types, and vision towers' patch grids; at the top level, in text_config and in
    vision_config. Each message names the field with its path (`text_config.head_dim`) and the allowed range.
    Returns [] when every size is within range; never raises.
    """
    try:
        if not isinstance(mapping, Mapping):
            return [f"The config must be a JSON object, got {type(mapping).__name__}."]
        problem = _structure(mapping)
        if problem:
            return [problem]
        out: list[str] = []
        _check_model(mapping, "", _MODEL_RULES, out)
        text = mapping.get("text_config")
        if isinstance(text, Mapping):
            _check_model(text, "text_config.", _MODEL_RULES, out)
            # from_hf_config reads text_config's keys over the top level's
            _head_dim_from({**mapping, **text}, {k: "text_config." for k in text}, out)
        else:
            _head_dim_from(mapping, {}, out)
            if text is not None:
                out.append(f"`text_config` = {_show(text)}: must be a JSON object or null.")
        vision = mapping.get("vision_config")
        if vision is not None:
            if isinstance(vision, Mapping):
                _check_model(vision, "vision_config.", {**_MODEL_RULES, **_VISION_RULES}, out)
                _head_dim_from(vision, {k: "vision_config." for k in vision}, out)
                size, patch = vision.get("image_size"), vision.get("patch_size")
                if _is_int(size) and _is_int(patch) and patch >= 1 and size // patch > GRID_SIDE_MAX:
                    out.append(f"`vision_config.image_size` / `vision_config.patch_size` = {_show(size // patch)} "
                               f"patches per side: must be from 1 to {GRID_SIDE_MAX:,}.")
            else:
                out.append(f"`vision_config` = {_show(vision)}: must be a JSON object or null.")
        return list(dict.fromkeys(out))
    except Exception as err:  # noqa: BLE001 - a check that raises would let the config through unchecked
        return [f"The config could not be checked ({type(err).__name__})."]


# --- link tokens -----------------------------------------------------------------------------------------

# What a link keeps of a config: the keys rope_core reads, plus what sizes layers and vision RoPE.
_KEEP = frozenset({
    "model_type", "head_dim", "qk_rope_head_dim", "global_head_dim", "hidden_size", "num_attention_heads",
    "n_embd", "n_head", "partial_rotary_factor", "rotary_pct", "rotary_dim", "rope_theta", "rotary_emb_base",
    "rope_local_base_freq", "max_position_embeddings", "n_positions", "original_max_position_embeddings",
    "rope_scaling", "rope_parameters", "rope_interleave", "num_hidden_layers", "n_layer", "num_layers",
    "layer_types", "sliding_window", "sliding_window_pattern", "no_rope_layers",
    # which layers rotate, and Llama 4's query temperature on the others (rope_core.layer_ropes)
    "no_rope_layer_interval", "full_attention_interval", "attention_chunk_size", "attn_temperature_tuning",
    "floor_scale", "attn_scale",
})
_KEEP_VISION = _KEEP | {"image_size", "patch_size", "spatial_merge_size", "temporal_patch_size", "window_size",
                        "embed_dim", "num_heads", "depth", "tokens_per_second"}


def rope_keys(mapping: Mapping) -> dict:
    """The part of a config.json a link carries: RoPE-relevant keys at the top level, in text_config and in
    vision_config (rope_scaling / rope_parameters whole)."""
    out = {k: v for k, v in mapping.items() if k in _KEEP}
    for key, keep in (("text_config", _KEEP), ("vision_config", _KEEP_VISION)):
        sub = mapping.get(key)
        if isinstance(sub, Mapping):
            out[key] = {k: v for k, v in sub.items() if k in keep}
    return out


def encode_config(mapping: dict) -> str:
    """A URL-safe token of the config's RoPE keys (canonical JSON, zlib, base64url), at most MAX_TOKEN_CHARS.

    Raises ValueError with a message for the reader if the config breaks a limit or does not fit in a link.
    """
    if not isinstance(mapping, Mapping):
        raise ValueError(f"The config must be a JSON object, got {type(mapping).__name__}.")
    kept = rope_keys(mapping)
    problems = check_limits(kept)
    if problems:
        raise ValueError("This config cannot go in a link: " + " ".join(problems))
    try:
        text = json.dumps(kept, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"This config cannot go in a link: {err}.") from None
    if len(text) > MAX_TOKEN_JSON:
        raise ValueError(f"This config's RoPE keys take {len(text):,} characters of JSON; a link carries at most "
                         f"{MAX_TOKEN_JSON:,}.")
    token = TOKEN_VERSION + base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii").rstrip("=")
    if len(token) > MAX_TOKEN_CHARS:
        raise ValueError(f"This config needs a link of {len(token):,} characters for its RoPE keys; a link carries "
                         f"at most {MAX_TOKEN_CHARS:,} (servers and proxies refuse longer URLs). "
                         "Share the config.json file instead.")
    return token


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def decode_config(token: str) -> tuple[dict | None, list[str]]:
    """The config a link token carries: (dict, []) or (None, messages). Never raises.

    The token's length is checked first, then it inflates to at most MAX_TOKEN_JSON bytes (a zip bomb stops
    there), then read_config_text and check_limits.
    """
    try:
        if not isinstance(token, str):
            return None, [f"The config in the link must be text, got {type(token).__name__}."]
        if len(token) > MAX_TOKEN_CHARS:
            return None, [f"The config in the link is {len(token):,} characters long; a link carries at most "
                          f"{MAX_TOKEN_CHARS:,}."]
        if not token.startswith(TOKEN_VERSION):
            return None, [f"The config in the link is not one this app wrote (it should start with "
                          f"“{TOKEN_VERSION}”); copy the link again."]
        body = token[len(TOKEN_VERSION):]
        if not _B64URL.fullmatch(body):
            return None, ["The config in the link has characters outside A–Z, a–z, 0–9, - and _; "
                          "copy the link again, in full."]
        try:
            data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            return None, ["The config in the link is cut short (its length is not a whole base64 group); "
                          "copy the link again, in full."]
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(data, MAX_TOKEN_JSON)
        except zlib.error:
            return None, ["The config in the link is damaged (it does not decompress); copy the link again, in full."]
        if inflater.unconsumed_tail:
            return None, [f"The config in the link expands to more than {MAX_TOKEN_JSON:,} bytes; "
                          "a config's RoPE keys take a few kB."]
        if not inflater.eof:
            return None, ["The config in the link is cut short; copy the link again, in full."]
        if inflater.unused_data:
            return None, ["The config in the link has extra data after its end; copy the link again."]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, ["The config in the link is not UTF-8 text; copy the link again."]
        mapping, messages = read_config_text(text)
        if mapping is None:
            return None, messages
        problems = check_limits(mapping)
        return (None, problems) if problems else (mapping, [])
    except Exception as err:  # noqa: BLE001 - the contract is "never raises"
        return None, [f"The config in the link could not be read ({type(err).__name__})."]
