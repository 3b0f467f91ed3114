"""Figures of an MNIST run: test accuracy, the confusion matrix, per-class accuracy, a digit grid."""

from __future__ import annotations

import base64
import copy
import functools

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import t
from .common import NARROWEST_PX, PLAIN, RIGHT, WRONG, layout, wrap


def decode_image(b64: str) -> list[list[int]]:
    """A snapshot's digit back to 28 rows of 28 grey levels (0 = black, 255 = white)."""
    raw = base64.b64decode(b64)
    return [list(raw[r * 28:(r + 1) * 28]) for r in range(28)]


def accuracy_curve(steps, accuracy, *, name: str = "") -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=list(steps), y=[100 * a for a in accuracy], mode="lines+markers", name=name or t("figure.test_accuracy_trace"),
                    line=dict(width=3, color=RIGHT), marker=dict(symbol="circle", size=8, color=RIGHT))
    layout(fig, t("figure.test_accuracy"), t("figure.step"), t("figure.accuracy_axis"))
    fig.update_yaxes(range=[0, 100])
    return fig


def confusion_matrix(snapshot: dict) -> go.Figure:
    """Heatmap of confusion[true][predicted] with the counts written in each cell."""
    z = snapshot["confusion"]
    digits = [str(d) for d in range(len(z))]
    fig = go.Figure(go.Heatmap(z=z, x=digits, y=digits, colorscale="Blues", text=z, texttemplate="%{text}",
                               textfont=dict(size=13), colorbar=dict(title=t("figure.images")),
                               hovertemplate=t("figure.confusion_hover") + "<extra></extra>"))
    layout(fig, t("figure.confusion", acc=f"{100 * snapshot['accuracy']:.1f}"),
           t("figure.predicted_digit"), t("figure.true_digit"), height=560)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="bottom")
    return fig


def per_class_accuracy(snapshot: dict) -> go.Figure:
    z = snapshot["confusion"]
    acc = [100 * row[i] / sum(row) if sum(row) else 0.0 for i, row in enumerate(z)]
    fig = go.Figure(go.Bar(x=[str(i) for i in range(len(z))], y=acc, name=t("figure.accuracy"),
                           text=[f"{a:.0f}" for a in acc], textposition="outside", marker_color=RIGHT))
    layout(fig, t("figure.per_digit"), t("figure.true_digit"), t("figure.accuracy_axis"), height=340)
    fig.update_yaxes(range=[0, 115])  # room for the labels above full bars
    return fig


