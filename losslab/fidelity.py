"""How far a PCA slice can be trusted along the run's path: per checkpoint, its distance off the
plane and the gap between its true loss and the plane's loss where it projects, and one verdict
(does the plane mislead?). Pure Python on a slice's stored result: no torch, no streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

# The plane misleads when the gap exceeds GAP_SHARE of the map's contour range on more than
# BAD_SHARE of the checkpoints: a colour step a reader can see, on more than a stray checkpoint.
GAP_SHARE = 0.05
BAD_SHARE = 0.10


@dataclass(frozen=True)
class Fidelity:
    off_plane: Optional[list]  # per checkpoint: share (0-1) of its distance from the final weights off the plane
    gaps: list                 # per checkpoint: |true − plane| in the map's colour units, as a share of its range
    bad: int                   # checkpoints whose gap exceeds GAP_SHARE
    misleads: bool
    worst: int                 # the checkpoint with the largest gap

    @property
    def bad_share(self) -> float:
        return self.bad / len(self.gaps) if self.gaps else 0.0


def _log10(values, floor: float) -> list[float]:
    return [math.log10(max(v, floor)) for v in values]


def fidelity(loss_grid: list, path_loss: list, plane_loss: list, off_plane: Optional[list] = None) -> Fidelity:
    """The meter for one slice. Gaps are measured in the map's own colour units, log10 of the loss
    (its contours are log-spaced), as a share of the range of the map's contours: a gap of 5 % is a
    twentieth of the colour scale, whatever the loss's scale. The floor for a loss of 0 is the one
    the map uses (a tenth of its smallest positive value)."""
    flat = [v for row in loss_grid for v in row]
    positive = [v for v in flat if v > 0]
    floor = min(positive) / 10 if positive else 1e-12
    levels = _log10(flat, floor)
    span = (max(levels) - min(levels)) or 1.0
    gaps = [abs(p - q) / span for p, q in zip(_log10(path_loss, floor), _log10(plane_loss, floor))]
    bad = sum(g > GAP_SHARE for g in gaps)
    worst = max(range(len(gaps)), key=gaps.__getitem__) if gaps else 0
    return Fidelity(off_plane, gaps, bad, bad > BAD_SHARE * len(gaps), worst)
