"""charts.plot sends a figure the way st.plotly_chart does, from JSON made once (the lecture
hall's live views redraw every second): the element a browser receives must be the same, inside
columns too, for a go.Figure and for a Prepared one, on the fast path (Streamlit's private
modules) and on the fallback (the public st.plotly_chart). A Streamlit upgrade that changes how
st.plotly_chart builds its element, or moves the private names, fails here, not on a page; one
that breaks a private signature at run time makes charts fall back with one log line."""

import importlib.util
import json
import logging
import sys

import pytest
from streamlit.testing.v1 import AppTest

from losslab.ui import charts


def _script(which: str, height: int | None):
    import plotly.graph_objects as go
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    from losslab.figures.runs import loss_curves
    from losslab.ui.charts import plot, prepare

    sent = st.session_state.setdefault("layouts", [])
    public = st.session_state.setdefault("public", [])
    enqueue, plotly_chart = DeltaGenerator._enqueue, st.plotly_chart

    def recording(self, delta_type, proto, layout_config=None, **kw):  # the element's width/height
        if delta_type == "plotly_chart":
            sent.append((layout_config.width, layout_config.height))
        return enqueue(self, delta_type, proto, layout_config=layout_config, **kw)

    def counted(*args, **kw):  # which path drew it
        public.append(kw.get("key"))
        return plotly_chart(*args, **kw)

    DeltaGenerator._enqueue, st.plotly_chart = recording, counted
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
        DeltaGenerator._enqueue, st.plotly_chart = enqueue, plotly_chart


def _run(which: str, height: int | None):
    at = AppTest.from_function(_script, args=(which, height)).run()
    assert not at.exception, at.exception
    chart = at.get("plotly_chart")
    assert len(chart) == 1
    return chart[0].proto, at.session_state["layouts"], at.session_state["public"]


def test_the_fast_path_is_in_use():
    """Under the pinned Streamlit every private name imports and works: otherwise the app would
    run, slower, on the fallback, and the test below would compare st.plotly_chart with itself."""
    assert charts._fallback_reason is None


@pytest.mark.parametrize("height", [420, None])
def test_plot_sends_what_st_plotly_chart_sends(height, monkeypatch):
    reference, layouts, _ = _run("st", height)
    assert json.loads(reference.spec)["data"], "the reference chart has the figure's traces"
    assert layouts == [("stretch", height or 450)]
    for fallback in (False, True):
        monkeypatch.setattr(charts, "_fallback_reason", "forced by the test" if fallback else None)
        for which in ("figure", "prepared"):
            proto, sent, public = _run(which, height)
            assert public == (["k"] if fallback else []), (which, fallback)  # the path it was meant to take
            assert proto == reference, (which, fallback)  # spec, config, theme, id, form: byte for byte
            assert sent == layouts, (which, fallback)
    assert json.loads(proto.spec) == json.loads(reference.spec) and proto.config == '{"displaylogo": false}'


def _two_charts():
    import plotly.graph_objects as go

    from losslab.ui.charts import plot, prepare

    fig = go.Figure(go.Scatter(x=[1, 2], y=[2, 1]))
    plot(prepare(fig), "a", {"displaylogo": False})
    plot(fig, "b", {"displaylogo": False})


class _Refusing:
    """A container whose _enqueue takes other arguments: fails after the id is registered."""

    def _enqueue(self, *args, **kwargs):
        raise TypeError("_enqueue() got an unexpected keyword argument 'agent_props'")


def _break(monkeypatch, how: str) -> None:
    if how == "signature":  # a private function's signature changed
        def changed(*args, **kwargs):
            raise TypeError("compute_and_register_element_id() missing 1 required argument: 'ctx'")
        monkeypatch.setattr(charts, "compute_and_register_element_id", changed)
    elif how == "attribute":  # a private module lost a name the call uses
        monkeypatch.setattr(charts, "agent_spec", object())
    else:  # the id is registered before _enqueue fails: the fallback must not trip over it
        element = charts._element
        monkeypatch.setattr(charts, "_element", lambda *a: (_Refusing(), *element(*a)[1:]))


@pytest.mark.parametrize("how", ["signature", "attribute", "after_registering"])
def test_a_changed_internal_falls_back_with_one_log_line(how, monkeypatch, caplog):
    monkeypatch.setattr(charts, "_fallback_reason", None)
    _break(monkeypatch, how)
    with caplog.at_level(logging.WARNING, logger="losslab.ui.charts"):
        at = AppTest.from_function(_two_charts).run()
        at.run()  # and on the next rerun: no new line, straight to the public path
    assert not at.exception, at.exception
    drawn = at.get("plotly_chart")
    assert len(drawn) == 2
    assert json.loads(drawn[0].proto.spec) == json.loads(drawn[1].proto.spec)
    assert drawn[0].proto.spec == drawn[1].proto.spec and drawn[0].proto.config == '{"displaylogo": false}'
    lines = [r for r in caplog.records if r.name == "losslab.ui.charts"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING, lines
    assert "TypeError" in charts._fallback_reason or "AttributeError" in charts._fallback_reason


def test_a_moved_private_module_falls_back_from_import(monkeypatch, caplog):
    """A fresh copy of charts imported against a Streamlit without one private name."""
    import streamlit.elements.plotly_chart

    name = "losslab.ui._charts_without_internals"
    spec = importlib.util.spec_from_file_location(name, charts.__file__)
    copy = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, copy)
    with caplog.at_level(logging.WARNING, logger=name), monkeypatch.context() as moved:
        moved.delattr(streamlit.elements.plotly_chart, "_resolve_content_height")  # for the import only
        spec.loader.exec_module(copy)
    assert copy._fallback_reason.startswith("ImportError")
    assert len([r for r in caplog.records if r.name == name]) == 1

    def script():
        import sys

        import plotly.graph_objects as go

        charts = sys.modules["losslab.ui._charts_without_internals"]
        charts.plot(charts.prepare(go.Figure(go.Scatter(x=[1, 2], y=[2, 1]))), "k")

    at = AppTest.from_function(script).run()
    assert not at.exception, at.exception
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["y"] == [2, 1]
