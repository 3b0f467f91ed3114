"""The MNIST lab's run actions and live view: curves, confusion matrix, per-class accuracy, digits."""

from __future__ import annotations

import streamlit as st

from .. import datasets, figures
from ..config import MnistConfig, config_from_dict
from ..losses import LOSSES, unit_of
from ..i18n import number, t
from ..figures import summaries
from .charts import chart, data_table
from .chartkeys import spoken
from ..figures.keys import explorer_data
from .cache import is_live, shared_figure
from .live import fmt, last_step, latest, live, series, start_and_reset, status_line, stop_button
from . import slices
from .session import owner, service


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
    version = run.get("version")
    data = series(run["id"], version)
    status_line(run, step=last_step(run["id"]))
    stop_button(runs, key="mn_stop")
    c1, c2 = st.columns(2)
    with c1:
        log_y = st.toggle(t("live.log_axis"), value=False, key="mn_log")
        curves = []
        if "train/loss" in data:
            curves.append({"name": t("mnist.train_loss"), "steps": data["train/loss"][0],
                           "values": data["train/loss"][1]})
        if "test/loss" in data:
            curves.append({"name": t("mnist.test_loss"), "steps": data["test/loss"][0], "values": data["test/loss"][1],
                           "dash": "dash"})
        diverged = [(run["diverged_at"], t("live.diverged_marker"))] if run.get("diverged_at") else []
        chart(shared_figure(("mn_loss", run["id"], log_y), version, lambda: figures.loss_curves(
                  curves, log_y=log_y, smoothing=0.9 if len(curves) else 0, y_title=_loss_title(cfg.loss),
                  title=t("figure.loss_while_training"), markers=diverged), live=is_live(runs)), "mn_loss_chart",
              summaries.loss_curves(curves, run.get("total_steps")), lambda: summaries.curve_rows(curves),
              explore=explorer_data(curves, title=t("figure.loss_while_training"), unit=unit_of(LOSSES[cfg.loss], ""),
                                    log_y=log_y), said=spoken("mn", runs, curves, unit_of(LOSSES[cfg.loss], "")))
        st.caption(t("truth.mnist_no_minimum"))
    with c2:
        if "test/accuracy" in data:
            steps, acc = data["test/accuracy"]
            chart(shared_figure(("mn_acc", run["id"]), version, lambda: figures.accuracy_curve(steps, acc), live=is_live(runs)),
                  "mn_acc_chart", summaries.accuracy(steps, acc),
                  [{t("summary.step"): st_, t("figure.accuracy_axis"): round(100 * a, 2)} for st_, a in zip(steps, acc)])
        else:
            st.info(t("mnist.accuracy_later"))
        if "train/memorised" in data:  # only runs with label noise have wrongly-labelled images to watch
            steps, shares = data["train/memorised"]
            chart(shared_figure(("mn_memo", run["id"]), version, lambda: figures.memorisation_curve(steps, shares), live=is_live(runs)),
                  "mn_memorised",
                  t("summary.memorised", share=f"{100 * shares[-1]:.1f}", step=number(steps[-1])))
            st.caption(t("mnist.memorised_caption"))
    snap = latest(run, "mnist")
    if not snap:
        return
    step, s = snap
    c1, c2 = st.columns([3, 2])
    with c1:
        chart(shared_figure(("mn_confusion", run["id"]), version, lambda: figures.confusion_matrix(s), live=is_live(runs)), "mn_confusion", summaries.confusion(s),
              [{t("figure.true_digit"): i, **{str(j): n for j, n in enumerate(row)}} for i, row in enumerate(s["confusion"])])
    with c2:
        st.metric(t("mnist.test_accuracy"), f"{100 * s['accuracy']:.2f} %",
                  help=t("mnist.at_step", step=number(step), epoch=s["epoch"]))
        st.metric(t("mnist.test_loss_metric"), fmt(s["loss"]))
        chart(shared_figure(("mn_per_class", run["id"]), version, lambda: figures.per_class_accuracy(s), live=is_live(runs)), "mn_per_class",
              summaries.per_class(s))
    tab1, tab2 = st.tabs([t("mnist.tab_digits"), t("mnist.tab_mistakes")])
    with tab1:
        chart(shared_figure(("mn_digits", run["id"]), version, lambda: figures.digits_grid(s["digits"]), live=is_live(runs)), "mn_digits",
              summaries.digits(s["digits"]))
    with tab2:
        if s["mistakes"]:
            chart(shared_figure(("mn_mistakes", run["id"]), version,
                                lambda: figures.digits_grid(s["mistakes"], title=t("figure.mistakes")), live=is_live(runs)), "mn_mistakes",
                  summaries.digits(s["mistakes"]))
        else:
            st.success(t("mnist.no_mistakes"))
    calibration_view(run)


def calibration_view(run: dict) -> None:
    """A finished run: can its confidence be trusted? Before and after temperature scaling."""
    found = latest(run, "calibration")
    if not found:
        return
    c = found[1]
    st.subheader(t("mnist.calibration"))
    st.caption(t("mnist.calibration_caption", n=number(c["held_out"]),
                 which=t("mnist.held_unseen") if c["held_unseen"] else t("mnist.held_seen")))
    scaled = st.toggle(t("mnist.temperature", t=f"{c['temperature']:.2f}"), key="mn_temperature")
    shown = c["after"] if scaled else c["before"]
    left, right = st.columns([3, 2])
    with left:
        chart(shared_figure(("mn_reliability", run["id"], scaled), run.get("version"),
                            lambda: figures.reliability_diagram(shown)), "mn_reliability",
              t("summary.reliability", ece=f"{100 * shown['ece']:.2f}", acc=f"{100 * shown['accuracy']:.2f}"),
              [{t("figure.confidence_axis"): f"{b['low']:.2f}–{b['high']:.2f}", t("figure.images"): b["count"],
                t("figure.accuracy_axis"): None if b["accuracy"] is None else round(100 * b["accuracy"], 2)}
               for b in shown["bins"]])
    with right:
        data_table([{t("mnist.metric"): name, t("mnist.before"): fmt(c["before"][key]),
                       t("mnist.after", t=f"{c['temperature']:.2f}"): fmt(c["after"][key])}
                      for name, key in (("ECE", "ece"), ("NLL", "nll"), ("Brier", "brier"),
                                        (t("mnist.test_accuracy"), "accuracy"))], hide_index=True)


SHOWS_ONE_RUN = True  # one run in full: a lesson comparing losses lets the student pick which


def show(run_ids: list[str]) -> None:
    live(run_ids[:1], render, task="mnist")
    runs = service().runs_by_id(run_ids[:1], viewer=owner())
    if runs:
        slices.section(runs[0])  # outside the live view: it polls its own job, not the finished run


def _loss_title(name: str) -> str:
    unit = unit_of(LOSSES[name], "")
    return str(LOSSES[name].label) + (f" ({unit})" if unit else "")
