"""Classification losses that survive wrong labels: bounded or symmetric ones that a mislabelled
example cannot dominate (MAE on probabilities, generalised CE, symmetric CE, normalised CE +
reverse CE), plus squared hinge (binary and multiclass) and Poly-1. z: logits (n, K); y: classes."""

from __future__ import annotations

import math

from ..i18n import Text
from ..lazy import LazyModule
from . import Loss, Param, mean, register
from .classification import _one_hot

torch = LazyModule("torch")
F = LazyModule("torch.nn.functional")

# Reverse cross-entropy takes log of the one-hot labels; log 0 is replaced by A = log(1e-4), as
# in Wang et al.'s code (so RCE = −A · (1 − p_y)).
RCE_LOG_ZERO = math.log(1e-4)


def _log_p_true(z, y):
    return torch.log_softmax(z, dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)


def _mae_prob(z, y, _):
    return (2 - 2 * _log_p_true(z, y).exp()).mean()


def _gce(z, y, q):
    return ((1 - torch.exp(q * _log_p_true(z, y))) / q).mean()


def _rce(z, y):
    return -RCE_LOG_ZERO * (1 - _log_p_true(z, y).exp())


def _sce(z, y, alpha):
    return (alpha * -_log_p_true(z, y) + 1.0 * _rce(z, y)).mean()


def _nce_rce(z, y, alpha):
    logp = torch.log_softmax(z, dim=-1)
    nce = logp.gather(-1, y.unsqueeze(-1)).squeeze(-1) / logp.sum(dim=-1)  # CE / Σ_k CE(k): in [0, 1]
    return (alpha * nce + 1.0 * _rce(z, y)).mean()


def _squared_hinge(z, y, _):
    true = z.gather(-1, y.unsqueeze(-1))
    margins = torch.relu(1 - true + z) * (1 - _one_hot(y, z))
    return ((margins ** 2).sum(dim=-1) / z.shape[-1]).mean()


def _poly1(z, y, eps):
    logp = _log_p_true(z, y)
    return (-logp + eps * (1 - logp.exp())).mean()


def _binary_squared_hinge(z, y, _):
    return torch.relu(1 - (2 * y - 1) * z) ** 2


# --- independent references for the tests (plain formulas; torch's own where it has one) ---

def _softmax_onehot(z, y):
    return torch.softmax(z, -1), F.one_hot(y, z.shape[-1]).to(z.dtype)


def _mae_prob_reference(z, y, _):
    p, onehot = _softmax_onehot(z, y)
    return (p - onehot).abs().sum(-1).mean()


def _gce_reference(z, y, q):
    p, onehot = _softmax_onehot(z, y)
    return ((1 - (p * onehot).sum(-1) ** q) / q).mean()


def _rce_reference(z, y):
    p, onehot = _softmax_onehot(z, y)
    return -(p * torch.log(onehot.clamp(min=1e-4))).sum(-1)


def _sce_reference(z, y, alpha):
    return alpha * F.cross_entropy(z, y) + _rce_reference(z, y).mean()


def _nce_rce_reference(z, y, alpha):
    logp = F.log_softmax(z, -1)
    nce = F.nll_loss(logp, y, reduction="none") / (-logp).sum(-1)
    return (alpha * nce + _rce_reference(z, y)).mean()


def _poly1_reference(z, y, eps):
    p, onehot = _softmax_onehot(z, y)
    return F.cross_entropy(z, y) + eps * (1 - (p * onehot).sum(-1)).mean()


def _binary_squared_hinge_reference(z, y, _):
    scores = torch.stack([-z / 2, z / 2], dim=-1).reshape(-1, 2)
    return 2 * F.multi_margin_loss(scores, y.reshape(-1).long(), p=2)


