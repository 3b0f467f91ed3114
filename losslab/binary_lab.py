"""The binary lab's part of the one training loop: batches of points in the plane, and what a
run records (the loss each step; accuracy and the decision boundary every ~1 % of the run)."""

from __future__ import annotations

import base64
import functools
from typing import Optional

import torch

from . import minima
from .binary_data import binary_data, inputs
from .config import BinaryConfig
from .losses import LOSSES

GRID = 60           # the boundary snapshot: GRID × GRID logits over the data's box
Z_CLIP = 8.0        # logits stored as bytes in [−8, 8]: enough for the 0.5 contour and the ±1 margins
TOP_PULLS = 10      # the points that contribute most to the gradient, highlighted


def box(x: torch.Tensor, margin: float = 0.15) -> tuple[list, list]:
    lo, hi = x.min(dim=0).values, x.max(dim=0).values
    pad = margin * (hi - lo).clamp_min(1e-3)
    return [float(lo[0] - pad[0]), float(hi[0] + pad[0])], [float(lo[1] - pad[1]), float(hi[1] + pad[1])]


def encode_logits(z: torch.Tensor) -> str:
    q = ((z.clamp(-Z_CLIP, Z_CLIP) + Z_CLIP) / (2 * Z_CLIP) * 255).round().to(torch.uint8)
    return base64.b64encode(q.numpy().tobytes()).decode("ascii")


@functools.lru_cache(maxsize=64)
def exact_minimum(config: BinaryConfig) -> Optional[minima.Minimum]:
    """The loss's own minimum over the logistic model's weights on the training points, or None
    where no exact answer exists (a net: not convex in its weights; a non-convex loss like focal).
    A probability loss (naive BCE) is minimised through its stable form: the same function of z."""
    loss = config.loss_fn
    if loss.stable_form:
        loss = LOSSES[loss.stable_form]
    param = loss.resolve_param(config.loss_param)
    if config.model != "logistic" or not loss.is_convex(param):
        return None
    data = binary_data(config)
    X = inputs(config, data.train_x).double()
    X = torch.cat([X, torch.ones(len(X), 1, dtype=torch.float64)], dim=1)
    return minima.minimise(loss, param, X, data.train_y)


class BinaryLab:
    """Full batch by default (batch_size 0); shuffled minibatches otherwise."""

    def __init__(self, config: BinaryConfig):
        self.config = config
        self.data = binary_data(config)
        self.x, self.test_x = inputs(config, self.data.train_x), inputs(config, self.data.test_x)
        n = len(self.x)
        self.batch = config.batch_size or n
        self.steps_per_epoch = -(-n // self.batch)
        self.total_steps = config.epochs * self.steps_per_epoch
        self.every = max(1, self.total_steps // 100)
        self.g = torch.Generator().manual_seed(config.seed + 1)
        self.probability = config.loss_fn.input_kind == "probability"
        self.loss_fn, self.param = config.loss_fn, config.loss_fn.resolve_param(config.loss_param)
        all_x = torch.cat([self.data.train_x, self.data.test_x])
        self.x_range, self.y_range = box(all_x)
        gx = torch.linspace(*self.x_range, GRID)
        gy = torch.linspace(*self.y_range, GRID)
        yy, xx = torch.meshgrid(gy, gx, indexing="ij")  # rows: x2, columns: x1
        self.grid = inputs(config, torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1))
        self.final: dict = {}

    def batches(self, epoch):
        if self.batch >= len(self.x):
            yield self.x, self.data.train_y
            return
        perm = torch.randperm(len(self.x), generator=self.g)
        for start in range(0, len(perm), self.batch):
            idx = perm[start:start + self.batch]
            yield self.x[idx], self.data.train_y[idx]

    def _logits(self, model, x):
        return model[0](x) if self.probability else model(x)

    def begin(self, model, reporter):
        d = self.data
        reporter.snapshot(0, "points", {
            "train": [[float(a), float(b), int(c)] for (a, b), c in zip(d.train_x.tolist(), d.train_y.flatten().tolist())],
            "test": [[float(a), float(b), int(c)] for (a, b), c in zip(d.test_x.tolist(), d.test_y.flatten().tolist())],
            "flipped": d.flipped.tolist(), "outliers": d.outliers.tolist(),
            "x_range": self.x_range, "y_range": self.y_range, "grid": GRID})
        self.evaluate(model, 0, 0, reporter)

    def after_step(self, model, step, epoch, value, pred, y, reporter):
        reporter.metric(step, epoch, "train", "loss", value)
        self.final["train/loss"] = value
        if step % self.every == 0 or step == self.total_steps:
            self.evaluate(model, step, epoch, reporter)

    def end_epoch(self, model, step, epoch, reporter):
        pass

    def end(self, model, step, epoch, status, reporter):
        if status == "stopped" and step % self.every:
            self.evaluate(model, step, epoch, reporter)
        with torch.no_grad():
            z = self._logits(model, self.x)
            pred = torch.sigmoid(z) if self.probability else z
            self.final["final/loss"] = float(self.loss_fn.fn(pred, self.data.train_y, self.param))
            self.final["final/bce"] = float(LOSSES["bce_logits"].fn(z, self.data.train_y, None))
        best = exact_minimum(self.config)
        if best is not None:
            self.final["minimum/loss"] = best.loss
            self.final["final/gap"] = minima.gap(self.final["final/loss"], best.loss)

    def evaluate(self, model, step, epoch, reporter):
        """Accuracy on train and test, the boundary on the grid, and the points pulling hardest."""
        with torch.no_grad():
            z_train, z_test = self._logits(model, self.x), self._logits(model, self.test_x)
            z_grid = self._logits(model, self.grid).flatten()
        acc = float(((z_train > 0).float() == self.data.train_y).float().mean())
        # BCE of every run's probabilities: one yardstick when runs of different losses are compared
        metrics = {"train/accuracy": acc, "train/bce": float(LOSSES["bce_logits"].fn(z_train, self.data.train_y, None))}
        if len(self.test_x):
            metrics["test/accuracy"] = float(((z_test > 0).float() == self.data.test_y).float().mean())
        z = z_train.clone().requires_grad_(True)
        pred = torch.sigmoid(z) if self.probability else z
        (grad,) = torch.autograd.grad(self.loss_fn.train_fn(pred, self.data.train_y, self.param), z)
        pulls = grad.abs().flatten()
        top = torch.topk(pulls, min(TOP_PULLS, len(pulls))).indices.tolist()
        for key, value in metrics.items():
            split, name = key.split("/")
            reporter.metric(step, epoch, split, name, value)
        reporter.snapshot(step, "boundary", {"z": encode_logits(z_grid), "top": [i for i in top if pulls[i] > 0],
                                             **{k.replace("/", "_"): v for k, v in metrics.items()}})
        self.final.update(metrics)
