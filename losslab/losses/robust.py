"""Robust regression losses: how much a far point may pull. Barron's general loss (one shape α
through L2, pseudo-Huber, Cauchy, Geman-McClure and towards Welsch), Cauchy, Tukey's biweight,
quantile (pinball) and ε-insensitive (SVR). Residual r = ŷ − y; mean over points."""

from __future__ import annotations

from ..i18n import Text
from ..lazy import LazyModule
from . import Loss, Param, mean, register

torch = LazyModule("torch")
F = LazyModule("torch.nn.functional")

# Barron (CVPR 2019) with scale c = 1 in the target's unit: c is where the loss turns from
# quadratic to robust; the lab's data are in kg, so 1 kg.
BARRON_SCALE = 1.0


def _barron(p, y, alpha):
    x2 = ((p - y) / BARRON_SCALE) ** 2
    if alpha == 2:
        return 0.5 * x2
    if alpha == 0:
        return torch.log1p(0.5 * x2)
    b = abs(alpha - 2)
    # ρ = |α−2|/α · ((x²/|α−2| + 1)^(α/2) − 1), with expm1/log1p so α near 0 keeps its digits
    return b / alpha * torch.expm1(alpha / 2 * torch.log1p(x2 / b))


def _barron_reference(p, y, alpha):
    # The paper's formula written plainly (float64 in the tests), its limits where it has them.
    x = (p - y) / BARRON_SCALE
    if alpha == 2:
        return (x ** 2 / 2).mean()
    if alpha == 0:
        return torch.log(x ** 2 / 2 + 1).mean()
    return (abs(alpha - 2) / alpha * ((x ** 2 / abs(alpha - 2) + 1) ** (alpha / 2) - 1)).mean()


def _cauchy(p, y, c):
    return 0.5 * c ** 2 * torch.log1p(((p - y) / c) ** 2)


def _tukey(p, y, c):
    r = (p - y).abs()
    inside = c ** 2 / 6 * (1 - (1 - (r / c) ** 2) ** 3)
    return torch.where(r <= c, inside, torch.full_like(r, c ** 2 / 6))


def _tukey_reference(p, y, c):
    u = ((p - y) / c).clamp(-1, 1)  # beyond c the loss is flat: clamping u gives the same plateau
    return (c ** 2 / 6 * (1 - (1 - u ** 2) ** 3)).mean()


def _quantile(p, y, tau):
    r = y - p
    return torch.maximum(tau * r, (tau - 1) * r)


def _quantile_reference(p, y, tau):
    r = y - p
    return torch.where(r >= 0, tau * r, (tau - 1) * r).mean()


def _eps_insensitive(p, y, eps):
    return torch.relu((p - y).abs() - eps)


