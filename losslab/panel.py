"""What the side panel and the loss explorer show, as plain data: every loss of a task at a
chosen truth and prediction (value and gradient), and each loss swept over the prediction."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.func import grad, vmap

from .i18n import t
from .losses import INPUT_KINDS, LOSSES, Loss, losses_for

EPS = 1e-12


@dataclass(frozen=True)
class PanelRow:
    name: str
    label: str
    value: float
    grad: list          # d loss / d input, one entry per input number
    input_kind: str     # what the gradient is taken with respect to
    note: str = ""      # why a value is inf or NaN, in one sentence


def _note(loss: Loss, value: float) -> str:
    """Why a value is not finite, in one sentence: the loss's own note, then its stable sibling."""
    if math.isfinite(value):
        return ""
    kind = "NaN" if math.isnan(value) else "inf"
    why = loss.nan_note if kind == "NaN" else loss.inf_note
    if not why:
        return t("panel.not_finite", kind=kind)
    sibling = "; " + t("panel.stays_finite", label=LOSSES[loss.stable_form].label) if loss.stable_form else ""
    return f"{kind}: {why}{sibling}."


def _row(loss: Loss, pred, target, param=None) -> PanelRow:
    value, grad = loss.value_and_grad(pred, target, param)
    v = float(value)
    return PanelRow(loss.name, loss.label, v, [float(g) for g in grad.flatten()],
                    INPUT_KINDS[loss.input_kind], _note(loss, v))


def regression_rows(y: float, y_hat: float, params: dict | None = None) -> list[PanelRow]:
    params = params or {}
    return [_row(l, [y_hat], [y], params.get(l.name)) for l in losses_for("regression")]


def logit_of(p: float) -> float:
    p = min(max(p, 0.0), 1.0)
    if p in (0.0, 1.0):
        return math.copysign(1e3, p - 0.5)  # σ(±1000) rounds to exactly 1 or 0 in float64
    return math.log(p / (1 - p))


def binary_rows(label: int, p: float, params: dict | None = None) -> list[PanelRow]:
    """Every binary loss at one prediction: probability losses get p, logit losses get logit(p)."""
    params = params or {}
    z = logit_of(p)
    rows = []
    for l in losses_for("binary"):
        pred = [p] if l.input_kind == "probability" else [z]
        rows.append(_row(l, pred, [float(label)], params.get(l.name)))
    return rows


def softmax(logits) -> list[float]:
    return torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).tolist()


def multiclass_rows(true_class: int, logits, params: dict | None = None) -> list[PanelRow]:
    params = params or {}
    return [_row(l, [list(logits)], [true_class], params.get(l.name)) for l in losses_for("multiclass")]


def normalise(weights) -> list[float]:
    """Bin weights (any non-negative numbers) to a distribution; all zeros → uniform."""
    w = [max(0.0, float(x)) for x in weights]
    total = sum(w)
    return [x / total for x in w] if total > 0 else [1 / len(w)] * len(w)


def distribution_rows(p, q) -> list[PanelRow]:
    rows = []
    for l in losses_for("distribution"):
        pred = [list(q)] if l.input_kind == "distribution" else [[math.log(x) if x > 0 else -math.inf for x in q]]
        rows.append(_row(l, pred, [list(p)]))
    return rows


def information(p, q) -> dict:
    """Entropy H(P), cross-entropy H(P, Q) and both KL directions, in nats (0 log 0 = 0)."""
    tp, tq = torch.tensor(p, dtype=torch.float64), torch.tensor(q, dtype=torch.float64)

    def xent(a, b):  # -Σ a log b, with 0 log 0 = 0 and a > 0, b = 0 giving +inf
        return float(-torch.special.xlogy(a, b).sum())

    h_p, h_q = xent(tp, tp), xent(tq, tq)
    return {"H(P)": h_p, "H(P, Q)": xent(tp, tq), "KL(P‖Q)": xent(tp, tq) - h_p, "KL(Q‖P)": xent(tq, tp) - h_q}


# --- the explorer: each loss against the prediction ----------------------------------------

