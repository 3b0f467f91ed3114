"""The runs of a batch (losslab.batched): each run's own trainer, model and full-batch data, and
the groups of runs that share a loss, its parameter and a number of points (one loss call per
group per step)."""

from __future__ import annotations

import time

import torch

from . import labs, stacked
from .models import build_model


class Member:
    def __init__(self, job, tick: int):
        self.job, self.config = job, job.config
        self.trainer = labs.of(job.config).trainer(job.config)
        self.model = build_model(job.config)
        stacked.check(self.model)
        self.x, self.y = self.trainer.batch_data()
        loss = job.config.loss_fn
        self.group = (loss.name, loss.resolve_param(job.config.loss_param), len(self.x))
        self.total, self.base, self.joined = self.trainer.total_steps, 0, tick
        self.cut = float("inf")  # a diverged run's rows end before its last step
        self.started = time.perf_counter()

    def step(self, tick: int) -> int:
        return self.base + tick - self.joined


class Group:
    """Runs that share a loss, its parameter and a number of points: one loss call per step."""

    def __init__(self, members: list, positions: list[int], everyone: bool):
        self.members, self.everyone = members, everyone
        self.idx = torch.tensor(positions)
        self.x = torch.stack([m.x for m in members])
        self.y = torch.stack([m.y for m in members])
        loss, param = members[0].config.loss_fn, members[0].group[1]
        self.metrics = members[0].trainer.batch_metrics
        if loss.each is not None:  # the mean of a per-point term: every run's mean in one call
            self.per_run = lambda p, t: loss.each(p, t, param).mean(dim=(1, 2))
        else:  # a mean-only loss (no batched lab has one today): one call per run, the same numbers
            self.per_run = lambda p, t: torch.stack([loss.train_fn(a, b, param) for a, b in zip(p, t)])
