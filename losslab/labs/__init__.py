"""The lab registry: one declaration per lab, read by every place that lists labs.

A lab is one module here (its data, its part of the training loop, its snapshots and its
`register(Lab(...))`) plus its strings in the catalogue and its page file in app_pages/. The
navigation, the home cards, the CLI's `train` commands, the worker's resume, the runs table, the
lessons, the gallery and the code export all read `LABS`; none of them names a lab.

Layers: this package is below the UI and below the loop. It never imports `training` (the loop
imports it) nor `ui` (a lab's view is named by its module path and imported by the UI alone), so
a page can read a lab's data and its exact answers without loading the training loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass(frozen=True)
class Lab:
    task: str                       # the config's task: the page key, its URL path, nav.<task>, home.card_<task>
    config: type                    # its frozen config class
    trainer: type                   # its part of the one loop: trainer(config) with begin/batches/after_step/...
    icon: str
    view: str                       # the UI module (losslab.ui.…) with show(run_ids) and optionally preview(config)
    order: int = 50                 # position in the navigation and on home
    card: bool = True               # a card on the home page
    lesson: bool = True             # a lesson may open this lab
    resumable: bool = True          # a run continues from its saved state after a restart
    # The gallery of a lesson: the curve every run draws (series key, log axis, y-axis catalogue
    # key; None: no curve) and the second figure ("lines": the fitted lines; "accuracy": a strip).
    curve: Optional[tuple[str, bool, str]] = None
    gallery: Optional[str] = None
    # The runs table's result column: final metrics → (catalogue key, its parameters), or None.
    result: Callable[[dict], Optional[tuple[str, dict]]] = field(default=lambda final: None)
    export: Optional[str] = None    # the losslab.export module writing its program (None: not yet)
    # The generic view's final table: (final metric, its column's catalogue key, "number" or "gap")
    columns: tuple = ()
    datasets: tuple = ()            # data a run needs installed first (shown as the CLI's data choices)
    # Runs started together train as one program (losslab/batched.py): config → what must be equal
    # for two runs to share it, or None (this run trains alone). None here: every run alone.
    batch: Optional[Callable[[object], Optional[tuple]]] = None


LABS: dict[str, Lab] = {}


def register(lab: Lab) -> Lab:
    if lab.task in LABS:
        raise ValueError(f"lab {lab.task!r} registered twice")
    LABS[lab.task] = lab
    return lab


def ordered() -> list[Lab]:
    return sorted(LABS.values(), key=lambda lab: lab.order)


def of(config) -> Lab:
    """The lab a config trains in (by its task)."""
    return LABS[config.task]


def batch_key(config) -> Optional[tuple]:
    """What must be equal for two runs to train as one program (losslab.batched); None: alone."""
    lab = LABS.get(config.task)
    return lab.batch(config) if lab is not None and lab.batch else None


def accuracy_result(*keys: str):
    """A runs-table result: the first of these accuracies the run has, in per cent."""
    def result(final: dict):
        for key in keys:
            if final.get(key) is not None:
                return "table.accuracy_result", {"acc": f"{100 * final[key]:.2f}"}
        return None
    return result


# The built-in labs, in their modules; a new lab is one module and one name here.
from . import regression, binary, mnist, poisson  # noqa: E402,F401
