"""The label-noise study page's live view: progress cell by cell, clean-test accuracy per loss
at each noise rate, and the final table (mean ± sd over repeats) with CSV and PNG downloads."""

from __future__ import annotations

import streamlit as st

from .. import study
from ..config import StudyConfig, config_from_dict
from ..figures.study import study_curves, table_png
from ..i18n import current, number, t
from ..losses import LOSSES
from .cache import LIVE_STALE, SharedCache, is_live, shared_figure
from .charts import chart, data_table
from .live import last_step, latest, live, series, start_and_reset, status_line, stop_button

FILES = SharedCache(64)  # a study's CSV and PNG downloads, per version of the study and language


def actions(config: StudyConfig | None, ready: bool) -> None:
    if config is not None:
        st.caption(t("study.cells", cells=number(config.n_cells), steps=number(config.n_cells * config.epochs)))
    start_and_reset("st", config, ready)


def _label(loss: str) -> str:
    return str(LOSSES[loss].label) if loss in LOSSES else loss


def _rate(rate: float) -> str:
    return f"{rate:g} %"


def render(runs: list[dict]) -> None:
    run = runs[0]
    cfg = config_from_dict(run["config"])
    cells = study.accuracy_series(series(run["id"], run.get("version")))
    status_line(run, cfg.n_cells * cfg.epochs, step=last_step(run["id"]))
    snap = latest(run, "study")
    progress = snap[1] if snap else {"done": 0, "total": cfg.n_cells, "current": None, "cells": []}
    if progress.get("current"):
        loss, rate, seed = study.parse_key(progress["current"])
        st.progress(progress["done"] / progress["total"],
                    text=t("study.progress", done=progress["done"] + 1, total=progress["total"], loss=_label(loss),
                           rate=_rate(rate), seed=seed))
    stop_button(runs, key="st_stop")
    rates = [r for r in cfg.noise_rates if any(study.parse_key(k)[1] == r for k in cells)]
    slots = st.columns(min(2, len(rates))) if rates else []
    for i, rate in enumerate(rates):
        curves = study.mean_curves(cells, rate, cfg.losses)
        labels = {loss: _label(loss) for loss in curves}
        with slots[i % len(slots)]:
            chart(shared_figure(("st_curves", run["id"], rate), run.get("version"),
                                lambda: study_curves(curves, labels, rate), live=is_live(runs)), f"st_curves_{i}",
                  t("summary.study", rate=_rate(rate), best=_best(curves, labels)),
                  [{t("figure.epoch"): e, **{labels[l]: round(100 * dict(zip(*curves[l])).get(e, float("nan")), 2)
                                             for l in curves}} for e in range(1, cfg.epochs + 1)])
    results_table(cfg, progress["cells"], run)


def _best(curves: dict, labels: dict) -> str:
    last = {loss: values[-1] for loss, (_, values) in curves.items() if values}
    if not last:
        return "–"
    loss = max(last, key=last.get)
    return f"{labels[loss]} {100 * last[loss]:.1f} %"


def results_table(cfg: StudyConfig, cells: list[dict], run: dict) -> None:
    rows = study.table(cells, cfg.losses, cfg.noise_rates)
    if not rows:
        st.info(t("study.table_later"))
        return
    st.subheader(t("study.table_title"))
    header = [t("study.col_loss"), t("study.col_rate"), t("study.col_final"), t("study.col_best"),
              t("study.col_memorised"), t("study.col_repeats")]
    body = [[_label(r.loss), _rate(r.rate), f"{100 * r.accuracy:.2f} ± {100 * r.accuracy_sd:.2f}",
             f"{100 * r.best:.2f}", "–" if r.memorised is None else f"{100 * r.memorised:.1f}",
             f"{r.n}" + (f" (+{r.diverged} {t('status.diverged')})" if r.diverged else "")] for r in rows]
    data_table([dict(zip(header, row)) for row in body], hide_index=True, key="st_table")
    note = t("study.note", model=t(f"choice.model.{cfg.model}"), epochs=cfg.epochs,
             images=number(cfg.train_subset or 60000), kind=t(f"choice.noise_kind.{cfg.noise_kind}"))
    st.caption(note)
    # Drawing the PNG was most of a finished study's page: made once per version and language, for everyone
    table, curves, png = FILES.get(("study_files", run["id"], current()), run.get("version"), lambda old: (
        study.table_csv(rows, _label).encode(),
        study.curves_csv(study.accuracy_series(series(run["id"], run.get("version")))).encode(),
        table_png(t("study.table_title"), header, body, note)), max_stale=LIVE_STALE if is_live([run]) else 0.0)
    c1, c2, c3 = st.columns(3)
    c1.download_button(t("study.download_csv"), table, file_name="losslab-study.csv", mime="text/csv", key="st_csv")
    c2.download_button(t("study.download_curves"), curves, file_name="losslab-study-curves.csv", mime="text/csv",
                       key="st_curves_csv")
    c3.download_button(t("study.download_png"), png, file_name="losslab-study.png", mime="image/png", key="st_png")


def show(run_ids: list[str]) -> None:
    live(run_ids[:1], render, task="study")
