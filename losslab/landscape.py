"""The regression lab's loss landscape: the loss over (slope, intercept) on the run's own data.

With two weights the landscape is exact, not a slice: every grid point is the loss the run would
have with that line. Computed in float64, vectorised over the grid (torch.func.vmap over the
registry's own loss function, so the surface is the loss the run trains on), once per run."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.func import vmap

from . import datasets
from .config import RegressionConfig
from .labs.regression import exact_line, regression_data, training_inputs

CHUNK = 4_000_000  # grid points × data points per vectorised batch: bounded memory for 10,000 uploaded points


def _data(config: RegressionConfig):
    x, y = regression_data(config)
    return x.flatten().double(), y.flatten().double()


def losses_on(config: RegressionConfig, slopes: torch.Tensor, intercepts: torch.Tensor) -> torch.Tensor:
    """The run's loss for each (slope, intercept) pair in the data's units (1-D tensors of equal length), float64."""
    x, y = _data(config)
    fn, param = config.loss_fn.fn, config.loss_fn.resolve_param(config.loss_param)
    one = vmap(lambda w, b: fn(w * x + b, y, param))
    step = max(1, CHUNK // max(1, len(x)))
    return torch.cat([one(slopes[i:i + step], intercepts[i:i + step]) for i in range(0, len(slopes), step)])


def loss_at(config: RegressionConfig, slope: float, intercept: float) -> float:
    return float(losses_on(config, torch.tensor([slope], dtype=torch.float64),
                           torch.tensor([intercept], dtype=torch.float64))[0])


@dataclass(frozen=True)
class Surface:
    slopes: list          # the grid's axes (len n and m)
    intercepts: list
    z: list               # z[i][j]: loss at intercepts[i], slopes[j] (Plotly's row-major order)
    minimum: tuple        # the loss's own minimum (slope, intercept, loss), found by zooming grids
    least_squares: tuple  # the closed-form MSE optimum (slope, intercept)


def grid(config: RegressionConfig, slope_range, intercept_range, n: int = 200) -> list:
    s = torch.linspace(*slope_range, n, dtype=torch.float64)
    b = torch.linspace(*intercept_range, n, dtype=torch.float64)
    S, B = torch.meshgrid(s, b, indexing="xy")  # rows: intercepts, columns: slopes
    return losses_on(config, S.reshape(-1), B.reshape(-1)).reshape(n, n).tolist()


def least_squares(config: RegressionConfig) -> tuple[float, float]:
    """The closed-form MSE line of the run's data (datasets.least_squares on them)."""
    return datasets.least_squares(*_data(config))


def own_minimum(config: RegressionConfig) -> tuple[float, float, float]:
    """The loss's own best line (slope, intercept, loss): exact where an exact answer exists
    (closed form, linear programme, Newton on a convex loss), else a global search (minima.line)."""
    best = exact_line(config)
    return best.theta[0], best.theta[1], best.loss


def window(points: list[tuple[float, float]], pad: float = 0.15) -> tuple[tuple, tuple]:
    """Slope and intercept ranges that hold every given (slope, intercept), with a margin."""
    s = [p[0] for p in points]
    b = [p[1] for p in points]
    ds, db = (max(s) - min(s)) or 1.0, (max(b) - min(b)) or 1.0
    return (min(s) - pad * ds, max(s) + pad * ds), (min(b) - pad * db, max(b) + pad * db)


def surface(config: RegressionConfig, start: tuple[float, float], n: int = 200) -> Surface:
    """The landscape around the run's start, its own minimum and the least-squares line."""
    ls = least_squares(config)
    own = own_minimum(config)
    s_range, b_range = window([start, ls, own[:2]])
    return Surface(torch.linspace(*s_range, n, dtype=torch.float64).tolist(),
                   torch.linspace(*b_range, n, dtype=torch.float64).tolist(),
                   grid(config, s_range, b_range, n), own, ls)


def point_gradients(config: RegressionConfig, slope: float, intercept: float) -> tuple[list, list]:
    """Each point's share of the gradient of the mean loss with respect to (slope, intercept):
    [(d/dslope, d/dintercept) per point], summing to the total gradient (also returned)."""
    x, y = _data(config)
    w = torch.tensor(slope, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(intercept, dtype=torch.float64, requires_grad=True)
    fn, param = config.loss_fn.fn, config.loss_fn.resolve_param(config.loss_param)
    n = len(x)
    # The mean over n points is (1/n) Σ ℓ_i: point i's share is (1/n) ∇ℓ_i, the loss of one point alone.
    per_point = vmap(lambda xi, yi: torch.func.grad(lambda wb: fn(wb[0] * xi.unsqueeze(0) + wb[1], yi.unsqueeze(0),
                                                                    param))(torch.stack([w, b]).detach()))(x, y) / n
    total = torch.autograd.grad(fn(w * x + b, y, param), (w, b))
    return per_point.tolist(), [float(total[0]), float(total[1])]


@dataclass(frozen=True)
class Conditioning:
    """The MSE landscape's curvature on these data: a bowl whose Hessian is constant."""

    eigenvalues: tuple   # (λmin, λmax)
    condition: float     # κ = λmax / λmin
    max_sgd_lr: float    # 2 / λmax: full-batch SGD (no momentum) on MSE diverges above it


def conditioning(config: RegressionConfig) -> Conditioning:
    """H of mean((w·x + b − y)²) is 2·[[mean x², mean x], [mean x, 1]], whatever the loss chosen:
    the step-size limit of the lesson is MSE's, in the coordinates the optimizer sees (x or z)."""
    x, _ = training_inputs(config)
    x = x.flatten().double()
    mx, mxx = float(x.mean()), float((x * x).mean())
    h = 2 * torch.tensor([[mxx, mx], [mx, 1.0]], dtype=torch.float64)
    lo, hi = (float(v) for v in torch.linalg.eigvalsh(h))
    return Conditioning((lo, hi), hi / lo if lo > 0 else math.inf, 2 / hi)
