"""What the side panel and the loss explorer show, as plain data: every loss of a task at a
chosen truth and prediction (value and gradient), and each loss swept over the prediction."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

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

    @property
    def grad_norm(self) -> float:
        finite = [g for g in self.grad if not math.isnan(g)]
        return math.sqrt(sum(g * g for g in finite)) if finite else float("nan")


def _note(loss: Loss, value: float) -> str:
    if math.isfinite(value):
        return ""
    kind = "NaN" if math.isnan(value) else "inf"
    if loss.name == "bce":
        return (f"{kind}: the naive formula takes log 0 at p = 0 or 1 "
                f"({'0 · log 0 = NaN' if kind == 'NaN' else '−log 0 = ∞'}); BCE with logits stays finite.")
    if loss.name == "kl":
        return (f"{kind}: " + ("an empty bin in P gives 0 · log 0 = NaN" if kind == "NaN"
                               else "an empty bin in Q where P > 0 gives log(P/0) = ∞")
                + "; the stable form treats 0 log 0 as 0.")
    return f"{kind}: the loss is not finite at this input."


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
    target being P (a list)."""
    params = params or {}
    if task == "distribution":
        return {name: _sweep_distribution(LOSSES[name], target, grid) for name in names}
    out = {}
    for name in names:
        loss = LOSSES[name]
        param = params.get(name)
        xs = torch.tensor(list(grid), dtype=torch.float64)
        if task == "regression":
            pred, t = xs, torch.full_like(xs, float(target))
        elif task == "binary":
            pred = xs if loss.input_kind == "probability" else torch.tensor([logit_of(float(x)) for x in xs])
            t = torch.full_like(xs, float(target))
        else:
            k = int(target)
            pred = torch.zeros((len(xs), k), dtype=torch.float64)
            pred[:, 0] = xs
            t = torch.zeros(len(xs), dtype=torch.long)
        # Elementwise: the mean over n independent points, times n, is each point's own loss.
        pred = pred.clone().requires_grad_(True)
        values = loss.fn(pred, t, loss.resolve_param(param)) * len(xs)
        (grad,) = torch.autograd.grad(values, pred)
        g = grad[:, 0] if task == "multiclass" else grad
        per_point = _per_point(loss, pred.detach(), t, param)
        out[name] = (xs.tolist(), per_point, g.tolist())
    return out


def _sweep_distribution(loss, p, grid):
    """Q's first bin swept over `grid`, its other bins keeping P's proportions; the gradient is
    d loss / d Q₀ (through log Q for the stable form), so both forms share one axis."""
    tp = torch.tensor([p], dtype=torch.float64)
    rest = tp[0, 1:]
    rest = rest / rest.sum() if float(rest.sum()) > 0 else torch.full_like(rest, 1 / len(rest))
    xs, values, grads = [], [], []
    for x in grid:
        xt = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
        q = torch.cat([xt.reshape(1), (1 - xt) * rest]).unsqueeze(0)
        value = loss.fn(q if loss.input_kind == "distribution" else torch.log(q), tp, None)
        (g,) = torch.autograd.grad(value, xt)
        xs.append(float(x))
        values.append(float(value.detach()))
        grads.append(float(g))
    return xs, values, grads


def _per_point(loss, pred, t, param):
    return [float(loss.fn(pred[i:i + 1], t[i:i + 1], loss.resolve_param(param))) for i in range(len(pred))]


def outlier_gradients(residuals, big: float, params: dict | None = None) -> list[dict]:
    """How each regression loss's gradient on one point grows when its residual becomes `big`:
    [{loss, label, grad_normal, grad_outlier, ratio}], sorted by how much the outlier pulls."""
    params = params or {}
    rows = []
    for l in losses_for("regression"):
        typical = float(abs(torch.tensor(residuals, dtype=torch.float64)).median())
        _, g_small = l.value_and_grad([typical], [0.0], params.get(l.name))
        _, g_big = l.value_and_grad([big], [0.0], params.get(l.name))
        gs, gb = abs(float(g_small[0])), abs(float(g_big[0]))
        rows.append({"loss": l.name, "label": l.label, "grad_typical": gs, "grad_outlier": gb,
                     "ratio": gb / gs if gs > EPS else float("inf")})
    return sorted(rows, key=lambda r: r["ratio"], reverse=True)
