"""What each chart shows now, in one sentence a screen reader can read (and a table of its data),
built from the same records as the figure. Pure, like the figures."""

from __future__ import annotations

import math

from ..i18n import number, readable, t


def _v(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "NaN" if isinstance(x, float) and math.isnan(x) else "∞"
    return readable(x)


def _last_finite(values):
    for v in reversed(values):
        if v is not None and math.isfinite(v):
            return v
    return None


def loss_curves(curves: list[dict], total_steps: int | None = None) -> str:
    """'MSE: 289.7 after 3,000 of 3,000 steps; MAE: 10.2; Huber: 9.6'."""
    if not curves or not any(c["steps"] for c in curves):
        return t("summary.no_points")
    parts = []
    for i, c in enumerate(curves):
        if not c["steps"]:
            continue
        value = _v(_last_finite(c["values"]))
        if i == 0:
            step = number(c["steps"][-1])
            parts.append(t("summary.curve_first", name=c["name"], value=value, step=step,
                           total=number(total_steps) if total_steps else step))
        else:
            parts.append(f"{c['name']}: {value}")  # "Huber (δ) · δ = 1: 367.3", never "δ = 1 367.3"
    return "; ".join(parts)


def curve_rows(curves: list[dict]) -> list[dict]:
    """The curves as a table: one row per step, one column per curve (at most ~200 rows)."""
    steps = sorted({s for c in curves for s in c["steps"]})
    stride = max(1, len(steps) // 200)
    keep = set(steps[::stride] + steps[-1:])
    table = {s: {t("summary.step"): s} for s in steps if s in keep}
    for c in curves:
        for s, v in zip(c["steps"], c["values"]):
            if s in table:
                table[s][c["name"]] = v
    return list(table.values())


def fitted_lines(lines: list[dict], optimum=None) -> str:
    parts = [t("summary.line", name=l["name"], slope=_v(l["slope"]), intercept=_v(l["intercept"])) for l in lines]
    if optimum is not None:
        parts.append(t("summary.least_squares", slope=_v(optimum[0]), intercept=_v(optimum[1])))
    return "; ".join(parts)


def residuals(xs, values) -> str:
    pairs = [(x, v) for x, v in zip(xs, values) if v is not None]
    if not pairs:
        return t("summary.no_points")
    x, v = max(pairs, key=lambda p: abs(p[1]))
    return t("summary.residuals", n=len(pairs), x=_v(x), value=_v(v))


def accuracy(steps, accuracy_values) -> str:
    if not steps:
        return t("summary.no_points")
    return t("summary.accuracy", acc=f"{100 * accuracy_values[-1]:.1f}", step=number(steps[-1]))


def confusion(snapshot: dict) -> str:
    z = snapshot["confusion"]
    worst = max(((i, j, z[i][j]) for i in range(len(z)) for j in range(len(z)) if i != j), key=lambda c: c[2])
    return t("summary.confusion", acc=f"{100 * snapshot['accuracy']:.1f}", true=worst[0], pred=worst[1], n=worst[2])


def per_class(snapshot: dict) -> str:
    z = snapshot["confusion"]
    acc = [100 * z[i][i] / max(1, sum(z[i])) for i in range(len(z))]
    low = min(range(len(acc)), key=acc.__getitem__)
    return t("summary.per_class", digit=low, acc=f"{acc[low]:.0f}", best=max(range(len(acc)), key=acc.__getitem__),
             best_acc=f"{max(acc):.0f}")


def digits(shown: list[dict]) -> str:
    right = sum(d["label"] == d["pred"] for d in shown)
    wrong = [f"{d['label']}→{d['pred']}" for d in shown if d["label"] != d["pred"]]
    return t("summary.digits", right=right, n=len(shown), wrong=", ".join(wrong[:8]) or "–")


def sweep(curves: dict, labels: dict, marker) -> str:
    """Each loss's value at the side panel's choice (or its smallest value when none)."""
    parts = []
    for name, (xs, values, _) in curves.items():
        if marker is not None and xs:
            j = min(range(len(xs)), key=lambda k: abs(xs[k] - marker))
            parts.append(f"{labels.get(name, name)} {_v(values[j])}")
        else:
            finite = [v for v in values if v is not None and math.isfinite(v)]
            parts.append(f"{labels.get(name, name)} min {_v(min(finite)) if finite else '∞'}")
    where = t("summary.at", x=_v(marker)) if marker is not None else ""
    return where + "; ".join(parts)
