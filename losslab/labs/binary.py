"""The binary lab: two classes of points in the plane (shapes from TensorFlow Playground and the
textbooks, or an upload; then seeded label flips and far outliers, training points only: the test
points keep their true labels, so test accuracy measures the real boundary), the logistic model's
exact minimum, and its part of the one training loop (the loss each step; accuracy and the
decision boundary every ~1 % of the run)."""

from __future__ import annotations

import base64
import functools
import math
from dataclasses import dataclass
from typing import Optional

from ..lazy import LazyModule
from ..config import BinaryConfig
from ..losses import LOSSES
from . import Lab, accuracy_result, register

# torch on first use: the registry (names, pages, lessons) is read by torch-free modules
torch = LazyModule("torch")
minima = LazyModule("losslab.minima")

@dataclass(frozen=True)
class BinaryData:
    train_x: torch.Tensor     # (n, 2) float32, the raw coordinates (features are added by the model's input map)
    train_y: torch.Tensor     # (n, 1) float32 0/1, after flips
    test_x: torch.Tensor
    test_y: torch.Tensor
    flipped: torch.Tensor     # indices into train of points whose label was flipped
    outliers: torch.Tensor    # indices into train of the far outliers


def _shape(config: BinaryConfig, n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    half = n // 2
    y = torch.cat([torch.zeros(n - half), torch.ones(half)])
    noise = lambda: config.noise * torch.randn(n, 2, generator=g)  # noqa: E731
    if config.data == "blobs":
        centre = torch.tensor([config.separation / 2, 0.0])
        x = config.spread * torch.randn(n, 2, generator=g) + torch.where(y[:, None] == 1, centre, -centre)
    elif config.data == "moons":
        t = math.pi * torch.rand(n, generator=g)
        outer = torch.stack([torch.cos(t), torch.sin(t)], dim=1)
        inner = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], dim=1)
        x = torch.where(y[:, None] == 1, inner, outer) - torch.tensor([0.5, 0.25]) + noise()
    elif config.data == "circles":
        t = 2 * math.pi * torch.rand(n, generator=g)
        radius = torch.where(y == 1, 0.5, 1.0)
        x = radius[:, None] * torch.stack([torch.cos(t), torch.sin(t)], dim=1) + noise()
    elif config.data == "xor":
        x = 2 * torch.rand(n, 2, generator=g) - 1
        y = ((x[:, 0] > 0) == (x[:, 1] > 0)).float()
        x = x + noise()
    else:  # spiral: two arms, half a turn apart
        t = 3 * math.pi * torch.rand(n, generator=g) + 0.5
        angle = t + math.pi * y
        x = (t / (3 * math.pi))[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1) + noise() * 0.5
    return x.float(), y.float()


def binary_data(config: BinaryConfig) -> BinaryData:
    g = torch.Generator().manual_seed(config.seed)
    if config.data == "custom":
        pts = torch.tensor(config.points, dtype=torch.float32)
        x, y = pts[:, :2], pts[:, 2]
    else:
        x, y = _shape(config, config.n_points, g)
    order = torch.randperm(len(x), generator=g)
    n_test = int(round(len(x) * config.test_share))
    if len(x) - n_test < 2:
        n_test = max(0, len(x) - 2)
    test, train = order[:n_test], order[n_test:]
    train_x, train_y = x[train].clone(), y[train].clone()
    n_flip = int(round(len(train_y) * config.flips / 100))
    flipped = torch.randperm(len(train_y), generator=g)[:n_flip]
    train_y[flipped] = 1 - train_y[flipped]
    outliers = torch.arange(len(train_x), len(train_x) + config.outliers)
    if config.outliers:
        # Points labelled 1, placed beyond class 0 (from class 1's centre, through class 0's, and further).
        m0, m1 = x[y == 0].mean(dim=0), x[y == 1].mean(dim=0)
        away = m0 - m1 if float((m0 - m1).norm()) > 1e-6 else torch.tensor([1.0, 0.0])
        spot = m0 + config.outlier_distance * away / away.norm() * max(1.0, float(away.norm()))
        far = spot + 0.1 * torch.randn(config.outliers, 2, generator=g)
        train_x = torch.cat([train_x, far])
        train_y = torch.cat([train_y, torch.ones(config.outliers)])
    return BinaryData(train_x, train_y[:, None], x[test], y[test][:, None], flipped, outliers)


def inputs(config: BinaryConfig, x: torch.Tensor) -> torch.Tensor:
    """The model's inputs: x1, x2 and the chosen extra features."""
    parts = [x]
    if "squares" in config.features:
        parts.append(x ** 2)
    if "product" in config.features:
        parts.append(x[:, :1] * x[:, 1:])
    if "sin" in config.features:
        parts.append(torch.sin(x))
    return torch.cat(parts, dim=1)


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


class BinaryTrainer:
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
        if self.next_event(step - 1) == step:
            self.evaluate(model, step, epoch, reporter)

    # What after_step records, in the parts a batch of full-batch runs (losslab/batched.py) calls:
    # one step per epoch there, so a step is its epoch.
    def batch_data(self):
        return self.x, self.data.train_y

    @staticmethod
    def batch_metrics(pred, y) -> dict:
        return {}

    def rows(self, steps: range, values: dict, reporter) -> None:
        reporter.metric_rows(steps, steps, "train", "loss", values["loss"][:len(steps)])
        self.final["train/loss"] = values["loss"][len(steps) - 1]

    def next_event(self, step: int) -> int:
        """The next step after `step` with an evaluation (every ~1 % of the run, and the last)."""
        return min((step // self.every + 1) * self.every, self.total_steps)

    def event(self, model, step, epoch, reporter):
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


def _batch(config: BinaryConfig):
    """Full-batch runs of one model shape and optimizer share a program; minibatches (each run its
    own shuffle) and slow motion train alone."""
    if config.speed or config.batch_size:
        return None
    net = (config.hidden, config.depth, config.activation) if config.model == "net" else ()
    return ("binary", config.model, config.n_inputs, net, config.loss_fn.input_kind == "probability", config.optimizer)


register(Lab("binary", BinaryConfig, BinaryTrainer, "🎯", "losslab.ui.binary", order=20,
             curve=("train/loss", True, "lesson.curve_loss"), gallery="accuracy",
             result=accuracy_result("test/accuracy", "train/accuracy"), export="binary", batch=_batch))
