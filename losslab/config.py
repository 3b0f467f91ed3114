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
from .i18n import Problem

# Caps keep one run bounded on a shared class server; the README's limits sentence is
# generated from these declarations (fields.limits_sentence, checked by a test).
MAX_SEED = 2**31 - 1
MNIST_TRAIN_SIZE = 60_000
MAX_UPLOAD_ROWS = 10_000
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
SPEEDS = (0.0, 1000.0, 200.0, 50.0, 10.0, 2.0)  # steps per second; 0 = full speed


# --- declarations shared by every lab (each is still one declaration per field) -----------
# Labels, help texts and choice names come from the string catalogue by the field's name
# (field.<name>, field.<name>_help, choice.<name>.<value>; field.<task>.<name> where a lab differs).

def _loss(task: str, default: str):
    return declare(default, str, widget="select",
                   choices=lambda: tuple(l.name for l in losses.losses_for(task)),
                   choice_labels=lambda: {n: l.label for n, l in losses.LOSSES.items()})


def _loss_param():
    # Range and meaning depend on the loss (Huber's δ, focal's γ): the registry's Param says them.
    return declare(None, float, widget="loss_param", optional=True)


def _optimizer(default: str):
    return declare(default, str, widget="select", choices=lambda: tuple(models.OPTIMIZERS))


def _lr(default: float):
    return declare(default, float, low=0.0, high=10.0, low_open=True)


def _momentum(default: float = 0.0):
    return declare(default, float, low=0.0, high=0.99, widget="slider", step=0.01,
                   shown_when=lambda v: v.get("optimizer") != "adam")


def _seed():
    return declare(0, int, low=0, high=MAX_SEED)


def _speed():
    return declare(0.0, float, widget="select_slider", choices=lambda: SPEEDS)


# Asymmetric label noise flips each image of a class to one look-alike class (Patrini et al. 2017's
# MNIST pairs): the kind of mistake a tired annotator makes, harder than uniform noise.
NOISE_PAIRS = {2: 7, 3: 8, 5: 6, 6: 5, 7: 1}


def _noise_kind(shown_when=None):
    return declare("symmetric", str, widget="radio", choices=lambda: ("symmetric", "pairs"), shown_when=shown_when)


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
            raise Problem("error.task", expected=repr(cls.task), cls=cls.__name__, got=repr(task))
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise Problem("error.unknown_fields", unknown=", ".join(unknown), allowed=", ".join(sorted(names)))
        if d.get("points") is not None:
            d["points"] = tuple(tuple(p) for p in d["points"])
        for name, spec in fields.specs(cls).items():  # JSON has lists; the configs hold tuples
            if spec.kind is tuple and name != "points" and isinstance(d.get(name), list):
                d[name] = tuple(d[name])
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
                raise Problem("error.no_param", loss=self.loss, got=repr(self.loss_param))
        elif self.loss_param is not None:
            _check_number(f"loss_param ({spec.name})", self.loss_param, spec.low, spec.high)

@dataclass(frozen=True)
class RegressionConfig(_Config):
    """A line fitted to (x, y) points. Defaults are the seed: height/weight, MSE, Adam lr 0.1, 10,000 epochs."""

    task: ClassVar[str] = "regression"
    data: str = declare("seed", str, widget="radio", choices=lambda: ("seed", "synthetic", "custom"))
    # ((x, y), ...) for data="custom": an uploaded CSV, never a link (see MAX_UPLOAD_ROWS)
    points: Optional[tuple] = declare(None, tuple, widget="none", optional=True, url=False)
    n_points: int = declare(50, int, low=2, high=1000, widget="slider", shown_when=lambda v: v.get("data") == "synthetic")
    outliers: int = declare(0, int, low=0, high=100)
    outlier_offset: float = declare(40.0, float, unit="kg", low=-1000.0, high=1000.0)
    noise: float = declare(0.0, float, unit="kg", low=0.0, high=1000.0)
    # standardised: x → (x − mean) / sd before training (the landscape's round bowl)
    x_scale: str = declare("raw", str, widget="radio", choices=lambda: ("raw", "standardised"))
    model: str = declare("linear_regression", str, widget="none", choices=lambda: ("linear_regression",))
    loss: str = _loss("regression", "mse")
    loss_param: Optional[float] = _loss_param()
    optimizer: str = _optimizer("adam")
    lr: float = _lr(0.1)
    momentum: float = _momentum()
    epochs: int = declare(10_000, int, low=1, high=100_000)  # full batch: one step per epoch
    seed: int = _seed()
    eval_every: int = declare(1, int, low=1, high=1_000_000)
    speed: float = _speed()

    def __post_init__(self):
        validate(self)
        if self.data == "custom":
            pts = self.points
            if not pts or len(pts) < 2:
                raise Problem("error.points_few")
            if len(pts) > MAX_UPLOAD_ROWS:
                raise Problem("error.points_many", limit=MAX_UPLOAD_ROWS, got=len(pts))
            for p in pts:
                if len(p) != 2 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in p):
                    raise Problem("error.points_pairs", got=repr(p)[:60])
        elif self.points is not None:
            raise Problem("error.points_unused")
        self._check_loss()


