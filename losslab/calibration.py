"""Calibration of a classifier's probabilities: the reliability diagram (15 equal-width
confidence bins), expected calibration error, NLL and Brier score, and temperature scaling
(one T > 0 dividing the logits, fitted on held-out images by minimising their NLL).

Hinge and MSE-trained models are read through softmax like the others; the page says so."""

from __future__ import annotations

import math

from .lazy import LazyModule

torch = LazyModule("torch")

BINS = 15
T_RANGE = (0.05, 20.0)


def reliability(logits, labels, temperature: float = 1.0, bins: int = BINS) -> dict:
    """{"ece", "nll", "brier", "accuracy", "bins": [{"low", "high", "count", "confidence", "accuracy"}]}."""
    logp = torch.log_softmax(logits.double() / temperature, dim=1)
    probs = logp.exp()
    confidence, predicted = probs.max(dim=1)
    correct = (predicted == labels).double()
    n = len(labels)
    edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64)
    # Bin b holds confidences in (edge_b, edge_b+1]; the first bin also takes exactly 0.
    which = torch.clamp(torch.bucketize(confidence, edges, right=False) - 1, 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        count = int(mask.sum())
        conf = float(confidence[mask].mean()) if count else None
        acc = float(correct[mask].mean()) if count else None
        if count:
            ece += count / n * abs(acc - conf)
        rows.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": count, "confidence": conf,
                     "accuracy": acc})
    onehot = torch.zeros_like(probs).scatter(1, labels.unsqueeze(1), 1.0)
    return {"ece": ece, "nll": float(-logp.gather(1, labels.unsqueeze(1)).mean()),
            "brier": float(((probs - onehot) ** 2).sum(dim=1).mean()), "accuracy": float(correct.mean()),
            "bins": rows}


def nll(logits, labels, temperature: float) -> float:
    return float(torch.nn.functional.cross_entropy(logits.double() / temperature, labels))


def fit_temperature(logits, labels, iterations: int = 60) -> float:
    """The T that minimises the NLL of softmax(logits / T): golden-section search on log T
    (the NLL is convex in 1/T, so one minimum); T = 1 is kept when nothing beats it."""
    lo, hi = math.log(T_RANGE[0]), math.log(T_RANGE[1])
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(logits, labels, math.exp(a)), nll(logits, labels, math.exp(b))
    for _ in range(iterations):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(logits, labels, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(logits, labels, math.exp(b))
    best = math.exp((lo + hi) / 2)
    return best if nll(logits, labels, best) <= nll(logits, labels, 1.0) else 1.0
