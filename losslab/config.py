"""Frozen, validated run configs. A bad value raises ValueError naming the field and its range;
the same config comes from the UI, the CLI and a URL, and round-trips through JSON exactly."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, fields
from typing import ClassVar, Optional

from . import losses, models

# Caps keep one run bounded on a shared class server (documented in the README).
MAX_REGRESSION_EPOCHS = 100_000
MAX_MNIST_EPOCHS = 50
MAX_LR = 10.0
MAX_SPEED = 1000.0  # steps per second in slow motion; 0 = as fast as possible
MAX_SEED = 2**31 - 1
MNIST_TRAIN_SIZE = 60_000


def _check_number(name, value, low, high, *, integer=False, low_open=False):
    kind = "an integer" if integer else "a number"
    bracket = "(" if low_open else "["
    rng = f"{bracket}{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        raise ValueError(f"{name} must be {kind} in {rng}; got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {rng}; got {value!r}")
    if value > high or value < low or (low_open and value == low):
        raise ValueError(f"{name} must be in {rng}; got {value!r}")


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


class _Config:
    """Shared behaviour: JSON round-trip, replacement with re-validation, loss checks."""

    task: ClassVar[str]

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["task"] = self.task
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict):
        d = dict(d)
        task = d.pop("task", cls.task)
        if task != cls.task:
            raise ValueError(f"task must be {cls.task!r} for {cls.__name__}; got {task!r}")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown config field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(names))}")
        if d.get("points") is not None:
            d["points"] = tuple(tuple(p) for p in d["points"])
        return cls(**d)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    @property
    def loss_fn(self) -> losses.Loss:
        return losses.LOSSES[self.loss]

    def _check_loss(self, task: str):
        fitting = [loss.name for loss in losses.losses_for(task)]
        _choice("loss", self.loss, fitting)
        spec = losses.LOSSES[self.loss].param
        if spec is None:
            if self.loss_param is not None:
                raise ValueError(f"loss_param must be empty: {self.loss} has no parameter; got {self.loss_param!r}")
        elif self.loss_param is not None:
            _check_number(f"loss_param ({spec.name})", self.loss_param, spec.low, spec.high)

    def _check_common(self):
        _choice("optimizer", self.optimizer, list(models.OPTIMIZERS))
        _check_number("lr", self.lr, 0, MAX_LR, low_open=True)
        _check_number("momentum", self.momentum, 0, 0.99)
        _check_number("seed", self.seed, 0, MAX_SEED, integer=True)
        _check_number("speed", self.speed, 0, MAX_SPEED)
        _check_number("eval_every", self.eval_every, 0, 1_000_000, integer=True)


@dataclass(frozen=True)
class RegressionConfig(_Config):
    """A line fitted to (x, y) points. Defaults are the seed: height/weight, MSE, Adam lr 0.1, 10,000 epochs."""

    task: ClassVar[str] = "regression"
    data: str = "seed"             # seed | synthetic | custom (points given)
    points: Optional[tuple] = None  # ((x, y), ...) for data="custom", e.g. an uploaded CSV
    n_points: int = 50             # synthetic only
    noise: float = 0.0             # std of noise added to y, in y's unit (kg)
    outliers: int = 0              # extra points pushed off the line
    outlier_offset: float = 40.0   # how far above the line, in y's unit (kg)
    model: str = "linear_regression"
    loss: str = "mse"
    loss_param: Optional[float] = None
    optimizer: str = "adam"
    lr: float = 0.1
    momentum: float = 0.0
    epochs: int = 10_000           # full-batch: one step per epoch
    seed: int = 0
    eval_every: int = 1            # report metrics every this many steps
    speed: float = 0.0

    def __post_init__(self):
        _choice("data", self.data, ["seed", "synthetic", "custom"])
        if self.data == "custom":
            pts = self.points
            if not pts or len(pts) < 2:
                raise ValueError("points must hold at least 2 (x, y) pairs for data='custom'")
            from .datasets import MAX_UPLOAD_ROWS

            if len(pts) > MAX_UPLOAD_ROWS:
                raise ValueError(f"points must hold at most {MAX_UPLOAD_ROWS} pairs; got {len(pts)}")
            for p in pts:
                if len(p) != 2 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in p):
                    raise ValueError(f"points must be pairs of finite numbers; got {p!r}")
        elif self.points is not None:
            raise ValueError("points must be empty unless data='custom'")
        _check_number("n_points", self.n_points, 2, 1000, integer=True)
        _check_number("noise", self.noise, 0, 1000)
        _check_number("outliers", self.outliers, 0, 100, integer=True)
        _check_number("outlier_offset", self.outlier_offset, -1000, 1000)
        _choice("model", self.model, ["linear_regression"])
        self._check_loss("regression")
        self._check_common()
        _check_number("epochs", self.epochs, 1, MAX_REGRESSION_EPOCHS, integer=True)


@dataclass(frozen=True)
class MnistConfig(_Config):
    """A digit classifier. Defaults are the seed: Linear(784, 10), cross-entropy, SGD lr 0.01, batch 64, 10 epochs."""

    task: ClassVar[str] = "mnist"
    model: str = "linear"
    hidden: int = 128              # MLP hidden units
    loss: str = "cross_entropy"
    loss_param: Optional[float] = None
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.0
    batch_size: int = 64
    epochs: int = 10
    train_subset: int = 0          # 0 = all 60,000 training images
    label_noise: float = 0.0       # percent of training labels replaced by a wrong class
    seed: int = 0
    eval_every: int = 0            # steps between test evaluations; 0 = at the end of each epoch
    speed: float = 0.0

    def __post_init__(self):
        _choice("model", self.model, ["linear", "mlp"])
        _check_number("hidden", self.hidden, 1, 4096, integer=True)
        self._check_loss("multiclass")
        self._check_common()
        _check_number("train_subset", self.train_subset, 0, MNIST_TRAIN_SIZE, integer=True)
        _check_number("batch_size", self.batch_size, 1, self.n_train, integer=True)
        _check_number("epochs", self.epochs, 1, MAX_MNIST_EPOCHS, integer=True)
        _check_number("label_noise", self.label_noise, 0, 100)

    @property
    def n_train(self) -> int:
        return self.train_subset or MNIST_TRAIN_SIZE

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.n_train / self.batch_size)


CONFIGS = {"regression": RegressionConfig, "mnist": MnistConfig}


def config_from_dict(d: dict):
    """Any stored config back to its dataclass; the task field picks the class."""
    task = d.get("task")
    _choice("task", task, list(CONFIGS))
    return CONFIGS[task].from_dict(d)


def config_from_json(text: str):
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"config is not valid JSON: {exc.msg}") from None
    if not isinstance(d, dict):
        raise ValueError("config JSON must be an object")
    return config_from_dict(d)
