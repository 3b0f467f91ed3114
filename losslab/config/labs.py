"""The labs' run configs: a line fitted to points, a digit classifier, two classes in the plane."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Optional

from ..fields import check_number as _check_number
from ..fields import declare, validate
from .. import edits as point_edits
from ..i18n import Problem
from .base import (MAX_UPLOAD_ROWS, MNIST_TRAIN_SIZE, _Config, _batch_size, _hidden, _mnist_epochs, _mnist_model,
                   _train_subset, check_points, _loss, _loss_param, _lr, _momentum, _noise_kind,
                   _optimizer, _schedule, _seed, _speed)


@dataclass(frozen=True)
class RegressionConfig(_Config):
    """A line fitted to (x, y) points: the seed's height/weight, MSE, Adam lr 0.1, 10,000 epochs, but trained
    on standardised heights with a decaying step, so every convex loss reaches its own minimum (the
    seed's own program, raw heights and a constant step, is the built-in "seed" lesson)."""

    task: ClassVar[str] = "regression"
    data: str = declare("seed", str, widget="radio", choices=lambda: ("seed", "synthetic", "custom"))
    # ((x, y), ...) for data="custom": an uploaded CSV, never a link (see MAX_UPLOAD_ROWS)
    points: Optional[tuple] = declare(None, tuple, widget="none", optional=True, url=False)
    n_points: int = declare(50, int, low=2, high=1000, widget="slider", shown_when=lambda v: v.get("data") == "synthetic")
    outliers: int = declare(0, int, low=0, high=100)
    outlier_offset: float = declare(40.0, float, unit="kg", low=-1000.0, high=1000.0)
    noise: float = declare(0.0, float, unit="kg", low=0.0, high=1000.0)
    # Points a student removed or added on the chart or in the points table ("-3,180.5:95.2", losslab.edits).
    # They apply to the points the fields above produce, outliers included: a click removes exactly the dot
    # that is drawn (an injected outlier too), and noise, outliers and the seed keep meaning what they say.
    # x_scale comes after them: the heights are standardised with the edited points' own mean and sd,
    # because the scale belongs to what the model trains on, not to the data before the student's changes.
    edits: str = declare("", str, widget="none")
    # standardised: the model sees z = (x − mean) / sd (the optimizer's round bowl); lines, points and
    # the landscape stay in cm. raw: the seed's Linear on centimetres (a valley ~10⁵ times narrower).
    x_scale: str = declare("standardised", str, widget="radio", choices=lambda: ("raw", "standardised"))
    model: str = declare("linear_regression", str, widget="none", choices=lambda: ("linear_regression",))
    loss: str = _loss("regression", "mse")
    loss_param: Optional[float] = _loss_param()
    # where the line starts: the seed's random weights, or the MAE (least absolute deviations) line,
    # the robust start a non-convex loss (Tukey, Cauchy) needs to find its global minimum
    init: str = declare("seed", str, widget="radio", choices=lambda: ("seed", "l1_line"))
    optimizer: str = _optimizer("adam")
    lr: float = _lr(0.1)
    momentum: float = _momentum()
    schedule: str = _schedule()
    epochs: int = declare(10_000, int, low=1, high=100_000)  # full batch: one step per epoch
    seed: int = _seed()
    eval_every: int = declare(1, int, low=1, high=1_000_000)
    speed: float = _speed()

    def __post_init__(self):
        validate(self)
        if self.data == "custom":
            check_points(self.points, 2, "error.points_few", "error.points_pairs")
        elif self.points is not None:
            raise Problem("error.points_unused")
        if self.edits:
            generated = {"custom": len(self.points or ()), "synthetic": self.n_points}.get(self.data, 10) + self.outliers
            parsed = point_edits.parse(self.edits)
            point_edits.check(parsed, generated, in_cm_kg=self.data != "custom")
            object.__setattr__(self, "edits", point_edits.text(parsed))  # one text per edit: equal runs, equal configs
        self._check_loss()


@dataclass(frozen=True)
class MnistConfig(_Config):
    """A digit classifier. Defaults are the seed: Linear(784, 10), cross-entropy, SGD lr 0.01, batch 64, 10 epochs."""

    task: ClassVar[str] = "mnist"
    model: str = _mnist_model("linear")
    hidden: int = _hidden()
    loss: str = _loss("multiclass", "cross_entropy")
    loss_param: Optional[float] = _loss_param()
    optimizer: str = _optimizer("sgd")
    lr: float = _lr(0.01)
    momentum: float = _momentum()
    batch_size: int = _batch_size()
    epochs: int = _mnist_epochs(10)
    train_subset: int = _train_subset(0)
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


BINARY_DATA = ("blobs", "moons", "circles", "xor", "spiral", "custom")
BINARY_FEATURES = ("squares", "product", "sin")  # extra inputs, as TensorFlow Playground offers them


@dataclass(frozen=True)
class BinaryConfig(_Config):
    """Two classes of points in the plane and a decision boundary. Defaults: two blobs, logistic regression, BCE with
    logits, Adam η = 0.1 decaying over 500 epochs (every convex loss ends within 0.2 % of its exact minimum)."""

    task: ClassVar[str] = "binary"
    data: str = declare("blobs", str, widget="select", choices=lambda: BINARY_DATA)
    # ((x1, x2, label), ...) for data="custom": an uploaded CSV, never a link
    points: Optional[tuple] = declare(None, tuple, widget="none", optional=True, url=False)
    n_points: int = declare(200, int, low=10, high=2000, widget="slider", shown_when=lambda v: v.get("data") != "custom")
    separation: float = declare(3.0, float, low=0.0, high=10.0, shown_when=lambda v: v.get("data") == "blobs")
    spread: float = declare(1.0, float, low=0.05, high=5.0, shown_when=lambda v: v.get("data") == "blobs")
    noise: float = declare(0.1, float, low=0.0, high=1.0, shown_when=lambda v: v.get("data") not in ("blobs", "custom"))
    flips: float = declare(0.0, float, unit="%", low=0.0, high=50.0, widget="slider", step=1.0)
    outliers: int = declare(0, int, low=0, high=50)
    outlier_distance: float = declare(2.0, float, low=0.0, high=10.0)
    test_share: float = declare(0.25, float, low=0.0, high=0.5)
    model: str = declare("logistic", str, widget="select", choices=lambda: ("logistic", "net"))
    hidden: int = declare(8, int, low=1, high=64, shown_when=lambda v: v.get("model") == "net")
    depth: int = declare(1, int, low=1, high=3, shown_when=lambda v: v.get("model") == "net")
    activation: str = declare("tanh", str, widget="radio", choices=lambda: ("tanh", "relu", "sigmoid"),
                              shown_when=lambda v: v.get("model") == "net")
    features: tuple = declare((), tuple, item=str, widget="multiselect", optional=True, choices=lambda: BINARY_FEATURES)
    loss: str = _loss("binary", "bce_logits")
    loss_param: Optional[float] = _loss_param()
    optimizer: str = _optimizer("adam")
    lr: float = _lr(0.1)
    momentum: float = _momentum()
    schedule: str = _schedule()
    epochs: int = declare(500, int, low=1, high=5000)  # with the cosine step: every convex loss within 0.2 % of its minimum
    batch_size: int = declare(0, int, low=0, high=MAX_UPLOAD_ROWS)  # 0 = every training point at once
    seed: int = _seed()
    speed: float = _speed()

    def __post_init__(self):
        validate(self)
        if self.data == "custom":
            check_points(self.points, 3, "error.binary_points_few", "error.binary_points")
        elif self.points is not None:
            raise Problem("error.points_unused")
        self._check_loss()

    @property
    def n_inputs(self) -> int:
        return 2 + 2 * ("squares" in self.features) + ("product" in self.features) + 2 * ("sin" in self.features)
