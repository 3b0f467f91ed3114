"""train(config, reporter, should_stop): the one training loop for every lab.

Each lab's part (its batches, what it records, its final numbers) is its trainer in losslab/labs/;
this module is the loop alone. It never prints and never touches a UI: it reports metric rows and snapshots through the
reporter and polls `should_stop` once per step. CLI, workers, tests and benchmarks call it."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch

from . import labs, resume
from .models import build_model, build_optimizer


class Reporter:
    """Receives what a run produces. Subclasses store it (SQLite, a list, a progress bar)."""

    def metric(self, step: int, epoch: int, split: str, name: str, value: float) -> None:
        pass

    def metric_rows(self, steps, epochs, split: str, name: str, values) -> None:
        """Many rows of one metric at once (a batch hands its runs their values in chunks)."""
        for step, epoch, value in zip(steps, epochs, values):
            self.metric(step, epoch, split, name, value)

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
    lab = labs.of(config).trainer(config)
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
