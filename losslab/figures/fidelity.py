"""The path-fidelity meter under a PCA slice: per checkpoint, how far it is off the plane and how
far the plane's loss at its projection is from its true loss, against the threshold of the verdict."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import t
from .common import COLORS, NEUTRAL, WRONG, layout


def fidelity_meter(steps: list, off_plane: list | None, gaps: list, threshold: float, *, title: str) -> go.Figure:
    """off_plane and gaps as shares (0-1); threshold: the gap share above which a checkpoint counts
    against the plane. Checkpoints over it are marked ✕ in vermillion, the others ● in blue."""
    rows = 2 if off_plane else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.12)
    if off_plane:
        # the last checkpoint is the plane's origin (0 by definition, not a measurement): left out, so
        # the line does not plunge to 0 after the jittery last steps
        fig.add_scatter(x=steps[:-1], y=[100 * v for v in off_plane[:-1]], mode="lines+markers", name=t("figure.off_plane"),
                        line=dict(color=COLORS[0], width=2), marker=dict(symbol="circle", size=6, color=COLORS[0]),
                        row=1, col=1)
        fig.update_yaxes(title_text=t("figure.off_plane_short"), range=[0, 105], row=1, col=1)
    over = [g > threshold for g in gaps]
    for bad in (False, True):
        xs = [s for s, o in zip(steps, over) if o == bad]
        ys = [100 * g for g, o in zip(gaps, over) if o == bad]
        fig.add_scatter(x=xs, y=ys, mode="markers", name=t("figure.gap_over" if bad else "figure.gap_under"),
                        marker=dict(symbol="x" if bad else "circle", size=9 if bad else 7,
                                    color=WRONG if bad else COLORS[0]), row=rows, col=1)
    fig.add_scatter(x=[steps[0], steps[-1]], y=[100 * threshold] * 2, mode="lines", name=t("figure.gap_threshold"),
                    line=dict(color=NEUTRAL, width=2, dash="dash"), row=rows, col=1)
    layout(fig, title, "", t("figure.gap_share_axis"), height=460 if off_plane else 340)
    fig.update_xaxes(title_text=t("figure.step"), row=rows, col=1)
    fig.update_yaxes(title_text=t("figure.gap_share_axis"), rangemode="tozero", row=rows, col=1)
    if off_plane:
        fig.update_yaxes(title_text=t("figure.off_plane_short"), row=1, col=1)
    return fig
