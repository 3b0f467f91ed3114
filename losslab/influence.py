"""Each point's pull on a line, exactly and fast enough to follow a click: for every compared loss its
exact best line on the edited points and the line it would have without each point (a refit per
point and loss); for MSE also the leverage and Cook's distance in closed form.

All problems of one loss are solved at once, in float64 and standardised heights (z = (x − m)/sd,
the round valley): MSE by the closed form and its leave-one-out identity; piecewise-linear losses
(MAE, quantile, ε-insensitive) by their linear programme's vertices, every line through two points'
kinks, scored for all points at once; smooth convex losses by a batched Newton with a line search;
non-convex losses from their global minimum (losslab.minima) by the same Newton (the nearest refit)."""

from __future__ import annotations

import contextlib
import functools
import math
import threading
from dataclasses import dataclass

import numpy as np

from .lazy import LazyModule

torch = LazyModule("torch")
minima = LazyModule("losslab.minima")

MAX_CANDIDATES = 3_000_000   # candidate lines × points of a piecewise-linear loss (~25 MB of float64)
MAX_POINTS = 300             # beyond this a refit per point is too slow for a click: the exact lines only


@dataclass(frozen=True)
class Fit:
    """One loss on the points: its exact line, and the line without each point (NaN where none is found)."""
    slope: float
    intercept: float
    loss: float
    exact: bool             # False: a non-convex loss's refits are the minimum nearest the full one
    without: np.ndarray     # (n, 2): (slope, intercept) with point i left out
    shift: np.ndarray       # (n,): how far the line moves at the data's ends when point i is left out (y's unit)


@dataclass(frozen=True)
class Influence:
    fits: dict              # (loss name, param) → Fit
    leverage: np.ndarray    # (n,) h_ii of the least-squares line
    cooks: np.ndarray       # (n,) Cook's distance (NaN with 2 points: no residual variance left)


class _Problem:
    """The points in standardised coordinates: Z = [z, 1] (n, 2), y (n,), and how to report a line."""

    def __init__(self, xs, ys):
        x, self.y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        self.m, self.sd = float(x.mean()), float(x.std()) or 1.0
        self.Z = np.stack([(x - self.m) / self.sd, np.ones_like(x)], axis=1)
        self.ends = self.Z[[int(x.argmin()), int(x.argmax())]]  # the data's x range, where a line's move is read
        self.n = len(x)

    def in_x(self, theta: np.ndarray) -> np.ndarray:
        """(…, 2) lines a·z + c as (slope, intercept) in x's own unit."""
        a, c = theta[..., 0], theta[..., 1]
        return np.stack([a / self.sd, c - a * self.m / self.sd], axis=-1)

    def shift(self, theta: np.ndarray, without: np.ndarray) -> np.ndarray:
        return np.abs((without - theta) @ self.ends.T).max(axis=1)


_ONE_THREAD = threading.Lock()


@contextlib.contextmanager
def _one_thread():
    """Tensors of a few hundred numbers: a second torch thread only spins, and on a busy 2-core server
    that spinning made one edit 5 to 20 times slower (Huber: 90-370 ms against 7-20 ms measured).
    The lock keeps two sessions from restoring each other's setting out of order."""
    with _ONE_THREAD:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


@functools.lru_cache(maxsize=128)
def influence(xs: tuple, ys: tuple, losses: tuple) -> Influence:
    """xs, ys: the points; losses: ((name, param), ...) with each loss's resolved parameter.
    Cached by the points: undoing an edit, or a rerun that changes nothing, costs nothing."""
    with _one_thread():
        return _influence(xs, ys, losses)


def _influence(xs: tuple, ys: tuple, losses: tuple) -> Influence:
    from .losses import LOSSES

    P = _Problem(xs, ys)
    theta, lev, cooks, ls_without = _least_squares(P)
    fits = {}
    for name, param in losses:
        loss = LOSSES[name]
        if loss.closed_form:
            best, without, value, exact = theta, ls_without, float(np.mean((P.Z @ theta - P.y) ** 2)), True
        else:
            best, without, value, exact = _refits(loss, param, P, ls_without)
        slope, intercept = P.in_x(best)
        fits[(name, param)] = Fit(float(slope), float(intercept), value, exact, P.in_x(without), P.shift(best, without))
    return Influence(fits, lev, cooks)


