"""Classification losses: binary (a probability p or a logit z against a label 0/1) and
multiclass (logits z of shape (n, K) against integer classes)."""

from __future__ import annotations

from ..lazy import LazyModule
from ..i18n import Text
from . import Loss, Param, mean, register

torch = LazyModule("torch")
F = LazyModule("torch.nn.functional")


# --- binary: label y in {0, 1}; prediction is a probability p or a logit z -----------------

def _bce_naive(p, y, _):
    # The seed's textbook form: log(0) = -inf, so p = 0 or 1 with the wrong label gives inf,
    # and 0 * log(0) gives NaN even when the label is right.
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p))


def _bce_logits(z, y, _):
    # max(z, 0) - z*y + log(1 + exp(-|z|)): never exponentiates a large positive number.
    return z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))


def _hinge(z, y, _):
    s = 2 * y - 1  # labels {0, 1} -> signs {-1, +1}
    return torch.relu(1 - s * z)


def _hinge_reference(z, y, _):
    # multi_margin_loss on the two scores (-z/2, z/2) is max(0, 1 - s z) / 2 per sample.
    scores = torch.stack([-z / 2, z / 2], dim=-1).reshape(-1, 2)
    return 2 * F.multi_margin_loss(scores, y.reshape(-1).long())


# (1 − p_t)^γ has the derivative γ(1 − p_t)^(γ−1), infinite at a confident right answer
# (p_t rounds to 1) when γ < 1: autograd then multiplies ∞ by 0 and the run ends in NaN.
# 1 − p_t is computed without cancellation and floored here; below the floor the factor is
# ~0 anyway (FOCAL_FLOOR^γ · CE, with CE ≈ 1 − p_t < 1e-12), so the loss is unchanged.
FOCAL_FLOOR = 1e-12


def _binary_focal(z, y, gamma):
    ce = _bce_logits_elementwise(z, y)
    one_minus_pt = torch.sigmoid(-(2 * y - 1) * z).clamp(min=FOCAL_FLOOR)  # 1 − p_t, no cancellation
    return one_minus_pt ** gamma * ce


def _bce_logits_elementwise(z, y):
    return z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))


def _binary_focal_reference(z, y, gamma):
    from torchvision.ops import sigmoid_focal_loss

    return sigmoid_focal_loss(z, y, alpha=-1, gamma=gamma, reduction="mean")


