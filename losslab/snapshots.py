"""Snapshots: compact, JSON-ready pictures of what a model decides at one step
(the fitted line and residuals; MNIST's confusion matrix and chosen test digits)."""

from __future__ import annotations

import base64

import torch

# A fixed set of test digits shown in the MNIST lab: the first 24, so every run shows the same ones.
SHOWN_DIGITS = 24
SHOWN_MISTAKES = 12
MAX_RESIDUALS = 2_000  # enough points to draw; an uploaded CSV can hold 10,000


def line_params(model, scale: tuple[float, float] = (0.0, 1.0)) -> tuple[float, float]:
    """The model's line in the data's own units: a model trained on z = (x − mean) / sd has
    ŷ = w·z + b = (w / sd)·x + (b − w·mean / sd). scale = (mean, sd); (0, 1) for raw x."""
    w, b = float(model.weight.detach().flatten()[0]), float(model.bias.detach().flatten()[0])
    mean, sd = scale
    return w / sd, b - w * mean / sd


@torch.no_grad()
def regression_snapshot(model, x, y, scale: tuple[float, float] = (0.0, 1.0)) -> dict:
    slope, intercept = line_params(model, scale)
    residuals = (y - model(x)).flatten()[:MAX_RESIDUALS]
    return {"slope": slope, "intercept": intercept, "residuals": [round(float(r), 5) for r in residuals]}


def _image_b64(row: torch.Tensor) -> str:
    # Undo the (0.5, 0.5) normalisation back to 0..255 grey levels; 784 bytes per digit.
    pixels = ((row * 0.5 + 0.5) * 255).round().clamp(0, 255).to(torch.uint8)
    return base64.b64encode(pixels.numpy().tobytes()).decode("ascii")


@torch.no_grad()
def evaluate(model, test_x, test_y, loss_fn, param) -> tuple[dict, dict]:
    """The model on the test set: ({"test/loss", "test/accuracy"}, a confusion-matrix/digits
    snapshot). Reporting them is the training loop's job."""
    logits = model(test_x)
    loss = loss_fn.fn(logits, test_y, param).item()
    probs = torch.softmax(logits, dim=1)
    pred = probs.argmax(dim=1)
    acc = (pred == test_y).float().mean().item()
    # confusion[true][predicted] counts, 10 × 10
    confusion = torch.bincount(test_y * 10 + pred, minlength=100).reshape(10, 10)
    wrong = (pred != test_y).nonzero().flatten()
    # The most confident mistakes are the most instructive ones to show.
    worst = wrong[probs[wrong, pred[wrong]].argsort(descending=True)[:SHOWN_MISTAKES]]
    shown = torch.cat([torch.arange(SHOWN_DIGITS), worst])

    def digit(i):
        i = int(i)
        return {"index": i, "label": int(test_y[i]), "pred": int(pred[i]),
                "probs": [round(float(p), 4) for p in probs[i]], "image": _image_b64(test_x[i])}

    snapshot = {"accuracy": acc, "loss": loss, "confusion": confusion.tolist(),
                "digits": [digit(i) for i in shown[:SHOWN_DIGITS]],
                "mistakes": [digit(i) for i in shown[SHOWN_DIGITS:]]}
    return {"test/loss": loss, "test/accuracy": acc}, snapshot
