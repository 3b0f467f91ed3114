"""Every chart with its text alternative: a one-line summary of what it shows now (a screen
reader reads it; so does anyone on a washed-out projector) and a "data as table" toggle.

Charts are sent the way st.plotly_chart sends them, but from a figure serialised once: a live
view of a run is redrawn by every viewer every second or two, and st.plotly_chart copies,
re-validates and re-encodes the whole figure on each call (~2-5 ms a chart under the one GIL a
lecture hall shares). A `Prepared` figure carries Plotly's JSON, made once per new commit in the
shared cache; `tests/test_charts.py` checks that the element sent is the one st.plotly_chart
would send for the same figure (so a Streamlit upgrade that changes it fails a test, not a page)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import plotly.io
import streamlit as st
from streamlit.elements.lib import agent_spec
from streamlit.elements.lib.form_utils import current_form_id
from streamlit.elements.lib.layout_utils import LayoutConfig
from streamlit.elements.lib.utils import compute_and_register_element_id
from streamlit.elements.plotly_chart import _plotly_data, _resolve_content_height
from streamlit.proto.PlotlyChart_pb2 import PlotlyChart as PlotlyChartProto

from ..i18n import t

CONFIG = {"displaylogo": False}
# st.plotly_chart's defaults, which take part in the element's id
_WIDTH, _HEIGHT, _THEME, _SELECTION = "stretch", "content", "streamlit", ("points", "box", "lasso")


@dataclass(frozen=True)
class Prepared:
    """A figure as Plotly's JSON and the height st.plotly_chart would give it; never changed."""
    spec: str
    height: int | str


def prepare(fig) -> Prepared:
    if isinstance(fig, Prepared):
        return fig
    figure = fig.to_dict()  # what st.plotly_chart makes of a go.Figure, encoded the same way
    return Prepared(plotly.io.to_json(figure, validate=False), _resolve_content_height(_HEIGHT, figure))


def plot(fig, key: str, config: dict | None = None) -> None:
    """st.plotly_chart(fig, key=key, config=config) for a go.Figure or a Prepared one."""
    prepared, config_json = prepare(fig), json.dumps(config or {})
    dg = st._main  # the active container (columns, fragments) is resolved by _enqueue, as for st.*
    proto = PlotlyChartProto()
    proto.theme, proto.form_id, proto.spec, proto.config = _THEME, current_form_id(dg), prepared.spec, config_json
    proto.id = compute_and_register_element_id(
        "plotly_chart", user_key=key, key_as_main_identity=False, dg=dg, plotly_spec=prepared.spec,
        plotly_config=config_json, selection_mode=_SELECTION, is_selection_activated=False, theme=_THEME,
        width=_WIDTH, height=_HEIGHT, alt=None)
    dg._enqueue("plotly_chart", proto, layout_config=LayoutConfig(width=_WIDTH, height=prepared.height),
                agent_props=agent_spec.element("plotly_chart", key=key, data_builder=lambda: _plotly_data(prepared.spec),
                                               alt=None))


def chart(fig, key: str, summary: str, rows: list[dict] | Callable[[], list[dict]] | None = None) -> None:
    """rows: the data as a table, or a function making it (a live curve's table is only built
    when someone turns the toggle on, not on every poll)."""
    plot(fig, key, CONFIG)
    st.caption(summary)
    if rows and st.toggle(t("summary.as_table"), key=f"{key}_as_table"):
        st.dataframe(rows() if callable(rows) else rows, hide_index=True, key=f"{key}_table")


def formula(latex: str) -> None:
    """A loss's formula at display size, typeset inline: st.latex wraps it in a scroll box that a
    keyboard cannot reach when the formula is wider than its column (axe: scrollable-region-focusable)."""
    st.markdown(f"$\\displaystyle {latex}$")
