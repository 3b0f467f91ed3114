"""The loss registry: every loss written from scratch, with its formula, an explanation,
its torch counterpart (for the tests) and its gradient with respect to the prediction.

Adding a loss is one function plus one `register(...)` call in the module of its task
(regression.py, robust.py, classification.py, noisy.py, distribution.py); pages, the side panel, configs and the
CLI all read `LOSSES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ..i18n import Text, readable
from ..lazy import LazyModule

torch = LazyModule("torch")  # read the registry without torch; computing a loss imports it

TASKS = ("regression", "binary", "multiclass", "distribution")  # the explorer's and the side panel's views

# What the prediction tensor means for each kind of loss, shown next to gradients.
INPUT_KINDS = {
    "value": Text("ŷ", "ŷ"),
    "probability": Text("p", "p"),
    "logit": Text("z (logit)", "z (로짓)"),
    "logits": Text("z (logits)", "z (로짓들)"),
    "distribution": Text("Q", "Q"),
    "log_distribution": Text("log Q", "log Q"),
}


@dataclass(frozen=True)
class Param:
    """The one tunable number a loss may have (Huber's δ, focal's γ, ...)."""

    name: str
    default: float
    low: float
    high: float
    help: Text

    @property
    def symbol(self) -> str:
        """How the course writes it: τ, not tau."""
        return GREEK.get(self.name, self.name)


# label smoothing is ε in the literature (Szegedy et al. 2016); never shown as its Python name
GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "tau": "τ", "label_smoothing": "ε"}


def run_name(loss: "Loss", param: Optional[float]) -> str:
    """A run's loss as a legend names it: "Quantile / pinball (τ) · τ = 0.9" when it has a parameter
    (runs of one loss with different parameters are told apart)."""
    if loss.param is None:
        return str(loss.label)
    return f"{loss.label} · {loss.param.symbol} = {readable(loss.resolve_param(param))}"


def mean(each: Callable) -> Callable:
    """A loss that is the mean of a per-point term: fn(p, y, param) = each(p, y, param).mean().
    The term itself (`Loss.each`) gives each run of a batch its own mean in one call
    (losslab.batched), where a mean-only function would need one call per run."""
    def fn(p, y, param):
        return each(p, y, param).mean()

    fn.each = each
    fn.__name__ = fn.__qualname__ = each.__name__
    fn.__doc__ = each.__doc__
    return fn


@dataclass(frozen=True)
class Loss:
    """One registry entry. `fn(pred, target, param)` returns the batch mean as a 0-d tensor."""

    name: str
    label: Text          # both languages: str(label) is the visitor's
    task: str
    input_kind: str
    formula: str         # LaTeX, the same in every language
    explanation: Text
    fn: Callable[[torch.Tensor, torch.Tensor, Optional[float]], torch.Tensor]
    reference: Callable[[torch.Tensor, torch.Tensor, Optional[float]], torch.Tensor]
    param: Optional[Param] = None
    # The naive forms break at p = 0/1 or empty bins; they name their stable sibling.
    stable_form: Optional[str] = None
    # True when `reference` is torch's own fused kernel for the same formula (tests prove they
    # agree): training then uses it, ~18 % faster per MNIST step than the from-scratch form.
    fused: bool = False
    # The loss's unit: "{y}²" for MSE (kg² on kg), "nats" for cross-entropy; "" = none.
    unit: str = ""
    # Why the value is NaN or inf when it is (naive forms); the panel adds the stable sibling.
    nan_note: Text | str = ""
    inf_note: Text | str = ""
    # A sentence under the explorer's chart when this loss is drawn.
    explorer_note: Text | str = ""
    # What its exact minimum over a linear model is (losslab.minima): a closed form (MSE); a linear
    # programme, for a piecewise-linear loss: `kinks(target, param)` gives the predictions where
    # each point's loss bends, shape (n, K); else convex (Newton) or not (a global search).
    closed_form: bool = False
    kinks: Optional[Callable] = None
    convex: bool | Callable[[Optional[float]], bool] = False

    @property
    def each(self) -> Optional[Callable]:
        """The per-point term when the loss is its mean (see `mean`), else None."""
        return getattr(self.fn, "each", None)

    @property
    def train_fn(self):
        return self.reference if self.fused else self.fn

    def resolve_param(self, value: Optional[float]) -> Optional[float]:
        if self.param is None:
            return None
        return self.param.default if value is None else float(value)

    def is_convex(self, param: Optional[float] = None) -> bool:
        """Convex in the prediction (so in a linear model's weights) at this parameter."""
        if callable(self.convex):
            return bool(self.convex(self.resolve_param(param)))
        return self.convex or self.closed_form or self.kinks is not None

    def __call__(self, pred, target, param: Optional[float] = None) -> torch.Tensor:
        return self.fn(pred, target, self.resolve_param(param))

    def value_and_grad(self, pred, target, param: Optional[float] = None):
        """Loss value and d(loss)/d(pred), both as float64 tensors (autograd through `fn`)."""
        p = torch.as_tensor(pred, dtype=torch.float64).detach().clone().requires_grad_(True)
        t = torch.as_tensor(target, dtype=torch.float64 if target_is_float(self) else torch.long)
        value = self.fn(p, t, self.resolve_param(param))
        (grad,) = torch.autograd.grad(value, p, allow_unused=True)
        if grad is None:
            grad = torch.zeros_like(p)
        return value.detach(), grad.detach()


def unit_of(loss: Loss, target_unit: str) -> str:
    """"kg²" for MSE on kg, "kg" for MAE, "nats" for cross-entropy; "" when there is none."""
    if "{y}" in loss.unit and not target_unit:
        return ""
    return loss.unit.format(y=target_unit)


def target_is_float(loss: Loss) -> bool:
    """Multiclass targets are class indices; every other target is a float tensor."""
    return loss.task != "multiclass"


LOSSES: dict[str, Loss] = {}


def register(loss: Loss, explorer: bool = True) -> Loss:
    """explorer=False: a lab's own loss (its task has no view in the explorer or the side panel)."""
    if explorer and loss.task not in TASKS:
        raise ValueError(f"unknown task {loss.task!r}")
    LOSSES[loss.name] = loss
    return loss


def losses_for(task: str) -> list[Loss]:
    """Registry entries that fit a task, in registration order."""
    return [loss for loss in LOSSES.values() if loss.task == task]


# The task modules register their losses on import; order here is the order pages list them.
from . import regression, robust, classification, noisy, distribution  # noqa: E402,F401
