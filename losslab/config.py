"""Frozen, validated run configs. A bad value raises ValueError naming the field and its range;
the same config comes from the UI, the CLI and a URL, and round-trips through JSON exactly."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import ClassVar, Optional

from . import fields, losses, models
from .fields import check_choice as _choice
from .fields import check_number as _check_number
from .fields import declare, validate

# Caps keep one run bounded on a shared class server; the README's limits sentence is
# generated from these declarations (fields.limits_sentence, checked by a test).
MAX_SEED = 2**31 - 1
MNIST_TRAIN_SIZE = 60_000
MAX_UPLOAD_ROWS = 10_000
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
SPEEDS = {0.0: "full speed", 1000.0: "1000 steps/s", 200.0: "200 steps/s", 50.0: "50 steps/s",
          10.0: "10 steps/s", 2.0: "2 steps/s"}


# --- declarations shared by every lab (each is still one declaration per field) -----------

def _loss(task: str, default: str):
    return declare(default, str, "Loss", widget="select", help="what the model is punished for",
                   choices=lambda: tuple(l.name for l in losses.losses_for(task)),
                   choice_labels=lambda: {n: l.label for n, l in losses.LOSSES.items()})


def _loss_param():
    # Range and meaning depend on the loss (Huber's δ, focal's γ): the registry's Param says them.
    return declare(None, float, "Loss parameter", widget="loss_param", optional=True,
                   help="the chosen loss's own parameter (Huber's δ, focal's γ, ...); empty = its default")


def _optimizer(default: str):
    return declare(default, str, "Optimizer", widget="select", help="how the gradient becomes a step",
                   choices=lambda: tuple(models.OPTIMIZER_LABELS), choice_labels=lambda: models.OPTIMIZER_LABELS)


def _lr(default: float):
    return declare(default, float, "Learning rate η", low=0.0, high=10.0, low_open=True,
                   help="step size of each update; too high and the loss explodes")


def _momentum():
    return declare(0.0, float, "Momentum", low=0.0, high=0.99, widget="slider", step=0.01,
                   help="how much of the last step is kept (SGD, RMSprop)",
                   shown_when=lambda v: v.get("optimizer") != "adam",
                   hidden_reason="Adam keeps its own running averages; momentum applies to SGD and RMSprop only")


def _seed(label: str):
    return declare(0, int, label, low=0, high=MAX_SEED, help="the same seed gives the same start and the same data")


def _speed():
    return declare(0.0, float, "Speed (slow motion for a lecture)", widget="select_slider", unit="steps/s",
                   choices=lambda: tuple(SPEEDS), choice_labels=lambda: SPEEDS,
                   help="at most this many steps per second; full speed = as fast as the machine goes")


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
        names = {f.name for f in dataclasses.fields(cls)}
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

    def _check_loss(self):
        spec = losses.LOSSES[self.loss].param
        if spec is None:
            if self.loss_param is not None:
                raise ValueError(f"loss_param must be empty: {self.loss} has no parameter; got {self.loss_param!r}")
        elif self.loss_param is not None:
            _check_number(f"loss_param ({spec.name})", self.loss_param, spec.low, spec.high)

@dataclass(frozen=True)
class RegressionConfig(_Config):
    """A line fitted to (x, y) points. Defaults are the seed: height/weight, MSE, Adam lr 0.1, 10,000 epochs."""

    task: ClassVar[str] = "regression"
    data: str = declare("seed", str, "Data", widget="radio", choices=lambda: ("seed", "synthetic", "custom"),
                        choice_labels=lambda: {"seed": "10 people (height, weight)", "synthetic": "synthetic line",
                                               "custom": "upload CSV"},
                        help="the seed's ten people, a synthetic line, or your own CSV (custom)")
    # ((x, y), ...) for data="custom": an uploaded CSV, never a link (see MAX_UPLOAD_ROWS)
    points: Optional[tuple] = declare(None, tuple, "Points", widget="none", optional=True, url=False,
                                      help="(x, y) pairs for data=custom, from an uploaded CSV")
    n_points: int = declare(50, int, "Points", low=2, high=1000, widget="slider",
                            help="how many points the synthetic line has",
                            shown_when=lambda v: v.get("data") == "synthetic",
                            hidden_reason="only the synthetic data has a number of points")
    outliers: int = declare(0, int, "Outliers", low=0, high=100, help="extra points pushed far off the line")
    outlier_offset: float = declare(40.0, float, "Outlier distance", unit="kg", low=-1000.0, high=1000.0,
                                    help="how far above the line the outliers sit (negative: below)")
    noise: float = declare(0.0, float, "Noise σ", unit="kg", low=0.0, high=1000.0,
                           help="standard deviation of the noise added to every y")
    model: str = declare("linear_regression", str, "Model", widget="none", choices=lambda: ("linear_regression",),
                         help="Linear(1, 1): weight = slope · height + intercept")
    loss: str = _loss("regression", "mse")
    loss_param: Optional[float] = _loss_param()
    optimizer: str = _optimizer("adam")
    lr: float = _lr(0.1)
    momentum: float = _momentum()
    epochs: int = declare(10_000, int, "Epochs (full-batch steps)", low=1, high=100_000,
                          help="full-batch training: one step per epoch")
    seed: int = _seed("Seed (same seed → same start)")
    eval_every: int = declare(1, int, "Record every N steps", low=1, high=1_000_000,
                              help="a metric row every this many steps (1 = every step)")
    speed: float = _speed()

    def __post_init__(self):
        validate(self)
        if self.data == "custom":
            pts = self.points
            if not pts or len(pts) < 2:
                raise ValueError("points must hold at least 2 (x, y) pairs for data='custom'")
            if len(pts) > MAX_UPLOAD_ROWS:
                raise ValueError(f"points must hold at most {MAX_UPLOAD_ROWS} pairs; got {len(pts)}")
            for p in pts:
                if len(p) != 2 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in p):
                    raise ValueError(f"points must be pairs of finite numbers; got {p!r}")
        elif self.points is not None:
            raise ValueError("points must be empty unless data='custom'")
        self._check_loss()


@dataclass(frozen=True)
class MnistConfig(_Config):
    """A digit classifier. Defaults are the seed: Linear(784, 10), cross-entropy, SGD lr 0.01, batch 64, 10 epochs."""

    task: ClassVar[str] = "mnist"
    model: str = declare("linear", str, "Model", widget="select", choices=lambda: ("linear", "mlp"),
                         choice_labels=lambda: models.MODEL_LABELS,
                         help="the seed's Linear(784, 10), or an MLP with one hidden layer")
    hidden: int = declare(128, int, "Hidden units", low=1, high=4096, help="width of the MLP's hidden layer",
                          shown_when=lambda v: v.get("model") == "mlp",
                          hidden_reason="only the MLP has hidden units")
    loss: str = _loss("multiclass", "cross_entropy")
    loss_param: Optional[float] = _loss_param()
    optimizer: str = _optimizer("sgd")
    lr: float = _lr(0.01)
    momentum: float = _momentum()
    batch_size: int = declare(64, int, "Batch size", low=1, high=MNIST_TRAIN_SIZE,
                              help="images per step (at most the number of training images)")
    epochs: int = declare(10, int, "Epochs", low=1, high=50, help="passes over the training images")
    train_subset: int = declare(0, int, "Training images (0 = all 60,000)", low=0, high=MNIST_TRAIN_SIZE,
                                help="train on this many images, drawn with the seed (0 = all)")
    label_noise: float = declare(0.0, float, "Label noise", unit="%", low=0.0, high=100.0, widget="slider", step=5.0,
                                 help="this share of training labels is replaced by a wrong digit")
    eval_every: int = declare(0, int, "Test every N steps (0 = each epoch)", low=0, high=1_000_000,
                              help="steps between test evaluations; 0 = at the end of each epoch")
    seed: int = _seed("Seed")
    speed: float = _speed()

    def __post_init__(self):
        validate(self)
        self._check_loss()
        _check_number("batch_size", self.batch_size, 1, self.n_train, integer=True)

    @property
    def n_train(self) -> int:
        return self.train_subset or MNIST_TRAIN_SIZE

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.n_train / self.batch_size)


CONFIGS = {"regression": RegressionConfig, "mnist": MnistConfig}


def to_query(config) -> dict[str, str]:
    """The link of a config: every link-able field that differs from its default, as text
    (`fields.parse` reads it back). A loss parameter equal to its loss's default is left out."""
    query, default = {}, fields.defaults(type(config))
    for name, spec in fields.specs(type(config)).items():
        value = getattr(config, name)
        if not spec.url or value is None:
            continue
        if name == "loss_param":
            param = config.loss_fn.param
            if param is None or value == param.default:
                continue
        elif value == default[name]:
            continue
        query[name] = fields.format_value(value)
    return query


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
