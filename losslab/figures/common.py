"""Shared styling and helpers for every figure."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

# Hangul needs a CJK font: the browser takes the first one it has (Debian: fonts-noto-cjk).
FONT = dict(size=16, family="'Noto Sans KR', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', "
                            "'Source Sans Pro', sans-serif")
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]


# A named template ("plotly_white") is deep-copied into every figure: ~17 ms each, which a class
# of viewers polling once a second pays over and over. template="none" plus a few explicit
# styles costs ~1 ms and looks the same.
AXIS = dict(gridcolor="#e5e5e5", zerolinecolor="#bbb", linecolor="#888", showline=True, ticks="outside")
PLAIN = dict(template="none", plot_bgcolor="white", paper_bgcolor="white")


def layout(fig: go.Figure, title: str, x: str, y: str, *, revision: str = "keep", height: int = 420) -> go.Figure:
    fig.update_xaxes(**AXIS)
    fig.update_yaxes(**AXIS)
    fig.update_layout(
        title=dict(text=title, font=dict(size=20)), font=FONT, height=height,
        xaxis_title=x, yaxis_title=y, uirevision=revision, **PLAIN,
        margin=dict(l=70, r=20, t=60, b=110),
        # Below the plot: a legend at the top collides with the title on narrow columns.
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0),
    )
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
