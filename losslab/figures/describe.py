"""Text descriptions of the pictures a cursor cannot walk: where the run's path is on the loss
landscape, and which side of the decision boundary the points fall. Pure, from stored records."""

from __future__ import annotations

import math

import numpy as np

from ..i18n import number, t


def _g(x: float) -> str:
    return f"{x:.4g}"


def _nearest(values, x: float) -> int:
    return int(np.abs(np.asarray(values, dtype=float) - x).argmin())


def direction(dx: float, dy: float, tol: float = 0.05) -> str:
    """A direction key for a step of (dx, dy) in map fractions: "up_left", "right", "here"..."""
    h = "right" if dx > tol else "left" if dx < -tol else ""
    v = "up" if dy > tol else "down" if dy < -tol else ""
    return "_".join(p for p in (v, h) if p) or "here"


def landscape(s: dict, path: list) -> str:
    """Where the path is now, against the loss's own minimum: the loss there (read off the map's
    grid), how many times the minimum it is, and which way the minimum lies on the map.
    s: {"slopes", "intercepts", "z" (rows: intercepts), "minimum": (slope, intercept, loss)};
    path: [(step, slope, intercept)]."""
    if not path:
        return t("describe.no_path")
    step, slope, intercept = path[-1]
    own = s["minimum"]
    width = s["slopes"][-1] - s["slopes"][0] or 1.0
    height = s["intercepts"][-1] - s["intercepts"][0] or 1.0
    dx, dy = (own[0] - slope) / width, (own[1] - intercept) / height
    inside = s["slopes"][0] <= slope <= s["slopes"][-1] and s["intercepts"][0] <= intercept <= s["intercepts"][-1]
    if not inside:
        return t("describe.off_map", step=number(step), slope=_g(slope), intercept=_g(intercept))
    loss = float(np.asarray(s["z"], dtype=float)[_nearest(s["intercepts"], intercept), _nearest(s["slopes"], slope)])
    where = direction(dx, dy)
    if where == "here":
        return t("describe.at_minimum", step=number(step), loss=_g(loss), minimum=_g(own[2]))
    ratio = loss / own[2] if own[2] > 0 else math.inf
    return t("describe.path", step=number(step), loss=_g(loss), ratio=_g(ratio) if math.isfinite(ratio) else "∞",
             way=t(f"describe.way_{where}"), distance=f"{100 * math.hypot(dx, dy):.0f}")


def boundary(points: dict, logits: np.ndarray) -> str:
    """Which side each training point falls on (logit > 0: class 1's side), counted by class, and
    where class 1's side lies on the plane. logits: the snapshot's grid (rows: x₂, columns: x₁)."""
    g = points["grid"]
    xs = np.linspace(*points["x_range"], g)
    ys = np.linspace(*points["y_range"], g)
    wrong = {0: 0, 1: 0}
    count = {0: 0, 1: 0}
    for x, y, label in points["train"]:
        side = int(logits[_nearest(ys, y), _nearest(xs, x)] > 0)
        count[int(label)] += 1
        wrong[int(label)] += side != int(label)
    ones = logits > 0
    share = float(ones.mean())
    if share == 0.0 or share == 1.0:
        side = t("describe.all_one_side", label=int(share == 1.0))
    else:
        gx, gy = np.meshgrid(np.linspace(-1, 1, g), np.linspace(-1, 1, g))
        # the centre of class 1's region against the plane's centre, in fractions of the plane
        where = direction(float(gx[ones].mean() - gx[~ones].mean()) / 2, float(gy[ones].mean() - gy[~ones].mean()) / 2)
        side = t("describe.class1_side", part=t(f"describe.part_{where}"), share=f"{100 * share:.0f}")
    return side + " " + t("describe.sides", n=count[0] + count[1], right=count[0] + count[1] - wrong[0] - wrong[1],
                          wrong0=wrong[0], n0=count[0], wrong1=wrong[1], n1=count[1])
