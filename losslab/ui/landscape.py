"""The regression lab's landscape section: the loss over (slope, intercept) with the run's path,
who pulls the line, and why the step size matters (conditioning). Surfaces are computed once per
(config, window) in this process and shared by every viewer; a poll only adds path points."""

from __future__ import annotations

import functools

import streamlit as st

from .. import landscape as land
from ..config import RegressionConfig, config_from_dict
from ..jobs.store import ACTIVE_STATUSES
from ..figures import describe, landscape as fig
from ..i18n import number, t
from ..losses import LOSSES, run_name
from ..labs.regression import initial_line, regression_points
from .charts import chart
from .cache import is_live, shared_figure
from .live import path, start_runs
from .chartkeys import paused
from .truth import pct
from .session import owner, service

# The map drawn on the page: 80 × 80 is enough for the contours (Plotly interpolates) and keeps
# the figure ~40 KB per poll (100 viewers: 4 MB/s); benchmarks/landscape.py times the 200 × 200 surface.
GRID = 80


def names(configs: list[RegressionConfig]) -> list[str]:
    """Each run's legend name in the regression lab; runs of the same loss (the step-size pair)
    are told apart by η."""
    base = [run_name(LOSSES[c.loss], c.loss_param) for c in configs]
    return [b + (f" · η = {c.lr:.4g}" if base.count(b) > 1 else "") for b, c in zip(base, configs)]


@functools.lru_cache(maxsize=64)
def _surface(config: RegressionConfig, window: tuple) -> dict:
    s_range, b_range = window
    own = land.own_minimum(config)
    return {"slopes": [s_range[0] + (s_range[1] - s_range[0]) * i / (GRID - 1) for i in range(GRID)],
            "intercepts": [b_range[0] + (b_range[1] - b_range[0]) * i / (GRID - 1) for i in range(GRID)],
            "z": land.grid(config, s_range, b_range, GRID), "minimum": own, "least_squares": land.least_squares(config)}


@functools.lru_cache(maxsize=64)
def _anchors(config: RegressionConfig) -> tuple:
    """The points every map must show for a config: start, least squares, the loss's own minimum."""
    return (initial_line(config), land.least_squares(config), land.own_minimum(config)[:2])


@functools.lru_cache(maxsize=64)
def _conditioning(config: RegressionConfig):
    return land.conditioning(config)


def _window(configs: list[RegressionConfig]) -> tuple:
    points = [p for c in configs for p in _anchors(c)]
    return land.window(points, pad=0.25)  # a tuple of tuples: a cache key as it is


def _titles(cfg: RegressionConfig) -> tuple[str, str]:
    unit = "" if cfg.data == "custom" else " (kg/cm)"  # the map is in cm whatever the model sees
    return t("figure.slope") + unit, t("figure.intercept") + ("" if cfg.data == "custom" else " (kg)")


LANDSCAPE_POLL_SECONDS = 2.0  # the path gains ~2 points a second at most: a slower refresh loses nothing


def live_section(run_ids: list[str]) -> None:
    """The landscape under the regression lab's live view, refreshing on its own while the runs
    train; the title, the toggles and the conditioning panel are drawn once, outside the poll."""
    runs = [r for r in service().runs_by_id(run_ids, viewer=owner()) if r["task"] == "regression"]
    if not runs:
        return
    configs = [config_from_dict(r["config"]) for r in runs]
    labels = names(configs)
    st.subheader(t("landscape.title"))
    st.caption(t("landscape.caption"))
    single = len(runs) == 1
    three_d = pulls = False
    if single:
        c1, c2 = st.columns(2)
        three_d = c1.toggle(t("landscape.three_d"), key="reg_land_3d")
        pulls = c2.toggle(t("landscape.pulls"), key="reg_land_pulls", help=t("landscape.pulls_help"))
    active = any(r["status"] in ACTIVE_STATUSES for r in runs)

    @st.fragment(run_every=LANDSCAPE_POLL_SECONDS if active and not paused() else None)
    def view():
        current = service().runs_by_id(run_ids, viewer=owner())
        section(current, configs, labels, three_d, pulls)
        if active and not any(r["status"] in ACTIVE_STATUSES for r in current):
            st.rerun()

    view()
    if single:
        conditioning(configs[0])


def section(runs: list[dict], configs: list[RegressionConfig], names: list[str], three_d: bool = False,
            pulls: bool = False) -> None:
    window = _window(configs)
    x_title, y_title = _titles(configs[0])
    paths = [path(r["id"], r.get("version")) for r in runs]
    ids, versions = tuple(r["id"] for r in runs), tuple(r.get("version") for r in runs)
    if len(runs) > 1:
        surfaces = [_surface(c, window) for c in configs]
        chart(shared_figure(("landscapes", ids), versions, lambda: fig.landscapes(
                  surfaces, paths, names, title=t("landscape.compare_title"), x_title=x_title, y_title=y_title), live=is_live(runs)),
              "reg_landscapes", " ".join(f"{name}: {_summary(s, p, c)}" for name, s, p, c in
                                          zip(names, surfaces, paths, configs)))
        return
    cfg, run_path = configs[0], paths[0]
    s = _surface(cfg, window)
    title = t("landscape.chart_title", loss=run_name(LOSSES[cfg.loss], cfg.loss_param))
    # The toggles' figures too are built once per version of the run (a finished run's never again):
    # the 3-D path's losses and the pulls are torch computations, not worth repeating on every rerun.
    if three_d:
        chart(shared_figure(("landscape_3d", ids), versions, lambda: fig.landscape_3d(
                  s, run_path, land.losses_on(cfg, *_tensors(run_path)).tolist() if run_path else [], title=title,
                  x_title=x_title, y_title=y_title), live=is_live(runs)),
              "reg_land_3d_chart", _summary(s, run_path, cfg))
    else:
        arrows = bool(pulls and run_path)
        chart(shared_figure(("landscape", ids, arrows), versions, lambda: fig.landscape(
                  s, run_path, title=title, x_title=x_title, y_title=y_title,
                  pulls=_pull_arrows(cfg, run_path[-1], s) if arrows else None), live=is_live(runs)),
              "reg_land_chart", _summary(s, run_path, cfg))
    final = runs[0].get("final") or {}
    if "final/gap" in final:  # where the path ended, against the map's exact minimum
        st.caption(t("truth.landscape_gap", gap=pct(final["final/gap"]), distance=f"{final['final/line_distance']:.3g}"))
    if pulls and run_path:
        _pulls_on_data(cfg, run_path[-1], ids, versions, is_live(runs))


