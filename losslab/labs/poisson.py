"""The Poisson lab: counts (calls an hour, cells in a square) whose rate grows with x, fitted by a
log-rate line, log λ = w·x + b. Poisson's negative log-likelihood is the loss the counts' own
distribution asks for (convex in w and b: its exact minimum is found by Newton); MSE on the counts
weighs a big count's error as much as its square, so the few large counts steer the fit.

The whole lab is this module (its config, data, model, losses, part of the loop and declaration)
plus its strings and its page file: a small lab written the way any new lab is."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar, Optional

from .. import models
from ..config.base import _Config, _loss, _loss_param, _lr, _momentum, _optimizer, _schedule, _seed, _speed
from ..fields import declare, validate
from ..i18n import Text
from ..lazy import LazyModule
from ..losses import Loss, register as register_loss
from . import Lab, register

# torch on first use: the registry (names, pages, lessons) is read by torch-free modules
torch = LazyModule("torch")
minima = LazyModule("losslab.minima")

F = LazyModule("torch.nn.functional")
TRUE_INTERCEPT = 0.5  # log λ at x = 0: about 1.6 events; x runs over [0, 1]


def _poisson_nll(z, y, _):
    return (torch.exp(z) - y * z + torch.lgamma(y + 1)).mean()  # − log P(y | λ = e^z): ≥ 0, so a gap is relative


def _mse_counts(z, y, _):
    return ((torch.exp(z) - y) ** 2).mean()


register_loss(Loss(
    name="poisson_nll", label=Text(en="Poisson NLL", ko="포아송 NLL (음의 로그우도)"), task="count", input_kind="logit",
    formula=r"\frac{1}{n}\sum_i \left(e^{z_i} - y_i z_i + \log y_i!\right)",
    explanation=Text(en="The counts' own likelihood: an error on a large count costs about as much as its "
                        "natural spread (√λ) allows, so no single big count steers the line.",
                     ko="횟수 자료 자신의 우도입니다. 큰 횟수의 오차도 그 자연스러운 흩어짐(√λ)만큼만 벌을 받으므로, "
                        "큰 값 하나가 직선을 끌고 가지 못합니다."),
    fn=_poisson_nll, reference=lambda z, y, _: F.poisson_nll_loss(z, y, log_input=True) + torch.lgamma(y + 1).mean(),
    fused=True, convex=True, unit="nats"), explorer=False)
register_loss(Loss(
    name="mse_counts", label=Text(en="MSE on the counts", ko="횟수의 MSE"), task="count", input_kind="logit",
    formula=r"\frac{1}{n}\sum_i \left(e^{z_i} - y_i\right)^2",
    explanation=Text(en="Squares the error in counts: a large count, which varies more by nature, pulls hardest.",
                     ko="횟수의 오차를 제곱합니다. 원래 더 크게 흩어지는 큰 횟수가 가장 세게 당깁니다."),
    fn=_mse_counts, reference=lambda z, y, _: F.mse_loss(torch.exp(z), y)), explorer=False)
models.MODELS["log_linear"] = lambda cfg: models.nn.Linear(1, 1)


@dataclass(frozen=True)
class PoissonConfig(_Config):
    """Counts whose log-rate is a line in x: Poisson NLL or MSE on the counts, Adam, 1,000 full-batch steps."""

    task: ClassVar[str] = "poisson"
    n_points: int = declare(100, int, low=5, high=2000, widget="slider")
    rate_slope: float = declare(2.5, float, low=-3.0, high=4.0)  # the true log λ rises by this over x ∈ [0, 1]
    model: str = declare("log_linear", str, widget="none", choices=lambda: ("log_linear",))
    loss: str = _loss("count", "poisson_nll")
    loss_param: Optional[float] = _loss_param()
    optimizer: str = _optimizer("adam")
    lr: float = _lr(0.05)
    momentum: float = _momentum()
    schedule: str = _schedule()
    epochs: int = declare(1000, int, low=1, high=20_000)  # full batch: one step per epoch
    seed: int = _seed()
    speed: float = _speed()

    def __post_init__(self):
        validate(self)
        self._check_loss()


def counts(config: PoissonConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """x uniform on [0, 1] and y ~ Poisson(exp(0.5 + rate_slope·x)), seeded; shape (n, 1) each."""
    g = torch.Generator().manual_seed(config.seed)
    x = torch.rand(config.n_points, 1, generator=g)
    return x, torch.poisson(torch.exp(TRUE_INTERCEPT + config.rate_slope * x), generator=g)


@functools.lru_cache(maxsize=64)
def exact_minimum(config: PoissonConfig) -> Optional[minima.Minimum]:
    """The loss's own best (w, b) where it is convex (Poisson NLL); None for MSE on the counts."""
    loss = config.loss_fn
    if not loss.is_convex(config.loss_param):
        return None
    x, y = counts(config)
    return minima.minimise(loss, None, torch.cat([x, torch.ones_like(x)], dim=1).double(), y)


class PoissonTrainer:
    """Full batch, one step per epoch; the loss, and the Poisson NLL as one yardstick for every loss."""

    def __init__(self, config: PoissonConfig):
        self.config = config
        self.x, self.y = counts(config)
        self.total_steps = config.epochs
        self.every = max(1, config.epochs // 200)
        self.final: dict = {}

    def begin(self, model, reporter):
        pass

    def batches(self, epoch):
        yield self.x, self.y

    def after_step(self, model, step, epoch, value, pred, y, reporter):
        if step % self.every == 0 or step == self.total_steps:
            reporter.metric(step, epoch, "train", "loss", value)
            nll = float(_poisson_nll(pred.detach(), y, None))
            reporter.metric(step, epoch, "train", "nll", nll)
            self.final.update({"train/loss": value, "train/nll": nll})

    def end_epoch(self, model, step, epoch, reporter):
        pass

    def end(self, model, step, epoch, status, reporter):
        with torch.no_grad():
            z = model(self.x)
            self.final["slope"], self.final["intercept"] = model.weight.item(), model.bias.item()
        self.final["final/loss"] = float(self.config.loss_fn.fn(z, self.y, None))
        self.final["final/nll"] = float(_poisson_nll(z, self.y, None))
        best = exact_minimum(self.config)
        if best is not None:
            self.final["minimum/loss"] = best.loss
            self.final["final/gap"] = minima.gap(self.final["final/loss"], best.loss)


def _result(final: dict):
    nll = final.get("final/nll")
    return ("table.nll_result", {"nll": nll}) if nll is not None else None


register(Lab("poisson", PoissonConfig, PoissonTrainer, "🔔", "losslab.ui.lab_view", order=40,
             curve=("train/nll", True, "poisson.curve"), result=_result, export="poisson",
             columns=(("final/loss", "table.final_loss", "number"), ("final/nll", "poisson.col_nll", "number"),
                      ("minimum/loss", "table.own_minimum", "number"), ("final/gap", "table.gap", "gap"),
                      ("slope", "poisson.col_slope", "number"), ("intercept", "poisson.col_intercept", "number"))))