@dataclass(frozen=True)
class MnistConfig(_Config):
    """A digit classifier. Defaults are the seed: Linear(784, 10), cross-entropy, SGD lr 0.01, batch 64, 10 epochs."""

    task: ClassVar[str] = "mnist"
    model: str = declare("linear", str, widget="select", choices=lambda: ("linear", "mlp"))
    hidden: int = declare(128, int, low=1, high=4096, shown_when=lambda v: v.get("model") == "mlp")
    loss: str = _loss("multiclass", "cross_entropy")
    loss_param: Optional[float] = _loss_param()
    optimizer: str = _optimizer("sgd")
    lr: float = _lr(0.01)
    momentum: float = _momentum()
    batch_size: int = declare(64, int, low=1, high=MNIST_TRAIN_SIZE)  # at most the training images (checked below)
    epochs: int = declare(10, int, low=1, high=50)
    train_subset: int = declare(0, int, low=0, high=MNIST_TRAIN_SIZE)  # 0 = all 60,000
    label_noise: float = declare(0.0, float, unit="%", low=0.0, high=100.0, widget="slider", step=5.0)
    noise_kind: str = _noise_kind(shown_when=lambda v: v.get("label_noise", 0) > 0)
    eval_every: int = declare(0, int, low=0, high=1_000_000)  # 0 = at the end of each epoch
    seed: int = _seed()
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


STUDY_RATES = (0.0, 20.0, 40.0, 60.0, 80.0)
MAX_STUDY_CELLS = 48  # losses × rates × repeats: a study is one job, so its length is bounded here


@dataclass(frozen=True)
class StudyConfig(_Config):
    """A label-noise study: each chosen loss at each noise rate (and repeat), trained one after another as one job."""

    task: ClassVar[str] = "study"
    losses: tuple = declare(("cross_entropy", "mae_prob", "gce", "sce"), tuple, item=str, widget="multiselect",
                            choices=lambda: tuple(l.name for l in losses.losses_for("multiclass")),
                            choice_labels=lambda: {n: l.label for n, l in losses.LOSSES.items()})
    noise_kind: str = _noise_kind()
    noise_rates: tuple = declare((0.0, 40.0), tuple, item=float, unit="%", widget="multiselect",
                                 choices=lambda: STUDY_RATES)
    model: str = declare("mlp", str, widget="select", choices=lambda: ("linear", "mlp"))
    hidden: int = declare(128, int, low=1, high=4096, shown_when=lambda v: v.get("model") == "mlp")
    optimizer: str = _optimizer("sgd")
    lr: float = _lr(0.01)
    momentum: float = _momentum(0.9)
    batch_size: int = declare(64, int, low=1, high=MNIST_TRAIN_SIZE)
    epochs: int = declare(20, int, low=1, high=50)
    train_subset: int = declare(10_000, int, low=0, high=MNIST_TRAIN_SIZE)
    seed: int = _seed()
    repeats: int = declare(1, int, low=1, high=5)  # seeds seed, seed+1, ...: mean ± sd over them

    def __post_init__(self):
        validate(self)
        if self.n_cells > MAX_STUDY_CELLS:
            raise Problem("error.study_cells", cells=self.n_cells, limit=MAX_STUDY_CELLS)
        self.cells()  # each cell must be a valid run (batch size against the training images)

    @property
    def n_cells(self) -> int:
        return len(self.losses) * len(self.noise_rates) * self.repeats

    def cells(self) -> list[MnistConfig]:
        """The runs of the study, in training order: per seed and rate, every loss starts from the
        same initial weights and sees the same noisy labels (only the loss differs)."""
        return [MnistConfig(model=self.model, hidden=self.hidden, loss=loss, optimizer=self.optimizer, lr=self.lr,
                            momentum=self.momentum, batch_size=self.batch_size, epochs=self.epochs,
                            train_subset=self.train_subset, label_noise=rate, noise_kind=self.noise_kind,
                            seed=(self.seed + i) % (MAX_SEED + 1))
                for i in range(self.repeats) for rate in self.noise_rates for loss in self.losses]


@dataclass(frozen=True)
class SliceConfig(_Config):
    """A 2-D slice of a finished MNIST run's loss landscape: a plane through its final weights, computed as a job."""

    task: ClassVar[str] = "slice"
    needs_store: ClassVar[bool] = True  # reads the run's stored weight trajectory: not a command-line training
    run: str = declare("", str, widget="none", url=False)  # the MNIST run it slices
    method: str = declare("pca", str, widget="radio", choices=lambda: ("pca", "random"))
    grid: int = declare(41, int, low=11, high=61)
    images: int = declare(1000, int, low=100, high=10_000)  # the fixed training images the loss is measured on
    seed: int = _seed()  # the random directions'

    def __post_init__(self):
        validate(self)
        if not (0 < len(self.run) <= 64 and all(c.isalnum() or c in "-_" for c in self.run)):
            raise Problem("error.slice_run", got=repr(self.run[:40]))


CONFIGS = {"regression": RegressionConfig, "mnist": MnistConfig, "study": StudyConfig, "slice": SliceConfig}


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
        raise Problem("error.json", why=exc.msg) from None
    if not isinstance(d, dict):
        raise Problem("error.json_object")
    return config_from_dict(d)
