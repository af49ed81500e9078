"""Heatmap cells as one image: colour-map a value grid in numpy and encode it as a PNG data URL.

A browser draws a 140×140 heatmap as 19,600 Vega marks, each run through Vega's expression
interpreter, scenegraph and renderer at every repaint. The same cells as one PNG in a Vega-Lite `image` mark cost one mark. The colours must then be
computed here, and they must be the legend's colours: so the Vega-Lite colour scale is given as
explicit colour stops on a piecewise domain with RGB interpolation (`ColorMap.scale`), and
`ColorMap.rgba` interpolates the same stops linearly per channel, as d3's interpolateRgb does,
and rounds to bytes, as d3's colour formatting does.

Stops: ColorBrewer RdBu (11 classes; reversed: blue for negative, red for positive), the scheme
behind Vega's "redblue", and matplotlib's viridis sampled at 0, 1/8, …, 1.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image

RDBU = ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
        "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f")  # negative → positive
# A diverging scale over ±max|value| follows the data without changing the chart's spec: its stops are
# these fractions of a Vega parameter read from the data (column ZMAX of the first row), so a slider move sends
# new data only, and the browser updates the chart instead of rebuilding it.
ZMAX = "_zmax"
_HALF = len(RDBU) // 2 + 1
FRACTIONS = tuple(float(c) for c in (*np.linspace(-1.0, 0.0, _HALF), *np.linspace(0.0, 1.0, _HALF)[1:]))
VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80",
           "#5ec962", "#addc30", "#fde725")


def _rgb(hex_colours: Sequence[str]) -> np.ndarray:
    """(n, 3) float array of the colours' sRGB bytes."""
    return np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in hex_colours], dtype=float)


@dataclass(frozen=True)
class ColorMap:
    """A continuous colour scale: colour `colours[k]` at value `stops[k]`, linear in RGB between stops
    (in log10 of the value when `log`), clamped at both ends. NaN, ±inf and, on a log scale, values
    ≤ 0 get no colour (transparent)."""

    stops: tuple[float, ...]
    colours: tuple[str, ...]
    log: bool = False
    zmax: float | None = None  # stops = FRACTIONS × zmax, and the Vega-Lite scale reads zmax from the data

    def scale(self) -> dict:
        """The same scale as a Vega-Lite colour scale (for the legend and any rect layer)."""
        domain = [{"expr": f"{c!r} * {ZMAX}"} for c in FRACTIONS] if self.zmax is not None else list(self.stops)
        return {"type": "log" if self.log else "linear", "domain": domain, "range": list(self.colours),
                "interpolate": "rgb", "clamp": True}

    def param(self, dataset: str) -> list[dict]:
        """The Vega-Lite parameter a data-following scale reads (none for a fixed one): ZMAX of the first row of
        `dataset` (1 while the browser has no rows yet)."""
        if self.zmax is None:
            return []
        rows = f"data({dataset!r})"
        return [{"name": ZMAX, "expr": f"length({rows}) > 0 ? {rows}[0].{ZMAX} : 1"}]

    def rgba(self, values: np.ndarray) -> np.ndarray:
        """uint8 RGBA of `values` (any shape): shape + (4,).

        A Toeplitz grid (each diagonal constant, as a score over positions m, n that depends on m − n only) is
        coloured once per diagonal and laid out by a strided view: the same pixels for a fraction of the work."""
        v = np.asarray(values, dtype=float)
        if v.ndim >= 2 and min(v.shape[-2:]) > 1:
            panels = v.reshape(-1, *v.shape[-2:])
            if np.array_equal(panels[:, 1:, 1:], panels[:, :-1, :-1]):
                return np.stack([self._toeplitz(panel) for panel in panels]).reshape(v.shape + (4,))
        return self._rgba(v)

    def _toeplitz(self, v: np.ndarray) -> np.ndarray:
        """rgba of a 2-D grid constant along each diagonal."""
        rows, cols = v.shape
        diagonals = self._rgba(np.concatenate([v[::-1, 0], v[0, 1:]]))  # k: the diagonal n − m = k − (rows − 1)
        packed = np.lib.stride_tricks.sliding_window_view(diagonals.view(np.uint32).reshape(-1), cols)
        return packed[::-1].view(np.uint8).reshape(rows, cols, 4)  # row i: the window from rows − 1 − i

    def _rgba(self, v: np.ndarray) -> np.ndarray:
        stops = np.asarray(self.stops, dtype=float)
        ok = np.isfinite(v)
        if self.log:
            ok &= v > 0
            v = np.log10(np.where(ok, v, 1.0))
            stops = np.log10(stops)
        v = np.where(ok, v, stops[0])
        rgb = _rgb(self.colours)
        out = np.zeros(v.shape + (4,), dtype=np.uint8)
        for ch in range(3):  # np.interp clamps outside [stops[0], stops[-1]]
            out[..., ch] = np.floor(np.interp(v, stops, rgb[:, ch]) + 0.5).astype(np.uint8)
        out[..., 3] = np.where(ok, 255, 0)
        return out


