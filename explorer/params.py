"""Parameter specs and URL parsing: every control the app has, described once.

Pure Python (no streamlit): the sidebar renders these specs, the URL layer parses
and writes them, and the tests read the same table to push every control to both ends.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from explorer import fmt

Values = dict[str, Any]
Bound = float | int | Callable[[Values], float | int]

MAX_RAW_CHARS = 64  # a URL value longer than this is never a valid number or option


def _log_grid(lo_exp: int, hi_exp: int, mantissas: Sequence[float]) -> tuple[float, ...]:
    """Nice log-spaced values m·10^e, so that 1e4, 1.5e5, 5e5 and 1e6 are single stops."""
    out = [m * 10.0**e for e in range(lo_exp, hi_exp) for m in mantissas]
    out.append(10.0**hi_exp)
    return tuple(float(f"{v:.6g}") for v in out)


THETA_GRID = _log_grid(1, 8, (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5))
POW2_CONTEXTS = tuple(2**k for k in range(8, 21))  # 256 … 1,048,576 tokens
# positions: every one up to 16, then 1, 1.5, 2, 3, 4, 5, 6, 8 per decade, so that a small m is as easy to pick as a
# large one (the slider ends at the target context's last position, whatever it is)
POSITION_GRID = tuple(range(17)) + tuple(int(v) for v in _log_grid(1, 9, (1, 1.5, 2, 3, 4, 5, 6, 8)) if v > 16)


def human(v: float) -> str:
    """Short labels for log sliders in the app's one style (explorer.fmt.short): 16384 -> '16k', 10000 -> '10k'."""
    return fmt.short(v)


VIEW = "segmented"  # ParamSpec.widget of a page's view picker


@dataclass(frozen=True)
class ParamSpec:
    """One control: its URL key, widget kind, range and help sentence.

    kind: "int" | "float" (st.slider), "grid" (st.select_slider over numeric `options`,
    e.g. log-spaced; any in-range number is accepted from a URL), "choice"
    (st.select_slider / radio / selectbox over string `options`; widget=VIEW is the page's
    st.segmented_control of which chart to draw, drawn by `Page.view()` in the main area),
    "bool" (st.toggle), "ints" (st.text_input of `length` comma-separated integers from `lo` to `hi`, as
    "16,24,24"; "" = unset: M-RoPE's mrope_section, whose sum is checked against the model where it is built).
    `lo`/`hi` may be callables of the current values (e.g. pair index < n_pairs).
    `show_if` hides a control (and drops it from the URL) when it does not apply.
    """

    key: str
    label: str
    kind: str
    default: Any
    help: str
    lo: Bound | None = None
    hi: Bound | None = None
    step: float | int | None = None
    options: tuple = ()
    even: bool = False
    widget: str = ""  # "radio", "selectbox" or "segmented" (VIEW: drawn in the page, not the sidebar) for choices
    labels: dict = field(default_factory=dict)  # display names for choice options
    show_if: Callable[[Values], bool] | None = None
    fmt: str | None = None
    length: int = 0  # "ints": how many integers

    def ints(self, value: Any) -> tuple[int, ...] | None:
        """An "ints" value as a tuple (None when unset); ValueError naming the field and the allowed form."""
        text = str(value).replace(" ", "")
        if not text:
            return None
        parts = text.split(",")
        if len(parts) != self.length or not all(p.isdigit() and len(p) <= 6 for p in parts):
            raise ValueError(f"{self.key} must be {self.range_text({})}, got `{_safe(str(value))}`")
        items = tuple(int(p) for p in parts)
        if not all(self.lo <= v <= self.hi for v in items):
            raise ValueError(f"{self.key} must be {self.range_text({})}, got `{_safe(str(value))}`")
        return items

    def bounds(self, values: Values) -> tuple[float, float]:
        lo = self.lo(values) if callable(self.lo) else self.lo
        hi = self.hi(values) if callable(self.hi) else self.hi
        return lo, max(lo, hi)

    def visible(self, values: Values) -> bool:
        return self.show_if is None or bool(self.show_if(values))

    def range_text(self, values: Values) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(str(o) for o in self.options)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "ints":
            return f"{self.length} integers from {self.lo} to {self.hi} separated by commas, or empty (unset)"
        lo, hi = self.bounds(values)
        if self.kind == "int":
            extra = ", even" if self.even else ""
            return f"an integer from {lo} to {hi}{extra}"
        return f"a number from {_num(lo)} to {_num(hi)}"

    def to_url(self, value: Any) -> str:
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "int":
            return str(int(value))
        if self.kind in ("float", "grid"):
            return _num(value)
        return str(value)

    def parse(self, raw: str, values: Values, name: str | None = None) -> tuple[Any, str | None]:
        """Parse one URL string. Returns (value, warning); never raises.

        An unusable value falls back to the default; an out-of-range number is clamped. `name`: the parameter
        as the link spelled it (an older alias), named in the warning beside the state name.
        """
        shown = _safe(raw)
        allowed = self.range_text(values)

        def reject(why: str, value: Any = None) -> tuple[Any, str]:
            value = self.default if value is None else value
            called = f"`{name}` (= `{self.key}`)" if name and name != self.key else f"`{self.key}`"
            if self.label != self.key:
                called += f" ({self.label})"
            return value, (f"URL parameter {called}: {why} `{shown}`; "
                           f"allowed: {allowed}. Using {self.to_url(value) or 'none'}.")

        if len(raw) > MAX_RAW_CHARS:
            return reject("value too long")
        if self.kind == "choice":
            if raw in self.options:
                return raw, None
            return reject("unknown option")
        if self.kind == "ints":
            try:
                items = self.ints(raw)
            except ValueError:
                return reject("not a list of integers")
            return ",".join(map(str, items)) if items else "", None
        if self.kind == "bool":
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True, None
            if low in ("0", "false", "no", "off"):
                return False, None
            return reject("not true/false")
        try:
            num = float(raw)
        except ValueError:
            return reject("not a number")
        if not math.isfinite(num):
            return reject("not a finite number")
        lo, hi = self.bounds(values)
        if self.kind == "int" or (self.kind == "grid" and isinstance(self.options[0], int)):
            if num != int(num):
                return reject("not an integer", self.clamp(round(num), values))
            num = int(num)
            if self.even and num % 2 and lo <= num <= hi:  # out of range is the first thing to fix
                return reject("must be even", self.clamp(num - 1, values))
        if num < lo or num > hi:
            return reject("out of range", self.clamp(num, values))
        return num, None

    def clamp(self, value: Any, values: Values) -> Any:
        """Coerce a value into this control's current range (used when bounds move)."""
        if self.kind == "choice":
            return value if value in self.options else self.default
        if self.kind == "bool":
            return bool(value)
        if self.kind == "ints":  # kept as typed (short): the model's builder warns about a malformed one
            return str(value)[:MAX_RAW_CHARS] if isinstance(value, str) else self.default
        lo, hi = self.bounds(values)
        try:
            v = min(max(float(value), lo), hi)
        except (TypeError, ValueError):
            v = float(self.default)
        if not math.isfinite(v):
            v = float(self.default)
        if self.kind == "int":
            v = int(v)
            if self.even and v % 2:
                v = v - 1 if v - 1 >= lo else v + 1
        return v

    def grid_options(self, value: Any, values: Values | None = None) -> list:
        """Options of a grid slider, with an off-grid current value inserted in order. With `values`, only the
        options within the current bounds, and the upper bound itself when options above it were dropped (so that
        the slider's end is its range's end, e.g. the last position of the target context)."""
        opts = list(self.options)
        if self.kind == "grid" and values is not None:
            lo, hi = self.bounds(values)
            kept = [o for o in opts if lo <= o <= hi]
            if len(kept) < len(opts) and (not kept or kept[-1] < hi) and any(o > hi for o in opts):
                kept.append(type(opts[0])(hi))
            opts = kept or opts
        if self.kind == "grid" and value not in opts:
            opts = sorted(set(opts) | {type(opts[0])(value)})
        return opts


