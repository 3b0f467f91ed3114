"""What a chart's keyboard explorer receives: its curves as a few hundred points each, the axis
names and unit, and every sentence it speaks from the catalogue (losslab/ui/chartkeys.py draws it)."""

from __future__ import annotations

import math

from ..i18n import current, t
from ..series import downsample

# Points a cursor steps through on each curve: enough to follow the shape (a spike survives the
# downsampling), few enough that End-to-Home takes a few key presses with PageUp/PageDown.
MAX_POINTS = 400


def _clean(v):
    return float(v) if v is not None and isinstance(v, (int, float)) and math.isfinite(v) else None


def explorer_data(curves: list[dict], *, title: str, x_name: str | None = None, unit: str = "",
                  log_y: bool = False) -> dict:
    """curves: [{"name", "steps", "values"}] as the loss-curve figures take them. NaN and ±inf
    become None (the cursor says "no value" there; a diverged run's last points are such)."""
    out = []
    for c in curves:
        steps, values = downsample(list(c["steps"]), list(c["values"]), MAX_POINTS)
        if steps:
            out.append({"name": str(c["name"]), "x": [float(s) for s in steps], "y": [_clean(v) for v in values]})
    return {"title": title, "x_name": x_name or t("keys.x_step"), "unit": unit, "log": bool(log_y),
            "lang": current(), "curves": out, "text": texts()}


def texts() -> dict:
    """The explorer's sentences in the visitor's language; {placeholders} are filled in the browser."""
    keys = ("label", "help", "point", "no_value", "curve", "play", "stop", "no_audio", "empty", "start", "end")
    return {k: t(f"keys.{k}") for k in keys}
