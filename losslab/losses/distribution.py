"""Divergences between a target distribution P and a predicted Q over K bins (rows sum to 1)."""

from __future__ import annotations

from ..lazy import LazyModule

torch = LazyModule("torch")
F = LazyModule("torch.nn.functional")

from . import Loss, register


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
    "kl", "KL divergence (naive)", "distribution", "distribution",
    r"\sum_k P_k \log\frac{P_k}{Q_k}",
    "How many extra nats it costs to code P with a code built for Q. Written this way, an empty bin "
    "in P gives 0·log 0 = NaN and an empty bin in Q gives inf.",
    _kl_naive, lambda q, p, _: F.kl_div(q.log(), p, reduction="batchmean"), stable_form="kl_log"))
register(Loss(
    "kl_log", "KL divergence (stable, log Q)", "distribution", "log_distribution",
    r"\sum_k \big[P_k\log P_k - P_k \log Q_k\big],\quad 0\log 0 = 0",
    "The same divergence taking log Q as input (as torch's kl_div does) and treating 0·log 0 as 0, "
    "so empty bins in P are fine.",
    _kl_log, lambda lq, p, _: F.kl_div(lq, p, reduction="batchmean"), fused=True))
