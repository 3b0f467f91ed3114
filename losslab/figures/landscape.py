"""The loss landscape over (slope, intercept): contours on log-spaced levels (the bowl's walls
and its floor both visible), the run's path, its start, the least-squares line and the loss's
own minimum; a 3-D view of the same surface; each point's pull on the weights as arrows."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import t
from .common import layout

PATH = "#FFFFFF"      # the path and start on viridis: white reads on its dark floor and bright walls
OPTIMUM = "#E69F00"   # least squares (Okabe-Ito orange), with an ✕ marker
OWN = "#56B4E9"       # the loss's own minimum (sky blue), with a ★ marker
OFF_PLANE = "Reds"    # a slice's path by distance off the plane: ColorBrewer's single-hue (lightness) scale


def log_levels(z) -> np.ndarray:
    """log10 of the loss, floored just below its smallest positive value (a loss of exactly 0)."""
    arr = np.asarray(z, dtype=float)
    positive = arr[arr > 0]
    floor = positive.min() / 10 if positive.size else 1e-12
    return np.log10(np.maximum(arr, floor))


def _colorbar(zlog: np.ndarray) -> dict:
    """Ticks at the loss values themselves: whole decades when the map spans several, else 1-2-5 steps."""
    zmin, zmax = float(np.nanmin(zlog)), float(np.nanmax(zlog))
    mantissas = (1,) if zmax - zmin > 2 else (1, 2, 5)
    values = [m * 10.0 ** k for k in range(math.floor(zmin), math.ceil(zmax) + 1) for m in mantissas]
    ticks = [v for v in values if zmin <= math.log10(v) <= zmax]
    return dict(title=dict(text=t("figure.landscape_colorbar"), side="right"),
                tickvals=[math.log10(v) for v in ticks], ticktext=[f"{v:g}" for v in ticks])


def _add_contour(fig, s, row=None, col=None, showscale=True):
    # float32 numpy arrays travel as base64 in the figure's JSON (~4 bytes a point, not ~20): the
    # map is resent with every poll of a live run, to every viewer.
    zlog = log_levels(s["z"]).astype(np.float32)
    kw = dict(row=row, col=col) if row else {}
    fig.add_trace(go.Contour(x=np.asarray(s["slopes"], dtype=np.float32), y=np.asarray(s["intercepts"], dtype=np.float32),
                             z=zlog, colorscale="Viridis", showscale=showscale,
                             contours=dict(start=float(np.floor(zlog.min() * 4) / 4), end=float(zlog.max()), size=0.25),
                             colorbar=_colorbar(zlog), name=t("figure.loss"), line=dict(width=0.5, color="rgba(0,0,0,0.3)"),
                             hovertemplate=t("figure.landscape_hover") + "<extra></extra>"), **kw)


def _add_marks(fig, s, path, row=None, col=None, legend=True):
    kw = dict(row=row, col=col) if row else {}
    if path:
        fig.add_scatter(x=[p[1] for p in path], y=[p[2] for p in path], mode="lines+markers", name=t("figure.path"),
                        line=dict(color=PATH, width=3), marker=dict(size=6, color=PATH, line=dict(color="black", width=1)),
                        showlegend=legend,
                        legendgroup="path", **kw)
        fig.add_scatter(x=[path[0][1]], y=[path[0][2]], mode="markers", name=t("figure.start"), showlegend=legend,
                        marker=dict(symbol="circle", size=13, color="black", line=dict(color=PATH, width=2)),
                        legendgroup="start", **kw)
        fig.add_scatter(x=[path[-1][1]], y=[path[-1][2]], mode="markers", name=t("figure.now", step=f"{path[-1][0]:,}"),
                        showlegend=legend, legendgroup="now",
                        marker=dict(symbol="diamond", size=14, color=PATH, line=dict(color="black", width=2)), **kw)
    ls = s["least_squares"]
    fig.add_scatter(x=[ls[0]], y=[ls[1]], mode="markers", name=t("figure.least_squares_point"), showlegend=legend,
                    legendgroup="ls", marker=dict(symbol="x", size=14, color=OPTIMUM, line=dict(color="black", width=1)),
                    **kw)
    own = s["minimum"]
    fig.add_scatter(x=[own[0]], y=[own[1]], mode="markers", name=t("figure.own_minimum"), showlegend=legend,
                    legendgroup="own", marker=dict(symbol="star", size=16, color=OWN, line=dict(color="black", width=1)),
                    **kw)


def _fix_axes(fig, s, row=None, col=None):
    kw = dict(row=row, col=col) if row else {}
    # The map stays put while the path grows: a path leaving it (a diverging run) is clipped, not rescaled.
    fig.update_xaxes(range=[s["slopes"][0], s["slopes"][-1]], **kw)
    fig.update_yaxes(range=[s["intercepts"][0], s["intercepts"][-1]], **kw)


def landscape(s: dict, path: list, *, title: str, x_title: str, y_title: str, pulls: list | None = None) -> go.Figure:
    """s: {"slopes", "intercepts", "z", "least_squares", "minimum"}; path: [(step, slope, intercept)];
    pulls: [(slope, intercept, dslope, dintercept)] arrows of each point's pull, from the current weights."""
    fig = go.Figure()
    _add_contour(fig, s)
    _add_marks(fig, s, path)
    for x0, y0, dx, dy in pulls or []:
        fig.add_annotation(x=x0 + dx, y=y0 + dy, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=2, arrowwidth=2, arrowcolor=OPTIMUM, text="")
    layout(fig, title, x_title, y_title, height=560)
    _fix_axes(fig, s)
    return fig


