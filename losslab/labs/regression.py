"""The regression lab: a line fitted to (x, y) points (the seed's heights and weights, synthetic
or uploaded, with noise, outliers and the height scale), its exact answers, its part of the one
training loop and its line snapshots. Deterministic: the same config always gives the same tensors."""

from __future__ import annotations

import functools

from .. import edits as point_edits
from ..lazy import LazyModule, no_grad
from ..config import RegressionConfig
from ..models import build_model
from . import Lab, register

# torch on first use: the registry (names, pages, lessons) is read by torch-free modules
torch = LazyModule("torch")
datasets = LazyModule("losslab.datasets")
minima = LazyModule("losslab.minima")


def regression_data(config: RegressionConfig):
    """The (x, y) points a regression config describes, in their own units (cm, kg), shape (n, 1) each:
    the generated points with the student's edits (removed ones gone, added ones at the end)."""
    x, y = generated_data(config)
    if not config.edits:
        return x, y
    found = point_edits.parse(config.edits)
    keep = [i for i in range(len(x)) if i not in set(found.removed)]
    added = torch.tensor(found.added, dtype=x.dtype).reshape(-1, 2)
    return torch.cat([x[keep], added[:, :1]]), torch.cat([y[keep], added[:, 1:]])


def generated_data(config: RegressionConfig):
    """The points the data, noise and outlier fields produce, before any edit (numbered 1.. by `edits`)."""
    if config.data == "custom":
        pts = torch.tensor(config.points, dtype=torch.float32)
        x, y = pts[:, :1], pts[:, 1:]
    elif config.data == "synthetic":
        x, y = datasets.synthetic_line(config.n_points, 0.75, -64.4, 3.0, config.seed)
    else:
        x, y = datasets.seed_points()
    return datasets.with_noise_and_outliers(x, y, config.noise, config.outliers, config.outlier_offset, config.seed)


def standardiser(config: RegressionConfig) -> tuple[float, float]:
    """(mean, sd) the model's input is standardised with: z = (x − mean) / sd; (0, 1) on raw heights.
    Population sd: mean z² = 1, so MSE's Hessian in (w, b) is 2·I and κ = 1."""
    if config.x_scale != "standardised":
        return 0.0, 1.0
    x, _ = regression_data(config)
    return float(x.mean()), float(x.std(unbiased=False)) or 1.0


def training_inputs(config: RegressionConfig):
    """What the model trains on: (z or x, y), shape (n, 1) each."""
    x, y = regression_data(config)
    mean, sd = standardiser(config)
    return ((x - mean) / sd if config.x_scale == "standardised" else x), y


@functools.lru_cache(maxsize=256)
def exact_line(config: RegressionConfig):
    """The loss's own best line on the run's points (minima.line: exact where an exact answer exists)."""
    x, y = regression_data(config)
    loss = config.loss_fn
    return minima.line(loss, loss.resolve_param(config.loss_param), x, y)


def regression_gap(config: RegressionConfig, loss: float, slope: float, intercept: float) -> dict:
    """How far a line is from its loss's own minimum: the relative excess loss and the largest
    distance between the two lines over the data's x range (in y's unit), with the minimum itself."""
    best = exact_line(config)
    x, _ = regression_data(config)
    lo, hi = float(x.min()), float(x.max())
    distance = max(abs((slope - best.theta[0]) * v + intercept - best.theta[1]) for v in (lo, hi))
    return {"final/gap": minima.gap(loss, best.loss), "final/line_distance": distance, "minimum/loss": best.loss,
            "minimum/slope": best.theta[0], "minimum/intercept": best.theta[1]}


def regression_points(config: RegressionConfig) -> tuple[list[float], list[float], int]:
    """The run's data as plain lists (x, y) and how many of them (the first ones) are neither injected
    outliers nor added by hand: those are drawn apart."""
    x, y = regression_data(config)
    generated = len(generated_data(config)[0]) if config.edits else len(x)
    n_data = generated - config.outliers
    if config.edits:
        n_data -= sum(1 for i in point_edits.parse(config.edits).removed if i < n_data)
    return x.flatten().tolist(), y.flatten().tolist(), n_data


def initial_line(config: RegressionConfig) -> tuple[float, float]:
    """(slope, intercept) in cm the run will start from: the seed fixes the weights, whatever the loss
    (or the MAE line, when the config starts there)."""
    if config.init == "l1_line":
        return exact_line(config.replace(loss="mae", loss_param=None)).theta
    w, b = _initial_line(config.seed, config.model)
    mean, sd = standardiser(config)
    return w / sd, b - w * mean / sd


@functools.lru_cache(maxsize=1024)
def _initial_line(seed: int, model: str) -> tuple[float, float]:
    # Once per seed in a server: every preview asked for it, and torch.manual_seed (in
    # build_model) also records a traceback for CUDA's lazy seeding, file stats and all.
    with torch.random.fork_rng():  # build_model seeds torch; the calling process's RNG stays as it was
        return line_params(build_model(RegressionConfig(seed=seed, model=model)))


MAX_RESIDUALS = 2_000  # enough points to draw; an uploaded CSV can hold 10,000


