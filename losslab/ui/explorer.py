"""The loss explorer: each loss against the prediction, its gradient below, the side panel's
choice marked on every curve; and the outlier view for regression losses."""

from __future__ import annotations

import numpy as np
import streamlit as st

from .. import figures, panel
from ..losses import INPUT_KINDS, LOSSES, losses_for
from .session import panel_marker

X_TITLES = {"regression": "prediction ŷ (truth y fixed)", "binary": "predicted probability p",
            "multiclass": "logit of the true class (other logits 0)",
            "distribution": "Q's first bin, Q₀ (the other bins keep P's proportions)"}
DEFAULT_P = [0.0, 0.5, 0.3, 0.2]  # an empty bin in P: the naive KL shows NaN everywhere


def sweep_view(task: str) -> None:
    names = st.multiselect("Losses to overlay", [l.name for l in losses_for(task)],
                           default=[l.name for l in losses_for(task)], format_func=lambda n: LOSSES[n].label,
                           key=f"ex_{task}_losses")
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
        st.info("Pick at least one loss.")
        return
    curves = panel.sweep(task, names, target, grid)
    labels = {n: LOSSES[n].label for n in names}
    truth = {"regression": lambda: f"y = {target:g}", "binary": lambda: f"label y = {target}",
             "multiclass": lambda: f"K = {target} classes",
             "distribution": lambda: "P = (" + ", ".join(f"{v:.2f}" for v in target) + ")"}[task]()
    at = marker.get("q", [None])[0] if task == "distribution" else marker.get("x")
    st.plotly_chart(figures.loss_sweep(curves, labels, x_title=X_TITLES[task], marker=at if mine else None,
                                       marker_label="side panel", title=f"Each loss as the prediction moves ({truth})"),
                    key=f"ex_{task}_chart")
    if not mine:
        st.caption(f"Choose the {task} task in the side panel to mark your prediction on every curve.")
    for name in names:
        if LOSSES[name].explorer_note:
            st.caption(LOSSES[name].explorer_note)


def formulas(task: str) -> None:
    for loss in losses_for(task):
        with st.container(border=True):
            st.markdown(f"**{loss.label}** — takes {INPUT_KINDS[loss.input_kind]}")
            st.latex(loss.formula)
            st.caption(loss.explanation)


def outlier_view() -> None:
    st.subheader("One outlier: how hard does it pull?")
    big = st.slider("Residual of the outlier (kg)", 1.0, 100.0, 30.0, 1.0, key="ex_outlier")
    st.caption("The seed's ten people have residuals of about 1 kg around the best line. Make one residual "
               "large: the gradient on that point is how hard it drags the line.")
    rows = panel.outlier_gradients([1.0, 1.5, 0.5, 2.0, 1.2], big)
    st.plotly_chart(figures.outlier_bars(rows, big), key="ex_outlier_chart")
    st.dataframe([{"loss": r["label"], "|gradient| typical point": f"{r['grad_typical']:.3g}",
                   "|gradient| outlier": f"{r['grad_outlier']:.3g}", "outlier pulls": f"×{r['ratio']:.1f}"}
                  for r in rows], hide_index=True)
