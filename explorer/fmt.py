"""One style for the app's text: context lengths as researchers say them, rope_theta in one form, and one
name per rope_type (ROPE_TYPE_LABELS: the sidebar's choices and every chart legend and table use it).

context(16_384) == "16k", context(131_072) == "128k", context(1_048_576) == "1M" (binary multiples, as
"a 128k context" means 131,072 tokens); any other length, and any multiple of 1,000, is written out exactly
("4,000", "128,000"). exact(n) is the full count for hover text. theta(v): "10k", "500k", "1M", "1.5M" for round bases, else the
integer with separators ("40,890"), and up to 4 significant digits below 1,000.
"""

from __future__ import annotations

import math
import re

KI, MI = 1 << 10, 1 << 20

ROPE_TYPE_LABELS = {
    "default": "default (no scaling)",
    "linear": "linear / PI",
    "ntk": "NTK-aware (static)",
    "dynamic": "dynamic NTK",
    "yarn": "YaRN",
    "llama3": "Llama 3",
    "longrope": "LongRoPE (preset)",
    "proportional": "proportional (p-RoPE)",
}


def context(n: int) -> str:
    """A length in tokens: "4k", "32k", "128k", "1M" for multiples of 1,024 (2^20 for "M"), else exact.

    A multiple of 1,000 is a decimal length (LFM3's 128,000 = 125 · 1,024): written out, never "125k".
    """
    n = int(n)
    if n % 1000 == 0:
        return f"{n:,}"
    if n >= MI and n % MI == 0:
        return f"{n // MI}M"
    if n >= KI and n % KI == 0:
        return f"{n // KI}k"
    return f"{n:,}"


def exact(n: int) -> str:
    """The exact count with thousands separators, for hover and help text: 16384 -> "16,384 tokens"."""
    return f"{int(n):,} tokens"


def theta(v: float) -> str:
    """rope_theta in one form: 10000 -> "10k", 500000 -> "500k", 1e6 -> "1M", 40889.94 -> "40,890", 10 -> "10"."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    for unit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= unit:
            # the short form only when exact to one decimal of the largest unit (1.5M, 2.5k; never 40.89k, 2044.5k)
            if (v / unit * 10).is_integer():
                return f"{v / unit:g}{suffix}"
            break
    if abs(v) >= 1000:
        return f"{round(v):,}"
    return f"{v:.4g}"


def tokens(v: float) -> str:
    """A length that need not be whole (a wavelength): 4 significant digits below 1,000, else whole with separators."""
    v = float(v)
    if math.isinf(v):  # a pair that never turns (proportional RoPE's frequency-0 pairs)
        return "∞"
    return f"{round(v):,}" if abs(v) >= 1000 else f"{v:.4g}"


def plain(v: float, digits: int = 4) -> str:
    """Any other number, never in e-notation above 1: `digits` significant digits, whole when larger, with
    thousands separators (a ratio of 4,194,304 ÷ 128 reads "32,768", not "3.277e+04")."""
    v = float(v)
    if math.isfinite(v) and abs(v) >= 10**digits:
        return f"{round(v):,}"
    return f"{v:,.{digits}g}"


def short(v: float) -> str:
    """A slider label: context() for whole multiples of 1,024 (lengths), theta() for every other value."""
    v = float(v)
    if v.is_integer() and v >= KI and int(v) % KI == 0 and int(v) % 1000:
        return context(int(v))
    return theta(v)


def note(text: str) -> str:
    """A preset note as shown: without rope_core.presets' internal "[copy]" provenance marker."""
    text = re.sub(r"^\s*\[copy\]\s*", "", text)
    return re.sub(r"\s*\[copy\]", " read from a copy of the config.json", text)
