"""Colour vision: the categorical palette stays distinguishable for deuteranopes and protanopes
(Machado, Oliveira & Fernandes 2009, severity 1.0), and every series carries a dash and a
marker of its own, so comparisons read in greyscale too."""

import itertools

import numpy as np
import pytest

from losslab import figures
from losslab.figures.common import COLORS, DASHES, MARKERS, RIGHT, WRONG

# Machado et al. 2009, Table: simulation matrices for severity 1.0, on linear RGB.
MACHADO = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "normal": np.eye(3),
}


def linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear-RGB colour."""
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(rgb_linear, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def distance(a: str, b: str, vision: str) -> float:
    """ΔE (CIE76) between two colours as a viewer with this colour vision sees them."""
    sim = MACHADO[vision]
    return float(np.linalg.norm(lab(sim @ linear(a)) - lab(sim @ linear(b))))


@pytest.mark.parametrize("vision", ["normal", "deuteranopia", "protanopia"])
def test_the_first_six_colours_stay_apart(vision):
    closest = min(distance(a, b, vision) for a, b in itertools.combinations(COLORS[:6], 2))
    assert closest >= 12, closest  # ΔE ≈ 2.3 is just noticeable; 12 is clearly different


def test_the_old_d3_palette_fails_the_same_check():
    # MSE blue, MAE red, Huber green, as before: red and green collapse for a deuteranope.
    assert distance("#d62728", "#2ca02c", "deuteranopia") < 12 <= distance("#d62728", "#2ca02c", "normal")


@pytest.mark.parametrize("vision", ["deuteranopia", "protanopia"])
def test_right_and_wrong_stay_apart(vision):
    assert distance(RIGHT, WRONG, vision) >= 30


def test_each_series_has_its_own_dash_and_marker():
    assert len(set(DASHES[:6])) == 6 and len(set(MARKERS[:6])) == 6
    fig = figures.loss_curves([{"name": n, "steps": [1, 2, 3], "values": [3.0, 2.0, 1.0]} for n in "abc"])
    drawn = [(tr.line.dash, tr.marker.symbol) for tr in fig.data]
    assert len(set(drawn)) == 3
