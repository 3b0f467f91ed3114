"""Regression losses: prediction ŷ and target y of the same shape, mean over points."""

from __future__ import annotations

from ..lazy import LazyModule
from ..i18n import Text
from . import Loss, Param, mean, register

torch = LazyModule("torch")
F = LazyModule("torch.nn.functional")


# --- regression: prediction ŷ and target y, same shape ------------------------------------

def _mse(p, y, _):
    return (p - y) ** 2


def _mae(p, y, _):
    return (p - y).abs()


def _huber(p, y, delta):
    r = (p - y).abs()
    return torch.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))


def _smooth_l1(p, y, beta):
    r = (p - y).abs()
    return torch.where(r < beta, 0.5 * r**2 / beta, r - 0.5 * beta)


def _log_cosh(p, y, _):
    # log(cosh(r)) = |r| + log1p(exp(-2|r|)) - log 2: cosh overflows past |r| ≈ 710.
    r = (p - y).abs()
    return r + torch.log1p(torch.exp(-2 * r)) - torch.log(torch.tensor(2.0, dtype=r.dtype))


register(Loss(
    name="mse",
    label=Text(en="MSE (L2)",
             ko='평균 제곱 오차 MSE (L2)'),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i (\hat y_i - y_i)^2",
    explanation=Text(en="Squares each error, so a point twice as far pulls four times as hard: outliers dominate the fit.",
             ko='오차를 제곱하므로 두 배 먼 점이 네 배 세게 당깁니다. 그래서 이상치가 직선을 좌우합니다.'),
    fn=mean(_mse),
    reference=lambda p, y, _: F.mse_loss(p, y),
    fused=True,
    unit="{y}²",
    closed_form=True,
))
register(Loss(
    name="mae",
    label=Text(en="MAE (L1)",
             ko='평균 절대 오차 MAE (L1)'),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i |\hat y_i - y_i|",
    explanation=Text(en="Every error pulls with the same force whatever its size, so outliers barely move the fit; "
        "the gradient jumps at zero.",
             ko='오차가 크든 작든 같은 힘으로 당기므로 이상치가 직선을 거의 움직이지 못합니다. 그래디언트는 0에서 갑자기 바뀝니다.'),
    fn=mean(_mae),
    reference=lambda p, y, _: F.l1_loss(p, y),
    fused=True,
    kinks=lambda y, _: y,
    unit="{y}",
))
register(Loss(
    name="huber",
    label=Text(en="Huber (δ)",
             ko='후버 Huber (δ)'),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \begin{cases}\tfrac12 r_i^2 & |r_i|\le\delta\\ \delta(|r_i|-\tfrac12\delta) & \text{else}\end{cases}",
    explanation=Text(en="Quadratic for small errors, linear beyond δ: as smooth as MSE near the fit, as robust as MAE for outliers.",
             ko='작은 오차에는 제곱, δ보다 큰 오차에는 선형: 최적점 근처에서는 MSE처럼 매끄럽고 이상치에는 MAE처럼 강건합니다.'),
    fn=mean(_huber),
    reference=lambda p, y, d: F.huber_loss(p, y, delta=d),
    param=Param("delta", 1.0, 0.01, 100.0, Text(en="errors larger than δ are penalised linearly",
             ko='δ보다 큰 오차는 선형으로 벌점을 받습니다')),
    fused=True,
    unit="{y}²",
    convex=True,
))
register(Loss(
    name="smooth_l1",
    label=Text(en="Smooth L1 (β)",
             ko='스무스 L1 (β)'),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \begin{cases}\tfrac{0.5\,r_i^2}{\beta} & |r_i|<\beta\\ |r_i|-\tfrac12\beta & \text{else}\end{cases}",
    explanation=Text(en="Huber divided by β: the slope for large errors is always 1, like MAE, with a smooth bowl of width β.",
             ko='후버 손실을 β로 나눈 것: 큰 오차의 기울기는 MAE처럼 늘 1이고, 폭 β의 매끄러운 그릇 모양을 가집니다.'),
    fn=mean(_smooth_l1),
    reference=lambda p, y, b: F.smooth_l1_loss(p, y, beta=b),
    param=Param("beta", 1.0, 0.01, 100.0, Text(en="width of the quadratic bowl",
             ko='제곱 구간(그릇)의 폭')),
    fused=True,
    unit="{y}",
    convex=True,
))
register(Loss(
    name="log_cosh",
    label=Text(en="log-cosh",
             ko='log-cosh'),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \log\cosh(\hat y_i - y_i)",
    explanation=Text(en="Like MSE/2 for small errors and like MAE for large ones, smooth everywhere (no δ to choose).",
             ko='작은 오차에는 MSE/2처럼, 큰 오차에는 MAE처럼 행동하며 어디서나 매끄럽습니다 (δ를 고를 필요가 없습니다).'),
    fn=mean(_log_cosh),
    reference=lambda p, y, _: torch.log(torch.cosh(p - y)).mean(),
    convex=True,
))
