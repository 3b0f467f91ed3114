"""The binary lab's plane: the points (train filled, test hollow; flipped labels and far outliers
marked), the model's probability as a heatmap with its 0.5 boundary (and the ±1 margins for the
hinge losses), the points pulling hardest; or, comparing losses, every run's boundary overlaid."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go

from ..i18n import t
from .common import COLORS, DASHES, layout

CLASS_COLOR = {0: "#E69F00", 1: "#0072B2"}      # Okabe-Ito orange and blue, each with its own marker
CLASS_SYMBOL = {0: "square", 1: "circle"}
# Light ends of the same two colours, white at p = 0.5: the points stay readable on top.
HEAT = [[0.0, "#F5C16C"], [0.5, "#FFFFFF"], [1.0, "#7FB8E0"]]


def _solid(color: str) -> list:
    """A contour drawn as lines takes its colour from the colour scale, not from line.color."""
    return [[0.0, color], [1.0, color]]


def decode_logits(b64: str, grid: int, z_clip: float = 8.0) -> np.ndarray:
    q = np.frombuffer(base64.b64decode(b64), dtype=np.uint8).astype(np.float32)
    return (q / 255.0 * 2 * z_clip - z_clip).reshape(grid, grid)


def _axes(points: dict):
    g = points["grid"]
    return np.linspace(*points["x_range"], g, dtype=np.float32), np.linspace(*points["y_range"], g, dtype=np.float32)


def _add_points(fig, points: dict, top: list | None = None) -> None:
    flipped, outliers = set(points["flipped"]), set(points["outliers"])
    for split, hollow in (("train", False), ("test", True)):
        rows = points[split]
        for label in (1, 0):
            mine = [r for r in rows if r[2] == label]
            if not mine:
                continue
            symbol = CLASS_SYMBOL[label] + ("-open" if hollow else "")
            edge = dict(color=CLASS_COLOR[label], width=2.5) if hollow else dict(color="black", width=0.5)
            fig.add_scatter(x=[r[0] for r in mine], y=[r[1] for r in mine], mode="markers",
                            name=t(f"figure.class_{split}", label=label),
                            marker=dict(symbol=symbol, size=9, color=CLASS_COLOR[label], line=edge))
    train = points["train"]
    if flipped:
        fig.add_scatter(x=[train[i][0] for i in flipped], y=[train[i][1] for i in flipped], mode="markers",
                        name=t("figure.flipped"), marker=dict(symbol="x-thin", size=9, line=dict(color="black", width=2)))
    if outliers:
        fig.add_scatter(x=[train[i][0] for i in outliers], y=[train[i][1] for i in outliers], mode="markers",
                        name=t("figure.far_outliers"),
                        marker=dict(symbol="triangle-up", size=11, color=CLASS_COLOR[1], line=dict(color="black", width=1)))
    if top:
        fig.add_scatter(x=[train[i][0] for i in top if i < len(train)], y=[train[i][1] for i in top if i < len(train)],
                        mode="markers", name=t("figure.pulling_hardest"),
                        marker=dict(symbol="circle-open", size=18, color="#000000", line=dict(width=2)))


def boundary(points: dict, snap: dict, *, title: str, margins: bool = False) -> go.Figure:
    """One run: P(class 1) as a heatmap, the p = 0.5 line, optionally the ±1 margins, the points."""
    xs, ys = _axes(points)
    z = decode_logits(snap["z"], points["grid"])
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=(1 / (1 + np.exp(-z))).astype(np.float32), colorscale=HEAT, zmin=0, zmax=1,
                               zsmooth="best",
                               colorbar=dict(title=dict(text=t("figure.p_class1"), side="right")),
                               hovertemplate=t("figure.plane_hover") + "<extra></extra>", name=t("figure.p_class1")))
    fig.add_trace(go.Contour(x=xs, y=ys, z=z, contours=dict(start=0, end=0, size=1, coloring="lines"), showscale=False,
                             colorscale=_solid("black"), line=dict(width=3), name=t("figure.boundary"), hoverinfo="skip"))
    if margins:
        fig.add_trace(go.Contour(x=xs, y=ys, z=z, contours=dict(start=-1, end=1, size=2, coloring="lines"),
                                 showscale=False, colorscale=_solid("black"), line=dict(width=1.5, dash="dash"),
                                 name=t("figure.margins"), hoverinfo="skip"))
    fig.add_scatter(x=[None], y=[None], mode="lines", name=t("figure.boundary"), line=dict(color="black", width=3))
    if margins:
        fig.add_scatter(x=[None], y=[None], mode="lines", name=t("figure.margins"),
                        line=dict(color="black", width=1.5, dash="dash"))
    _add_points(fig, points, snap.get("top"))
    layout(fig, title, "x₁", "x₂", height=560)
    fig.update_xaxes(range=points["x_range"])
    fig.update_yaxes(range=points["y_range"], scaleanchor="x", scaleratio=1)
    return fig


def boundaries(points: dict, snaps: list[dict], names: list[str], *, title: str) -> go.Figure:
    """Compare losses: each run's p = 0.5 line in its own colour and dash over the same points."""
    xs, ys = _axes(points)
    fig = go.Figure()
    for i, (snap, name) in enumerate(zip(snaps, names)):
        color, dash = COLORS[(i + 2) % len(COLORS)], DASHES[i % len(DASHES)]  # not the classes' own blue and orange
        fig.add_trace(go.Contour(x=xs, y=ys, z=decode_logits(snap["z"], points["grid"]), showscale=False,
                                 contours=dict(start=0, end=0, size=1, coloring="lines"), hoverinfo="skip",
                                 colorscale=_solid(color), line=dict(width=3, dash=dash), name=name))
        fig.add_scatter(x=[None], y=[None], mode="lines", name=name, line=dict(color=color, width=3, dash=dash))
    _add_points(fig, points)
    layout(fig, title, "x₁", "x₂", height=560)
    fig.update_xaxes(range=points["x_range"])
    fig.update_yaxes(range=points["y_range"], scaleanchor="x", scaleratio=1)
    return fig
