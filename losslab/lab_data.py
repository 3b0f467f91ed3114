"""The data a run trains on, from its config: the regression points (seed, synthetic or uploaded,
with noise, outliers and the height scale) and the MNIST rows with their seeded label noise.
Deterministic: the same config always gives the same tensors."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from . import datasets, minima, snapshots
from .config import NOISE_PAIRS, MnistConfig, RegressionConfig
from .models import build_model


def regression_data(config: RegressionConfig):
    """The (x, y) points a regression config describes, in their own units (cm, kg), shape (n, 1) each."""
    if config.data == "custom":
        pts = torch.tensor(config.points, dtype=torch.float32)
        x, y = pts[:, :1], pts[:, 1:]
    elif config.data == "synthetic":
        x, y = datasets.synthetic_line(config.n_points, 0.75, -64.4, 3.0, config.seed)
    else:
        x, y = datasets.seed_points()
    return datasets.with_noise_and_outliers(x, y, config.noise, config.outliers, config.outlier_offset, config.seed)


def standardiser(config: RegressionConfig) -> tuple[float, float]:
    """(mean, sd) the model's input is standardised with: z = (x − mean) / sd; (0, 1) on raw heights.
    Population sd: mean z² = 1, so MSE's Hessian in (w, b) is 2·I and κ = 1."""
    if config.x_scale != "standardised":
        return 0.0, 1.0
    x, _ = regression_data(config)
    return float(x.mean()), float(x.std(unbiased=False)) or 1.0


def training_inputs(config: RegressionConfig):
    """What the model trains on: (z or x, y), shape (n, 1) each."""
    x, y = regression_data(config)
    mean, sd = standardiser(config)
    return ((x - mean) / sd if config.x_scale == "standardised" else x), y


@functools.lru_cache(maxsize=256)
def exact_line(config: RegressionConfig):
    """The loss's own best line on the run's points (minima.line: exact where an exact answer exists)."""
    x, y = regression_data(config)
    loss = config.loss_fn
    return minima.line(loss, loss.resolve_param(config.loss_param), x, y)


def regression_gap(config: RegressionConfig, loss: float, slope: float, intercept: float) -> dict:
    """How far a line is from its loss's own minimum: the relative excess loss and the largest
    distance between the two lines over the data's x range (in y's unit), with the minimum itself."""
    best = exact_line(config)
    x, _ = regression_data(config)
    lo, hi = float(x.min()), float(x.max())
    distance = max(abs((slope - best.theta[0]) * v + intercept - best.theta[1]) for v in (lo, hi))
    return {"final/gap": minima.gap(loss, best.loss), "final/line_distance": distance, "minimum/loss": best.loss,
            "minimum/slope": best.theta[0], "minimum/intercept": best.theta[1]}


HELD_OUT = 5_000  # training images that fit the temperature of a finished MNIST run
MEMO_SAMPLE = 5_000  # noisy-label images the memorisation meter looks at (a bounded cost per evaluation)


@dataclass(frozen=True)
class MnistData:
    """train_x and test_x are the shared (memory-mapped) tensors of every image; a run trains on
    `rows` of train_x, whose labels (after the run's label noise) are train_y, in the same order."""

    train_x: "torch.Tensor"
    rows: "torch.Tensor"
    train_y: "torch.Tensor"
    test_x: "torch.Tensor"
    test_y: "torch.Tensor"
    # Training images for temperature scaling, with their true labels: ones the run did not train on
    # when it used a subset (`held_unseen`), else a seeded sample of the images it trained on.
    held_rows: "torch.Tensor" = None
    held_y: "torch.Tensor" = None
    held_unseen: bool = False
    # Positions (into rows/train_y) of up to MEMO_SAMPLE images whose label the noise changed.
    noisy: "torch.Tensor" = None


def mnist_data(config: MnistConfig) -> MnistData:
    """The rows a config trains on (the seeded subset) and their labels (seeded label noise).
    No image is copied: batches gather their rows from the shared tensor."""
    train_x, train_y, test_x, test_y = datasets.mnist_tensors()
    g = torch.Generator().manual_seed(config.seed)
    rows = torch.arange(len(train_x))
    if config.train_subset:
        perm = torch.randperm(len(train_x), generator=g)
        rows = perm[: config.train_subset]
        held = perm[config.train_subset: config.train_subset + HELD_OUT]
    else:  # every image trains: sample the calibration split with its own generator (training's RNG untouched)
        held = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(config.seed + 1))[:HELD_OUT]
    unseen = bool(config.train_subset) and len(held) > 0
    if not len(held):
        held = rows[:HELD_OUT]
    labels = train_y[rows].clone()
    if config.label_noise > 0 and config.noise_kind == "pairs":
        for source, target in NOISE_PAIRS.items():  # this share of each source class becomes its look-alike
            of_class = (train_y[rows] == source).nonzero().flatten()
            which = of_class[torch.randperm(len(of_class), generator=g)[:round(len(of_class) * config.label_noise / 100)]]
            labels[which] = target
    elif config.label_noise > 0:
        n_noisy = round(len(labels) * config.label_noise / 100)
        which = torch.randperm(len(labels), generator=g)[:n_noisy]
        # Shift by 1..9 so a noisy label is always a *wrong* class.
        labels[which] = (labels[which] + torch.randint(1, 10, (n_noisy,), generator=g)) % 10
    noisy = (labels != train_y[rows]).nonzero().flatten()[:MEMO_SAMPLE]
    return MnistData(train_x, rows, labels, test_x, test_y, held, train_y[held], unseen, noisy)


def regression_points(config: RegressionConfig) -> tuple[list[float], list[float], int]:
    """The run's data as plain lists (x, y) and how many of them are not injected outliers."""
    x, y = regression_data(config)
    return x.flatten().tolist(), y.flatten().tolist(), len(x) - config.outliers


def initial_line(config: RegressionConfig) -> tuple[float, float]:
    """(slope, intercept) in cm the run will start from: the seed fixes the weights, whatever the loss
    (or the MAE line, when the config starts there)."""
    if config.init == "l1_line":
        return exact_line(config.replace(loss="mae", loss_param=None)).theta
    w, b = _initial_line(config.seed, config.model)
    mean, sd = standardiser(config)
    return w / sd, b - w * mean / sd


@functools.lru_cache(maxsize=1024)
def _initial_line(seed: int, model: str) -> tuple[float, float]:
    # Once per seed in a server: every preview asked for it, and torch.manual_seed (in
    # build_model) also records a traceback for CUDA's lazy seeding, file stats and all.
    with torch.random.fork_rng():  # build_model seeds torch; the calling process's RNG stays as it was
        return snapshots.line_params(build_model(RegressionConfig(seed=seed, model=model)))