def line_params(model, scale: tuple[float, float] = (0.0, 1.0)) -> tuple[float, float]:
    """The model's line in the data's own units: a model trained on z = (x − mean) / sd has
    ŷ = w·z + b = (w / sd)·x + (b − w·mean / sd). scale = (mean, sd); (0, 1) for raw x."""
    w, b = float(model.weight.detach().flatten()[0]), float(model.bias.detach().flatten()[0])
    mean, sd = scale
    return w / sd, b - w * mean / sd


@no_grad
def line_snapshot(model, x, y, scale: tuple[float, float] = (0.0, 1.0)) -> dict:
    """The fitted line (in the data's units) and the residuals, JSON-ready."""
    slope, intercept = line_params(model, scale)
    residuals = (y - model(x)).flatten()[:MAX_RESIDUALS]
    return {"slope": slope, "intercept": intercept, "residuals": [round(float(r), 5) for r in residuals]}


class RegressionTrainer:
    """Full batch: one step per epoch. Metric rows every `eval_every` steps, ~200 line snapshots."""

    def __init__(self, config: RegressionConfig):
        self.config = config
        self.x, self.y = training_inputs(config)
        self.scale = standardiser(config)  # (mean, sd) of the heights: lines are reported in cm
        self.loss_fn, self.param = config.loss_fn, config.loss_fn.resolve_param(config.loss_param)
        self.total_steps = config.epochs
        self.snap_every = max(1, config.epochs // 200)  # about 200 snapshots whatever the length
        self.final: dict = {}

    def begin(self, model, reporter):
        if self.config.init == "l1_line":  # start on the MAE line, in the coordinates the model sees
            mean, sd = self.scale
            slope, intercept = exact_line(self.config.replace(loss="mae", loss_param=None)).theta
            with torch.no_grad():
                model.weight.fill_(slope * sd)
                model.bias.fill_(intercept + slope * mean)
        reporter.snapshot(0, "line", line_snapshot(model, self.x, self.y, self.scale))

    def batches(self, epoch):
        yield self.x, self.y

    def after_step(self, model, step, epoch, value, pred, y, reporter):
        if step % self.config.eval_every == 0 or step == self.config.epochs:
            self.rows(range(step, step + 1), {"loss": [value], "mse": [torch.mean((pred.detach() - y) ** 2).item()]},
                      reporter)
        if self.next_event(step - 1) == step:
            self.event(model, step, epoch, reporter)

    # What after_step records, in the parts a batch of runs (losslab/batched.py) calls: the values
    # every run of a batch computes at once, the rows each keeps, and its snapshots.
    def batch_data(self):
        return self.x, self.y

    @staticmethod
    def batch_metrics(pred, y) -> dict:
        """Per run of a batch (pred, y: (runs, n, 1)): the shared yardstick, MSE."""
        return {"mse": ((pred - y) ** 2).mean(dim=(1, 2))}

    def rows(self, steps: range, values: dict, reporter) -> None:
        """The metric rows of `steps` (one step per epoch): every `eval_every` steps and the last."""
        every, last = self.config.eval_every, self.config.epochs
        loss, mse = values["loss"], values["mse"]
        if every > 1:
            kept = [i for i, step in enumerate(steps) if step % every == 0 or step == last]
            steps, loss, mse = [steps[i] for i in kept], [loss[i] for i in kept], [mse[i] for i in kept]
        if len(steps):
            reporter.metric_rows(steps, steps, "train", "loss", loss)
            reporter.metric_rows(steps, steps, "train", "mse", mse)
            self.final.update({"train/loss": loss[-1], "train/mse": mse[-1]})

    def next_event(self, step: int) -> int:
        """The next step after `step` with a line snapshot (~200 in a run, and the last)."""
        return min((step // self.snap_every + 1) * self.snap_every, self.config.epochs)

    def event(self, model, step, epoch, reporter):
        reporter.snapshot(step, "line", line_snapshot(model, self.x, self.y, self.scale))

    def end_epoch(self, model, step, epoch, reporter):
        pass

    def end(self, model, step, epoch, status, reporter):
        with torch.no_grad():
            pred = model(self.x)
            self.final["final/loss"] = self.loss_fn.fn(pred, self.y, self.param).item()
            self.final["final/mse"] = torch.mean((pred - self.y) ** 2).item()
        self.final["slope"], self.final["intercept"] = line_params(model, self.scale)
        self.final.update(regression_gap(self.config, self.final["final/loss"], self.final["slope"],
                                         self.final["intercept"]))
        if status == "stopped":
            reporter.snapshot(step, "line", line_snapshot(model, self.x, self.y, self.scale))


def _batch(config: RegressionConfig):
    """Runs that can share a program: the same model and optimizer (slow motion trains alone)."""
    return None if config.speed else ("regression", config.model, config.optimizer)


def _result(final: dict):
    mse = final.get("final/mse")
    return ("table.mse_result", {"mse": mse}) if mse is not None else None  # the UI formats the number


register(Lab("regression", RegressionConfig, RegressionTrainer, "📈", "losslab.ui.regression", order=10,
             curve=("train/mse", True, "lesson.curve_mse"), gallery="lines", result=_result, export="regression",
             batch=_batch))
