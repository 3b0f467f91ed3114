"""A 2-D slice of a finished MNIST run's loss landscape (Li et al. 2018, "Visualizing the Loss
Landscape of Neural Nets"): the loss on a plane through the final weights, spanned by

- "pca": the first two principal components of the run's stored weight trajectory (the plane the
  run moved in most), with the trajectory projected onto it; or
- "random": two random directions, filter-normalised (each output unit's row scaled to the norm
  of the same row of the weights; biases left out), so the picture does not depend on scale.

Each point is exact on all the run's training images (loss) and all test images (accuracy), and
fast (losslab/plane.py). A slice is a view, not the landscape: the run moved in all of its
thousands of dimensions. The result says how far to trust it: the explained variance of the two
components, and per checkpoint its distance off the plane and the gap between its true loss and
the plane's loss at its projection (losslab/fidelity.py judges them)."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import torch

from .config import MnistConfig, SliceConfig
from .labs.mnist import mnist_data
from .models import build_model
from .plane import Plane, checkpoint_losses, grid_rows, source_data
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


class DirectEvaluator:
    """The reference the plane is checked against (tests, benchmarks/landscape.py): the source run's
    model built at a flat weight vector and called on the images, one point at a time."""

    def __init__(self, source: MnistConfig, images: int):
        self.model = build_model(source)
        data = mnist_data(source)
        n = len(data.rows) if not images else min(images, len(data.rows))
        self.x, self.y = data.train_x[data.rows[:n]], data.train_y[:n]
        self.test_x, self.test_y = (data.test_x, data.test_y) if not images else (data.test_x[:images], data.test_y[:images])
        self.loss_fn, self.param = source.loss_fn, source.loss_fn.resolve_param(source.loss_param)

    @torch.no_grad()
    def __call__(self, w: torch.Tensor) -> tuple[float, float]:
        torch.nn.utils.vector_to_parameters(w, self.model.parameters())
        loss = float(self.loss_fn.fn(self.model(self.x), self.y, self.param))
        accuracy = float((self.model(self.test_x).argmax(dim=1) == self.test_y).double().mean())
        return loss, accuracy


def off_plane(weights: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor) -> list[float]:
    """Per checkpoint, the share of its distance from the final weights that lies off the plane
    (orthonormal d1, d2 through the final weights): 0 on the plane, 1 at right angles to it.
    Relative to that distance, not absolute: every checkpoint near the end is near the plane in
    absolute terms, whatever its direction; the share (the sine of the angle between the offset and
    the plane) compares early and late checkpoints on one scale. The final weights count as 0."""
    offsets = (weights - weights[-1]).double()
    basis = torch.stack([d1, d2]).double()
    residual = offsets - (offsets @ basis.T) @ basis
    norms = offsets.norm(dim=1)
    return torch.where(norms > 0, residual.norm(dim=1) / norms.clamp_min(1e-300), 0.0).tolist()


def run_slice(config: SliceConfig, source: MnistConfig, steps: list[int], weights: torch.Tensor,
              reporter: Optional[Reporter] = None, should_stop: Optional[Callable[[], bool]] = None) -> Result:
    reporter = reporter or Reporter()
    should_stop = should_stop or (lambda: False)
    data = source_data(source, config.images)
    final = weights[-1]
    if config.method == "pca":
        d1, d2, explained = pca_directions(weights)
    else:
        model = build_model(source)
        torch.nn.utils.vector_to_parameters(final, model.parameters())
        d1, d2 = random_directions(model, config.seed)
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
    plane = Plane(origin=final, u=d1, v=d2, **data)
    rows = grid_rows(plane, alphas, betas, torch.get_num_threads())
    loss, accuracy = [], []
    for i in range(len(betas)):
        if should_stop():
            rows.close()
            return Result("stopped", i)
        row_loss, row_accuracy = next(rows)
        loss.append(row_loss)
        accuracy.append(row_accuracy)
        reporter.metric(i + 1, 0, "slice", "rows", i + 1)
        reporter.progress(i + 1, config.grid)
    path_loss = checkpoint_losses(data["model"], data["shapes"], weights, data["x"], data["y"], data["loss_fn"],
                                  data["param"])
    plane_loss = plane.losses(torch.tensor([p[0] for p in path]), torch.tensor([p[1] for p in path])).tolist()
    reporter.snapshot(config.grid, "slice", {
        "method": config.method, "alphas": alphas.tolist(), "betas": betas.tolist(), "loss": loss,
        "accuracy": accuracy, "path": path, "steps": steps, "explained": explained, "path_loss": path_loss,
        "plane_loss": plane_loss, "images": len(data["y"]), "test_images": len(data["test_y"]),
        "off_plane": off_plane(weights, d1, d2) if config.method == "pca" else None, "source": config.run})
    gaps = [abs(p - q) for p, q in zip(path_loss, plane_loss)]
    return Result("completed", config.grid, {"max_gap": max(gaps), "explained": sum(explained) if explained else None})
