"""A 2-D slice of a finished MNIST run's loss landscape (Li et al. 2018, "Visualizing the Loss
Landscape of Neural Nets"): the loss on a plane through the final weights, spanned by

- "pca": the first two principal components of the run's stored weight trajectory (the plane the
  run moved in most), with the trajectory projected onto it; or
- "random": two random directions, filter-normalised (each output unit's row scaled to the norm
  of the same row of the weights; biases left out), so the picture does not depend on scale.

A slice is a view, not the landscape: the run moved in all of its thousands of dimensions. The
result says how far to trust it: the explained variance of the two components, and the gap
between the true loss at each checkpoint and the plane's loss at its projection."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import torch

from .config import MnistConfig, SliceConfig
from .models import build_model
from .labs.mnist import mnist_data
from .training import Reporter, Result


def trajectory(blobs: list[bytes]) -> torch.Tensor:
    """Stored float16 checkpoints back to a (k, P) float32 tensor."""
    return torch.from_numpy(np.stack([np.frombuffer(b, dtype=np.float16) for b in blobs]).astype(np.float32))


def pca_directions(weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """The first two principal components of the checkpoints' offsets from the final weights,
    and the share of the trajectory's variance each explains."""
    offsets = weights[:-1] - weights[-1]
    centred = offsets - offsets.mean(dim=0)
    _, s, vh = torch.linalg.svd(centred.double(), full_matrices=False)
    total = float((s ** 2).sum()) or 1.0
    explained = [float(s[i] ** 2) / total if i < len(s) else 0.0 for i in range(2)]
    d1 = vh[0].float()
    d2 = vh[1].float() if len(vh) > 1 else torch.zeros_like(d1)
    return d1, d2, explained


def random_directions(model, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two filter-normalised Gaussian directions for this model's parameters."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(2):
        parts = []
        for p in model.parameters():
            d = torch.randn(p.shape, generator=g)
            if p.dim() >= 2:  # one filter per output unit: scale each row to the weights' row norm
                d = d * (p.detach().norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True).clamp_min(1e-12))
            else:
                d = torch.zeros_like(d)  # Li et al.: biases are not perturbed
            parts.append(d.flatten())
        out.append(torch.cat(parts))
    return out[0], out[1]


class _Evaluator:
    """The source run's model and loss on fixed images: the loss (training images, the labels it
    trained on) and accuracy (test images) at any flat weight vector."""

    def __init__(self, source: MnistConfig, images: int):
        self.model = build_model(source)
        data = mnist_data(source)
        n = min(images, len(data.rows))
        self.x, self.y = data.train_x[data.rows[:n]], data.train_y[:n]
        self.test_x, self.test_y = data.test_x[:images], data.test_y[:images]
        self.loss_fn, self.param = source.loss_fn, source.loss_fn.resolve_param(source.loss_param)

    @torch.no_grad()
    def __call__(self, w: torch.Tensor) -> tuple[float, float]:
        torch.nn.utils.vector_to_parameters(w, self.model.parameters())
        loss = float(self.loss_fn.fn(self.model(self.x), self.y, self.param))
        accuracy = float((self.model(self.test_x).argmax(dim=1) == self.test_y).double().mean())
        return loss, accuracy


def run_slice(config: SliceConfig, source: MnistConfig, steps: list[int], weights: torch.Tensor,
              reporter: Optional[Reporter] = None, should_stop: Optional[Callable[[], bool]] = None) -> Result:
    reporter = reporter or Reporter()
    should_stop = should_stop or (lambda: False)
    evaluate = _Evaluator(source, config.images)
    final = weights[-1]
    if config.method == "pca":
        d1, d2, explained = pca_directions(weights)
    else:
        torch.nn.utils.vector_to_parameters(final, evaluate.model.parameters())
        d1, d2 = random_directions(evaluate.model, config.seed)
        explained = None
    path = [(float((w - final) @ d1), float((w - final) @ d2)) for w in weights]
    if config.method == "pca":  # the plane around the path, with a margin
        a_lo, a_hi = min(p[0] for p in path), max(p[0] for p in path)
        b_lo, b_hi = min(p[1] for p in path), max(p[1] for p in path)
        pad_a, pad_b = 0.2 * ((a_hi - a_lo) or 1.0), 0.2 * ((b_hi - b_lo) or 1.0)
        alphas = np.linspace(a_lo - pad_a, a_hi + pad_a, config.grid)
        betas = np.linspace(b_lo - pad_b, b_hi + pad_b, config.grid)
    else:  # one filter-norm each way
        alphas = betas = np.linspace(-1.0, 1.0, config.grid)
    loss, accuracy = [], []
    for i, b in enumerate(betas):
        if should_stop():
            return Result("stopped", i)
        row = [evaluate(final + float(a) * d1 + float(b) * d2) for a in alphas]
        loss.append([v[0] for v in row])
        accuracy.append([v[1] for v in row])
        reporter.metric(i + 1, 0, "slice", "rows", i + 1)
        reporter.progress(i + 1, config.grid)
    path_loss = [evaluate(w)[0] for w in weights]
    plane_loss = [evaluate(final + a * d1 + b * d2)[0] for a, b in path]
    reporter.snapshot(config.grid, "slice", {
        "method": config.method, "alphas": alphas.tolist(), "betas": betas.tolist(), "loss": loss,
        "accuracy": accuracy, "path": path, "steps": steps, "explained": explained, "path_loss": path_loss,
        "plane_loss": plane_loss, "images": len(evaluate.y), "source": config.run})
    gaps = [abs(p - q) for p, q in zip(path_loss, plane_loss)]
    return Result("completed", config.grid, {"max_gap": max(gaps), "explained": sum(explained) if explained else None})