register(Loss(
    name="barron",
    label=Text(en="Barron general (α)", ko="바론 일반 손실 (α)"),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \frac{|\alpha-2|}{\alpha}\Big[\Big(\frac{(r_i/c)^2}{|\alpha-2|}+1\Big)^{\alpha/2}-1\Big],\ c = 1",
    explanation=Text(
        en="One shape parameter for a whole family: α = 2 is MSE/2, α = 1 pseudo-Huber, α = 0 Cauchy, α = −2 "
           "Geman-McClure, and as α falls far points pull less and less (Welsch in the limit).",
        ko="모양 매개변수 하나로 손실 함수 가족 전체를 지납니다: α = 2는 MSE/2, α = 1은 의사 후버, α = 0은 코시, "
           "α = −2는 게만-매클루어이고, α가 작아질수록 먼 점이 덜 당깁니다 (극한은 웰시)."),
    fn=mean(_barron),
    reference=_barron_reference,
    param=Param("alpha", 1.0, -10.0, 2.0, Text(en="shape: 2 = L2, 1 = pseudo-Huber, 0 = Cauchy, −2 = Geman-McClure",
                                               ko="모양: 2 = L2, 1 = 의사 후버, 0 = 코시, −2 = 게만-매클루어")),
    convex=lambda alpha: alpha >= 1,  # ρ'' ≥ 0 for every r exactly when α ≥ 1 (Barron 2019, §2)
))
register(Loss(
    name="cauchy",
    label=Text(en="Cauchy (c)", ko="코시 (c)"),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \frac{c^2}{2}\log\Big(1+\frac{r_i^2}{c^2}\Big)",
    explanation=Text(
        en="Grows only logarithmically: a point ten times farther adds little, so outliers barely move the fit, "
           "but the loss is not convex and a bad start can stall.",
        ko="로그로만 커집니다: 열 배 먼 점도 조금만 더해져 이상치가 직선을 거의 못 움직이지만, 볼록하지 않아 "
           "시작이 나쁘면 멈출 수 있습니다."),
    fn=mean(_cauchy),
    reference=lambda p, y, c: (c ** 2 / 2 * torch.log(1 + (p - y) ** 2 / c ** 2)).mean(),
    param=Param("c", 1.0, 0.01, 100.0, Text(en="scale: residuals beyond c count less and less",
                                            ko="척도: c보다 큰 잔차는 점점 덜 반영됩니다")),
    unit="{y}²",
))
register(Loss(
    name="tukey",
    label=Text(en="Tukey biweight (c)", ko="튜키 바이웨이트 (c)"),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \begin{cases}\frac{c^2}{6}\big[1-(1-(r_i/c)^2)^3\big] & |r_i|\le c\\ \frac{c^2}{6} & \text{else}\end{cases}",
    explanation=Text(
        en="Flat beyond c: a point farther than c pulls with zero force, it is simply ignored.",
        ko="c 너머에서는 평평합니다: c보다 먼 점은 당기는 힘이 0, 그냥 무시됩니다."),
    fn=mean(_tukey),
    reference=_tukey_reference,
    param=Param("c", 4.685, 0.01, 100.0, Text(en="points farther than c are ignored (4.685: 95 % efficiency)",
                                              ko="c보다 먼 점은 무시 (4.685: 효율 95 %)")),
    unit="{y}²",
))
register(Loss(
    name="quantile",
    label=Text(en="Quantile / pinball (τ)", ko="분위수 / 핀볼 (τ)"),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \max\big(\tau (y_i-\hat y_i),\ (\tau-1)(y_i-\hat y_i)\big)",
    explanation=Text(
        en="Under-predictions cost τ per unit, over-predictions 1 − τ: the best line then has a share τ of the "
           "points below it. τ = 0.5 is MAE/2, the median line.",
        ko="작게 예측하면 단위당 τ, 크게 예측하면 1 − τ의 비용: 최적 직선 아래에 점의 τ 비율이 놓입니다. "
           "τ = 0.5는 MAE/2, 중앙값 직선입니다."),
    fn=mean(_quantile),
    reference=_quantile_reference,
    param=Param("tau", 0.5, 0.01, 0.99, Text(en="which quantile: 0.1 = a line under most points, 0.9 = above",
                                             ko="어느 분위수: 0.1이면 대부분의 점 아래, 0.9면 위의 직선")),
    unit="{y}",
    kinks=lambda y, tau: y,
))
register(Loss(
    name="eps_insensitive",
    label=Text(en="ε-insensitive (SVR)", ko="ε-무감 (SVR)"),
    task="regression",
    input_kind="value",
    formula=r"\frac{1}{n}\sum_i \max(0,\ |r_i|-\varepsilon)",
    explanation=Text(
        en="The support-vector regression loss: errors inside a tube of width ε cost nothing, beyond it they "
           "cost like MAE. Points inside the tube do not pull at all.",
        ko="서포트 벡터 회귀의 손실: 폭 ε의 관 안의 오차는 비용이 없고, 밖은 MAE처럼 비용이 듭니다. "
           "관 안의 점은 전혀 당기지 않습니다."),
    fn=mean(_eps_insensitive),
    reference=lambda p, y, e: F.relu(F.l1_loss(p, y, reduction="none") - e).mean(),
    param=Param("epsilon", 1.0, 0.0, 100.0, Text(en="half-width of the tube that costs nothing",
                                                 ko="비용이 없는 관의 반폭")),
    unit="{y}",
    kinks=lambda y, eps: torch.cat([y - eps, y + eps], dim=1),
))