def value_range(values: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values; (0, 1) when there are none."""
    v = np.asarray(values, dtype=float)
    if v.size:
        lo, hi = v.min(), v.max()  # a NaN or infinity shows here: only then is a filtered copy needed
        if np.isfinite(lo) and np.isfinite(hi):
            return float(lo), float(hi)
    v = v[np.isfinite(v)]
    if not v.size:
        return 0.0, 1.0
    return float(v.min()), float(v.max())


def diverging(values: np.ndarray, domain: Sequence[float] | None = None, zmax: float | None = None) -> ColorMap:
    """RdBu with white at 0: over ±zmax, or ±max|value| (±1 when all are 0) — both following the data (ColorMap.zmax)
    — or over a fixed `domain` (its midpoint white when it does not contain 0)."""
    if domain is None:
        if zmax is None:
            lo, hi = value_range(values)
            zmax = max(abs(lo), abs(hi))
        m = float(zmax) if np.isfinite(zmax) and zmax > 0 else 1.0
        return ColorMap(tuple(c * m for c in FRACTIONS), RDBU, zmax=m)
    lo, hi = (float(d) for d in domain)
    mid = 0.0 if lo < 0.0 < hi else (lo + hi) / 2
    half = len(RDBU) // 2 + 1
    stops = np.concatenate([np.linspace(lo, mid, half), np.linspace(mid, hi, half)[1:]])
    return ColorMap(tuple(float(s) for s in stops), RDBU)


def sequential(values: np.ndarray, domain: Sequence[float] | None = None, log: bool = False) -> ColorMap:
    """Viridis over `domain` or the values' range; log-spaced stops when `log` (domain required, > 0)."""
    if log:
        if domain is None:
            raise ValueError("a log colour scale needs a domain")
        lo, hi = (float(d) for d in domain)
        return ColorMap(tuple(float(s) for s in np.geomspace(lo, hi, len(VIRIDIS))), VIRIDIS, log=True)
    lo, hi = value_range(values) if domain is None else (float(d) for d in domain)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return ColorMap(tuple(float(s) for s in np.linspace(lo, hi, len(VIRIDIS))), VIRIDIS)


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_data_url(rgba: np.ndarray) -> str:
    """An (h, w, 4) uint8 image as a PNG data URL (row 0 at the top).

    Written directly (PNG spec: IHDR 8-bit RGBA, one IDAT of zlib-deflated rows each led by filter byte 0, IEND):
    PIL's writer tries every row filter for its adaptive choice, which on these images costs more than the
    deflate itself, and filter 0 compresses a heatmap's runs of equal colours as well."""
    px = np.ascontiguousarray(rgba, dtype=np.uint8)
    if px.ndim != 3 or px.shape[2] != 4:
        raise ValueError(f"an RGBA image must have shape (h, w, 4), got {px.shape}")
    h, w = px.shape[:2]
    rows = np.zeros((h, 1 + 4 * w), dtype=np.uint8)  # column 0: the row's filter type, 0 (none)
    rows[:, 1:] = px.reshape(h, 4 * w)
    png = b"".join((b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)),
                    _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)), _chunk(b"IEND", b"")))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def decode_png_data_url(url: str) -> np.ndarray:
    """The (h, w, 4) uint8 pixels of a PNG data URL (for tests and the CSV check)."""
    head, _, data = url.partition(",")
    if head != "data:image/png;base64":
        raise ValueError(f"not a PNG data URL: {head[:40]!r}")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA"))
