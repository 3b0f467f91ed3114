"""train(config, reporter, should_stop): the one training loop for every task.

It never prints and never touches a UI: it reports metric rows and snapshots through the
reporter and polls `should_stop` once per step. CLI, workers, tests and benchmarks call it."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch

from . import datasets, snapshots
from .config import MnistConfig, RegressionConfig
from .losses import LOSSES
from .models import build_model, build_optimizer


class Reporter:
    """Receives what a run produces. Subclasses store it (SQLite, a list, a progress bar)."""

    def metric(self, step: int, epoch: int, split: str, name: str, value: float) -> None:
        pass

    def snapshot(self, step: int, kind: str, payload: dict) -> None:
        pass

    def progress(self, step: int, total_steps: int) -> None:
        pass


class ListReporter(Reporter):
    """Keeps everything in memory: for tests, the CLI and benchmarks."""

    def __init__(self):
        self.rows: list[tuple] = []
        self.snapshots: list[tuple] = []

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


def train(config, reporter: Optional[Reporter] = None, should_stop: Optional[Callable[[], bool]] = None) -> Result:
    reporter = reporter or Reporter()
    should_stop = should_stop or (lambda: False)
    start = time.perf_counter()
    if isinstance(config, RegressionConfig):
        result = _train_regression(config, reporter, should_stop)
    elif isinstance(config, MnistConfig):
        result = _train_mnist(config, reporter, should_stop)
    else:
        raise TypeError(f"no training loop for {type(config).__name__}")
    result.seconds = time.perf_counter() - start
    return result


def regression_data(config: RegressionConfig):
    """The (x, y) tensors a regression config describes, shape (n, 1) each."""
    if config.data == "custom":
        pts = torch.tensor(config.points, dtype=torch.float32)
        x, y = pts[:, :1], pts[:, 1:]
    elif config.data == "synthetic":
        x, y = datasets.synthetic_line(config.n_points, 0.75, -64.4, 3.0, config.seed)
    else:
        x, y = datasets.seed_points()
    return datasets.with_noise_and_outliers(x, y, config.noise, config.outliers, config.outlier_offset, config.seed)


def _train_regression(config: RegressionConfig, reporter: Reporter, should_stop) -> Result:
    x, y = regression_data(config)
    model = build_model(config)
    opt = build_optimizer(model, config)
    loss_fn, param = LOSSES[config.loss], config.loss_fn.resolve_param(config.loss_param)
    # About 200 snapshots per run whatever its length, plus the first and the last.
    snap_every = max(1, config.epochs // 200)
    pacer = _Pacer(config.speed, should_stop)
    reporter.snapshot(0, "line", snapshots.regression_snapshot(model, x, y))
    status, step, final = "completed", 0, {}
    for step in range(1, config.epochs + 1):
        if should_stop():
            status, step = "stopped", step - 1
            break
        opt.zero_grad(set_to_none=True)
        pred = model(x)
        loss = loss_fn.train_fn(pred, y, param)
        loss.backward()
        opt.step()
        value = loss.item()  # loss of the weights *before* this step, as torch reports it
        if not math.isfinite(value):
            reporter.metric(step, step, "train", "loss", value)
            return Result("diverged", step, {"train/loss": value}, diverged_at=step)
        if step % config.eval_every == 0 or step == config.epochs:
            mse = torch.mean((pred.detach() - y) ** 2).item()
            reporter.metric(step, step, "train", "loss", value)
            reporter.metric(step, step, "train", "mse", mse)
            final = {"train/loss": value, "train/mse": mse}
        if step % snap_every == 0 or step == config.epochs:
            reporter.snapshot(step, "line", snapshots.regression_snapshot(model, x, y))
        reporter.progress(step, config.epochs)
        pacer.wait()
    with torch.no_grad():
        pred = model(x)
        final["final/loss"] = loss_fn.fn(pred, y, param).item()
        final["final/mse"] = torch.mean((pred - y) ** 2).item()
    final["slope"], final["intercept"] = (float(v) for v in snapshots.line_params(model))
    if status == "stopped":
        reporter.snapshot(step, "line", snapshots.regression_snapshot(model, x, y))
    return Result(status, step, final)


def mnist_data(config: MnistConfig):
    """Training and test tensors for a config: the subset, then seeded label noise."""
    train_x, train_y, test_x, test_y = datasets.mnist_tensors()
    g = torch.Generator().manual_seed(config.seed)
    if config.train_subset:
        idx = torch.randperm(len(train_x), generator=g)[: config.train_subset]
        train_x, train_y = train_x[idx], train_y[idx]
    if config.label_noise > 0:
        train_y = train_y.clone()
        n_noisy = round(len(train_y) * config.label_noise / 100)
        which = torch.randperm(len(train_y), generator=g)[:n_noisy]
        # Shift by 1..9 so a noisy label is always a *wrong* class.
        train_y[which] = (train_y[which] + torch.randint(1, 10, (n_noisy,), generator=g)) % 10
    return train_x, train_y, test_x, test_y


def _train_mnist(config: MnistConfig, reporter: Reporter, should_stop) -> Result:
    train_x, train_y, test_x, test_y = mnist_data(config)
    model = build_model(config)
    opt = build_optimizer(model, config)
    loss_fn, param = LOSSES[config.loss], config.loss_fn.resolve_param(config.loss_param)
    g = torch.Generator().manual_seed(config.seed)
    n, bs = len(train_x), config.batch_size
    total = config.epochs * config.steps_per_epoch
    pacer = _Pacer(config.speed, should_stop)
    step, status, final = 0, "completed", {}

    def evaluate(epoch):
        final.update(snapshots.evaluate_mnist(model, test_x, test_y, loss_fn, param, step, epoch, reporter))

    for epoch in range(1, config.epochs + 1):
        perm = torch.randperm(n, generator=g)  # the seed's shuffle=True, as index slices
        for start in range(0, n, bs):
            if should_stop():
                status = "stopped"
                break
            idx = perm[start:start + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn.train_fn(model(train_x[idx]), train_y[idx], param)
            loss.backward()
            opt.step()
            step += 1
            value = loss.item()
            if not math.isfinite(value):
                reporter.metric(step, epoch, "train", "loss", value)
                return Result("diverged", step, {"train/loss": value}, diverged_at=step)
            reporter.metric(step, epoch, "train", "loss", value)
            final["train/loss"] = value
            if config.eval_every and step % config.eval_every == 0:
                evaluate(epoch)
            reporter.progress(step, total)
            pacer.wait()
        if status == "stopped":
            break
        if not config.eval_every or step % config.eval_every:
            evaluate(epoch)
    if status == "stopped" and step:
        evaluate(epoch)
    return Result(status, step, final)


def regression_points(config: RegressionConfig) -> tuple[list[float], list[float], int]:
    """The run's data as plain lists (x, y) and how many of them are not injected outliers."""
    x, y = regression_data(config)
    return x.flatten().tolist(), y.flatten().tolist(), len(x) - config.outliers


def initial_line(config: RegressionConfig) -> tuple[float, float]:
    """(slope, intercept) the run will start from: the seed fixes it, whatever the loss."""
    with torch.random.fork_rng():  # build_model seeds torch; the calling process's RNG stays as it was
        return snapshots.line_params(build_model(config))
