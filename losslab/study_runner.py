"""Trains a label-noise study as one job: its cells one after another through the one training
loop (`training.train`), reporting each cell's clean-test accuracy per epoch under the cell's key
and, after each cell, the table so far. One job: it counts once against the owner's cap, one
Stop ends it (the cells finished so far stay), and a worker never runs two cells at once."""

from __future__ import annotations

from typing import Callable, Optional

from .config import StudyConfig
from .study import cell_key
from .training import Reporter, Result, train

# The cell metrics the study keeps (everything else a single run reports is left out).
KEPT = {("test", "accuracy"): "accuracy", ("train", "memorised"): "memorised"}


class _CellReporter(Reporter):
    """Files one cell's rows under its key, at a study-wide step (cell index × epochs + epoch),
    so the pages' "rows after step N" polling keeps working across cells."""

    def __init__(self, outer: Reporter, key: str, offset: int):
        self.outer, self.key, self.offset = outer, key, offset
        self.best = 0.0

    def metric(self, step, epoch, split, name, value):
        if (split, name) in KEPT:
            self.outer.metric(self.offset + epoch, epoch, self.key, KEPT[split, name], value)
            if KEPT[split, name] == "accuracy" and value == value:
                self.best = max(self.best, value)

    def progress(self, step, total):
        self.outer.progress(self.offset, 0)  # lets a store reporter commit at its own pace


def run_study(config: StudyConfig, reporter: Optional[Reporter] = None,
              should_stop: Optional[Callable[[], bool]] = None) -> Result:
    reporter = reporter or Reporter()
    should_stop = should_stop or (lambda: False)
    cells, records, status, seconds = config.cells(), [], "completed", 0.0
    total = len(cells) * config.epochs
    for i, cell in enumerate(cells):
        offset = i * config.epochs
        key = cell_key(cell.loss, cell.label_noise, cell.seed)
        reporter.snapshot(offset, "study", {"done": i, "total": len(cells), "current": key, "cells": records})
        cell_reporter = _CellReporter(reporter, key, offset)
        result = train(cell, cell_reporter, should_stop)
        seconds += result.seconds
        records = records + [{"loss": cell.loss, "rate": cell.label_noise, "seed": cell.seed, "status": result.status,
                              "accuracy": result.final.get("test/accuracy"), "best": cell_reporter.best,
                              "memorised": result.final.get("train/memorised")}]
        if result.status == "stopped":
            status = "stopped"
            break
        reporter.progress(offset + config.epochs, total)
    step = len(records) * config.epochs
    reporter.snapshot(step, "study", {"done": sum(r["status"] != "stopped" for r in records), "total": len(cells),
                                      "current": None, "cells": records})
    final = {"cells_done": sum(r["status"] == "completed" for r in records), "cells": len(cells)}
    return Result(status, step, final, seconds=seconds)