register(Loss(
    name="bce",
    label=Text(en="BCE on probabilities (naive)",
             ko='확률에 대한 BCE (단순식)'),
    task="binary",
    input_kind="probability",
    formula=r"-\frac{1}{n}\sum_i \big[y_i \log p_i + (1-y_i)\log(1-p_i)\big]",
    explanation=Text(en="Punishes a confident wrong answer without limit. Written this way it breaks at p = 0 or 1: "
        "log 0 = -∞ gives inf, and 0·log 0 gives NaN.",
             ko='확신에 찬 오답을 한없이 벌합니다. 이렇게 쓰면 p = 0 또는 1에서 깨집니다: log 0 = -∞ 이라 inf가 되고, 0·log 0 은 NaN이 됩니다.'),
    fn=mean(_bce_naive),
    reference=lambda p, y, _: F.binary_cross_entropy(p, y),
    stable_form="bce_logits",
    nan_note=Text(en="the naive formula takes 0 · log 0 = NaN at p = 0 or 1",
             ko='단순식은 p = 0 또는 1에서 0 · log 0 = NaN 을 계산합니다'),
    inf_note=Text(en="the naive formula takes −log 0 = ∞ at p = 0 or 1",
             ko='단순식은 p = 0 또는 1에서 −log 0 = ∞ 를 계산합니다'),
    explorer_note=(Text(en="The naive BCE rises to ∞ at the wrong end (p → 0 for label 1); the logit losses get "
                       "logit(p) and stay finite (the ends of this axis use logit ±1000).",
             ko='단순식 BCE는 틀린 쪽 끝(레이블 1에서 p → 0)에서 ∞로 치솟습니다. 로짓 손실은 logit(p)를 받아 유한하게 남습니다 (이 축의 양 끝은 로짓 ±1000).')),
    unit="nats",
))
register(Loss(
    name="bce_logits",
    label=Text(en="BCE with logits (stable)",
             ko='로짓 BCE (안정형)'),
    task="binary",
    input_kind="logit",
    formula=r"\frac{1}{n}\sum_i \big[\max(z_i,0) - z_i y_i + \log(1+e^{-|z_i|})\big]",
    explanation=Text(en="The same loss computed from the logit z (p = σ(z)) without ever taking log 0: finite for any z.",
             ko='같은 손실을 로짓 z (p = σ(z))에서 계산하여 log 0 을 전혀 거치지 않습니다: 어떤 z에서도 유한합니다.'),
    fn=mean(_bce_logits),
    reference=lambda z, y, _: F.binary_cross_entropy_with_logits(z, y),
    fused=True,
    unit="nats",
    convex=True,
))
register(Loss(
    name="hinge",
    label=Text(en="Hinge",
             ko='힌지'),
    task="binary",
    input_kind="logit",
    formula=r"\frac{1}{n}\sum_i \max(0,\, 1 - s_i z_i),\quad s_i = 2y_i - 1",
    explanation=Text(en="The SVM loss: zero once a point is on the right side with margin 1, so confident right answers stop "
        "contributing at all.",
             ko='SVM의 손실: 점이 마진 1 이상으로 올바른 쪽에 있으면 0이 되어, 확신 있는 정답은 더 이상 기여하지 않습니다.'),
    fn=mean(_hinge),
    reference=_hinge_reference,
    kinks=lambda y, _: 2 * y - 1,  # 1 − s·z = 0 at z = s
))
register(Loss(
    name="binary_focal",
    label=Text(en="Focal, binary (γ)",
             ko='이진 포컬 (γ)'),
    task="binary",
    input_kind="logit",
    formula=r"\frac{1}{n}\sum_i (1-p_{t,i})^{\gamma}\,\mathrm{BCE}(z_i, y_i)",
    explanation=Text(en="BCE scaled down for examples that are already easy (p_t near 1), so training concentrates on the hard ones.",
             ko='이미 쉬운 예(p_t가 1에 가까움)의 BCE를 줄여, 학습이 어려운 예에 집중하게 합니다.'),
    fn=mean(_binary_focal),
    reference=_binary_focal_reference,
    param=Param("gamma", 2.0, 0.0, 10.0, Text(en="γ = 0 is plain BCE; larger γ ignores easy examples more",
             ko='γ = 0 이면 보통 BCE, γ가 클수록 쉬운 예를 더 무시합니다')),
    unit="nats",
))


# --- multiclass: logits z of shape (n, K) and integer class labels -------------------------

def _cross_entropy(z, y, smoothing):
    logp = torch.log_softmax(z, dim=-1)
    nll = -logp.gather(-1, y.unsqueeze(-1)).squeeze(-1)  # the seed's "gather the true class"
    if not smoothing:
        return nll.mean()
    uniform = -logp.mean(dim=-1)
    return ((1 - smoothing) * nll + smoothing * uniform).mean()


def _one_hot(y, z):
    # scatter rather than F.one_hot: the same result, and it works under torch.func.vmap, which
    # the explorer uses to get every point's loss and gradient in one call.
    return torch.zeros_like(z).scatter(-1, y.unsqueeze(-1), 1.0)


def _mse_onehot(z, y, _):
    p = torch.softmax(z, dim=-1)
    onehot = _one_hot(y, z)
    return ((p - onehot) ** 2).sum(dim=-1).mean()


def _focal(z, y, gamma):
    logp = torch.log_softmax(z, dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)
    one_minus_pt = (-torch.expm1(logp)).clamp(min=FOCAL_FLOOR)  # 1 − p_t without cancellation (see above)
    return (-(one_minus_pt ** gamma) * logp).mean()


def _focal_reference(z, y, gamma):
    logp = F.log_softmax(z, dim=-1)
    return F.nll_loss((1 - logp.exp()) ** gamma * logp, y)


