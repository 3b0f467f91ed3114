"""The regression lab's (learning rate, momentum) map: for full-batch SGD with momentum as torch
runs it (heavy ball: v ← βv + g, θ ← θ − ηv) the asymptotic convergence rate per step on the
run's own data, exact for MSE (a quadratic), local at the loss's own minimum for other losses.

Near a minimum with Hessian H, each eigen-direction (eigenvalue λ) of the error e = θ − θ*
follows e' = (1 + β − ηλ)·e − β·e_prev: its rate is the spectral radius of the 2 × 2 companion
matrix, max |r| over the roots of r² − (1 + β − ηλ)·r + β = 0; the run's rate is the slower of
the two directions. Rates are computed as 1 − rate (the gap), without cancellation, so the
10⁻¹⁰ gaps of raw heights (κ ≈ 4·10⁶) keep their digits."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import fields
from .config import RegressionConfig
from .labs.regression import exact_line, standardiser, training_inputs
from .lazy import LazyModule

torch = LazyModule("torch")

GRID = 200            # cells per axis
LOWEST = 1e-3         # the map starts at η = LOWEST / λmax: rates there are ~1 − 10⁻³/κ
BEYOND = 5.0          # and ends at η = BEYOND / λmax, past the edge 2(1 + β)/λmax for every β ≤ 0.99
FLAT = 1e-12          # λmin below FLAT · λmax: no curvature in one direction, no rate


@dataclass(frozen=True)
class Curvature:
    """The loss's Hessian in the model's own weights (w, b): on z when the heights are standardised."""
    eigenvalues: tuple     # (λmin, λmax)
    local: bool            # False: MSE, the same Hessian everywhere; True: at the loss's own minimum
    minimum: tuple         # (w, b) it was taken at, in the model's coordinates


@dataclass(frozen=True)
class Optimum:
    lr: float
    momentum: float
    rate: float
    capped: bool           # the free optimum's momentum is above the form's limit: this is the best within it
    free_momentum: float   # ((√κ − 1)/(√κ + 1))², whether or not it is allowed


@dataclass(frozen=True)
class StepMap:
    lrs: np.ndarray        # (GRID,) log-spaced η
    momenta: np.ndarray    # (GRID,) β from 0 to the form's limit
    gap: np.ndarray        # (GRID β, GRID η): 1 − rate; ≤ 0 where the run diverges (rate ≥ 1)
    curvature: Curvature
    optimum: Optimum
    current: Optional[tuple]  # (η, β, rate) of the config, when its optimizer is SGD

    @property
    def edge_lr(self) -> float:
        """The largest stable η without momentum, 2/λmax (with momentum β: 2(1 + β)/λmax)."""
        return edge(0.0, self.curvature.eigenvalues[1])


def gap(lr, momentum, lam):
    """1 − rate for one eigenvalue λ (arrays broadcast). With s = ηλ and a = 1 + β − s the roots are
    (a ± √(a² − 4β))/2: complex (a² < 4β) both have modulus √β; real and a ≥ 0 the larger is
    1 − 2s/(1 − β + s + √(a² − 4β)); a < 0 the larger in modulus is 1 − 2(2(1 + β) − s)/(2 + a + √…),
    which reaches 1 at s = 2(1 + β): beyond it the rate (−a + √…)/2 exceeds 1 (a negative gap)."""
    s = np.asarray(lr, dtype=float) * lam
    b = np.asarray(momentum, dtype=float)
    a = 1 + b - s
    d = a * a - 4 * b
    root = np.sqrt(np.maximum(d, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):  # each branch is computed everywhere, kept where it holds
        ahead = 2 * s / (1 - b + s + root)
        behind = 2 * (2 * (1 + b) - s) / (2 + a + root)
    stable = np.where(d < 0, 1 - np.sqrt(b), np.where(a >= 0, ahead, behind))
    return np.where(s >= 2 * (1 + b), 1 - (-a + root) / 2, stable)


def rate(lr, momentum, eigenvalues) -> np.ndarray:
    """The error's shrink factor per step: the slower of the two eigen-directions."""
    return 1 - np.minimum(gap(lr, momentum, eigenvalues[0]), gap(lr, momentum, eigenvalues[1]))


def edge(momentum, lam_max: float):
    """The η above which the run diverges: ηλmax = 2(1 + β), where a root passes −1."""
    return 2 * (1 + np.asarray(momentum, dtype=float)) / lam_max


def best_lr(momentum: float, eigenvalues) -> float:
    """The η with the lowest rate at this β. Below β* both directions' rates are balanced, one
    root of each at ∓ the same value: 1 + β − ηλmin = −(1 + β − ηλmax), η = 2(1 + β)/(λmin + λmax).
    From β* on every η in [(1 − √β)²/λmin, (1 + √β)²/λmax] gives √β: the window's geometric middle."""
    lo, hi = eigenvalues
    a, b = (1 - math.sqrt(momentum)) ** 2 / lo, (1 + math.sqrt(momentum)) ** 2 / hi
    return math.sqrt(a * b) if a <= b else 2 * (1 + momentum) / (lo + hi)


