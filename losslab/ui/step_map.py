"""The regression lab's "Step size and momentum" section: the (η, β) map of the run's own data
(losslab.step_map), what it means in one sentence, and a click on a cell that fills the lab's
form for that run (SGD, η, β, a constant step) with a button that starts it.

The chart goes through st.plotly_chart, not charts.plot: the fast path sends charts with
selections off, and this one is drawn once per rerun (it is not polled), so speed is not at stake."""

from __future__ import annotations

import functools
import math

import streamlit as st

from .. import step_map as sm
from ..config import RegressionConfig, config_from_dict
from ..figures import presenting
from ..figures import step_map as fig
from ..i18n import current, t
from ..losses import LOSSES, run_name
from .charts import CONFIG, data_table
from .live import start_runs
from .session import owner, service

FORM = "reg"               # the regression form's widget keys: reg_lr, reg_momentum, …
PICKED = "reg_map_picked"  # the cell a click (or the ★ button) put into the form: (scale, η, β)
LABELS = (0.0, 0.5, 0.9, 0.99)  # the momenta of the table under the chart


@functools.lru_cache(maxsize=64)
def _map(config: RegressionConfig):
    """A frozen config is its own cache key: a rerun redraws the map without recomputing it."""
    return sm.step_map(config)


def _other_scale(config: RegressionConfig) -> RegressionConfig:
    return config.replace(x_scale="raw" if config.x_scale == "standardised" else "standardised")


def fill(x_scale: str, lr: float, momentum: float) -> None:
    """Put a run into the form's widgets (a callback: it runs before the form is drawn again)."""
    lr, momentum = float(f"{lr:.3g}"), round(float(momentum), 2)  # what the form's fields hold
    st.session_state.update({f"{FORM}_optimizer": "sgd", f"{FORM}_lr": lr, f"{FORM}_momentum": momentum,
                             f"{FORM}_schedule": "constant", f"{FORM}_x_scale": x_scale})
    st.session_state[PICKED] = (x_scale, lr, momentum)


def _clicked(key: str, x_scale: str) -> None:
    points = (st.session_state.get(key) or {}).get("selection", {}).get("points") or []
    if points and "x" in points[0] and "y" in points[0]:
        fill(x_scale, points[0]["x"], points[0]["y"])


def _scale(config: RegressionConfig, x_scale: str | None = None) -> str:
    """"raw heights", "standardised x": what the model's input is, in the sentence's words."""
    return t(f"step_map.scale_{x_scale or config.x_scale}" + ("_x" if config.data == "custom" else ""))


def _title(config: RegressionConfig, m) -> str:
    scale = _scale(config)
    if m.curvature.local:
        return t("step_map.title_local", loss=LOSSES[config.loss].label, scale=scale)  # its δ is in the caption
    return t("step_map.chart_title", scale=scale)


@functools.lru_cache(maxsize=64)
def _figure(config: RegressionConfig, compact: bool, language: str, projector: bool):
    """Built once per config, width, language and projector mode: a finished run's page, a toggle
    or a second visitor draws it again without rebuilding (st.plotly_chart only reads it)."""
    m = _map(config)
    o = m.optimum
    return fig.figure(m.lrs, m.momenta, m.gap, lam_max=m.curvature.eigenvalues[1],
                      optimum=(o.lr, o.momentum, o.rate), current=m.current,
                      picks=sm.picks(m.lrs, m.curvature.eigenvalues),
                      title=_scale(config) if compact else _title(config, m))  # half width: the scale alone


def chart(config: RegressionConfig, key: str, compact: bool = False) -> None:
    """The map of `config`, clickable; the other scale's map is drawn from a config without the run's
    SGD (the run trains on its own scale: its ◆ and its η belong on that map alone)."""
    m = _map(config)
    if m is None:
        st.info(t("step_map.no_other_scale"))
        return
    figure = _figure(config, compact, current(), presenting())
    st.plotly_chart(figure, key=key, on_select=functools.partial(_clicked, key, config.x_scale),
                    selection_mode="points", config=CONFIG, alt=sentence(config, m))


def _steps(rate: float) -> str:
    steps = fig.steps_per_tenth(rate)
    return f"{steps:.2g}" if steps < 10 else f"{steps:,.0f}"


def sentence(config: RegressionConfig, m) -> str:
    """What the map says about these data, in one or two sentences (the chart's text alternative too)."""
    o = m.optimum
    lo, hi = m.curvature.eigenvalues
    values = dict(scale=_scale(config), lr=f"{o.lr:.3g}", momentum=f"{o.momentum:.2f}",
                  rate=fig.rate_text(o.rate), steps=_steps(o.rate), edge=f"{m.edge_lr:.3g}", kappa=f"{hi / lo:,.3g}",
                  free=f"{o.free_momentum:.4f}")
    text = t("step_map.best_instant" if o.rate < 1e-3 else "step_map.best", **values)
    if o.capped:
        text += " " + t("step_map.capped", **values)
    return text + " " + t("step_map.edge", **values)