def _multi_hinge(z, y, _):
    true = z.gather(-1, y.unsqueeze(-1))
    margins = torch.relu(1 - true + z)
    margins = margins * (1 - _one_hot(y, z))  # the true class is not a rival
    return (margins.sum(dim=-1) / z.shape[-1]).mean()


register(Loss(
    name="cross_entropy",
    label=Text(en="Cross-entropy (label smoothing)",
             ko='교차 엔트로피 (레이블 스무딩)'),
    task="multiclass",
    input_kind="logits",
    formula=r"-\frac{1}{n}\sum_i \log \mathrm{softmax}(z_i)_{y_i}",
    explanation=Text(en="Minus the log of the probability given to the true class: a confident mistake costs a lot, "
        "and the gradient softmax − onehot never vanishes while the model is wrong.",
             ko='정답 클래스에 준 확률의 로그에 마이너스를 붙인 값: 확신에 찬 실수는 비싸고, 모델이 틀리는 동안 그래디언트 softmax − onehot 은 사라지지 않습니다.'),
    fn=_cross_entropy,
    reference=lambda z, y, s: F.cross_entropy(z, y, label_smoothing=s),
    param=Param("label_smoothing", 0.0, 0.0, 0.99, Text(en="aim for 1 − ε on the true class, ε/K on the others",
             ko='정답 클래스는 1 − ε, 나머지는 ε/K 를 목표로 합니다')),
    fused=True,
    unit="nats",
))
register(Loss(
    name="mse_onehot",
    label=Text(en="MSE on one-hot probabilities",
             ko='원-핫 확률에 대한 MSE'),
    task="multiclass",
    input_kind="logits",
    formula=r"\frac{1}{n}\sum_i \sum_k (\mathrm{softmax}(z_i)_k - [k = y_i])^2",
    explanation=Text(en="Squared error on probabilities. Its gradient goes through the softmax and fades when the model is "
        "confidently wrong, which is why cross-entropy trains classifiers faster.",
             ko='확률에 대한 제곱 오차. 그래디언트가 softmax를 거치므로 모델이 확신을 갖고 틀릴 때 약해집니다. 그래서 분류기는 교차 엔트로피로 더 빨리 학습합니다.'),
    fn=_mse_onehot,
    reference=lambda z, y, _: F.mse_loss(torch.softmax(z, -1), F.one_hot(y, z.shape[-1]).to(z.dtype),
                                                reduction="sum") / z.shape[0],
))
register(Loss(
    name="focal",
    label=Text(en="Focal (γ)",
             ko='포컬 (γ)'),
    task="multiclass",
    input_kind="logits",
    formula=r"-\frac{1}{n}\sum_i (1-p_{y_i})^{\gamma}\log p_{y_i}",
    explanation=Text(en="Cross-entropy down-weighted for examples the model already gets right with confidence.",
             ko='모델이 이미 확신을 갖고 맞히는 예의 가중치를 낮춘 교차 엔트로피.'),
    fn=_focal,
    reference=_focal_reference,
    param=Param("gamma", 2.0, 0.0, 10.0, Text(en="γ = 0 is plain cross-entropy",
             ko='γ = 0 이면 보통 교차 엔트로피')),
    unit="nats",
))
register(Loss(
    name="multi_hinge",
    label=Text(en="Multiclass hinge",
             ko='다중 클래스 힌지'),
    task="multiclass",
    input_kind="logits",
    formula=r"\frac{1}{nK}\sum_i \sum_{k\ne y_i} \max(0,\, 1 - z_{i,y_i} + z_{i,k})",
    explanation=Text(en="Wants the true class's score to beat every other score by a margin of 1; beyond that it stops caring.",
             ko='정답 클래스의 점수가 다른 모든 점수를 마진 1 이상 앞서기를 원하고, 그 이상은 신경 쓰지 않습니다.'),
    fn=_multi_hinge,
    reference=lambda z, y, _: F.multi_margin_loss(z, y),
))
