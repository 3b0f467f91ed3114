"""The exact minimum of a loss over a linear model's weights: what a run should reach, so a run
knows how far it stopped from its loss's own answer. Prediction = X·θ (X: n × p, float64).

Exact where one exists: MSE in closed form; piecewise-linear losses (MAE, quantile,
ε-insensitive, hinge) as the linear programme's vertex, found by smoothing the kinks and then
solving for the vertex the smoothed optimum sits next to, with its optimality certificate
(0 in the subdifferential); smooth convex losses by damped Newton to machine precision;
non-convex losses by a global grid search in standardised coordinates, then Newton."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Optional

import torch
from torch.func import grad, hessian

METHODS = ("closed_form", "linear_programme", "convex", "global_search")


@dataclass(frozen=True)
class Minimum:
    theta: tuple          # the best weights (p values: slope, intercept for a line)
    loss: float           # the loss there
    method: str           # one of METHODS
    certified: bool       # optimality checked (KKT / a zero gradient and a PD Hessian / a global grid)


def _objective(loss, param, X, y):
    return lambda theta: loss.fn((X @ theta).unsqueeze(1), y, param)


def minimise(loss, param, X: torch.Tensor, y: torch.Tensor, start: Optional[torch.Tensor] = None) -> Minimum:
    """The minimum of mean loss(X·θ, y) over θ. X (n, p) and y (n, 1) are converted to float64."""
    X, y = X.double(), y.double().reshape(-1, 1)
    f = _objective(loss, param, X, y)
    if loss.closed_form:
        theta = torch.linalg.lstsq(X, y).solution.flatten()
        return Minimum(tuple(theta.tolist()), float(f(theta)), "closed_form", True)
    start = torch.zeros(X.shape[1], dtype=torch.float64) if start is None else start.double()
    if loss.kinks is not None:
        return _vertex(loss, param, X, y, start)
    if loss.is_convex(param):
        theta = _newton(f, start)
        return Minimum(tuple(theta.tolist()), float(f(theta)), "convex", _stationary(f, theta))
    raise ValueError(f"{loss.name} is not convex: use global_line() for a line, or no exact answer")


def _newton(f, theta: torch.Tensor, iterations: int = 200) -> torch.Tensor:
    """Damped Newton with a backtracking line search; a gradient step where the Hessian is not
    positive definite (non-convex polishing). Stops when a step no longer lowers f."""
    g_f, h_f = grad(f), hessian(f)
    value = float(f(theta))
    for _ in range(iterations):
        g, h = g_f(theta), h_f(theta)
        if not bool(torch.isfinite(g).all()):
            break
        try:
            scale = float(h.diagonal().abs().max()) or 1.0
            step = -torch.linalg.solve(h + 1e-14 * scale * torch.eye(len(theta), dtype=h.dtype), g)
            if float(step @ g) >= 0:  # not a descent direction: the Hessian is not PD here
                step = -g / scale
        except RuntimeError:
            step = -g
        t, improved = 1.0, False
        for _ in range(60):
            candidate = theta + t * step
            new = float(f(candidate))
            if new < value or (new == value and t == 1.0 and float(step.abs().max()) < 1e-15):
                improved = True
                break
            t *= 0.5
        if not improved:
            break
        converged = value - new <= 1e-16 * max(1.0, abs(value))
        theta, value = candidate, new
        if converged:
            break
    return theta


def _stationary(f, theta) -> bool:
    g = grad(f)(theta)
    h = hessian(f)(theta)
    return float(g.abs().max()) <= 1e-6 * max(1.0, float(h.diagonal().abs().max()) * float(theta.abs().max() + 1))


# --- piecewise-linear losses: a linear programme's vertex --------------------------------------

def _kink_table(loss, param, y: torch.Tensor):
    """Each point's kinks (predictions where its loss bends, (n, K)) and the jump of its slope there
    (right slope − left slope of the per-point loss, from autograd). A kink repeated in a row
    (ε = 0) keeps its jump once."""
    kinks = loss.kinks(y, param).double().reshape(len(y), -1)
    jumps = torch.stack([_slopes(loss, param, y, k + _h(k)) - _slopes(loss, param, y, k - _h(k)) for k in kinks.T], dim=1)
    for j in range(1, kinks.shape[1]):
        repeated = (kinks[:, :j] == kinks[:, j:j + 1]).any(dim=1)
        jumps[repeated, j] = 0.0
    return kinks, jumps


def _h(k):
    return 1e-7 * (1 + k.abs())


def _smoothed(loss, param, X, y, kinks, jumps, T: float):
    """The loss with each kink rounded off over a width ~T: relu(u) → T·softplus(u/T), i.e. adding
    jump · T · softplus(−|u| / T) per kink. Convex, smooth, and within jump·T·log 2 of the loss."""
    base = _objective(loss, param, X, y)

    def f(theta):
        pred = X @ theta
        u = (pred[:, None] - kinks).abs()
        return base(theta) + (jumps * T * torch.nn.functional.softplus(-u / T)).sum() / len(y)
    return f


def _vertex(loss, param, X, y, start) -> Minimum:
    n, p = X.shape
    f = _objective(loss, param, X, y)
    kinks, jumps = _kink_table(loss, param, y)
    scale = float(y.abs().max()) + float(kinks.abs().max()) + 1.0
    theta, T = start, scale
    while T > 1e-10 * scale:  # continuation: each smoothed optimum starts the next, sharper one
        theta = _newton(_smoothed(loss, param, X, y, kinks, jumps, T), theta, iterations=50)
        T *= 0.1
    best, best_value = theta, float(f(theta))
    # The LP's optimum is a vertex: p points on a kink each. Try the p-subsets of the kinks nearest
    # the smoothed optimum and keep the lowest exact value.
    distance = (X @ theta)[:, None] - kinks
    order = distance.abs().flatten().argsort()[: p + 4].tolist()
    near = [(i // kinks.shape[1], i % kinks.shape[1]) for i in order]
    for subset in itertools.combinations(near, p):
        rows = [i for i, _ in subset]
        if len(set(rows)) < p:
            continue
        A = X[rows]
        if abs(float(torch.linalg.det(A))) < 1e-12 * float(A.abs().max()) ** p:
            continue
        v = torch.linalg.solve(A, torch.stack([kinks[i, k] for i, k in subset]))
        value = float(f(v))
        if value < best_value - 1e-15 * max(1.0, abs(best_value)):
            best, best_value = v, value
    return Minimum(tuple(best.tolist()), best_value, "linear_programme",
                   _certified(loss, param, X, y, kinks, jumps, best, best_value))


def _certified(loss, param, X, y, kinks, jumps, theta, value) -> bool:
    """0 ∈ ∂f(θ): the slopes of the points off their kinks, plus for each point on a kink some slope
    between its left and right one, sum to zero (a least-squares solve for those slopes, then bounds)."""
    if value <= 0.0:
        return True  # every loss here is ≥ 0
    n, p = X.shape
    pred = X @ theta
    tol = 1e-9 * (1 + float(pred.abs().max()))
    on = (pred[:, None] - kinks).abs() <= tol
    active = on.any(dim=1)
    right = _slopes(loss, param, y, pred + _h(pred) * 1e-2)  # off a kink: its slope; on one: the right slope
    g0 = (right[~active, None] * X[~active]).sum(dim=0)
    if not bool(active.any()):
        return float(g0.abs().max()) <= 1e-9 * n
    if int(active.sum()) > p:
        return False  # a degenerate vertex: more points on kinks than weights (its value is still a vertex's)
    A = X[active]
    lam = torch.linalg.lstsq(A.T, -g0[:, None]).solution.flatten()
    fit = float((A.T @ lam + g0).abs().max())
    jump = (jumps * on).sum(dim=1)[active]
    inside = (lam <= right[active] + 1e-7) & (lam >= right[active] - jump - 1e-7)
    return bool(inside.all()) and fit <= 1e-7 * (1 + float(g0.abs().max()))


def _slopes(loss, param, y, pred) -> torch.Tensor:
    """d(per-point loss)/d prediction for every point at once (n × the mean's gradient)."""
    p = pred.detach().reshape(-1, 1).clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss.fn(p, y, param), p)
    return g.flatten() * len(y)