def _num(v: float) -> str:
    v = float(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}"


_UNSAFE = re.compile(r"[^A-Za-z0-9.+\-_ ]")


def _safe(raw: str) -> str:
    """A URL value made harmless for a markdown warning: short, no markup characters."""
    s = _UNSAFE.sub("?", raw[:24])
    return s + ("…" if len(raw) > 24 else "")


def parse_query(raw: dict[str, list[str]], specs: Sequence[ParamSpec], values: Values,
                ignore: Sequence[str] = (), names: dict[str, str] | None = None) -> tuple[Values, list[str]]:
    """Apply URL values onto `values` (in spec order, so bounds see earlier values).

    raw maps each key to all its values (repeated keys keep every occurrence); names: how the link spelled each
    key (an alias), for the warnings. Returns the new values and the warnings to show. Unknown keys are
    reported once.
    """
    names = names or {}
    values = dict(values)
    warnings: list[str] = []
    known = {s.key for s in specs}
    for spec in specs:
        if spec.key not in raw:
            continue
        items = raw[spec.key]
        if not items:
            continue
        if len(items) > 1:
            called = names.get(spec.key, spec.key)
            alias = f" (= `{spec.key}`)" if called != spec.key else ""
            warnings.append(f"URL parameter `{called}`{alias} appears {len(items)} times; using the last one.")
        value, warn = spec.parse(items[-1], values, names.get(spec.key))
        values[spec.key] = value
        if warn:
            warnings.append(warn)
    unknown = [names.get(k, k) for k in raw if k not in known and k not in ignore]
    if unknown:
        listed = ", ".join(f"`{_safe(k)}`" for k in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        warnings.append(f"Ignored unknown URL parameter(s) {listed}{more}.")
    return values, warnings
