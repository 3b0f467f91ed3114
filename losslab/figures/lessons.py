"""A lesson's class views: the histogram of the students' answers, and the gallery of every
student's run overlaid (loss curves, fitted lines, final accuracies), the lecturer's highlighted.

Each run keeps its loss's colour, dash and marker (series_style); the lecturer's run is drawn
black and thick, the students' thin and translucent. One figure serves every viewer (nothing
in it depends on who looks), so the server builds it once per change."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .common import COLORS, NEUTRAL, RIGHT, finite, layout, series_style

LECTURER_COLOR = "#000000"


def answers_histogram(choices: list[str], counts: list[int], *, correct: int | None, title: str, x_title: str,
                      y_title: str, right_mark: str = "✓") -> go.Figure:
    """One bar per choice; after Reveal the right one is blue and marked ✓ (never colour alone)."""
    labels = [(f"{right_mark} " if i == correct else "") + _wrap(c) for i, c in enumerate(choices)]
    colors = [RIGHT if i == correct else (NEUTRAL if correct is not None else COLORS[0]) for i in range(len(choices))]
    fig = go.Figure(go.Bar(x=labels, y=counts, marker_color=colors, text=[str(n) for n in counts],
                           textposition="outside", name=y_title, showlegend=False))
    layout(fig, title, x_title, y_title, height=380)
    fig.update_yaxes(rangemode="tozero", dtick=max(1, int(max(counts or [1]) / 5) or 1),
                     range=[0, max(counts or [0]) * 1.25 + 1])
    return fig


def _wrap(text: str, width: int = 22) -> str:
    """Long choices break into lines (Plotly's <br>), so bars keep their width on a phone."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def _style(run: dict, group: int) -> dict:
    if run.get("lecturer"):
        return {"line": dict(color=LECTURER_COLOR, width=5), "opacity": 1.0}
    return {"line": series_style(group, width=1.5)["line"], "opacity": 0.55}


def _legend(run: dict, name: str, lecturer: str) -> str:
    return f"{name} ({lecturer})" if run.get("lecturer") else name


def gallery_curves(runs: list[dict], groups: list[str], *, title: str, x_title: str, y_title: str, lecturer: str,
                   log_y: bool = True) -> go.Figure:
    """runs: {"group": index into groups, "steps", "values", "lecturer"}; one legend entry per
    group (a loss), and one per loss the lecturer ran."""
    fig, shown = go.Figure(), set()
    for run in sorted(runs, key=lambda r: r.get("lecturer", False)):  # highlights on top
        name = _legend(run, groups[run["group"]], lecturer)
        fig.add_trace(go.Scattergl(x=np.asarray(run["steps"]), y=finite(run["values"]), mode="lines", name=name,
                                   legendgroup=name, showlegend=name not in shown, **_style(run, run["group"])))
        shown.add(name)
    layout(fig, title, x_title, y_title)
    if log_y:
        fig.update_yaxes(type="log", dtick=1)  # a label per decade: minor labels crowd a phone's axis
    return fig


def gallery_lines(xs, ys, runs: list[dict], groups: list[str], *, title: str, x_title: str, y_title: str,
                  data_name: str, lecturer: str) -> go.Figure:
    """The data once, then every run's line ({"group", "slope", "intercept", "lecturer"})."""
    xs = np.asarray(xs, dtype=float)
    fig = go.Figure(go.Scatter(x=xs, y=np.asarray(ys, dtype=float), mode="markers", name=data_name,
                               marker=dict(color=NEUTRAL, size=8, symbol="circle-open")))
    ends = np.array([xs.min(), xs.max()]) if len(xs) else np.array([0.0, 1.0])
    shown = set()
    for run in sorted(runs, key=lambda r: r.get("lecturer", False)):
        name = _legend(run, groups[run["group"]], lecturer)
        fig.add_trace(go.Scatter(x=ends, y=run["slope"] * ends + run["intercept"], mode="lines", name=name,
                                 legendgroup=name, showlegend=name not in shown, **_style(run, run["group"])))
        shown.add(name)
    layout(fig, title, x_title, y_title)
    if len(ys):  # a diverged run's line must not squash the data to a flat row
        low, high = float(np.min(ys)), float(np.max(ys))
        pad = 0.3 * (high - low or 1.0)
        fig.update_yaxes(range=[low - pad, high + pad])
    return fig


def accuracy_strip(runs: list[dict], groups: list[str], *, title: str, x_title: str, y_title: str,
                   lecturer: str) -> go.Figure:
    """One dot per run at its final test accuracy (%), a column per loss, jittered so equal
    accuracies stay visible."""
    rng = np.random.default_rng(0)  # the same jitter on every poll: dots do not dance
    fig, shown = go.Figure(), set()
    for run in sorted(runs, key=lambda r: r.get("lecturer", False)):
        name = _legend(run, groups[run["group"]], lecturer)
        style = series_style(run["group"])
        color = LECTURER_COLOR if run.get("lecturer") else style["marker"]["color"]
        size = 18 if run.get("lecturer") else 11
        fig.add_trace(go.Scatter(x=[run["group"] + rng.uniform(-0.25, 0.25)], y=[run["accuracy"]], mode="markers",
                                 name=name, legendgroup=name, showlegend=name not in shown,
                                 marker=dict(color=color, size=size, symbol=style["marker"]["symbol"],
                                             line=dict(color="white", width=1))))
        shown.add(name)
    layout(fig, title, x_title, y_title)
    fig.update_xaxes(tickvals=list(range(len(groups))), ticktext=groups, range=[-0.6, len(groups) - 0.4])
    return fig
