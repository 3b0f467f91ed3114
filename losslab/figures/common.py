"""Shared styling and helpers for every figure."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go

# Hangul needs a CJK font: the browser takes the first one it has (Debian: fonts-noto-cjk).
FONT = dict(size=16, family="'Noto Sans KR', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', "
                            "'Source Sans Pro', sans-serif")
# Okabe & Ito's colour-vision-safe palette (yellow left out: too faint on white), in the order
# that keeps the first six apart under deuteranopia and protanopia (tests/test_palette.py).
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
# Each series also keeps its own dash and marker: a comparison reads in greyscale too.
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross"]
RIGHT, WRONG = "#0072B2", "#D55E00"  # right/wrong answers (with ✓/✗, never colour alone)
NEUTRAL = "#444444"

_style_source = None


def set_style_source(source) -> None:
    """Where figures learn whether this visitor presents on a projector (the UI's session)."""
    global _style_source
    _style_source = source


def presenting() -> bool:
    try:
        return bool(_style_source and _style_source())
    except Exception:  # no session: a test or a worker
        return False


def series_style(i: int, width: float = 3) -> dict:
    """Colour, dash and marker of the i-th series: three cues, not one."""
    return {"line": dict(color=COLORS[i % len(COLORS)], width=width, dash=DASHES[i % len(DASHES)]),
            "marker": dict(symbol=MARKERS[i % len(MARKERS)], size=8, color=COLORS[i % len(COLORS)])}


# A named template ("plotly_white") is deep-copied into every figure: ~17 ms each, which a class
# of viewers polling once a second pays over and over. template="none" plus a few explicit
# styles costs ~1 ms and looks the same.
AXIS = dict(gridcolor="#e5e5e5", zerolinecolor="#bbb", linecolor="#888", showline=True, ticks="outside")
PLAIN = dict(template="none", plot_bgcolor="white", paper_bgcolor="white")


# Bold on a projector: type ≥ 18 px everywhere, a darker grid.
BIG_AXIS = dict(title=dict(font=dict(size=22)), tickfont=dict(size=18), gridcolor="#bbbbbb", linewidth=2)
_AXIS_NAME = re.compile(r"[xy]axis\d*")


def merged(base: dict, changes: dict) -> dict:
    """base with changes applied the way update_layout applies them: dicts merged key by key."""
    out = dict(base)
    for key, value in changes.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def layout(fig: go.Figure, title: str, x: str, y: str, *, revision: str = "keep", height: int = 420) -> go.Figure:
    """Titles, fonts, axes and legend of every figure. The whole layout is assigned once:
    update_layout and update_xaxes validate and dispatch each key path (~11 ms a figure,
    rebuilt for a live run twice a second); one assignment of the same layout costs ~1 ms."""
    big = presenting()
    if big:  # projector: lines and markers thicker
        for trace in fig.data:
            if getattr(trace, "line", None) is not None and trace.line.width:
                trace.line.width = trace.line.width * 1.8
            if getattr(trace, "marker", None) is not None and getattr(trace.marker, "size", None):
                trace.marker.size = trace.marker.size * 1.5
        height = int(height * 1.2)
    current = fig.layout.to_plotly_json()
    axis = merged(AXIS, BIG_AXIS) if big else AXIS
    changes = dict(
        title=dict(text=title, font=dict(size=28 if big else 20)), font={**FONT, "size": 20 if big else 16},
        height=height, uirevision=revision, **PLAIN,
        margin=dict(l=70, r=20, t=60, b=110),
        # Below the plot: a legend at the top collides with the title on narrow columns.
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0),
    )
    titles = {"xaxis": x, "yaxis": y}  # the first axes carry the titles; every subplot's axes the style
    for name in {*titles, *(k for k in current if _AXIS_NAME.fullmatch(k))}:
        changes[name] = merged(axis, {"title": {"text": titles[name]}}) if name in titles else axis
    fig.layout = merged(current, changes)
    return fig


def finite(values) -> np.ndarray:
    """A float array where NaN and ±inf become NaN: a gap in the line, `null` in Plotly's JSON.

    numpy arrays also skip Plotly's element-by-element validation of Python lists (~25 ms for
    a 2,000-point curve)."""
    arr = np.array([np.nan if v is None else v for v in values], dtype=float) if not isinstance(values, np.ndarray) \
        else values.astype(float)
    arr[~np.isfinite(arr)] = np.nan
    return arr


def smooth(values, weight: float) -> list:
    """TensorBoard-style exponential moving average, debiased; weight 0 = raw."""
    if weight <= 0:
        return list(values)
    out, avg, n = [], 0.0, 0
    for v in values:
        if v is None or not math.isfinite(v):
            out.append(float("nan"))
            continue
        n += 1
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight**n))
    return out
