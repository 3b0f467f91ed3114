"""A lesson's class views: the answers' histogram and the gallery of every run of the lesson.

The gallery reads each run through the shared per-run series (incremental, once per new commit
for every viewer) and downsamples to a budget, so the figure stays under MAX_POINTS points
whatever the class size; while any run is live it refreshes every 2 s."""

from __future__ import annotations

import streamlit as st

from ..config import config_from_dict
from ..figures import lessons as fig
from ..i18n import t
from ..lessons import Lesson
from ..losses import LOSSES, run_name
from ..series import downsample
from .cache import is_live
from .charts import chart
from .live import latest, series
from .regression import _axes, _data
from .session import owner, service

MAX_POINTS = 20_000
POLL_SECONDS = 2.0
CURVE = {"regression": ("train/mse", True), "binary": ("train/loss", True), "mnist": ("test/accuracy", False)}
Y_TITLE = {"regression": "lesson.curve_mse", "binary": "lesson.curve_loss"}


def histogram(lesson: Lesson, key: str) -> list[int]:
    """The class's answers, one bar per choice; the right one marked once revealed."""
    counts = service().histogram(lesson)
    revealed = service().revealed(lesson.id)
    correct = lesson.answer if revealed else None
    texts = lesson.choice_texts()
    chart(fig.answers_histogram(texts, counts, correct=correct, title=t("lesson.histogram_title", n=sum(counts)),
                                x_title=t("lesson.histogram_x"), y_title=t("lesson.histogram_y")), key,
          t("lesson.histogram_summary", parts="; ".join(f"{c}: {n}" for c, n in zip(texts, counts))))
    return counts


def gallery_runs(lesson: Lesson, mine: set[str]) -> tuple[list[dict], list[str]]:
    """Every run of the lesson as the gallery draws it, and the loss names (the groups)."""
    runs = service().lesson_runs(lesson)
    budget = max(4, MAX_POINTS // max(1, len(runs)))
    key, _ = CURVE[lesson.task]
    groups: list[str] = []
    out = []
    for run in runs:
        cfg = config_from_dict(run["config"])
        name = run_name(LOSSES[cfg.loss], cfg.loss_param)
        if name not in groups:
            groups.append(name)
        data = series(run["id"], run.get("version"))
        steps, values = downsample(*data.get(key, ([], [])), budget)
        accuracy = data.get("test/accuracy", ([], []))[1]
        item = {"id": run["id"], "group": groups.index(name), "steps": steps, "values": values,
                "mine": run["id"] in mine, "lecturer": run["lecturer"], "status": run["status"],
                "accuracy": 100 * accuracy[-1] if accuracy else None}
        if lesson.task == "regression":
            snap = latest(run, "line")
            if snap:
                item["slope"], item["intercept"] = snap[1]["slope"], snap[1]["intercept"]
        out.append(item)
    return out, groups


def gallery(lesson: Lesson, always_poll: bool = False) -> None:
    """Students see it after they answered (and while their run is live, it follows the class);
    the lecturer's page polls it all lesson long."""
    st.subheader(t("lesson.gallery_title"))
    first = service().lesson_runs(lesson)
    polls = always_poll or is_live(first)

    @st.fragment(run_every=POLL_SECONDS if polls else None)
    def view():
        mine = set(service().my_lesson_runs(lesson, owner()))
        runs, groups = gallery_runs(lesson, mine)
        if not runs:
            st.caption(t("lesson.gallery_empty"))
            return
        names = dict(you=t("lesson.you"), lecturer=t("lesson.lecturer"))
        st.caption(t("lesson.gallery_caption", n=len(runs), students=len({r["id"] for r in runs if not r["lecturer"]})))
        key, log_y = CURVE[lesson.task]
        points = sum(len(r["steps"]) for r in runs)
        if lesson.task in ("regression", "binary"):
            chart(fig.gallery_curves(runs, groups, title=t("lesson.gallery_curves"), x_title=t("figure.step"),
                                     y_title=t(Y_TITLE[lesson.task]),
                                     log_y=log_y, **names),
                  "ls_gallery_curves", t("lesson.gallery_summary", n=len(runs), points=points))
        if lesson.task == "regression":
            cfg = lesson.config
            xs, ys, _, _ = _data(cfg.to_json())
            lines = [r for r in runs if "slope" in r]
            chart(fig.gallery_lines(xs, ys, lines, groups, title=t("lesson.gallery_lines"), data_name=t("figure.data"),
                                    **_axes(cfg), **names),
                  "ls_gallery_lines", t("lesson.lines_summary", n=len(lines)))
        else:
            done = [r for r in runs if r["accuracy"] is not None]
            chart(fig.accuracy_strip(done, groups, title=t("lesson.gallery_accuracy"), x_title=t("table.loss"),
                                     y_title=t("figure.accuracy_axis"), **names),
                  "ls_gallery_strip", t("lesson.strip_summary", n=len(done)),
                  [{t("table.loss"): groups[r["group"]], t("figure.accuracy_axis"): round(r["accuracy"], 2)}
                   for r in done])
        if not always_poll and is_live(first) and not any(r["status"] in ("queued", "running") for r in runs):
            st.rerun()

    view()
