"""Regression losses: prediction ŷ and target y of the same shape, mean over points."""

from __future__ import annotations

from ..lazy import LazyModule
from . import Loss, Param, register

torch = LazyModule("torch")
F = LazyModule("torch.nn.functional")


# --- regression: prediction ŷ and target y, same shape ------------------------------------

def _mse(p, y, _):
    return ((p - y) ** 2).mean()


def _mae(p, y, _):
    return (p - y).abs().mean()


def _huber(p, y, delta):
    r = (p - y).abs()
    return torch.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)).mean()


def _smooth_l1(p, y, beta):
    r = (p - y).abs()
    return torch.where(r < beta, 0.5 * r**2 / beta, r - 0.5 * beta).mean()


def _log_cosh(p, y, _):
    # log(cosh(r)) = |r| + log1p(exp(-2|r|)) - log 2: cosh overflows past |r| ≈ 710.
    r = (p - y).abs()
    return (r + torch.log1p(torch.exp(-2 * r)) - torch.log(torch.tensor(2.0, dtype=r.dtype))).mean()


register(Loss(
    name="mse",
    label="MSE (L2)",
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i (\hat y_i - y_i)^2",
    explanation="Squares each error, so a point twice as far pulls four times as hard: outliers dominate the fit.",
    fn=_mse,
    reference=lambda p, y, _: F.mse_loss(p, y),
    fused=True,
    unit="{y}²",
))
register(Loss(
    name="mae",
    label="MAE (L1)",
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i |\hat y_i - y_i|",
    explanation="Every error pulls with the same force whatever its size, so outliers barely move the fit; "
        "the gradient jumps at zero.",
    fn=_mae,
    reference=lambda p, y, _: F.l1_loss(p, y),
    fused=True,
    unit="{y}",
))
register(Loss(
    name="huber",
    label="Huber (δ)",
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \begin{cases}\tfrac12 r_i^2 & |r_i|\le\delta\\ \delta(|r_i|-\tfrac12\delta) & \text{else}\end{cases}",
    explanation="Quadratic for small errors, linear beyond δ: as smooth as MSE near the fit, as robust as MAE for outliers.",
    fn=_huber,
    reference=lambda p, y, d: F.huber_loss(p, y, delta=d),
    param=Param("delta", 1.0, 0.01, 100.0, "errors larger than δ are penalised linearly"),
    fused=True,
    unit="{y}²",
))
register(Loss(
    name="smooth_l1",
    label="Smooth L1 (β)",
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \begin{cases}\tfrac{0.5\,r_i^2}{\beta} & |r_i|<\beta\\ |r_i|-\tfrac12\beta & \text{else}\end{cases}",
    explanation="Huber divided by β: the slope for large errors is always 1, like MAE, with a smooth bowl of width β.",
    fn=_smooth_l1,
    reference=lambda p, y, b: F.smooth_l1_loss(p, y, beta=b),
    param=Param("beta", 1.0, 0.01, 100.0, "width of the quadratic bowl"),
    fused=True,
    unit="{y}",
))
register(Loss(
    name="log_cosh",
    label="log-cosh",
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \log\cosh(\hat y_i - y_i)",
    explanation="Like MSE/2 for small errors and like MAE for large ones, smooth everywhere (no δ to choose).",
    fn=_log_cosh,
    reference=lambda p, y, _: torch.log(torch.cosh(p - y)).mean(),
))