# --- a line (regression): the global search for non-convex losses -------------------------------

def global_line(loss, param, x: torch.Tensor, y: torch.Tensor, levels: int = 7, n: int = 41) -> Minimum:
    """The loss's own best line for any loss, by zooming grids in standardised coordinates
    (ŷ = a·z + c, z = (x − mean)/sd: the valley is round there, so a grid finds its floor however
    narrow it is on raw heights), from a first grid over the whole data range (the deepest of
    several local minima), then Newton from the best cell. Returned as (slope, intercept) in x's units."""
    x, y = x.double().flatten(), y.double().flatten()
    m, sd = float(x.mean()), float(x.std(unbiased=False)) or 1.0
    Z = torch.stack([(x - m) / sd, torch.ones_like(x)], dim=1)
    f = _objective(loss, param, Z, y[:, None])
    batched = torch.func.vmap(f)
    ls = torch.linalg.lstsq(Z, y[:, None]).solution.flatten()
    reach = 2 * float((y - y.mean()).abs().max()) + 1.0
    best = ls
    for _ in range(levels):
        a = torch.linspace(float(best[0]) - reach, float(best[0]) + reach, n, dtype=torch.float64)
        c = torch.linspace(float(best[1]) - reach, float(best[1]) + reach, n, dtype=torch.float64)
        A, C = torch.meshgrid(a, c, indexing="xy")
        thetas = torch.stack([A.reshape(-1), C.reshape(-1)], dim=1)
        values = torch.cat([batched(chunk) for chunk in thetas.split(max(1, 4_000_000 // len(x)))])
        best = thetas[int(torch.argmin(values))]
        reach *= 4 / (n - 1)  # the next grid spans ±2 cells of this one
    best = _newton(f, best)
    a, c = float(best[0]), float(best[1])
    return Minimum((a / sd, c - a * m / sd), float(f(best)), "global_search", _stationary(f, best))


def line(loss, param, x: torch.Tensor, y: torch.Tensor) -> Minimum:
    """The loss's exact best line through (x, y) as (slope, intercept) in x's units: solved in
    standardised coordinates (well conditioned), reported on x's own scale."""
    x, y = x.double().flatten(), y.double().flatten()
    if not (loss.closed_form or loss.kinks is not None or loss.is_convex(param)):
        return global_line(loss, param, x, y)
    m, sd = float(x.mean()), float(x.std(unbiased=False)) or 1.0
    Z = torch.stack([(x - m) / sd, torch.ones_like(x)], dim=1)
    start = torch.linalg.lstsq(Z, y[:, None]).solution.flatten()
    found = minimise(loss, param, Z, y[:, None], start)
    a, c = found.theta
    return Minimum((a / sd, c - a * m / sd), found.loss, found.method, found.certified)


def gap(value: float, minimum: float) -> float:
    """How far a loss value lies above the minimum, relative to it ((L − L*) / L*). When the
    minimum is 0 (every point within the tube, a separable hinge) the excess itself."""
    if not math.isfinite(value):
        return math.inf
    excess = max(0.0, value - minimum)
    return excess / minimum if minimum > 1e-12 else excess