def _tensors(run_path):
    import torch

    return (torch.tensor([p[1] for p in run_path], dtype=torch.float64),
            torch.tensor([p[2] for p in run_path], dtype=torch.float64))


def _summary(s: dict, run_path: list, cfg: RegressionConfig) -> str:
    own, ls = s["minimum"], s["least_squares"]
    text = t("summary.landscape", slope=f"{own[0]:.4g}", intercept=f"{own[1]:.4g}", loss=f"{own[2]:.4g}",
             ls_slope=f"{ls[0]:.4g}", ls_intercept=f"{ls[1]:.4g}")
    if run_path:
        step, slope, intercept = run_path[-1]
        text += " " + t("summary.landscape_now", step=number(step), slope=f"{slope:.4g}", intercept=f"{intercept:.4g}")
        text += " " + describe.landscape(s, run_path)
    return text


def _pull_arrows(cfg, now, s) -> list:
    """Each point's share of the descent direction −∇, drawn from the current weights; scaled so
    the total is a fifth of the map (in each axis's own units: the map is not square in kg and kg/cm)."""
    _, slope, intercept = now
    per_point, total = land.point_gradients(cfg, slope, intercept)
    ws, wb = s["slopes"][-1] - s["slopes"][0], s["intercepts"][-1] - s["intercepts"][0]
    norm = max(abs(total[0]) / ws, abs(total[1]) / wb) or 1.0
    k = 0.2 / norm
    biggest = sorted(per_point, key=lambda g: -(abs(g[0]) / ws + abs(g[1]) / wb))[:30]
    return [(slope, intercept, -k * g[0], -k * g[1]) for g in biggest] + [(slope, intercept, -k * total[0], -k * total[1])]


@functools.lru_cache(maxsize=64)
def _forces(cfg: RegressionConfig, slope: float, intercept: float) -> tuple[float, ...]:
    """The pull on the line's prediction at each of the first 300 points, −d loss_i / d ŷ_i: one
    torch call a point, so computed once per line (a finished run's last line is for good)."""
    xs, ys, _ = regression_points(cfg)
    loss = LOSSES[cfg.loss]
    param = loss.resolve_param(cfg.loss_param)
    return tuple(-float(loss.value_and_grad([slope * x + intercept], [y], param)[1][0])
                 for x, y in zip(xs[:300], ys[:300]))


def _pulls_on_data(cfg, now, ids: tuple, versions: tuple, live: bool) -> None:
    _, slope, intercept = now
    xs, ys, _ = regression_points(cfg)
    forces = _forces(cfg, slope, intercept)
    x_title = t("figure.height")
    chart(shared_figure(("reg_pulls", ids), versions, lambda: fig.pulls_on_line(
              xs[:300], ys[:300], slope, intercept, list(forces), title=t("landscape.pull_title"),
              x_title=x_title if cfg.data != "custom" else "x",
              y_title=t("figure.weight") if cfg.data != "custom" else "y"), live=live),
          "reg_pull_chart", t("summary.pulls", n=len(forces), up=sum(f > 0 for f in forces),
                              down=sum(f < 0 for f in forces)))


def conditioning(cfg: RegressionConfig) -> None:
    """Why η matters: MSE's Hessian on these data, its condition number and the largest stable
    full-batch SGD step, with runs just below and just above it."""
    with st.expander(t("landscape.cond_title"), expanded=False):
        k = _conditioning(cfg)
        other = _conditioning(cfg.replace(x_scale="raw" if cfg.x_scale == "standardised" else "standardised"))
        st.markdown(t("landscape.cond_numbers", lo=f"{k.eigenvalues[0]:.4g}", hi=f"{k.eigenvalues[1]:.4g}",
                      kappa=f"{k.condition:,.4g}", lr=f"{k.max_sgd_lr:.4g}",
                      scale=t(f"choice.x_scale.{cfg.x_scale}"), other_kappa=f"{other.condition:,.4g}",
                      other_lr=f"{other.max_sgd_lr:.4g}"))
        st.caption(t("landscape.cond_explain"))
        if cfg.x_scale == "raw" and cfg.data == "seed" and cfg.optimizer == "adam":
            st.caption(t("landscape.adam_spikes"))
        below = cfg.replace(optimizer="sgd", momentum=0.0, lr=0.98 * k.max_sgd_lr, epochs=min(cfg.epochs, 3000),
                            loss="mse", loss_param=None, speed=0.0)
        above = below.replace(lr=1.02 * k.max_sgd_lr)
        if st.button(t("landscape.try_both", below=f"{below.lr:.4g}", above=f"{above.lr:.4g}"), key="reg_try_lr"):
            start_runs([below, above], label="step size")
        st.caption(t("landscape.try_hint"))