def _least_squares(P: _Problem):
    """θ, the leverages h_ii = z_iᵀ(ZᵀZ)⁻¹z_i, Cook's distances e_i²·h_ii / (p·s²·(1 − h_ii)²) and each
    leave-one-out line θ − (ZᵀZ)⁻¹z_i·e_i / (1 − h_ii) (exact: the Sherman-Morrison identity)."""
    A = np.linalg.inv(P.Z.T @ P.Z)
    theta = A @ P.Z.T @ P.y
    e = P.y - P.Z @ theta
    h = np.einsum("ij,jk,ik->i", P.Z, A, P.Z)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = float(e @ e) / (P.n - 2) if P.n > 2 else math.nan
        cooks = e ** 2 * h / (2 * s2 * (1 - h) ** 2)
        without = theta - (P.Z @ A) * (e / (1 - h))[:, None]
    without[h > 1 - 1e-12] = np.nan  # the only point at its height among two: no line without it
    return theta, h, cooks, without


def _each(loss, param, pred, y):
    """Per-point losses (…, n) of predictions against y, in float64 (torch)."""
    each = getattr(loss.fn, "each", None)
    if each is not None:
        return each(pred, y, param)
    flat_p, flat_y = pred.reshape(-1, 1), y.expand_as(pred).reshape(-1, 1)
    return torch.stack([loss.fn(p[None], t[None], param) for p, t in zip(flat_p, flat_y)]).reshape(pred.shape)


def _refits(loss, param, P: _Problem, start: np.ndarray):
    """(θ, θ without each point (n, 2), the loss at θ, exact?) for a loss without a closed form."""
    y = torch.as_tensor(P.y)[None]
    if loss.kinks is not None and _candidates(P.n, loss, param) * P.n <= MAX_CANDIDATES:
        return _vertices(loss, param, P, y)
    if loss.kinks is not None or P.n > MAX_POINTS:
        return _line_only(loss, param, P)
    weights = np.ones((P.n + 1, P.n))
    weights[np.arange(1, P.n + 1), np.arange(P.n)] = 0.0  # problem 0: every point; problem i + 1: all but i
    if loss.is_convex(param):
        # from the least-squares lines (with and without each point, on z): near, and a convex loss has one minimum
        ls = np.vstack([np.linalg.lstsq(P.Z, P.y, rcond=None)[0], np.nan_to_num(start)])
        thetas = _newton(loss, param, P, y, torch.as_tensor(weights), torch.as_tensor(ls))
        exact = True
    else:  # the global minimum (a grid), then each refit from there: the minimum nearest to it
        found = minima.global_line(loss, param, torch.as_tensor(P.Z[:, 0]), y.flatten())
        a, c = found.theta  # on z already (its x was z): slope per z-unit and intercept
        thetas = _newton(loss, param, P, y, torch.as_tensor(weights), torch.tensor([[a, c]] * (P.n + 1), dtype=torch.float64))
        exact = False
    value = float(_each(loss, param, torch.as_tensor(P.Z @ thetas[0])[None], y).mean())
    return thetas[0], thetas[1:], value, exact


def _line_only(loss, param, P: _Problem):
    """Too many points to refit once per point at a click's pace: the exact line alone (losslab.minima),
    no line without each point (NaN: the table says "–")."""
    found = minima.line(loss, param, torch.as_tensor(P.Z[:, 0]), torch.as_tensor(P.y))
    return np.array(found.theta), np.full((P.n, 2), np.nan), found.loss, True


def _candidates(n: int, loss, param) -> int:
    k = loss.kinks(torch.zeros(1, 1, dtype=torch.float64), param).numel()
    return k * k * n * (n - 1) // 2


