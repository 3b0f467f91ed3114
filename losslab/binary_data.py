"""The binary lab's points: shapes from TensorFlow Playground and the textbooks (two blobs, moons,
circles, XOR, a spiral) or an upload; then seeded label flips and far outliers, training points
only (the test points keep their true labels: test accuracy measures the real boundary)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .config import BinaryConfig


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
