"""The MNIST lab's run actions and live view: curves, confusion matrix, per-class accuracy, digits."""

from __future__ import annotations

import streamlit as st

from .. import datasets, figures
from ..config import MnistConfig, config_from_dict
from ..losses import LOSSES, unit_of
from .live import fmt, live, series, start_and_reset, status_line, stop_button
from .session import service


def data_ready() -> bool:
    """MNIST must be installed for this lab; otherwise one sentence with the fixing command."""
    if datasets.mnist_available():
        return True
    st.error(datasets.mnist_missing_message())
    return False


def actions(config: MnistConfig | None, ready: bool) -> None:
    start_and_reset("mn", config, ready)


def render(runs: list[dict]) -> None:
    run = runs[0]
    cfg = config_from_dict(run["config"])
    data = series(run["id"])
    status_line(run, cfg.epochs * cfg.steps_per_epoch)
    stop_button(runs, key="mn_stop")
    c1, c2 = st.columns(2)
    with c1:
        log_y = st.toggle("Log-scale loss axis", value=False, key="mn_log")
        curves = []
        if "train/loss" in data:
            curves.append({"name": "training loss (per batch)", "steps": data["train/loss"][0],
                           "values": data["train/loss"][1]})
        if "test/loss" in data:
            curves.append({"name": "test loss", "steps": data["test/loss"][0], "values": data["test/loss"][1],
                           "dash": "dash"})
        diverged = [(run["diverged_at"], "NaN/∞ here: lower η")] if run.get("diverged_at") else []
        st.plotly_chart(figures.loss_curves(curves, log_y=log_y, smoothing=0.9 if len(curves) else 0,
                                            y_title=_loss_title(cfg.loss), title="Loss while training",
                                            markers=diverged), key="mn_loss_chart")
    with c2:
        st.write("")
        st.write("")
        if "test/accuracy" in data:
            st.plotly_chart(figures.accuracy_curve(*data["test/accuracy"]), key="mn_acc_chart")
        else:
            st.info("Test accuracy appears after the first evaluation.")
    snap = service().latest_snapshot(run["id"], "mnist")
    if not snap:
        return
    step, s = snap
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(figures.confusion_matrix(s), key="mn_confusion")
    with c2:
        st.metric("Test accuracy", f"{100 * s['accuracy']:.2f} %", help=f"at step {step:,}, epoch {s['epoch']}")
        st.metric("Test loss", fmt(s["loss"]))
        st.plotly_chart(figures.per_class_accuracy(s), key="mn_per_class")
    tab1, tab2 = st.tabs(["The same 24 test digits every run", "Its most confident mistakes"])
    with tab1:
        st.plotly_chart(figures.digits_grid(s["digits"]), key="mn_digits")
    with tab2:
        if s["mistakes"]:
            st.plotly_chart(figures.digits_grid(s["mistakes"], title="Most confident mistakes: true → predicted"),
                            key="mn_mistakes")
        else:
            st.success("No mistakes on the test set.")


def show(run_ids: list[str]) -> None:
    live(run_ids[:1], render, task="mnist")


def _loss_title(name: str) -> str:
    unit = unit_of(LOSSES[name], "")
    return LOSSES[name].label + (f" ({unit})" if unit else "")