register(Loss(
    name="squared_hinge_binary",
    label=Text(en="Squared hinge, binary", ko="제곱 힌지 (이진)"),
    task="binary",
    input_kind="logit",
    formula=r"\frac{1}{n}\sum_i \max(0,\ 1 - s_i z_i)^2,\quad s_i = 2y_i - 1",
    explanation=Text(en="Hinge squared: smooth at the margin and harsher on points far on the wrong side; still "
                        "zero once a point is right by a margin of 1.",
                     ko="힌지를 제곱한 것: 마진에서 매끄럽고 반대편 멀리 있는 점에 더 가혹하며, 마진 1 이상 "
                        "맞으면 여전히 0입니다."),
    fn=mean(_binary_squared_hinge),
    reference=_binary_squared_hinge_reference,
    convex=True,
))
register(Loss(
    name="mae_prob",
    label=Text(en="MAE on probabilities", ko="확률에 대한 MAE"),
    task="multiclass",
    input_kind="logits",
    formula=r"\frac{1}{n}\sum_i \sum_k |p_{ik} - [k = y_i]| = \frac{1}{n}\sum_i (2 - 2p_{i,y_i})",
    explanation=Text(en="Bounded by 2 per example, so a wrong label can never cost more than that: robust to "
                        "label noise, but slow to learn because confident mistakes barely pull.",
                     ko="예 하나당 최대 2로 묶여 있어 틀린 레이블도 그 이상 비용을 만들 수 없습니다: 레이블 "
                        "노이즈에 강하지만, 확신에 찬 실수가 거의 당기지 않아 학습이 느립니다."),
    fn=_mae_prob,
    reference=_mae_prob_reference,
))
register(Loss(
    name="gce",
    label=Text(en="Generalised cross-entropy (q)", ko="일반화 교차 엔트로피 (q)"),
    task="multiclass",
    input_kind="logits",
    formula=r"\frac{1}{n}\sum_i \frac{1 - p_{i,y_i}^{\,q}}{q}",
    explanation=Text(en="Zhang & Sabuncu 2018: between cross-entropy (q → 0) and MAE on probabilities (q = 1, "
                        "halved): learns nearly as fast as CE while a wrong label's pull stays bounded.",
                     ko="Zhang & Sabuncu 2018: 교차 엔트로피(q → 0)와 확률 MAE(q = 1, 절반) 사이: CE만큼 "
                        "빨리 배우면서 틀린 레이블이 당기는 힘은 묶여 있습니다."),
    fn=_gce,
    reference=_gce_reference,
    param=Param("q", 0.7, 0.01, 1.0, Text(en="0.7 in the paper; → 0 is cross-entropy, 1 is MAE/2",
                                          ko="논문 값 0.7, 0에 가까우면 교차 엔트로피, 1이면 MAE/2")),
))
register(Loss(
    name="sce",
    label=Text(en="Symmetric cross-entropy (α)", ko="대칭 교차 엔트로피 (α)"),
    task="multiclass",
    input_kind="logits",
    formula=r"\frac{1}{n}\sum_i \big[\alpha\,(-\log p_{i,y_i}) + \beta\,(-A)(1 - p_{i,y_i})\big],\ \beta = 1,\ A = \log 10^{-4}",
    explanation=Text(en="Wang et al. 2019: cross-entropy plus reverse cross-entropy (the labels scored by the "
                        "model), which is bounded and so resists wrong labels; α weighs the CE part.",
                     ko="Wang et al. 2019: 교차 엔트로피에 역 교차 엔트로피(모델이 레이블을 채점)를 더한 것. "
                        "역 항은 묶여 있어 틀린 레이블에 강합니다. α는 CE 부분의 가중치입니다."),
    fn=_sce,
    reference=_sce_reference,
    param=Param("alpha", 0.1, 0.0, 10.0, Text(en="weight of cross-entropy (β = 1 for the reverse part)",
                                              ko="교차 엔트로피의 가중치 (역 항은 β = 1)")),
))
register(Loss(
    name="nce_rce",
    label=Text(en="Normalised CE + reverse CE (α)", ko="정규화 CE + 역 CE (α)"),
    task="multiclass",
    input_kind="logits",
    formula=r"\frac{1}{n}\sum_i \Big[\alpha\,\frac{\log p_{i,y_i}}{\sum_k \log p_{ik}} + (-A)(1 - p_{i,y_i})\Big]",
    explanation=Text(en="Ma et al. 2020: cross-entropy divided by the cross-entropy of every possible label "
                        "(so it lies in [0, 1]) plus reverse CE: both parts robust, together they still fit.",
                     ko="Ma et al. 2020: 교차 엔트로피를 모든 레이블의 교차 엔트로피 합으로 나눈 것([0, 1] 범위)에 "
                        "역 CE를 더합니다: 두 부분 모두 강건하고 함께 쓰면 잘 맞춥니다."),
    fn=_nce_rce,
    reference=_nce_rce_reference,
    param=Param("alpha", 1.0, 0.0, 100.0, Text(en="weight of the normalised CE (β = 1 for reverse CE)",
                                               ko="정규화 CE의 가중치 (역 CE는 β = 1)")),
))
register(Loss(
    name="squared_hinge",
    label=Text(en="Squared multiclass hinge", ko="제곱 다중 클래스 힌지"),
    task="multiclass",
    input_kind="logits",
    formula=r"\frac{1}{nK}\sum_i \sum_{k\ne y_i} \max(0,\, 1 - z_{i,y_i} + z_{i,k})^2",
    explanation=Text(en="The multiclass hinge squared: smooth, and a rival that wins by a lot costs quadratically.",
                     ko="다중 클래스 힌지를 제곱한 것: 매끄럽고, 크게 이기는 경쟁 클래스는 제곱으로 비쌉니다."),
    fn=_squared_hinge,
    reference=lambda z, y, _: F.multi_margin_loss(z, y, p=2),
))
register(Loss(
    name="poly1",
    label=Text(en="Poly-1 (ε)", ko="Poly-1 (ε)"),
    task="multiclass",
    input_kind="logits",
    formula=r"\frac{1}{n}\sum_i \big[-\log p_{i,y_i} + \varepsilon\,(1 - p_{i,y_i})\big]",
    explanation=Text(en="Leng et al. 2022: cross-entropy plus ε times its first Taylor term; ε > 0 keeps pushing "
                        "examples the model already gets right, ε = 0 is plain CE.",
                     ko="Leng et al. 2022: 교차 엔트로피에 첫 테일러 항의 ε배를 더한 것. ε > 0이면 이미 맞힌 예도 "
                        "계속 밀어 주고, ε = 0이면 보통 CE입니다."),
    fn=_poly1,
    reference=_poly1_reference,
    param=Param("epsilon", 1.0, -1.0, 10.0, Text(en="1 in the paper; 0 is cross-entropy",
                                                 ko="논문 값 1, 0이면 교차 엔트로피")),
    unit="nats",
))
