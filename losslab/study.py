"""A label-noise study's results, torch-free: the key of each cell, the table of mean ± sd over
repeats, and the CSV a lecturer downloads. The runner (study_runner.py) trains the cells; the
pages read the cells back from the store through these functions."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from . import fields


def cell_key(loss: str, rate: float, seed: int) -> str:
    """How a cell's metric rows are filed in the store (their `split`): loss|rate|seed."""
    return f"{loss}|{fields.format_value(float(rate))}|{seed}"


def parse_key(key: str) -> tuple[str, float, int]:
    loss, rate, seed = key.split("|")
    return loss, float(rate), int(seed)


def mean_sd(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n − 1); the sd of one value is 0."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


@dataclass(frozen=True)
class Row:
    loss: str
    rate: float
    n: int                    # finished repeats
    accuracy: float           # final clean-test accuracy, mean over repeats (0–1)
    accuracy_sd: float
    best: float               # best clean-test accuracy over the epochs, mean (early stopping's view)
    memorised: float | None   # share of wrongly-labelled training images fitted at the end, mean
    diverged: int             # repeats that diverged (not in the means)


def table(cells: list[dict], losses: tuple, rates: tuple) -> list[Row]:
    """One row per (loss, rate) with at least one finished repeat, in the study's order.
    `cells` are the runner's cell records: loss, rate, seed, status, accuracy, best, memorised."""
    rows = []
    for rate in rates:
        for loss in losses:
            mine = [c for c in cells if c["loss"] == loss and c["rate"] == rate]
            done = [c for c in mine if c["status"] == "completed"]
            if not done:
                continue
            acc, sd = mean_sd([c["accuracy"] for c in done])
            memo = [c["memorised"] for c in done if c.get("memorised") is not None]
            rows.append(Row(loss, rate, len(done), acc, sd, mean_sd([c["best"] for c in done])[0],
                            mean_sd(memo)[0] if memo else None, sum(c["status"] == "diverged" for c in mine)))
    return rows


def table_csv(rows: list[Row], label) -> str:
    """The table as CSV: accuracies in %, one line per (loss, rate); `label(loss)` names a loss."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["loss", "loss_name", "noise_rate_percent", "repeats", "final_accuracy_percent_mean",
                "final_accuracy_percent_sd", "best_accuracy_percent_mean", "memorised_percent_mean", "diverged"])
    for r in rows:
        w.writerow([r.loss, label(r.loss), fields.format_value(r.rate), r.n, f"{100 * r.accuracy:.2f}",
                    f"{100 * r.accuracy_sd:.2f}", f"{100 * r.best:.2f}",
                    "" if r.memorised is None else f"{100 * r.memorised:.2f}", r.diverged])
    return out.getvalue()


def curves_csv(series: dict) -> str:
    """Every cell's clean-test accuracy per epoch: loss, rate, seed, epoch, accuracy (%)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["loss", "noise_rate_percent", "seed", "epoch", "test_accuracy_percent"])
    for key, (epochs, values) in series.items():
        loss, rate, seed = parse_key(key)
        for e, v in zip(epochs, values):
            w.writerow([loss, fields.format_value(rate), seed, e, "" if v is None or v != v else f"{100 * v:.2f}"])
    return out.getvalue()


def accuracy_series(series: dict) -> dict:
    """{cell key: (epochs, accuracies)} from a study's metric series ("key/accuracy": (steps, values)):
    steps are study-wide, epochs are recovered from them (a cell's epochs follow one another)."""
    out = {}
    for name, (steps, values) in series.items():
        key, _, metric = name.rpartition("/")
        if metric == "accuracy" and key.count("|") == 2:
            first = steps[0] - 1 if steps else 0
            out[key] = ([s - first for s in steps], list(values))
    return out


def mean_curves(cells: dict, rate: float, losses: tuple) -> dict:
    """{loss: (epochs, mean accuracy over the repeats that reached that epoch)} at one noise rate."""
    out = {}
    for loss in losses:
        by_epoch: dict[int, list[float]] = {}
        for key, (epochs, values) in cells.items():
            k_loss, k_rate, _ = parse_key(key)
            if k_loss == loss and k_rate == rate:
                for e, v in zip(epochs, values):
                    if v is not None and v == v:
                        by_epoch.setdefault(e, []).append(v)
        if by_epoch:
            epochs = sorted(by_epoch)
            out[loss] = (epochs, [sum(by_epoch[e]) / len(by_epoch[e]) for e in epochs])
    return out
