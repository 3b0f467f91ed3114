"""train(config, reporter, should_stop): the one training loop for every task.

It never prints and never touches a UI: it reports metric rows and snapshots through the
reporter and polls `should_stop` once per step. CLI, workers, tests and benchmarks call it."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch

from . import calibration, resume, snapshots
from .binary_lab import BinaryLab
from .lab_data import (HELD_OUT, MEMO_SAMPLE, MnistData, initial_line, mnist_data,  # noqa: F401 (the labs' data)
                       exact_line, regression_data, regression_gap, regression_points, standardiser,
                       training_inputs)
from .config import BinaryConfig, MnistConfig, RegressionConfig
from .models import build_model, build_optimizer


class Reporter:
    """Receives what a run produces. Subclasses store it (SQLite, a list, a progress bar)."""

    def metric(self, step: int, epoch: int, split: str, name: str, value: float) -> None:
        pass

    def snapshot(self, step: int, kind: str, payload: dict) -> None:
        pass

    def progress(self, step: int, total_steps: int) -> None:
        pass

    def checkpoint(self, step: int, weights: bytes) -> None:
        """Every parameter of the model at `step`, flattened, as float16 bytes (for its landscape slice)."""

    def wants_resume(self, step: int, total_steps: int) -> bool:
        """Whether to save resume state now (a store does, every ~2 s; in memory there is no restart)."""
        return False

    def save_resume(self, step: int, state: bytes) -> None:
        pass


class ListReporter(Reporter):
    """Keeps everything in memory: for tests, the CLI and benchmarks."""

    def __init__(self):
        self.rows: list[tuple] = []
        self.snapshots: list[tuple] = []
        self.checkpoints: list[tuple[int, bytes]] = []

    def checkpoint(self, step, weights):
        self.checkpoints.append((step, weights))

    def metric(self, step, epoch, split, name, value):
        self.rows.append((step, epoch, split, name, value))

    def snapshot(self, step, kind, payload):
        self.snapshots.append((step, kind, payload))

    def series(self, split: str, name: str) -> list[tuple[int, float]]:
        return [(r[0], r[4]) for r in self.rows if r[2] == split and r[3] == name]


@dataclass
class Result:
    status: str                      # completed | stopped | diverged
    steps: int
    final: dict = field(default_factory=dict)  # e.g. {"train/loss": 1.86, "test/accuracy": 0.918}
    diverged_at: Optional[int] = None
    seconds: float = 0.0


class _Pacer:
    """Slow motion for lectures: at most `speed` steps per second, still answering stop at once."""

    def __init__(self, speed: float, should_stop: Callable[[], bool]):
        self.interval = 1.0 / speed if speed > 0 else 0.0
        self.should_stop = should_stop
        self.next_time = time.perf_counter()

    def wait(self) -> None:
        if not self.interval:
            return
        self.next_time += self.interval
        while (delay := self.next_time - time.perf_counter()) > 0:
            if self.should_stop():
                return
            time.sleep(min(delay, 0.05))


def train(config, reporter: Optional[Reporter] = None, should_stop: Optional[Callable[[], bool]] = None,
          resume_state: Optional[dict] = None) -> Result:
    """One loop for every task: batches come from the task's iterator (one full batch per epoch
    for regression), each goes through `_step`, and the task decides what to record.
    `resume_state` (resume.unpack of a saved state) continues a run where it was saved."""
    reporter = reporter or Reporter()
    should_stop = should_stop or (lambda: False)
    start = time.perf_counter()
    lab = _LABS[type(config)](config)
    model = build_model(config)
    opt = build_optimizer(model, config)
    loss_fn, param = config.loss_fn, config.loss_fn.resolve_param(config.loss_param)
    pacer = _Pacer(config.speed, should_stop)
    schedule = step_size(config)
    step, epoch, status, first_epoch, skip = 0, 0, "completed", 1, 0
    if resume_state is None:
        lab.begin(model, reporter)
    else:
        step, first_epoch, skip = resume.restore(resume_state, model, opt, lab)
    for epoch in range(first_epoch, config.epochs + 1):
        rng = resume.epoch_rng(lab)  # the batch order of this epoch, for a resume mid-epoch
        for batch, (x, y) in enumerate(lab.batches(epoch)):
            if batch < skip:
                continue  # done before the resume point
            if should_stop():
                status = "stopped"
                break
            step += 1
            if schedule:
                for group in opt.param_groups:
                    group["lr"] = schedule(step, lab.total_steps)
            value, pred = _step(model, opt, loss_fn, param, x, y)
            if not math.isfinite(value):
                reporter.metric(step, epoch, "train", "loss", value)
                return Result("diverged", step, {"train/loss": value}, diverged_at=step,
                              seconds=time.perf_counter() - start)
            lab.after_step(model, step, epoch, value, pred, y, reporter)
            reporter.progress(step, lab.total_steps)
            if reporter.wants_resume(step, lab.total_steps):
                reporter.save_resume(step, resume.pack(model, opt, lab, step, epoch, batch + 1, rng))
            pacer.wait()
        skip = 0
        if status == "stopped":
            break
        lab.end_epoch(model, step, epoch, reporter)
    lab.end(model, step, epoch, status, reporter)
    return Result(status, step, lab.final, seconds=time.perf_counter() - start)


def step_size(config) -> Optional[Callable[[int, int], float]]:
    """η at step t of T (counted from 1) when the config decays it; None for a constant step.
    Computed from the step alone, so a resumed run continues on the same schedule."""
    if getattr(config, "schedule", "constant") != "cosine":
        return None
    return lambda t, total: config.lr * 0.5 * (1 + math.cos(math.pi * (t - 1) / max(1, total)))


def _step(model, opt, loss_fn, param, x, y) -> tuple[float, "torch.Tensor"]:
    """The one training step: zero the gradients, forward, loss, backward, update.
    Returns the loss of the weights *before* the update (as torch reports it) and the prediction."""
    opt.zero_grad(set_to_none=True)
    pred = model(x)
    loss = loss_fn.train_fn(pred, y, param)
    loss.backward()
    opt.step()
    return loss.item(), pred


class _RegressionLab:
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
        reporter.snapshot(0, "line", snapshots.regression_snapshot(model, self.x, self.y, self.scale))

    def batches(self, epoch):
        yield self.x, self.y

    def after_step(self, model, step, epoch, value, pred, y, reporter):
        last = step == self.config.epochs
        if step % self.config.eval_every == 0 or last:
            mse = torch.mean((pred.detach() - y) ** 2).item()
            reporter.metric(step, step, "train", "loss", value)
            reporter.metric(step, step, "train", "mse", mse)
            self.final.update({"train/loss": value, "train/mse": mse})
        if step % self.snap_every == 0 or last:
            reporter.snapshot(step, "line", snapshots.regression_snapshot(model, self.x, self.y, self.scale))

    def end_epoch(self, model, step, epoch, reporter):
        pass

    def end(self, model, step, epoch, status, reporter):
        with torch.no_grad():
            pred = model(self.x)
            self.final["final/loss"] = self.loss_fn.fn(pred, self.y, self.param).item()
            self.final["final/mse"] = torch.mean((pred - self.y) ** 2).item()
        self.final["slope"], self.final["intercept"] = snapshots.line_params(model, self.scale)
        self.final.update(regression_gap(self.config, self.final["final/loss"], self.final["slope"],
                                         self.final["intercept"]))
        if status == "stopped":
            reporter.snapshot(step, "line", snapshots.regression_snapshot(model, self.x, self.y, self.scale))


class _MnistLab:
    """Shuffled minibatches (the seed's DataLoader order, as index slices); the training loss
    every step, the test set every `eval_every` steps or at the end of each epoch."""

    def __init__(self, config: MnistConfig):
        self.config = config
        self.data = mnist_data(config)
        self.loss_fn, self.param = config.loss_fn, config.loss_fn.resolve_param(config.loss_param)
        self.total_steps = config.epochs * config.steps_per_epoch
        self.g = torch.Generator().manual_seed(config.seed)
        self.final: dict = {}
        self.checkpoint_every = max(1, self.total_steps // CHECKPOINTS)

    def begin(self, model, reporter):
        reporter.checkpoint(0, flat_weights(model))

    def batches(self, epoch):
        d, bs = self.data, self.config.batch_size
        perm = torch.randperm(len(d.rows), generator=self.g)  # the seed's shuffle=True
        for start in range(0, len(perm), bs):
            idx = perm[start:start + bs]
            yield d.train_x[d.rows[idx]], d.train_y[idx]

    def after_step(self, model, step, epoch, value, pred, y, reporter):
        reporter.metric(step, epoch, "train", "loss", value)
        self.final["train/loss"] = value
        if step % self.checkpoint_every == 0 or step == self.total_steps:
            reporter.checkpoint(step, flat_weights(model))
        if self.config.eval_every and step % self.config.eval_every == 0:
            self.evaluate(model, step, epoch, reporter)

    def end_epoch(self, model, step, epoch, reporter):
        if not self.config.eval_every or step % self.config.eval_every:
            self.evaluate(model, step, epoch, reporter)

    def end(self, model, step, epoch, status, reporter):
        if status == "stopped" and step:
            self.evaluate(model, step, epoch, reporter)
            if step % self.checkpoint_every:
                reporter.checkpoint(step, flat_weights(model))
        if step:
            self.calibrate(model, step, reporter)

    @torch.no_grad()
    def memorised(self, model) -> float:
        """The memorisation meter: the share of wrongly-labelled training images the model now
        predicts *as their wrong label* (it rises when a model starts to learn the noise by heart)."""
        d = self.data
        predicted = model(d.train_x[d.rows[d.noisy]]).argmax(dim=1)
        return float((predicted == d.train_y[d.noisy]).double().mean())

    @torch.no_grad()
    def calibrate(self, model, step, reporter):
        """How far the finished model's confidence can be trusted, before and after temperature scaling."""
        d = self.data
        test_logits, held_logits = model(d.test_x), model(d.train_x[d.held_rows])
        temperature = calibration.fit_temperature(held_logits, d.held_y)
        reporter.snapshot(step, "calibration", {
            "temperature": temperature, "held_out": len(d.held_y), "held_unseen": d.held_unseen,
            "held_nll_before": calibration.nll(held_logits, d.held_y, 1.0),
            "held_nll_after": calibration.nll(held_logits, d.held_y, temperature),
            "before": calibration.reliability(test_logits, d.test_y),
            "after": calibration.reliability(test_logits, d.test_y, temperature)})

    def evaluate(self, model, step, epoch, reporter):
        metrics, snapshot = snapshots.evaluate(model, self.data.test_x, self.data.test_y, self.loss_fn, self.param)
        if len(self.data.noisy):
            metrics["train/memorised"] = self.memorised(model)
        for key, value in metrics.items():
            split, name = key.split("/")
            reporter.metric(step, epoch, split, name, value)
        reporter.snapshot(step, "mnist", {"epoch": epoch, **snapshot})
        self.final.update(metrics)


_LABS = {RegressionConfig: _RegressionLab, MnistConfig: _MnistLab, BinaryConfig: BinaryLab}
CHECKPOINTS = 50  # weight checkpoints per MNIST run (every ~2 %): the trajectory its PCA slice projects


def flat_weights(model) -> bytes:
    return torch.nn.utils.parameters_to_vector(model.parameters()).detach().to(torch.float16).numpy().tobytes()