def digits_grid(digits: list[dict], *, columns: int = 8, title: str = "") -> go.Figure:
    """Each digit's image with its true and predicted class (red when wrong), and below it the
    model's probability for each of the 10 classes."""
    n = len(digits)
    rows = max(1, -(-n // columns))
    layout = copy.deepcopy(_grid_layout(rows, columns, n))
    traces = []
    for i, (d, note) in enumerate(zip(digits, layout["annotations"])):
        mark = "✓" if d["label"] == d["pred"] else "✗"
        colour = RIGHT if d["label"] == d["pred"] else WRONG
        note["text"] = f"<span style='color:{colour}'>{d['label']} → {d['pred']} {mark}</span>"
        note["font"]["size"] = 15
        # make_subplots numbers the cells row by row from 1 (the first cell's axes are "x" and "y")
        row, col = 2 * (i // columns), i % columns
        image, bars = _cell(row, col, columns), _cell(row + 1, col, columns)
        traces.append(dict(type="heatmap", z=decode_image(d["image"]), colorscale="gray_r", showscale=False,
                           hovertemplate=t("figure.digit_hover", true=d["label"], pred=d["pred"]) + "<extra></extra>",
                           xaxis="x" + image, yaxis="y" + image))
        colours = [WRONG if k == d["pred"] and k != d["label"] else
                   RIGHT if k == d["label"] else "#b8b8b8" for k in range(10)]
        traces.append(dict(type="bar", x=list(range(10)), y=d["probs"], marker=dict(color=colours), showlegend=False,
                           hovertemplate=t("figure.class_hover") + "<extra></extra>", xaxis="x" + bars, yaxis="y" + bars))
        layout["yaxis" + image].update(autorange="reversed", showticklabels=False)
        layout["xaxis" + image]["showticklabels"] = layout["xaxis" + bars]["showticklabels"] = False
        layout["yaxis" + bars].update(range=[0, 1], showticklabels=False)
    heading = wrap((title or t("figure.digits")) + t("figure.bars_note"), NARROWEST_PX / 20)
    lift = 26 * heading.count("<br>")  # Plotly lifts a wrapped title by its extra lines: the pad puts it back
    top = 60 + 2 * lift  # clear of the first row's notes
    layout.update(title=dict(text=heading, font=dict(size=20), x=0.01, xanchor="left", xref="container",
                             y=1.0, yanchor="top", yref="container", pad=dict(t=10 + lift)),
                  height=230 * rows + top, margin=dict(l=10, r=10, t=top, b=10), uirevision="keep",
                  showlegend=False, **PLAIN)
    return go.Figure(data=traces, layout=layout)


def _cell(row: int, col: int, columns: int) -> str:
    """The axis suffix of a make_subplots cell (0-based row and column): "", "2", "3", …"""
    k = row * columns + col + 1
    return "" if k == 1 else str(k)


def warm_grids(*sizes: int, columns: int = 8) -> None:
    """Make the layouts of digit grids of these sizes now (the server, before its port opens)."""
    for n in sizes:
        _grid_layout(max(1, -(-n // columns)), columns, n)


@functools.lru_cache(maxsize=16)
def _grid_layout(rows: int, columns: int, n: int) -> dict:
    """make_subplots' layout for n digits in `columns` columns: the cells' axis domains and one
    title annotation per digit, in order (their text filled in by the grid). The same for every
    grid of that shape and most of a grid's build time (Plotly validates each property as it
    is set), so made once; a grid copies it and builds its figure from plain dicts in one go."""
    titles = []
    for r in range(rows):
        titles += ["·" if r * columns + c < n else "" for c in range(columns)] + [""] * columns
    layout = make_subplots(rows=2 * rows, cols=columns, subplot_titles=titles, vertical_spacing=0.03,
                           horizontal_spacing=0.02, row_heights=[3, 1] * rows).to_dict()["layout"]
    layout.pop("template", None)  # Plotly's default, spelled out in full; every grid replaces it (PLAIN)
    return layout


def reliability_diagram(calibration: dict, *, title: str = "") -> go.Figure:
    """Accuracy against confidence in equal-width bins, with the diagonal a calibrated model
    would follow; the bar's label is its number of test images."""
    bins = [b for b in calibration["bins"] if b["count"]]
    fig = go.Figure()
    fig.add_bar(x=[(b["low"] + b["high"]) / 2 for b in bins], y=[100 * b["accuracy"] for b in bins],
                width=[b["high"] - b["low"] for b in bins], name=t("figure.bin_accuracy"), marker_color=RIGHT,
                text=[str(b["count"]) for b in bins], textposition="outside",
                hovertemplate=t("figure.bin_hover") + "<extra></extra>")
    fig.add_scatter(x=[0, 1], y=[0, 100], mode="lines", name=t("figure.perfect_calibration"),
                    line=dict(color=WRONG, dash="dash", width=2))
    layout(fig, title or t("figure.reliability", ece=f"{100 * calibration['ece']:.2f}"),
           t("figure.confidence_axis"), t("figure.accuracy_axis"), height=420)
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 112])
    return fig


def memorisation_curve(steps, shares) -> go.Figure:
    """The share of wrongly-labelled training images predicted as their wrong label, over steps."""
    fig = go.Figure()
    fig.add_scatter(x=list(steps), y=[100 * s for s in shares], mode="lines+markers", name=t("figure.memorised"),
                    line=dict(width=3, color=WRONG, dash="dash"), marker=dict(symbol="x", size=8, color=WRONG))
    layout(fig, t("figure.memorisation"), t("figure.step"), t("figure.memorised_axis"), height=340)
    fig.update_yaxes(rangemode="tozero")
    return fig
