"""The regression lab's editable data chart: the points (each with its number, a click removes it), an
invisible grid of cells over the empty space (a click adds a point there), each compared loss's exact
line now, and, dotted, where the lines were before the last edit."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..i18n import t
from .common import NEUTRAL, WRONG, layout, series_style

CELLS = 48          # grid cells across the wider axis: ~12 px each on a laptop's half page
NICE = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)

# the traces a click can hit, by name: what the UI reads from a selection's curve
POINTS, CELL = "points", "cell"


def _step(span: float) -> float:
    """A round grid step (0.5 cm, 1 kg, …): a point added by a click has a value a person can type."""
    raw = span / CELLS
    scale = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next((n * scale / 10 for n in NICE if n * scale / 10 >= raw), raw)


def view(xs, ys) -> tuple[tuple, tuple]:
    """The chart's (x range, y range): the points with room around them to add one (a line is drawn
    where it crosses them; a wild one never squeezes the data into a row)."""
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys), max(ys)
    x_pad = 0.12 * (x_hi - x_lo) or 5.0
    y_pad = 0.25 * (y_hi - y_lo) or 5.0
    return (x_lo - x_pad, x_hi + x_pad), (y_lo - y_pad, y_hi + y_pad)


def grid(x_range: tuple, y_range: tuple, xs=(), ys=()) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres on round steps covering the view: the places a click adds a point. None within 1.5
    cells of a point (xs, ys): there Plotly could report the cell instead of the point under the pointer."""
    sx, sy = _step(x_range[1] - x_range[0]), _step(y_range[1] - y_range[0])
    gx = np.arange(math.ceil(x_range[0] / sx), math.floor(x_range[1] / sx) + 1) * sx
    gy = np.arange(math.ceil(y_range[0] / sy), math.floor(y_range[1] / sy) + 1) * sy
    X, Y = (v.ravel() for v in np.meshgrid(np.round(gx, 6), np.round(gy, 6)))
    if len(xs):
        near = ((np.abs(X[:, None] - np.asarray(xs)[None]) / sx) ** 2
                + (np.abs(Y[:, None] - np.asarray(ys)[None]) / sy) ** 2).min(axis=1) < 1.5 ** 2
        X, Y = X[~near], Y[~near]
    return X, Y


def edit_chart(xs, ys, numbers, kinds, lines: list[dict], before: list[dict], *, x_title: str, y_title: str,
               title: str, start: dict | None = None, frame: tuple | None = None) -> go.Figure:
    """xs, ys: the edited points; numbers: each one's label ("3", "+1"); kinds: "data" | "outlier" | "added";
    lines: [{"name", "slope", "intercept"}] now; before: the same lines before the last edit (dotted);
    start: the line the seed's run starts from (thin grey; often far below the points); frame: (xs, ys) the
    view also covers (the points before any edit: removing one does not zoom the chart, the lines' move shows)."""
    x_range, y_range = view([*xs, *(frame or ((), ()))[0]], [*ys, *(frame or ((), ()))[1]])
    gx, gy = grid(x_range, y_range, xs, ys)
    ends = np.array(x_range, dtype=float)
    # Traces as plain dicts, validated once by go.Figure: add_scatter deep-copies and validates each one
    # again (27 ms for this chart against ~8), and the server pays it on every click.
    traces = [  # the cells first, so the points are drawn over them; a click on empty space lands on one
        dict(type="scatter", x=gx.astype(np.float32), y=gy.astype(np.float32), mode="markers", name=CELL,
             showlegend=False, marker=dict(size=12, color="rgba(0,0,0,0)", symbol="square"),
             unselected=dict(marker=dict(opacity=0)), selected=dict(marker=dict(color="rgba(0,0,0,0)")),
             hovertemplate=t("points.hover_add", x="%{x:.1f}", y="%{y:.1f}") + "<extra></extra>")]
    for i, line in enumerate(before):
        # its loss's colour and dash, thin and faint: the thick line of the same colour is where it went
        traces.append(dict(type="scatter", x=ends, y=line["slope"] * ends + line["intercept"], mode="lines",
                           name=t("points.before", name=line["name"]), opacity=0.45, hoverinfo="skip",
                           line=series_style(line.get("index", i), 1.5)["line"]))
    for i, line in enumerate(lines):
        traces.append(dict(type="scatter", x=ends, y=line["slope"] * ends + line["intercept"], mode="lines",
                           name=line["name"], line=series_style(i, 3.5)["line"], hoverinfo="skip"))
    if start is not None:
        traces.append(dict(type="scatter", x=ends, y=start["slope"] * ends + start["intercept"], mode="lines",
                           name=start["name"], line=dict(color="#999999", width=1.5), hoverinfo="skip"))
    symbols = {"data": "circle", "outlier": "x", "added": "star"}
    colours = {"data": NEUTRAL, "outlier": WRONG, "added": "#009E73"}
    traces.append(dict(type="scatter", x=np.asarray(xs, dtype=float), y=np.asarray(ys, dtype=float),
                       mode="markers+text", name=POINTS, showlegend=False, text=list(numbers),
                       textposition="top center", textfont=dict(size=11, color="#555"),
                       customdata=np.asarray(numbers, dtype=object),
                       marker=dict(size=13, symbol=[symbols[k] for k in kinds], color=[colours[k] for k in kinds],
                                   line=dict(color="white", width=1)),
                       unselected=dict(marker=dict(opacity=1), textfont=dict(color="#555")),
                       hovertemplate=t("points.hover_remove", n="%{customdata}", x="%{x:.1f}", y="%{y:.1f}")
                       + "<extra></extra>"))
    fig = go.Figure(data=traces, layout=dict(xaxis=dict(range=list(x_range)), yaxis=dict(range=list(y_range)),
                                             hovermode="closest", clickmode="event+select", dragmode=False))
    return layout(fig, title, x_title, y_title, height=480)  # merges into the ranges above, one assignment
