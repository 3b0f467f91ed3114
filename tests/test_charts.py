"""charts.plot sends a figure the way st.plotly_chart does, from JSON made once (the lecture
hall's live views redraw every second): the element a browser receives must be the same, inside
columns too, for a go.Figure and for a Prepared one. A Streamlit upgrade that changes how
st.plotly_chart builds its element fails here, not on a page."""

import json

import pytest
from streamlit.testing.v1 import AppTest


def _script(which: str, height: int | None):
    import plotly.graph_objects as go
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    from losslab.figures.runs import loss_curves
    from losslab.ui.charts import plot, prepare

    sent = st.session_state.setdefault("layouts", [])
    enqueue = DeltaGenerator._enqueue

    def recording(self, delta_type, proto, layout_config=None, **kw):  # the element's width/height
        if delta_type == "plotly_chart":
            sent.append((layout_config.width, layout_config.height))
        return enqueue(self, delta_type, proto, layout_config=layout_config, **kw)

    DeltaGenerator._enqueue = recording
    try:
        fig = loss_curves([{"name": "MSE", "steps": [1, 2, 3], "values": [3.0, 1.0, 0.5]}], title="loss")
        if height is None:
            fig = go.Figure(go.Scatter(x=[1, 2], y=[2, 1]))  # no height in its layout: Streamlit's 450
        with st.columns(2)[1]:
            if which == "st":
                st.plotly_chart(fig, key="k", config={"displaylogo": False})
            else:
                plot(prepare(fig) if which == "prepared" else fig, "k", {"displaylogo": False})
    finally:
        DeltaGenerator._enqueue = enqueue


@pytest.mark.parametrize("height", [420, None])
def test_plot_sends_what_st_plotly_chart_sends(height):
    sent = {}
    for which in ("st", "figure", "prepared"):
        at = AppTest.from_function(_script, args=(which, height)).run()
        assert not at.exception, at.exception
        chart = at.get("plotly_chart")
        assert len(chart) == 1
        sent[which] = (chart[0].proto, at.session_state["layouts"])
    reference, layouts = sent["st"]
    assert json.loads(reference.spec)["data"], "the reference chart has the figure's traces"
    assert layouts == [("stretch", height or 450)]
    for which in ("figure", "prepared"):
        assert sent[which][0] == reference, which  # spec, config, theme, id, form: byte for byte
        assert sent[which][1] == layouts, which
