"""The loss explorer: each loss against the prediction, its gradient below, the side panel's
choice marked on every curve; and the outlier view for regression losses."""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from .. import figures, panel
from ..losses import INPUT_KINDS, LOSSES, TASKS, losses_for
from ..i18n import t
from ..figures import summaries
from ..figures.keys import explorer_data
from .charts import chart, formula, data_table
from .live import fmt
from .session import panel_marker
from .language import keep_choice

DEFAULT_P = [0.0, 0.5, 0.3, 0.2]  # an empty bin in P: the naive KL shows NaN everywhere


def task_switch() -> str:
    """Which task the explorer shows: the side panel's task at first, then the visitor's choice."""
    st.session_state.setdefault("ex_task", panel_marker().get("task", "regression"))
    keep_choice("ex_task")
    return st.segmented_control(t("panel.task"), TASKS, format_func=lambda k: t(f"task.{k}"), key="ex_task",
                                required=True) or "regression"


def sweep_view(task: str) -> None:
    st.session_state.setdefault(f"ex_{task}_losses", [l.name for l in losses_for(task)])
    keep_choice(f"ex_{task}_losses")
    names = st.multiselect(t("explorer.overlay"), [l.name for l in losses_for(task)],
                           format_func=lambda n: str(LOSSES[n].label), key=f"ex_{task}_losses")
    marker = panel_marker()
    mine = marker.get("task") == task
    if task == "regression":
        target = marker.get("target", 0.0) if mine else 0.0
        grid = np.linspace(target - 5, target + 5, 201)
    elif task == "binary":
        target = marker.get("target", 1) if mine else 1
        grid = np.linspace(0.0, 1.0, 201)
    elif task == "multiclass":
        target = marker.get("target", 3) if mine else 3
        grid = np.linspace(-8, 8, 161)
    else:
        target = marker.get("p", DEFAULT_P) if mine else DEFAULT_P
        grid = np.linspace(0.0, 1.0, 101)
    if not names:
        st.info(t("explorer.pick_one"))
        return
    curves = _sweep(task, tuple(names), tuple(target) if isinstance(target, list) else target,
                    (float(grid[0]), float(grid[-1]), len(grid)))
    labels = {n: str(LOSSES[n].label) for n in names}
    truth = {"regression": lambda: f"y = {target:g}", "binary": lambda: t("explorer.truth_label", y=target),
             "multiclass": lambda: t("explorer.truth_classes", k=target),
             "distribution": lambda: "P = (" + ", ".join(f"{v:.2f}" for v in target) + ")"}[task]()
    at = marker.get("q", [None])[0] if task == "distribution" else marker.get("x")
    chart(figures.loss_sweep(curves, labels, x_title=t(f"explorer.x_{task}"), marker=at if mine else None,
                             marker_label=t("explorer.side_panel"), title=t("explorer.chart_title", truth=truth)),
          f"ex_{task}_chart", summaries.sweep(curves, labels, at if mine else None))
    if not mine:
        st.caption(t("explorer.choose_task", task=t(f"task.{task}")))
    for name in names:
        if LOSSES[name].explorer_note:
            st.caption(str(LOSSES[name].explorer_note))


@functools.lru_cache(maxsize=256)
def _sweep(task: str, names: tuple, target, grid: tuple) -> dict:
    """Each loss over the grid, computed once per input (a slider left alone costs nothing)."""
    target = list(target) if isinstance(target, tuple) else target
    return panel.sweep(task, names, target, np.linspace(*grid))


def formulas(task: str) -> None:
    for loss in losses_for(task):
        with st.container(border=True):
            st.markdown(t("explorer.takes", loss=loss.label, input=INPUT_KINDS[loss.input_kind]))
            formula(loss.formula)
            st.caption(str(loss.explanation))


def outlier_view() -> None:
    st.subheader(t("explorer.outlier_title"))
    big = st.slider(t("explorer.outlier_residual"), 1.0, 100.0, 30.0, 1.0, key="ex_outlier")
    st.caption(t("explorer.outlier_caption"))
    rows = panel.outlier_gradients([1.0, 1.5, 0.5, 2.0, 1.2], big)
    st.plotly_chart(figures.outlier_bars(rows, big), key="ex_outlier_chart")  # the table below is its text form
    data_table([{t("table.loss"): str(r["label"]), t("explorer.grad_typical"): f"{r['grad_typical']:.3g}",
                   t("explorer.grad_outlier"): f"{r['grad_outlier']:.3g}", t("explorer.pulls"): f"×{r['ratio']:.1f}"}
                  for r in rows], hide_index=True)


def move_away_view() -> None:
    """The divergences' lesson: as Q's mass leaves P's support, KL becomes infinite, JS stops at
    log 2 and Wasserstein keeps growing with the distance."""
    st.subheader(t("explorer.move_title"))
    shift = st.slider(t("explorer.move_slider"), 0, 8, 3, key="ex_move")
    curves = move_away_curves()
    rows = {n: v[shift] for n, (_, v) in curves.items()}
    move = [{"name": str(LOSSES[n].label), "steps": xs, "values": vs} for n, (xs, vs) in curves.items()]
    chart(figures.loss_curves(move,
                              title=t("explorer.move_chart"), x_title=t("explorer.move_axis"), y_title=t("figure.loss"),
                              markers=[(shift, t("explorer.move_here"))]),
          "ex_move_chart", "; ".join(f"{LOSSES[n].label} {fmt(v)}" for n, v in rows.items()),
          explore=explorer_data(move, title=t("explorer.move_chart"), x_name=t("explorer.move_axis")))
    st.caption(t("explorer.move_caption"))


@functools.lru_cache(maxsize=1)
def move_away_curves() -> dict:
    return panel.move_away()


def barron_view() -> None:
    """Barron's general loss as a family: one slider moves α through L2, pseudo-Huber, Cauchy,
    Geman-McClure towards Welsch; the named shapes stay drawn for comparison."""
    st.subheader(t("explorer.barron_title"))
    alpha = st.slider(t("explorer.barron_alpha"), -10.0, 2.0, 1.0, 0.25, key="ex_barron")
    curves = barron_curves(alpha)
    labels = {a: t("explorer.barron_chosen", alpha=f"{a:g}") if a == alpha else
              t("explorer.barron_case", alpha=f"{a:g}", name=t(f"explorer.barron_{int(a)}".replace("-", "m")))
              for a in curves}
    far = {a: grads[min(range(len(xs)), key=lambda k: abs(xs[k] - 5.0))] for a, (xs, _, grads) in curves.items()}
    chart(figures.loss_sweep(curves, labels, x_title=t("explorer.barron_x"), title=t("explorer.barron_chart")),
          "ex_barron_chart", t("summary.barron", alpha=f"{alpha:g}", grad=f"{far[alpha]:.3g}",
                               l2=f"{far[2.0]:.3g}", welsch=f"{far[-10.0]:.3g}"))
    st.caption(t("explorer.barron_caption"))


@functools.lru_cache(maxsize=64)
def barron_curves(alpha: float) -> dict:
    return panel.barron_family(alpha)
