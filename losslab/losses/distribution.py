"""Divergences between a target distribution P and a predicted Q over K bins (rows sum to 1)."""

from __future__ import annotations

from ..lazy import LazyModule
from ..i18n import Text
from . import Loss, register

torch = LazyModule("torch")
F = LazyModule("torch.nn.functional")


# --- distributions: target P and prediction Q over K bins (rows sum to 1) ------------------

def _kl_naive(q, p, _):
    # The seed's formula. P = 0 in a bin gives 0 * log 0 = NaN; Q = 0 where P > 0 gives inf.
    return (p * torch.log(p / q)).sum(dim=-1).mean()


def _kl_log(log_q, p, _):
    # xlogy(P, P) is 0 where P = 0 (0 log 0 = 0), and so is the cross term P log Q there, even
    # when Q is 0 too (torch's kl_div gives NaN for that corner). Q arrives as log-probabilities.
    cross = torch.where(p > 0, p * log_q, torch.zeros_like(log_q))
    return (torch.special.xlogy(p, p) - cross).sum(dim=-1).mean()


register(Loss(
    name="kl",
    label=Text(en="KL divergence (naive)",
             ko='KL 발산 (단순식)'),
    task="distribution",
    input_kind="distribution",
    formula=r"\sum_k P_k \log\frac{P_k}{Q_k}",
    explanation=Text(en="How many extra nats it costs to code P with a code built for Q. Written this way, an empty bin "
        "in P gives 0·log 0 = NaN and an empty bin in Q gives inf.",
             ko='Q에 맞춘 부호로 P를 부호화할 때 추가로 드는 nat 수. 이렇게 쓰면 P의 빈 구간은 0·log 0 = NaN, Q의 빈 구간은 inf를 줍니다.'),
    fn=_kl_naive,
    reference=lambda q, p, _: F.kl_div(q.log(), p, reduction="batchmean"),
    stable_form="kl_log",
    nan_note=Text(en="an empty bin in P gives 0 · log 0 = NaN",
             ko='P의 빈 구간이 0 · log 0 = NaN 을 줍니다'),
    inf_note=Text(en="an empty bin in Q where P > 0 gives log(P/0) = ∞",
             ko='P > 0 인 곳에서 Q의 빈 구간이 log(P/0) = ∞ 를 줍니다'),
    explorer_note=(Text(en="With an empty bin in P the naive KL is NaN everywhere (0 · log 0); the stable form, with "
                       "0 log 0 = 0, draws the curve. Both rise to ∞ as Q₀ → 0 only where P₀ > 0.",
             ko='P에 빈 구간이 있으면 단순식 KL은 어디서나 NaN입니다 (0 · log 0). 0 log 0 = 0 으로 두는 안정형은 곡선을 그립니다. 둘 다 P₀ > 0 일 때만 Q₀ → 0 에서 ∞로 올라갑니다.')),
    unit="nats",
))
register(Loss(
    name="kl_log",
    label=Text(en="KL divergence (stable, log Q)",
             ko='KL 발산 (안정형, log Q)'),
    task="distribution",
    input_kind="log_distribution",
    formula=r"\sum_k \big[P_k\log P_k - P_k \log Q_k\big],\quad 0\log 0 = 0",
    explanation=Text(en="The same divergence taking log Q as input (as torch's kl_div does) and treating 0·log 0 as 0, "
        "so empty bins in P are fine.",
             ko='같은 발산을 log Q 입력으로 받고 (torch의 kl_div처럼) 0·log 0 을 0으로 취급하므로, P의 빈 구간도 문제없습니다.'),
    fn=_kl_log,
    reference=lambda lq, p, _: F.kl_div(lq, p, reduction="batchmean"),
    fused=True,
    unit="nats",
))


# --- divergences that behave differently as Q moves away from P ----------------------------

LOG2 = 0.6931471805599453


def _js(q, p, _):
    m = 0.5 * (p + q)
    # 0 log 0 = 0 through xlogy; where p > 0 or q > 0, m > 0, so no log 0 is ever taken.
    kl_pm = (torch.special.xlogy(p, p) - torch.special.xlogy(p, m)).sum(dim=-1)
    kl_qm = (torch.special.xlogy(q, q) - torch.special.xlogy(q, m)).sum(dim=-1)
    return (0.5 * kl_pm + 0.5 * kl_qm).mean()