def sweep(task: str, names, target, grid, params: dict | None = None) -> dict:
    """{loss name: (xs, values, grads)} for a scalar prediction swept over `grid`.

    regression: ŷ over grid with truth y = target; binary: p over grid (logit losses get
    logit(p)) with label = target; multiclass: the true class's logit over grid with the
    other K−1 logits fixed at 0 (target = K); distribution: Q's first bin over grid, the
    target being P (a list). Gradients are taken w.r.t. each loss's own input (for
    distributions w.r.t. Q₀ itself, so both KL forms share one axis)."""
    params = params or {}
    xs = torch.tensor(list(grid), dtype=torch.float64)
    out = {}
    for name in names:
        loss = LOSSES[name]
        param = loss.resolve_param(params.get(name))
        if task == "distribution":
            values, grads = _sweep_distribution(loss, target, xs)
        else:
            values, grads = _per_point(loss, *_sweep_inputs(task, loss, target, xs), param)
            if task == "multiclass":
                grads = grads[:, 0]  # d loss / d (true class's logit)
        out[name] = (xs.tolist(), values.tolist(), grads.tolist())
    return out


def _sweep_inputs(task, loss, target, xs):
    """The loss's own inputs and targets for every grid point, one row per point."""
    if task == "regression":
        return xs, torch.full_like(xs, float(target))
    if task == "binary":
        pred = xs if loss.input_kind == "probability" else torch.tensor([logit_of(float(x)) for x in xs])
        return pred.to(torch.float64), torch.full_like(xs, float(target))
    pred = torch.zeros((len(xs), int(target)), dtype=torch.float64)
    pred[:, 0] = xs
    return pred, torch.zeros(len(xs), dtype=torch.long)


def _per_point(loss, preds, targets, param):
    """Each point's own loss and gradient in one vectorised call (a batch of one per point)."""
    def one(pred, target):
        return loss.fn(pred.unsqueeze(0), target.unsqueeze(0), param)

    return vmap(one)(preds, targets), vmap(grad(one))(preds, targets)


def _sweep_distribution(loss, p, xs):
    """Q's first bin swept over xs, its other bins keeping P's proportions."""
    tp = torch.tensor([p], dtype=torch.float64)
    rest = tp[0, 1:]
    rest = rest / rest.sum() if float(rest.sum()) > 0 else torch.full_like(rest, 1 / len(rest))

    def at(x):
        q = torch.cat([x.reshape(1), (1 - x) * rest]).unsqueeze(0)
        return loss.fn(q if loss.input_kind == "distribution" else torch.log(q), tp, None)

    return vmap(at)(xs), vmap(grad(at))(xs)


def outlier_gradients(residuals, big: float, params: dict | None = None) -> list[dict]:
    """How each regression loss's gradient on one point grows when its residual becomes `big`:
    [{loss, label, grad_typical, grad_outlier, ratio}], sorted by how much the outlier pulls."""
    params = params or {}
    typical = float(abs(torch.tensor(residuals, dtype=torch.float64)).median())
    rows = []
    for l in losses_for("regression"):
        _, g_small = l.value_and_grad([typical], [0.0], params.get(l.name))
        _, g_big = l.value_and_grad([big], [0.0], params.get(l.name))
        gs, gb = abs(float(g_small[0])), abs(float(g_big[0]))
        rows.append({"loss": l.name, "label": l.label, "grad_typical": gs, "grad_outlier": gb,
                     "ratio": gb / gs if gs > EPS else float("inf")})
    return sorted(rows, key=lambda r: r["ratio"], reverse=True)


def move_away(bins: int = 10, width: int = 2) -> dict:
    """Q is P (`width` equal bins at the left) shifted right by 0, 1, ... bins: every
    distribution loss at each shift, {name: (shifts, values)} (inf where Q left P's support)."""
    p = [1 / width if k < width else 0.0 for k in range(bins)]
    shifts = list(range(bins - width + 1))
    out = {l.name: (shifts, []) for l in losses_for("distribution")}
    for s in shifts:
        q = [1 / width if s <= k < s + width else 0.0 for k in range(bins)]
        for row in distribution_rows(p, q):
            out[row.name][1].append(row.value)
    return out


# Barron's family at its named shapes (α = −10 stands in for Welsch's α → −∞ limit).
BARRON_CASES = (2.0, 1.0, 0.0, -2.0, -10.0)


def barron_family(alpha: float, reach: float = 6.0, points: int = 241) -> dict:
    """{α: (residuals, values, gradients)} for the chosen α and each named shape, the residual in
    units of the scale c (c = 1): how far points pull as α falls."""
    grid = [(-reach + 2 * reach * i / (points - 1)) for i in range(points)]
    out = {}
    for a in (alpha, *[c for c in BARRON_CASES if c != alpha]):
        out[a] = sweep("regression", ("barron",), 0.0, grid, {"barron": a})["barron"]
    return out