def _vertices(loss, param, P: _Problem, y):
    """The linear programme's optimum is a vertex: a line through two points' kinks. Every such line is
    scored on every point once; the full minimum is the best total, the minimum without point i the
    best total minus point i's own term (lines through point i stay valid candidates)."""
    kinks = loss.kinks(torch.as_tensor(P.y)[:, None], param).double().reshape(P.n, -1).numpy()
    K = kinks.shape[1]
    i, j = np.triu_indices(P.n, 1)
    i, j = i[P.Z[i, 0] != P.Z[j, 0]], j[P.Z[i, 0] != P.Z[j, 0]]
    a, b = np.repeat(np.arange(K), K), np.tile(np.arange(K), K)
    i, j = np.repeat(i, K * K), np.repeat(j, K * K)
    a, b = np.tile(a, len(i) // (K * K)), np.tile(b, len(i) // (K * K))
    zi, zj = P.Z[i, 0], P.Z[j, 0]
    slope = (kinks[j, b] - kinks[i, a]) / (zj - zi)
    thetas = np.stack([slope, kinks[i, a] - slope * zi], axis=1)
    terms = _each(loss, param, torch.as_tensor(thetas @ P.Z.T), y).numpy()   # (candidates, n)
    total = terms.sum(axis=1)
    best = int(total.argmin())
    without = thetas[(total[:, None] - terms).argmin(axis=0)]
    if P.n <= 2:
        without = np.full((P.n, 2), np.nan)
    return thetas[best], without, float(total[best] / P.n), True


def _newton(loss, param, P: _Problem, y, weights, theta, iterations: int = 100) -> np.ndarray:
    """Damped Newton for many weighted problems at once: f_p(θ) = Σ_j w_pj ℓ(z_j·θ, y_j) / Σ_j w_pj.
    Per point the first and second derivatives of ℓ by autograd; a backtracking line search per problem;
    a gradient step where the Hessian is not positive definite. Stops when no problem improves."""
    Z = torch.as_tensor(P.Z)
    norm = weights.sum(dim=1)
    halvings = 0.5 ** torch.arange(40, dtype=torch.float64)
    lengths = 10.0 ** torch.arange(4, -13, -1, dtype=torch.float64)  # times the gradient, in z's units

    def value(th):  # (…, problems, 2) → (…, problems)
        return (_each(loss, param, th @ Z.T, y) * weights).sum(dim=-1) / norm

    current = value(theta)
    for _ in range(iterations):
        pred = (theta @ Z.T).requires_grad_(True)
        (d1,) = torch.autograd.grad(_each(loss, param, pred, y).sum(), pred, create_graph=True)
        (d2,) = torch.autograd.grad(d1.sum(), pred) if d1.requires_grad else (torch.zeros_like(pred),)
        d1, d2 = d1.detach() * weights, d2 * weights
        g = d1 @ Z
        # the 2 × 2 Hessians [[p, q], [q, r]] and their inverses written out (a batched solve costs more)
        p, q, r = d2 @ (Z[:, 0] ** 2), d2 @ Z[:, 0], d2.sum(dim=1)
        scale = torch.maximum(p.abs(), r.abs()).clamp_min(1e-300)
        p, r = p + 1e-14 * scale, r + 1e-14 * scale
        det = p * r - q * q
        step = -torch.stack([r * g[:, 0] - q * g[:, 1], p * g[:, 1] - q * g[:, 0]], dim=1) / det[:, None]
        uphill = ~((step * g).sum(dim=1) < 0)  # not downhill, or not a number (a singular Hessian)
        step[uphill] = -g[uphill] / scale[uphill, None]
        # Newton's step and its halvings, and gradient steps over a wide range of lengths (where every point
        # sits on a flat second derivative, Huber's linear arms, Newton's step is useless): the lowest wins.
        trials = torch.cat([theta[None] + halvings[:, None, None] * step[None],
                            theta[None] - lengths[:, None, None] * g[None]])  # (trials, problems, 2)
        values = value(trials).nan_to_num(nan=math.inf)  # a singular Hessian's step is inf: never chosen
        best = values.argmin(dim=0)
        lowest = values[best, torch.arange(len(theta))]
        improved = lowest < current
        # converged: no problem's value drops by more than rounding (a last sliver is not worth a pass)
        if not bool((improved & (current - lowest > 1e-15 * current.abs().clamp_min(1e-300))).any()):
            theta = torch.where(improved[:, None], trials[best, torch.arange(len(theta))], theta)
            break
        theta = torch.where(improved[:, None], trials[best, torch.arange(len(theta))], theta)
        current = torch.where(improved, lowest, current)
    return theta.numpy()


# --- the lab's points as the editor shows them ------------------------------------------------

@dataclass(frozen=True)
class Points:
    xs: tuple
    ys: tuple
    origins: tuple   # each point's number among the generated points (0-based), or -k for the k-th added one
    kinds: tuple     # "data" | "outlier" | "added"
    numbers: tuple   # what the chart and the table call it: "3", or "+1" for the first added point


@functools.lru_cache(maxsize=256)
def _generated(config) -> tuple[list, list]:
    from .labs.regression import generated_data

    x, y = generated_data(config)
    return x.flatten().tolist(), y.flatten().tolist()


def points(config) -> Points:
    """The config's points after its edits, each with where it came from (the generated points are
    cached per config without edits: an edit only filters and appends)."""
    from . import edits as point_edits

    xs, ys = _generated(config.replace(edits=""))
    found = point_edits.parse(config.edits)
    ex, ey, origins = point_edits.apply(xs, ys, found)
    ex = [float(v) for v in np.asarray(ex, dtype=np.float32)]  # as the run trains on them (float32)
    ey = [float(v) for v in np.asarray(ey, dtype=np.float32)]
    first_outlier = len(xs) - config.outliers
    kinds = tuple("added" if o < 0 else "outlier" if o >= first_outlier else "data" for o in origins)
    numbers = tuple(f"+{-o}" if o < 0 else str(o + 1) for o in origins)
    return Points(tuple(ex), tuple(ey), tuple(origins), kinds, numbers)