def optimum(eigenvalues, max_momentum: float) -> Optimum:
    """The fastest (η, β): β* = ((√κ − 1)/(√κ + 1))², η* = 4/(√λmax + √λmin)², rate √β* =
    (√κ − 1)/(√κ + 1), the double root where the complex window closes. Above the form's limit:
    the best η at the limit (best_lr), whose rate still falls as β grows towards β*."""
    lo, hi = eigenvalues
    k = math.sqrt(hi / lo)
    free = ((k - 1) / (k + 1)) ** 2
    if free <= max_momentum:
        return Optimum(4 / (math.sqrt(hi) + math.sqrt(lo)) ** 2, free, (k - 1) / (k + 1), False, free)
    lr = best_lr(max_momentum, eigenvalues)
    return Optimum(lr, max_momentum, float(rate(lr, max_momentum, eigenvalues)), True, free)


def _model_coordinates(config: RegressionConfig):
    """X = [input, 1] (n, 2) and y (n, 1) in float64: what the model's (w, b) multiplies."""
    x, y = training_inputs(config)
    x = x.detach().double().reshape(-1, 1)
    return torch.cat([x, torch.ones_like(x)], dim=1), y.detach().double().reshape(-1, 1)


@functools.lru_cache(maxsize=128)
def curvature(config: RegressionConfig) -> Optional[Curvature]:
    """MSE: H = 2/n Σ [xᵢ, 1][xᵢ, 1]ᵀ exactly, the same at every (w, b). Another loss: its Hessian
    (autograd, float64) at its own exact minimum, moved into the model's coordinates (w = slope·sd,
    b = intercept + slope·mean). None when there is none to use: a piecewise-linear loss (zero
    curvature off its kinks, undefined on them) or no curvature in some direction at the minimum."""
    loss = config.loss_fn
    if loss.kinks is not None:
        return None
    X, y = _model_coordinates(config)
    if loss.closed_form:
        h = 2 * X.T @ X / len(X)
        theta = torch.linalg.lstsq(X, y).solution.flatten()
    else:
        mean, sd = standardiser(config)
        slope, intercept = exact_line(config).theta
        theta = torch.tensor([slope * sd, intercept + slope * mean], dtype=torch.float64)
        param = loss.resolve_param(config.loss_param)
        h = torch.func.hessian(lambda th: loss.fn((X @ th).unsqueeze(1), y, param))(theta)
    lo, hi = (float(v) for v in torch.linalg.eigvalsh(h))
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= FLAT * hi:
        return None
    return Curvature((lo, hi), not loss.closed_form, tuple(float(v) for v in theta))


def limits() -> tuple[float, float]:
    """The form's largest η and β: the map offers nothing the form would refuse."""
    specs = fields.specs(RegressionConfig)
    return float(specs["lr"].high), float(specs["momentum"].high)


def grid(eigenvalues, include: Optional[float] = None, n: int = GRID) -> tuple:
    """(η, β, gap) over the map: η log-spaced from LOWEST/λmax to BEYOND/λmax (widened to show
    `include`, the config's own η), β from 0 to the form's limit; gap[i, j] at β_i, η_j."""
    top_lr, top_momentum = limits()
    lo, hi = LOWEST / eigenvalues[1], BEYOND / eigenvalues[1]
    if include:
        lo, hi = min(lo, include / 2), max(hi, include * 2)
    lrs = np.geomspace(lo, min(hi, top_lr), n)
    momenta = np.linspace(0.0, top_momentum, n)
    B, H = momenta[:, None], lrs[None, :]
    return lrs, momenta, np.minimum(gap(H, B, eigenvalues[0]), gap(H, B, eigenvalues[1]))


PICK_MOMENTA = np.round(np.arange(0.0, 1.0, 0.03), 2)  # 0, 0.03, …, 0.99: values the form's β slider holds
PICK_EVERY = 4                                         # one clickable η in 4 of the map's columns


def picks(lrs, eigenvalues) -> tuple:
    """The cells a click can choose, as (η, β, rate) flat arrays: η on the map's columns rounded to
    3 significant digits, β on the form's 0.01 steps (what a click writes into the form is exact)."""
    chosen = np.array([float(f"{v:.3g}") for v in np.asarray(lrs)[::PICK_EVERY]])
    H, B = np.meshgrid(chosen, PICK_MOMENTA)
    return H.ravel(), B.ravel(), rate(H.ravel(), B.ravel(), eigenvalues)


def step_map(config: RegressionConfig, n: int = GRID) -> Optional[StepMap]:
    """The map for a config's data and loss (None, see `curvature`, when there is none), with the
    config's own (η, β) when it trains with SGD."""
    found = curvature(config)
    if found is None:
        return None
    sgd = config.optimizer == "sgd"
    lrs, momenta, g = grid(found.eigenvalues, config.lr if sgd else None, n)
    current = (config.lr, config.momentum, float(rate(config.lr, config.momentum, found.eigenvalues))) if sgd else None
    return StepMap(lrs, momenta, g, found, optimum(found.eigenvalues, limits()[1]), current)
