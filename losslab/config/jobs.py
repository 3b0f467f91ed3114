"""Configs of jobs built on the labs: a label-noise study (a grid of MNIST runs), a landscape slice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import losses
from ..fields import declare, validate
from ..i18n import Problem
from .base import (MAX_SEED, MNIST_TRAIN_SIZE, _Config, _batch_size, _hidden, _lr, _mnist_epochs, _mnist_model,
                   _momentum, _noise_kind, _optimizer, _seed, _train_subset)
from .labs import MnistConfig

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
    model: str = _mnist_model("mlp")
    hidden: int = _hidden()
    optimizer: str = _optimizer("sgd")
    lr: float = _lr(0.01)
    momentum: float = _momentum(0.9)
    batch_size: int = _batch_size()
    epochs: int = _mnist_epochs(20)
    train_subset: int = _train_subset(10_000)
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
    # 0: all the run's training images (loss) and all 10,000 test images (accuracy), exact and fast
    # (losslab/plane.py); n: the first n of each, as every slice stored before measured (1,000).
    images: int = declare(0, int, low=0, high=MNIST_TRAIN_SIZE)
    seed: int = _seed()  # the random directions'

    def __post_init__(self):
        validate(self)
        if not (0 < len(self.run) <= 64 and all(c.isalnum() or c in "-_" for c in self.run)):
            raise Problem("error.slice_run", got=repr(self.run[:40]))