def landscapes(surfaces: list[dict], paths: list[list], names: list[str], *, title: str, x_title: str,
               y_title: str) -> go.Figure:
    """Compare losses: one map per loss, side by side on the same axes, each with its path."""
    n = len(surfaces)
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, subplot_titles=names, horizontal_spacing=0.04)
    for i, (s, path) in enumerate(zip(surfaces, paths), start=1):
        _add_contour(fig, s, 1, i, showscale=False)
        _add_marks(fig, s, path, 1, i, legend=i == 1)
        _fix_axes(fig, s, 1, i)
        fig.update_xaxes(title_text=x_title, row=1, col=i)
    layout(fig, title, "", y_title, height=520)
    fig.update_xaxes(title_text=x_title)
    return fig


def landscape_3d(s: dict, path: list, path_losses: list, *, title: str, x_title: str, y_title: str) -> go.Figure:
    zlog = log_levels(s["z"]).astype(np.float32)
    fig = go.Figure(go.Surface(x=s["slopes"], y=s["intercepts"], z=zlog, colorscale="Viridis", showscale=False,
                               name=t("figure.loss"), opacity=0.9))
    if path:
        fig.add_trace(go.Scatter3d(x=[p[1] for p in path], y=[p[2] for p in path],
                                   z=log_levels(path_losses).tolist(), mode="lines+markers", name=t("figure.path"),
                                   line=dict(color="black", width=6), marker=dict(size=2, color="black")))
    layout(fig, title, "", "", height=620)
    fig.update_layout(scene=dict(xaxis_title=x_title, yaxis_title=y_title, zaxis_title=t("figure.landscape_log_axis")))
    return fig


def pulls_on_line(xs, ys, slope: float, intercept: float, forces: list, *, title: str, x_title: str,
                  y_title: str) -> go.Figure:
    """The data with the current line, and at each point an arrow: where that point pulls the
    line's prediction (−d loss_i / d ŷ_i, scaled so the longest arrow is a quarter of the y range)."""
    fig = go.Figure()
    fig.add_scatter(x=list(xs), y=list(ys), mode="markers", name=t("figure.data"),
                    marker=dict(size=9, color="#0072B2", symbol="circle"))
    lo, hi = min(xs), max(xs)
    fig.add_scatter(x=[lo, hi], y=[slope * lo + intercept, slope * hi + intercept], mode="lines",
                    name=t("figure.current_line"), line=dict(color="black", width=3))
    span = (max(ys) - min(ys)) or 1.0
    biggest = max((abs(f) for f in forces), default=0.0) or 1.0
    for x, f in zip(xs, forces):
        y0 = slope * x + intercept
        fig.add_annotation(x=x, y=y0 + f / biggest * span / 4, ax=x, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=2, arrowwidth=2, arrowcolor="#D55E00", text="")
    fig.add_scatter(x=[None], y=[None], mode="lines", name=t("figure.pull"), line=dict(color="#D55E00", width=2))
    layout(fig, title, x_title, y_title, height=460)
    return fig