def _js_reference(q, p, _):
    def entropy(d):
        return -torch.where(d > 0, d * torch.log(d.clamp(min=1e-300)), torch.zeros_like(d)).sum(-1)

    return (entropy(0.5 * (p + q)) - 0.5 * entropy(p) - 0.5 * entropy(q)).mean()


def _reverse_kl(q, p, _):
    return (torch.special.xlogy(q, q) - torch.special.xlogy(q, p)).sum(dim=-1).mean()


def _wasserstein(q, p, _):
    # Over ordered bins one unit apart: the earth mover's distance is Σ |CDF_P − CDF_Q|. The last
    # CDFs are both 1: that term is 0 up to rounding, whose sign would only add a noisy gradient.
    return (torch.cumsum(p - q, dim=-1)[..., :-1].abs().sum(dim=-1)).mean()


def _wasserstein_reference(q, p, _):
    # Move earth bin by bin from left to right, carrying the surplus: the same distance, computed
    # as a transport plan rather than from CDFs.
    total = torch.zeros(p.shape[:-1], dtype=p.dtype)
    carry = torch.zeros(p.shape[:-1], dtype=p.dtype)
    for k in range(p.shape[-1] - 1):
        carry = carry + p[..., k] - q[..., k]
        total = total + carry.abs()
    return total.mean()


register(Loss(
    name="js",
    label=Text(en="Jensen-Shannon", ko="옌센-섀넌"),
    task="distribution",
    input_kind="distribution",
    formula=r"\tfrac12 \mathrm{KL}(P\,\|\,M) + \tfrac12 \mathrm{KL}(Q\,\|\,M),\quad M = \tfrac12(P+Q)",
    explanation=Text(en="Symmetric and bounded by log 2: when Q has moved off P's support entirely it stops at "
                        "log 2 however far Q goes, so its gradient vanishes there.",
                     ko="대칭이고 log 2로 묶여 있습니다: Q가 P의 지지 집합을 완전히 벗어나면 얼마나 멀리 가든 log 2에 "
                        "멈추므로 그곳에서는 그래디언트가 사라집니다."),
    fn=_js,
    reference=_js_reference,
    unit="nats",
))
register(Loss(
    name="reverse_kl",
    label=Text(en="Reverse KL(Q‖P)", ko="역 KL(Q‖P)"),
    task="distribution",
    input_kind="distribution",
    formula=r"\sum_k Q_k \log\frac{Q_k}{P_k}",
    explanation=Text(en="KL the other way round: infinite wherever Q puts mass where P has none, so Q hides "
                        "inside one of P's bumps (mode-seeking), while KL(P‖Q) stretches Q over all of them.",
                     ko="반대 방향의 KL: P가 0인 곳에 Q가 질량을 두면 무한대이므로 Q는 P의 봉우리 하나 안에 "
                        "숨습니다(모드 추구). KL(P‖Q)는 Q를 모든 봉우리에 걸쳐 늘립니다."),
    fn=_reverse_kl,
    reference=lambda q, p, _: F.kl_div(p.log(), q, reduction="batchmean"),
    inf_note=Text(en="Q puts mass on a bin where P is 0: log(Q/0) = ∞", ko="P가 0인 구간에 Q가 질량을 둡니다: log(Q/0) = ∞"),
    unit="nats",
))
register(Loss(
    name="wasserstein",
    label=Text(en="Wasserstein-1 (earth mover's)", ko="바서슈타인-1 (흙 옮기기)"),
    task="distribution",
    input_kind="distribution",
    formula=r"\sum_k \Big|\sum_{j\le k} (P_j - Q_j)\Big|\cdot \Delta,\quad \Delta = 1\text{ bin}",
    explanation=Text(en="How much mass must move how far to turn Q into P: it keeps growing with the distance "
                        "even when the two no longer overlap, where KL is infinite and JS is stuck at log 2.",
                     ko="Q를 P로 바꾸려면 얼마만큼의 질량을 얼마나 멀리 옮겨야 하는지: 둘이 더는 겹치지 않아도 "
                        "거리에 따라 계속 커집니다. 그때 KL은 무한대, JS는 log 2에 멈춰 있습니다."),
    fn=_wasserstein,
    reference=_wasserstein_reference,
))
