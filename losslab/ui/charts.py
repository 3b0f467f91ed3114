"""Every chart with its text alternative: a one-line summary of what it shows now (a screen
reader reads it; so does anyone on a washed-out projector) and a "data as table" toggle.

Charts are sent the way st.plotly_chart sends them, but from a figure serialised once: a live
view of a run is redrawn by every viewer every second or two, and st.plotly_chart copies,
re-validates and re-encodes the whole figure on each call (~2-5 ms a chart under the one GIL a
lecture hall shares). A `Prepared` figure carries Plotly's JSON, made once per new commit in the
shared cache, and `plot` builds st.plotly_chart's element from it with Streamlit's private
modules. Every private Streamlit name losslab draws with is imported here and nowhere else.

The way out: if the installed Streamlit lacks one of those names (ImportError at import) or a
call into them raises TypeError/AttributeError (a signature changed), charts go through the
public st.plotly_chart from then on, for the rest of the process, with one WARNING log line
("charts: Streamlit ... internals differ"). Pages keep working; only the speed is lost.

What a Streamlit upgrade costs (the version is pinned in requirements.txt): run
tests/test_charts.py. test_the_fast_path_is_in_use fails if the private names moved (the app
would silently run on the slow path); test_plot_sends_what_st_plotly_chart_sends fails if
st.plotly_chart now builds its element differently (a new proto field, id input or default),
which the fallback would not notice. Either way, read the new streamlit/elements/plotly_chart.py
(its plotly_chart method) and make `_element` below build the same thing again."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Callable

import plotly.io
import streamlit as st

from ..figures import presenting
from ..i18n import t

log = logging.getLogger(__name__)
_switching = threading.Lock()  # sessions draw in their own threads: the switch is logged once
# Why charts go through st.plotly_chart, or None while the fast path works. Set once, never unset:
# a Streamlit that failed once would fail every call, and each failure would cost a traceback.
_fallback_reason: str | None = None


def _fall_back(exc: BaseException) -> None:
    global _fallback_reason
    with _switching:
        if _fallback_reason is None:
            _fallback_reason = f"{type(exc).__name__}: {exc}"
            log.log(logging.WARNING, "charts: Streamlit %s internals differ from what losslab.ui.charts expects "
                    "(%s); every chart now goes through st.plotly_chart", st.__version__, _fallback_reason)


try:
    from streamlit.elements.lib import agent_spec
    from streamlit.elements.lib.form_utils import current_form_id
    from streamlit.elements.lib.layout_utils import LayoutConfig
    from streamlit.elements.lib.utils import compute_and_register_element_id
    from streamlit.elements.plotly_chart import _plotly_data, _resolve_content_height
    from streamlit.proto.PlotlyChart_pb2 import PlotlyChart as PlotlyChartProto
except ImportError as exc:  # a module or name moved: the public path, from the first chart on
    _fall_back(exc)

# The errors a changed private signature or attribute raises. Anything else (a figure Plotly
# cannot encode, a duplicate key) is the caller's and is raised as st.plotly_chart would.
_CHANGED = (TypeError, AttributeError)
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
    return Prepared(plotly.io.to_json(figure, validate=False), _content_height(figure))


def _content_height(figure: dict) -> int | str:
    if _fallback_reason is None:
        try:
            return _resolve_content_height(_HEIGHT, figure)
        except _CHANGED as exc:
            _fall_back(exc)
    return _HEIGHT  # only the fast path reads it; st.plotly_chart measures the figure itself


def plot(fig, key: str, config: dict | None = None) -> None:
    """st.plotly_chart(fig, key=key, config=config) for a go.Figure or a Prepared one."""
    prepared = prepare(fig) if _fallback_reason is None else None
    if _fallback_reason is None:  # (prepare may just have found the internals changed)
        try:
            dg, proto, layout, agent = _element(prepared, key, config)
        except _CHANGED as exc:
            _fall_back(exc)
        else:
            try:
                dg._enqueue("plotly_chart", proto, layout_config=layout, agent_props=agent)
                return
            except _CHANGED as exc:
                _fall_back(exc)
                # The element id with this key is registered for this run; st.plotly_chart would
                # register it again and raise. This once, the chart goes without its key.
                key = None
    # A Prepared figure as a dict, not plotly.io.from_json: st.plotly_chart builds and validates
    # the Figure itself, and both encode to the same spec. A go.Figure goes as it is.
    st.plotly_chart(json.loads(fig.spec) if isinstance(fig, Prepared) else fig, key=key, config=config)


def _element(prepared: Prepared, key: str, config: dict | None):
    """What st.plotly_chart hands to _enqueue (streamlit/elements/plotly_chart.py, selections off).
    The id is registered last: a failure before it leaves nothing behind for the fallback to trip on."""
    config_json = json.dumps(config or {})
    dg = st._main  # the active container (columns, fragments) is resolved by _enqueue, as for st.*
    proto = PlotlyChartProto()
    proto.theme, proto.form_id, proto.spec, proto.config = _THEME, current_form_id(dg), prepared.spec, config_json
    layout = LayoutConfig(width=_WIDTH, height=prepared.height)
    agent = agent_spec.element("plotly_chart", key=key, data_builder=lambda: _plotly_data(prepared.spec), alt=None)
    proto.id = compute_and_register_element_id(
        "plotly_chart", user_key=key, key_as_main_identity=False, dg=dg, plotly_spec=prepared.spec,
        plotly_config=config_json, selection_mode=_SELECTION, is_selection_activated=False, theme=_THEME,
        width=_WIDTH, height=_HEIGHT, alt=None)
    return dg, proto, layout, agent


def chart(fig, key: str, summary: str, rows: list[dict] | Callable[[], list[dict]] | None = None,
          explore: dict | None = None, said: dict | None = None) -> None:
    """rows: the data as a table, or a function making it (a live curve's table is only built
    when someone turns the toggle on, not on every poll). explore: figures.keys.explorer_data(...)
    for a curve chart, drawn under it as its keyboard explorer; said: its live sentence."""
    plot(fig, key, CONFIG)
    if explore is not None:
        from .chartkeys import explorer  # the component registers itself on first use

        explorer(explore, key, said)
    st.caption(summary)
    if rows and st.toggle(t("summary.as_table"), key=f"{key}_as_table"):
        data_table(rows() if callable(rows) else rows, key=f"{key}_table")


def data_table(rows, hide_index: bool = True, key: str | None = None) -> None:
    """A table of values. st.dataframe draws on a canvas whose 14 px type no CSS reaches: in
    projector mode a static table instead, at the 18 px the back row needs (style.py PROJECTOR)."""
    if presenting():
        st.table(rows, hide_index=hide_index)
    else:
        st.dataframe(rows, hide_index=hide_index, key=key)


def formula(latex: str) -> None:
    """A loss's formula at display size, typeset inline: st.latex wraps it in a scroll box that a
    keyboard cannot reach when the formula is wider than its column (axe: scrollable-region-focusable)."""
    st.markdown(f"$\\displaystyle {latex}$")
