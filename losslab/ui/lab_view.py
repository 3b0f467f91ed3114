"""A lab's view, found through the lab registry, and the view every lab gets without writing one.

`view_of(task)` is the module (or object) with the lab's `show(run_ids)` and, optionally,
`preview(config)`, `data_ready()` and `SHOWS_ONE_RUN`: the lab's declaration names it. A lab whose
declaration names this module gets the generic view below: its form from its fields, Start,
Compare, the loss card, save-as-lesson; then each run's status, the loss curves (and the lab's
yardstick curve when runs of different losses are compared) and the final numbers."""

from __future__ import annotations

import importlib

import streamlit as st

from .. import fields, figures
from ..config import config_from_dict
from ..figures import summaries
from ..i18n import has, t
from ..labs import LABS
from ..losses import LOSSES, losses_for, run_name
from .cache import is_live, shared_figure
from .charts import chart, data_table
from .chartkeys import spoken
from ..figures.keys import explorer_data
from .controls import _build, loss_card, prefill_from_url, widgets
from .lecturer import save_as_lesson
from .truth import pct
from .live import compare_losses, fmt, lab_layout, last_step, live, series, start_and_reset, status_line, stop_button


def view_of(task: str):
    name = LABS[task].view
    return Generic(task) if name == __name__ else importlib.import_module(name)


class Generic:
    """The view of a lab that has no view of its own."""

    def __init__(self, task: str):
        self.task = task

    def show(self, run_ids: list[str]) -> None:
        live(run_ids, self.render, task=self.task)

    def render(self, runs: list[dict]) -> None:
        configs = [config_from_dict(r["config"]) for r in runs]
        names = [run_name(LOSSES[c.loss], c.loss_param) for c in configs]
        multi = len(runs) > 1
        for run, name in zip(runs, names):
            status_line(run, title=name if multi else None, step=last_step(run["id"]))
        stop_button(runs, key=f"{self.task}_stop")
        curve = LABS[self.task].curve
        # one run: its own loss; several of different losses: the lab's yardstick curve, one scale for all
        key = curve[0] if multi and curve else "train/loss"
        data = {r["id"]: series(r["id"], r.get("version")) for r in runs}
        curves = [{"name": name if multi else t("regression.training_loss"), "steps": data[r["id"]][key][0],
                   "values": data[r["id"]][key][1]} for r, name in zip(runs, names) if key in data[r["id"]]]
        ids, versions = tuple(r["id"] for r in runs), tuple(r.get("version") for r in runs)
        y_title = t(curve[2]) if multi and curve else t("figure.loss")
        chart(shared_figure((f"{self.task}_loss", ids), versions, lambda: figures.loss_curves(
                  curves, log_y=True, title=t("figure.loss_while_training"), y_title=y_title,
                  markers=[(r["diverged_at"], t("live.diverged_marker")) for r in runs if r.get("diverged_at")]),
                  live=is_live(runs)),
              f"{self.task}_loss_chart", summaries.loss_curves(curves), lambda: summaries.curve_rows(curves),
              explore=explorer_data(curves, title=t("figure.loss_while_training"), log_y=True),
              said=spoken(self.task, runs, curves))
        finished = [(r, name) for r, name in zip(runs, names) if r["final"]]
        if finished:  # the lab's own columns, named in the reader's language; "–" where a run has none
            columns = LABS[self.task].columns or [(key, None, "number") for key in finished[0][0]["final"]]
            data_table([{t("table.loss"): name, **{t(label) if label else key: (pct if kind == "gap" else fmt)(
                              r["final"].get(key)) for key, label, kind in columns}} for r, name in finished],
                         hide_index=True, key=f"{self.task}_final")
            if has(f"{self.task}.table_caption"):
                st.caption(t(f"{self.task}.table_caption", **self.facts(configs[0])))

    def facts(self, config) -> dict:
        """Numbers the lab's table caption may name: every field of the run's config."""
        return {name: fmt(value) for name, value in config.to_dict().items() if not isinstance(value, (list, tuple, dict))}


def controls(task: str):
    """The lab's form: every field it shows, in declaration order; a valid config or None."""
    cls, values = LABS[task].config, {}
    prefill_from_url(cls, task)
    widgets(cls, task, [n for n, spec in fields.specs(cls).items() if spec.widget != "none"], values)
    return _build(cls, values)


def page(task: str) -> None:
    """A whole lab page for app_pages/<task>.py: title, form, and the runs named in the URL."""
    st.title(t(f"{task}.title"))
    st.caption(t(f"{task}.caption"))
    loss_task = LOSSES[fields.defaults(LABS[task].config)["loss"]].task

    def form():
        config = controls(task)
        start_and_reset(task, config)
        compare_losses(task, loss_task, config, [l.name for l in losses_for(loss_task)][:3], t(f"{task}.compare_title"),
                       t(f"{task}.compare_hint"))
        loss_card(config)
        save_as_lesson(config)
        return config

    lab_layout(form, view_of(task).show, t(f"{task}.hint"))