def _yours(config: RegressionConfig, m) -> str:
    if m.current is None:
        return t("step_map.not_sgd", optimizer=t(f"choice.optimizer.{config.optimizer}"))
    lr, momentum, rate = m.current
    values = dict(lr=f"{lr:.3g}", momentum=f"{momentum:.2f}", rate=fig.rate_text(rate), steps=_steps(rate))
    text = t("step_map.yours_diverges" if rate >= 1 else "step_map.yours_sentence", **values)
    return text + (" " + t("step_map.cosine") if config.schedule != "constant" else "")


def _rows(m) -> list[dict]:
    """For a few momenta: the best η, its rate and the edge; a reader without the chart gets the map's shape."""
    rows = []
    for b in (*LABELS, m.optimum.momentum):
        lr = sm.best_lr(b, m.curvature.eigenvalues)
        rate = float(sm.rate(lr, b, m.curvature.eigenvalues))
        rows.append({t("step_map.col_momentum"): f"{b:.2f}", t("step_map.col_best_lr"): f"{lr:.3g}",
                     t("step_map.col_rate"): fig.rate_text(rate), t("step_map.col_steps"): _steps(rate),
                     t("step_map.col_edge"): f"{float(sm.edge(b, m.curvature.eigenvalues[1])):.3g}"})
    return rows


def section_for_runs(run_ids: list[str]) -> None:
    """Under a run: the map of the first run's data and loss, with its (η, β)."""
    runs = [r for r in service().runs_by_id(run_ids, viewer=owner()) if r["task"] == "regression"]
    if runs:
        section(config_from_dict(runs[0]["config"]))


def section(config: RegressionConfig | None, key: str = "reg_map") -> None:
    """The section under the lab's preview or its run: the map of `config`'s data and loss."""
    if config is None:
        return
    # keyed: its open state is kept through the reruns a click and the toggles cause
    with st.expander(t("step_map.title"), expanded=False, key=f"{key}_open"):
        loss = run_name(LOSSES[config.loss], config.loss_param)
        m = _map(config)
        if m is None:
            st.info(t("step_map.no_map_kinks" if config.loss_fn.kinks is not None else "step_map.no_map_flat", loss=loss))
            return
        st.caption(t("step_map.caption"))
        if m.curvature.local:
            st.caption(t("step_map.local", loss=loss))
        if st.toggle(t("step_map.both_scales"), key=f"{key}_both"):
            left, right = st.columns(2)
            with left:
                chart(config, key, compact=True)
            with right:
                chart(_other_scale(config).replace(optimizer="adam"), f"{key}_other", compact=True)
        else:
            chart(config, key)
        st.markdown(sentence(config, m))
        st.caption(_yours(config, m))
        _actions(config, m, key)
        if st.toggle(t("summary.as_table"), key=f"{key}_as_table"):
            data_table(_rows(m), hide_index=True, key=f"{key}_table")


def _actions(config: RegressionConfig, m, key: str) -> None:
    """The ★ into the form (the keyboard's way to the map), and Start for the cell the form now holds."""
    o = m.optimum
    momentum = round(o.momentum, 2)  # the form's β steps; the best η for that β, not the exact optimum's
    st.button(t("step_map.use_fastest"), key=f"{key}_fastest", on_click=fill,
              args=(config.x_scale, sm.best_lr(momentum, m.curvature.eigenvalues), momentum))
    ss = st.session_state
    picked = ss.get(PICKED)
    if not picked:
        return
    x_scale, lr, momentum = picked
    held = tuple(ss.get(f"{FORM}_{name}") for name in ("x_scale", "optimizer", "lr", "momentum", "schedule"))
    if held != (x_scale, "sgd", lr, momentum, "constant"):  # the form was changed since: the pick is gone
        del ss[PICKED]
        return
    run = config.replace(x_scale=x_scale, optimizer="sgd", lr=lr, momentum=momentum, schedule="constant")
    found = _map(run)
    rate = float(sm.rate(lr, momentum, found.curvature.eigenvalues)) if found else math.nan
    st.caption(t("step_map.picked", lr=f"{lr:.3g}", momentum=f"{momentum:.2f}", rate=fig.rate_text(rate),
                 scale=_scale(config, x_scale)))
    if st.button(t("step_map.start"), type="primary", key=f"{key}_start"):
        del st.session_state[PICKED]
        start_runs([run], label="step map")
