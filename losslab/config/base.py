"""What every config shares: limits, the declarations several labs reuse, JSON round-trip."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import ClassVar

from .. import fields, losses, models
from ..fields import check_number as _check_number
from ..fields import declare
from ..i18n import Problem

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


def _schedule(default: str = "cosine"):
    # cosine: η·½(1 + cos(π·t/T)) over the run's T steps. A constant step leaves a non-smooth loss
    # (MAE, quantile, hinge) circling its kink at a distance ~η; decaying it lands on the minimum.
    return declare(default, str, widget="radio", choices=lambda: SCHEDULES)


SCHEDULES = ("constant", "cosine")


# --- the MNIST model and its data: one declaration for the lab and the noise study --------
MNIST_MAX_EPOCHS = 50
MAX_HIDDEN = 4096


def _mnist_epochs(default: int):
    return declare(default, int, low=1, high=MNIST_MAX_EPOCHS)


def _hidden(default: int = 128):
    return declare(default, int, low=1, high=MAX_HIDDEN, shown_when=lambda v: v.get("model") == "mlp")


def _mnist_model(default: str):
    return declare(default, str, widget="select", choices=lambda: ("linear", "mlp"))


def _batch_size():
    return declare(64, int, low=1, high=MNIST_TRAIN_SIZE)  # at most the training images (checked with the subset)


def _train_subset(default: int):
    return declare(default, int, low=0, high=MNIST_TRAIN_SIZE)  # 0 = all 60,000


def _seed():
    return declare(0, int, low=0, high=MAX_SEED)


def _speed():
    return declare(0.0, float, widget="select_slider", choices=lambda: SPEEDS)


# Asymmetric label noise flips each image of a class to one look-alike class (Patrini et al. 2017's
# MNIST pairs): the kind of mistake a tired annotator makes, harder than uniform noise.
NOISE_PAIRS = {2: 7, 3: 8, 5: 6, 6: 5, 7: 1}


def _noise_kind(shown_when=None):
    return declare("symmetric", str, widget="radio", choices=lambda: ("symmetric", "pairs"), shown_when=shown_when)


def check_points(points, columns: int, few_key: str, shape_key: str) -> None:
    """Uploaded rows for data='custom': at least 2, at most MAX_UPLOAD_ROWS, each `columns` long
    with finite numbers (the binary lab's third column, the label, must be 0 or 1)."""
    if not points or len(points) < 2:
        raise Problem(few_key)
    if len(points) > MAX_UPLOAD_ROWS:
        raise Problem("error.points_many", limit=MAX_UPLOAD_ROWS, got=len(points))
    for p in points:
        numbers = p[:2]
        if (len(p) != columns or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in numbers)
                or (columns == 3 and p[2] not in (0, 1))):
            raise Problem(shape_key, got=repr(p)[:60])


CONFIGS: dict = {}  # task → config class: every config class registers itself by its task when defined


class _Config:
    """Shared behaviour: JSON round-trip, replacement with re-validation, loss checks."""

    task: ClassVar[str]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        CONFIGS[cls.task] = cls  # a lab's module declares its config once; links, the store and the CLI read it

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

