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