def slice_view(r: dict, *, title: str, loss_title: str, accuracy_title: str, axis: tuple[str, str]) -> go.Figure:
    """A slice job's result: the loss (log levels) and the test accuracy on the plane, the run's
    trajectory projected onto both (start ●, end ◆ at the final weights, the origin)."""
    # Room between the panels for the loss colour bar; the right panel shares the left one's axes.
    fig = make_subplots(rows=1, cols=2, subplot_titles=(loss_title, accuracy_title), horizontal_spacing=0.2)
    a = np.asarray(r["alphas"], dtype=np.float32)
    b = np.asarray(r["betas"], dtype=np.float32)
    zlog = log_levels(r["loss"]).astype(np.float32)
    fig.add_trace(go.Contour(x=a, y=b, z=zlog, colorscale="Viridis", name=t("figure.loss"), ncontours=24,
                             colorbar=dict(_colorbar(zlog), x=0.41, len=0.9, thickness=14),
                             hovertemplate=t("figure.slice_hover") + "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Contour(x=a, y=b, z=(100 * np.asarray(r["accuracy"])).astype(np.float32), colorscale="Cividis",
                             name=t("figure.accuracy"), ncontours=20,
                             colorbar=dict(title=dict(text=t("figure.accuracy_axis"), side="right"), x=1.0, len=0.9,
                                           thickness=14),
                             hovertemplate=t("figure.slice_acc_hover") + "<extra></extra>"), row=1, col=2)
    xs, ys = [p[0] for p in r["path"]], [p[1] for p in r["path"]]
    off = r.get("off_plane")  # PCA slices since the fidelity meter: each checkpoint's share off the plane
    for col in (1, 2):
        first = col == 1
        marker = dict(size=5, color=PATH, line=dict(color="black", width=1))
        if off:  # white on the plane, darkening to red off it: a lightness scale reads without hue
            marker = dict(size=9, color=[100 * v for v in off], cmin=0, cmax=100, colorscale=OFF_PLANE,
                          line=dict(color="black", width=1), showscale=first,
                          colorbar=dict(title=dict(text=t("figure.off_plane_axis"), side="top"), orientation="h",
                                        x=0.5, y=-0.34, yanchor="top", len=0.6, thickness=12))
        fig.add_scatter(x=xs, y=ys, mode="lines+markers", name=t("figure.projected_path"), showlegend=first,
                        line=dict(color=PATH, width=2 if off else 3), marker=marker,
                        legendgroup="path", row=1, col=col)
        fig.add_scatter(x=[xs[0]], y=[ys[0]], mode="markers", name=t("figure.start"), showlegend=first, legendgroup="s",
                        marker=dict(symbol="circle", size=13, color="black", line=dict(color=PATH, width=2)), row=1, col=col)
        fig.add_scatter(x=[0.0], y=[0.0], mode="markers", name=t("figure.final_weights"), showlegend=first,
                        legendgroup="f", marker=dict(symbol="diamond", size=14, color=PATH, line=dict(color="black", width=2)),
                        row=1, col=col)
        fig.update_xaxes(title_text=axis[0], range=[float(a[0]), float(a[-1])], row=1, col=col)
        fig.update_yaxes(title_text=axis[1] if first else "", range=[float(b[0]), float(b[-1])], row=1, col=col)
    layout(fig, title, axis[0], axis[1], height=660 if off else 520)
    fig.update_yaxes(title_text="", row=1, col=2)  # layout() titled every y axis
    if off:  # room under the axes for the path's horizontal colour bar
        fig.update_layout(margin=dict(b=210))
    return fig


def path_gap(steps: list, path_loss: list, plane_loss: list, *, title: str) -> go.Figure:
    """Why the path does not follow the contours: the true loss at each checkpoint against the
    plane's loss at the point it projects to."""
    fig = go.Figure()
    fig.add_scatter(x=steps, y=path_loss, mode="lines+markers", name=t("figure.true_loss"),
                    line=dict(color="#0072B2", width=3), marker=dict(symbol="circle", size=7, color="#0072B2"))
    fig.add_scatter(x=steps, y=plane_loss, mode="lines+markers", name=t("figure.plane_loss"),
                    line=dict(color="#D55E00", width=3, dash="dash"), marker=dict(symbol="square", size=7, color="#D55E00"))
    layout(fig, title, t("figure.step"), t("figure.loss"), height=400)
    fig.update_yaxes(type="log")
    return fig
