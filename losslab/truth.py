"""Why a finished run stopped short of its loss's exact minimum, and the one change that fixes it.
Torch-free: it reads the run's config and stored final values (final/gap, minimum/…)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import fields

GAP_LIMIT = 0.01  # a run more than 1 % above its loss's minimum is called out on its page


@dataclass(frozen=True)
class Diagnosis:
    reason: str        # catalogue key under [truth]: local | valley | kink | short
    values: dict       # what the sentence names (ratio, slope, …)
    fix: dict          # the config fields the fix button changes
    fix_label: str     # catalogue key of the button


def diagnose(config, final: dict, status: str = "completed") -> Optional[Diagnosis]:
    """None when the run is within GAP_LIMIT of its minimum, has no exact answer, or did not finish
    (a stopped or diverged run says so itself). Reasons in the order they dominate."""
    gap = final.get("final/gap")
    if status != "completed" or gap is None or gap <= GAP_LIMIT or "minimum/loss" not in final:
        return None
    loss = config.loss_fn
    values = {"gap": f"{100 * gap:.3g}", "ratio": f"{final['final/loss'] / final['minimum/loss']:.3g}"
              if final["minimum/loss"] > 0 else "∞",
              "slope": f"{final.get('minimum/slope', 0):.4g}", "intercept": f"{final.get('minimum/intercept', 0):.4g}"}
    if config.task == "regression" and not loss.is_convex(config.loss_param) and config.init != "l1_line":
        return Diagnosis("local", values, {"init": "l1_line"}, "truth.fix_local")
    if getattr(config, "x_scale", None) == "raw":
        return Diagnosis("valley", values, {"x_scale": "standardised"}, "truth.fix_valley")
    if config.schedule == "constant" and loss.kinks is not None:
        return Diagnosis("kink", values, {"schedule": "cosine"}, "truth.fix_kink")
    high = fields.specs(type(config))["epochs"].high
    return Diagnosis("short", values, {"epochs": min(high, config.epochs * 4)}, "truth.fix_short")
