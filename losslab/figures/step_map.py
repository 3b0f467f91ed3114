"""The (learning rate, momentum) map: SGD with momentum's convergence rate per step over η (log)
and β, the region where it diverges (hatched grey), the fastest cell (★), the run's own (◆) and a
grid of clickable cells (invisible markers: Plotly selects points of a scatter, never of a heatmap)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..i18n import readable, t
from .common import layout

DIVERGES = "#BDBDBD"  # grey: in no sequential scale, so it never reads as "slow"
HATCH = "#616161"
FASTEST = "#FFFFFF"   # ★ white with a black rim reads on viridis' dark and bright ends
CURRENT = "#E69F00"   # ◆ Okabe-Ito orange, black rim
FLOOR = 1e-12         # the colour's floor: 1 − rate below it is one colour


def rate_text(rate: float) -> str:
    """A rate per step as a student reads it: 0.95, 0.9989, or 1 − 2.3 × 10⁻⁷ when the 9s run out."""
    if not math.isfinite(rate):
        return "∞"
    if rate >= 1 or rate < 0.01:
        return readable(rate, 2) if rate < 0.01 else readable(rate)
    gap = 1 - rate
    if gap < 1e-5:
        return f"1 − {readable(gap, 2)}"
    decimals = max(2, math.ceil(-math.log10(gap) - 1e-9) + 1)  # a digit after the run of 9s
    return f"{rate:.{decimals}f}"


def steps_per_tenth(rate: float) -> float:
    """Steps for the error to shrink 10×: log 0.1 / log rate (inf when it does not shrink)."""
    if rate <= 0:
        return 0.0
    return math.inf if rate >= 1 else math.log(0.1) / math.log(rate)


LEVELS = 254  # colour levels: the map travels as one byte a cell (40 KB, not 210 KB of float32)


def _colorbar(zmin: float) -> dict:
    """Ticks at rates 0, 0.9, 0.99, … (the colour is log₁₀(1 − rate): each tick one more 9)."""
    ks = list(range(0, math.floor(zmin) - 1, -1))
    step = max(1, math.ceil(len(ks) / 8))  # at most ~8 ticks on a projector
    ks = [k for k in ks[::step] if k >= zmin]
    return dict(title=dict(text=t("step_map.colorbar"), side="right"), tickvals=[_level(k, zmin) for k in ks],
                ticktext=["0" if k == 0 else f"{1 - 10.0 ** k:.{-k}f}" if k >= -5 else f"1 − 1e{k}" for k in ks])


def _level(z, zmin: float):
    """log₁₀(1 − rate) in [zmin, 0] as a colour level 1…LEVELS+1 (0: diverges, under the grey)."""
    return 1 + np.rint(LEVELS * (np.asarray(z, dtype=float) - zmin) / -zmin)


def figure(lrs, momenta, gap, *, lam_max: float, optimum: tuple, current: tuple | None, picks: tuple,
           title: str) -> go.Figure:
    """lrs (n,), momenta (m,), gap (m, n): 1 − rate (≤ 0: diverges); optimum and current: (η, β, rate);
    picks: (η, β, rate) arrays of the clickable cells."""
    lrs, momenta = np.asarray(lrs, dtype=float), np.asarray(momenta, dtype=float)
    g = np.asarray(gap, dtype=float)
    z = np.where(g > 0, np.log10(np.clip(g, FLOOR, 1.0)), np.nan)
    zmin = min(-1.0, float(np.nanmin(z))) if np.isfinite(z).any() else -1.0
    levels = np.nan_to_num(_level(z, zmin), nan=0.0).astype(np.uint8)
    fig = go.Figure(go.Heatmap(x=lrs.astype(np.float32), y=momenta.astype(np.float32), z=levels,
                               colorscale="Viridis", zmin=1, zmax=LEVELS + 1, colorbar=_colorbar(zmin),
                               hoverinfo="skip", name=t("step_map.colorbar")))
    # Diverges right of η = 2(1 + β)/λmax: a closed polygon out to the map's right edge.
    edge = 2 * (1 + momenta) / lam_max
    right = float(lrs[-1])
    inside = edge < right
    if inside.any():
        ys = momenta[inside]
        xs = edge[inside]
        fig.add_scatter(x=np.array([*xs, right, right, xs[0]], dtype=np.float32),
                        y=np.array([*ys, ys[-1], ys[0], ys[0]], dtype=np.float32), mode="lines", fill="toself",
                        fillcolor=DIVERGES, fillpattern=dict(shape="/", fgcolor=HATCH, bgcolor=DIVERGES, size=10),
                        line=dict(color="black", width=2), name=t("step_map.diverges"), hoverinfo="skip")
    p_lr, p_b, p_rate = (np.asarray(v, dtype=float) for v in picks)
    # float32 halves the bytes; a click's (η, β) is rounded to the form's digits anyway
    fig.add_scatter(x=p_lr.astype(np.float32), y=p_b.astype(np.float32), mode="markers", showlegend=False, name=t("step_map.cell"),
                    customdata=[rate_text(r) for r in p_rate],
                    marker=dict(size=11, color="rgba(0,0,0,0)", symbol="square"),
                    selected=dict(marker=dict(color="rgba(255,255,255,0.9)")),
                    hovertemplate=t("step_map.hover") + "<extra></extra>")
    lr, b, r = optimum
    fig.add_scatter(x=[lr], y=[b], mode="markers", name=t("step_map.fastest", lr=f"{lr:.3g}", momentum=f"{b:.2f}",
                                                           rate=rate_text(r)),
                    marker=dict(symbol="star", size=22, color=FASTEST, line=dict(color="black", width=2)),
                    unselected=dict(marker=dict(opacity=1)),  # a picked cell dims every other point
                    hovertemplate=t("step_map.hover_fastest", rate=rate_text(r)) + "<extra></extra>")
    if current is not None:
        lr, b, r = current
        fig.add_scatter(x=[lr], y=[b], mode="markers", name=t("step_map.yours", lr=f"{lr:.3g}", momentum=f"{b:.2f}",
                                                               rate=rate_text(r)),
                        marker=dict(symbol="diamond", size=16, color=CURRENT, line=dict(color="black", width=2)),
                        unselected=dict(marker=dict(opacity=1)),
                        hovertemplate=t("step_map.hover_yours", rate=rate_text(r)) + "<extra></extra>")
    layout(fig, title, t("step_map.x_title"), t("step_map.y_title"), height=520)
    # a tick per decade, level: a half-width column has room for nothing more
    fig.update_xaxes(type="log", range=[math.log10(lrs[0]), math.log10(lrs[-1])], exponentformat="power", dtick=1,
                     tickangle=0)
    fig.update_yaxes(range=[float(momenta[0]) - 0.01, float(momenta[-1]) + 0.01])
    fig.update_layout(hovermode="closest")
    return fig
