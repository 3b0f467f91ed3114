"""A lesson's class views: the answers' histogram and the gallery of every run of the lesson.

The gallery reads each run through the shared per-run series (incremental, once per new commit
for every viewer) and downsamples to a budget, so the figure stays under MAX_POINTS points
whatever the class size; while any run is live it refreshes every 2 s."""

from __future__ import annotations

import streamlit as st

from ..config import config_from_dict
from ..figures import lessons as fig
from ..i18n import t
from ..labs import LABS
from ..lessons import Lesson
from ..losses import LOSSES, run_name
from ..series import downsample
from .cache import LIVE_STALE, SharedCache, is_live, shared_figure
from .charts import chart
from .chartkeys import every
from .live import latest, series
from .regression import _axes, _data
from .session import service

MAX_POINTS = 20_000
POLL_SECONDS = 3.0  # the lecturer's gallery: a forty-run figure, refreshed less often than the histogram


def histogram(lesson: Lesson, key: str) -> list[int]:
    """The class's answers, one bar per choice; the right one marked once revealed."""
    counts = service().histogram(lesson)
    revealed = service().revealed(lesson.id)
    correct = lesson.answer if revealed else None
    texts = lesson.choice_texts()
    chart(shared_figure(("histogram", lesson.id), (tuple(counts), correct), lambda: fig.answers_histogram(
              texts, counts, correct=correct, title=t("lesson.histogram_title", n=sum(counts)),
              x_title=t("lesson.histogram_x"), y_title=t("lesson.histogram_y"))), key,
          t("lesson.histogram_summary", parts="; ".join(f"{c}: {n}" for c, n in zip(texts, counts))))
    return counts


def gallery_runs(lesson: Lesson, runs: list[dict]) -> tuple[list[dict], list[tuple]]:
    """Every run of the lesson as the gallery draws it, and the groups: (loss, parameter) keys,
    not names (shared by every viewer, so in no one's language: group_names says them)."""
    budget = max(4, MAX_POINTS // max(1, len(runs)))
    curve = LABS[lesson.task].curve  # (series key, log axis, axis title) the gallery draws, if any
    groups: list[tuple] = []
    out = []
    for run in runs:
        cfg = config_from_dict(run["config"])
        loss = LOSSES[cfg.loss]
        name = (cfg.loss, None if loss.param is None else loss.resolve_param(cfg.loss_param))
        if name not in groups:
            groups.append(name)
        data = series(run["id"], run.get("version"))
        steps, values = downsample(*data.get(curve[0], ([], [])), budget) if curve else ([], [])
        accuracy = data.get("test/accuracy", ([], []))[1]
        item = {"id": run["id"], "group": groups.index(name), "steps": steps, "values": values,
                "lecturer": run["lecturer"], "status": run["status"],
                "accuracy": 100 * accuracy[-1] if accuracy else None}
        if LABS[lesson.task].gallery == "lines":
            snap = latest(run, "line")
            if snap:
                item["slope"], item["intercept"] = snap[1]["slope"], snap[1]["intercept"]
        out.append(item)
    return out, groups


def group_names(groups: list[tuple]) -> list[str]:
    """The groups as the legend names them, in the viewer's language."""
    return [run_name(LOSSES[loss], param) for loss, param in groups]


GALLERY = SharedCache(64)  # a lesson's runs as drawn, per version of its runs, for every viewer


def gallery(lesson: Lesson, live: bool = False) -> None:
    """The lecturer's page follows it live (every POLL_SECONDS); a student sees it as of their
    page's last full run (their own run's end brings one) and may refresh it: forty students
    polling a forty-run figure would cost the server more than the runs themselves. The data and
    the figures are built once per change of the lesson's runs for everyone."""
    st.subheader(t("lesson.gallery_title"))

    @st.fragment(run_every=every(POLL_SECONDS) if live else None)
    def view():
        if not live:
            st.button(t("lesson.gallery_refresh"), key="ls_gallery_refresh")  # reruns only this fragment
        runs, charts = gallery_charts(lesson, service().lesson_runs(lesson))
        if not runs:
            st.caption(t("lesson.gallery_empty"))
            return
        st.caption(t("lesson.gallery_caption", n=len(runs), students=sum(not r["lecturer"] for r in runs)))
        for args in charts:
            chart(*args)

    view()


def gallery_charts(lesson: Lesson, all_runs: list[dict]) -> tuple[list[dict], list[tuple]]:
    """The lesson's runs as drawn, and (figure, chart key, summary[, table]) per chart. The runs
    are shared in no language; each figure is shared per language and projector mode (the key
    shared_figure adds), so a legend speaks the viewer's language, whoever drew it first."""
    version = tuple((r["id"], r.get("version")) for r in all_runs)
    live = is_live(all_runs)
    runs, keys = GALLERY.get(lesson.id, version, lambda old: gallery_runs(lesson, all_runs),
                             max_stale=LIVE_STALE if live else 0.0)
    if not runs:
        return runs, []
    groups = group_names(keys)
    names = dict(lecturer=t("lesson.lecturer"))
    lab = LABS[lesson.task]
    charts = []
    if lab.curve:
        _, log_y, y_title = lab.curve
        points = sum(len(r["steps"]) for r in runs)
        charts.append((shared_figure(("gallery_curves", lesson.id), version, lambda: fig.gallery_curves(
            runs, groups, title=t("lesson.gallery_curves"), x_title=t("figure.step"), y_title=t(y_title), log_y=log_y,
            **names), live=live), "ls_gallery_curves", t("lesson.gallery_summary", n=len(runs), points=points)))
    if lab.gallery == "lines":
        cfg = lesson.config
        xs, ys, _, _ = _data(cfg)
        lines = [r for r in runs if "slope" in r]
        charts.append((shared_figure(("gallery_lines", lesson.id), version, lambda: fig.gallery_lines(
            xs, ys, lines, groups, title=t("lesson.gallery_lines"), data_name=t("figure.data"), **_axes(cfg),
            **names), live=live), "ls_gallery_lines", t("lesson.lines_summary", n=len(lines))))
    elif lab.gallery == "accuracy":
        done = [r for r in runs if r["accuracy"] is not None]
        charts.append((shared_figure(("gallery_strip", lesson.id), version, lambda: fig.accuracy_strip(
            done, groups, title=t("lesson.gallery_accuracy"), x_title=t("table.loss"),
            y_title=t("figure.accuracy_axis"), **names), live=live), "ls_gallery_strip",
            t("lesson.strip_summary", n=len(done)),
            [{t("table.loss"): groups[r["group"]], t("figure.accuracy_axis"): round(r["accuracy"], 2)} for r in done]))
    return runs, charts
