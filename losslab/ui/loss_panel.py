"""The side panel on every page: pick a truth and a prediction, see what every loss of the
task makes of it (value and gradient), with the naive forms' inf/NaN explained.

It is a fragment: moving a slider reruns only the panel, not the page's charts."""

from __future__ import annotations

import functools
import math

import pandas as pd
import streamlit as st

from .. import figures, panel
from ..figures import presenting
from ..losses import LOSSES, TASKS
from ..i18n import current, t
from .charts import plot, prepare
from .live import fmt
from .session import on_explorer, panel_marker, set_panel_marker
from .language import keep_choice



def _linked(label, low, high, default, key, step, container=st):
    """A slider and a number input showing the same value (drag, or type an exact number)."""
    ss = st.session_state
    ss.setdefault(key, default)
    ss.setdefault(f"{key}_s", ss[key])
    ss.setdefault(f"{key}_n", ss[key])

    def sync(src):
        ss[key] = ss[src]
        ss[f"{key}_s"] = min(max(ss[key], low), high)
        ss[f"{key}_n"] = ss[key]

    container.slider(label, low, high, step=step, key=f"{key}_s", on_change=sync, args=(f"{key}_s",))
    container.number_input(t("panel.exact", label=label), low, high, step=step, key=f"{key}_n", on_change=sync,
                           args=(f"{key}_n",), label_visibility="collapsed", format="%.4g")
    return ss[key]


def compute(task: str, ss) -> tuple[list, dict]:
    """Panel rows for the current inputs, and the marker the explorer draws."""
    if task == "regression":
        y, y_hat = ss.get("panel_y", 0.0), ss.get("panel_yhat", 1.0)
        return panel.regression_rows(y, y_hat), {"task": task, "x": y_hat, "target": y}
    if task == "binary":
        label, p = ss.get("panel_label", 1), ss.get("panel_p", 0.9)
        return panel.binary_rows(label, p), {"task": task, "x": p, "target": label}
    if task == "multiclass":
        k = ss.get("panel_k", 3)
        logits = [ss.get(f"panel_z{i}", 0.0) for i in range(k)]
        true = min(ss.get("panel_class", 0), k - 1)
        return panel.multiclass_rows(true, logits), {"task": task, "x": logits[true], "target": k}
    k = ss.get("panel_bins", 4)
    p = panel.normalise([ss.get(f"panel_p{i}", 1.0) for i in range(k)])
    q = panel.normalise([ss.get(f"panel_q{i}", 1.0) for i in range(k)])
    return panel.distribution_rows(p, q), {"task": task, "p": p, "q": q}


def _inputs(task: str) -> None:
    ss = st.session_state
    if task == "regression":
        _linked(t("panel.true_y"), -10.0, 10.0, 0.0, "panel_y", 0.1)
        _linked(t("panel.prediction"), -10.0, 10.0, 1.0, "panel_yhat", 0.1)
    elif task == "binary":
        st.radio(t("panel.true_label"), [0, 1], index=1, horizontal=True, key="panel_label")
        p = _linked(t("panel.probability"), 0.0, 1.0, 0.9, "panel_p", 0.001)
        z = panel.logit_of(p)
        st.caption(t("panel.logit", z=fmt(z) if 0 < p < 1 else ('+∞' if p >= 1 else '−∞'))
                   + (t("panel.logit_ends") if p in (0.0, 1.0) else ""))
    elif task == "multiclass":
        k = st.slider(t("panel.classes"), 2, 10, 3, key="panel_k")
        st.selectbox(t("panel.true_class"), list(range(k)), key="panel_class")
        for i in range(k):
            ss.setdefault(f"panel_z{i}", 2.0 if i == 0 else 0.0)
            st.slider(t("panel.logit_i", i=i), -10.0, 10.0, step=0.1, key=f"panel_z{i}")
    else:
        k = st.slider(t("panel.bins"), 2, 10, 4, key="panel_bins")
        cp, cq = st.columns(2)
        for i in range(k):
            ss.setdefault(f"panel_p{i}", 1.0)
            ss.setdefault(f"panel_q{i}", 1.0 if i else 0.3)
            cp.slider(t("panel.p_bin", i=i), 0.0, 1.0, step=0.05, key=f"panel_p{i}")
            cq.slider(t("panel.q_bin", i=i), 0.0, 1.0, step=0.05, key=f"panel_q{i}")
        st.caption(t("panel.bins_caption"))


@functools.lru_cache(maxsize=512)
def _view(task: str, inputs: tuple, registry: tuple, lang: str, projector: bool):
    """Rows and bar chart for one set of inputs: every page rerun redraws the panel, and the
    same inputs (the common case: the slider did not move) must not cost a recomputation."""
    rows, marker = compute(task, dict(inputs))
    # the table as a DataFrame too: building it (and its index) was most of a panel's rerun
    return rows, marker, prepare(figures.loss_bars(rows)), pd.DataFrame(table(rows)).set_index(t("table.loss", lang))


def _outputs(task: str) -> None:
    inputs = tuple(sorted((k, v) for k, v in st.session_state.items()
                          if k.startswith("panel_") and isinstance(v, (int, float)) and not isinstance(v, bool)))
    # a newly registered loss, another language or the projector's bigger type is a new view
    rows, marker, bars, frame = _view(task, inputs, tuple(LOSSES), current(), presenting())
    set_panel_marker(marker)
    if task == "multiclass":
        st.caption(t("panel.softmax") + ", ".join(f"{p:.3f}" for p in panel.softmax(
            [st.session_state.get(f"panel_z{i}", 0.0) for i in range(st.session_state.get("panel_k", 3))])))
    if task == "distribution":
        info = panel.information(marker["p"], marker["q"])
        st.caption(" · ".join(f"{k} = {fmt(v)}" for k, v in info.items()) + " " + t("panel.nats"))
    # A static table wraps its text, so all four columns fit the narrow sidebar.
    st.table(frame)
    plot(bars, "panel_bars", {"displayModeBar": False})
    for r in rows:
        if r.note:
            st.warning(f"**{r.label}**: {r.note}")  # the note is built in the visitor's language


def table(rows) -> list[dict]:
    """The panel's table: value, and the gradient w.r.t. the loss's own input."""
    out = []
    for r in sorted(rows, key=lambda r: (not math.isfinite(r.value), r.value if math.isfinite(r.value) else 0)):
        grad = fmt(r.grad[0]) if len(r.grad) == 1 else "[" + ", ".join(fmt(g) for g in r.grad) + "]"
        out.append({t("table.loss"): str(r.label), t("table.value"): fmt(r.value), t("table.gradient"): grad,
                    t("table.wrt"): str(r.input_kind)})
    return out


def _panel() -> None:
    st.header(t("panel.title"))
    st.caption(t("panel.caption"))
    keep_choice("panel_task")
    task = st.selectbox(t("panel.task"), TASKS, format_func=lambda k: t(f"task.{k}"), key="panel_task")
    _inputs(task)
    _outputs(task)
    marker = panel_marker()
    if on_explorer() and st.session_state.get("panel_marker_seen") != marker:
        st.session_state["panel_marker_seen"] = marker
        st.rerun(scope="app")  # the explorer marks the panel's choice on its curves


def loss_panel() -> None:
    """Fragments may not write into the sidebar from inside, so the fragment is called within it."""
    with st.sidebar:
        st.fragment(_panel)()
