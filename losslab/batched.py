"""train_batch: runs that share a model shape and an optimizer, trained as one tensor program.

When a class presses Start together, each run alone is a Python loop of ~20 tiny torch ops per
step: the cost is dispatch, not arithmetic. Here every run of a batch is one slice of a stacked
program (losslab.stacked): one forward, one loss per group of runs that share a loss, its
parameter and their number of points, one backward, one optimizer update for all. Per-run values
are tensors, not reasons to split: learning rate, momentum, schedule, length, seed, data.

Nothing a run records changes: its trainer (the lab's own class) writes the same metric rows,
snapshots and final numbers as in training.train, through hooks that take the batch's values
(`rows`, `event`, `next_event`, `batch_metrics`; see labs/regression.py). Runs join while the batch
trains (`more()`), and leave when they finish, stop, diverge or fail; each ends through `done(job,
outcome)` with a training.Result or the exception that ended it alone."""

from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import torch

from . import labs, resume, stacked
from .members import Group, Member
from .training import Reporter, Result

CHUNK = 64          # steps between two hand-overs of values to the runs' reporters
STOP_EVERY = 8      # steps between two looks at every run's stop flag (its reporter limits store reads)


@dataclass
class Job:
    config: Any
    reporter: Reporter = field(default_factory=Reporter)
    should_stop: Callable[[], bool] = lambda: False
    resume_state: Optional[dict] = None
    tag: Any = None  # the caller's (the run id)


class Batch:
    """The runs training together now: their parameters as rows of one stack (and the optimizer's
    state likewise), their loss groups, the snapshots due (a heap by step), and the values of the
    steps not yet handed over to their reporters (a chunk of at most CHUNK rows)."""

    def __init__(self, first: Member, done: Callable, fatal: Callable[[BaseException], bool]):
        self.template, self.done, self.fatal = first.model, done, fatal
        self.key = labs.batch_key(first.config)
        self.layout = stacked.Layout(first.model)  # before bind() takes the parameters out
        self.optimizer = stacked.Optimizer(first.config.optimizer)
        self.members: list[Member] = []
        self.flat = torch.empty(0)
        self.tick, self.filled, self.eager = 0, 0, False
        self.events: list = []      # heap of (tick, n, member): a snapshot or an evaluation is due
        self.order = itertools.count()

    # membership: every change re-stacks (rare: a join or a leave, not a step)
    def _restack(self, members: list[Member], fresh: dict) -> None:
        """Stack `members` (old ones keep their values; `fresh` maps a new one to its model)."""
        old = {id(m): i for i, m in enumerate(self.members)}
        keep = [old.get(id(m), -1) for m in members]
        rows = [self.flat.detach()[i] if i >= 0 else self.layout.row(fresh[id(m)]) for m, i in zip(members, keep)]
        width = self.layout.width
        self.flat = (torch.stack(rows) if rows else torch.empty(0, width)).clone().requires_grad_(True)
        self.optimizer.state = {slot: torch.stack([self.optimizer.state[slot][i] if i >= 0 else torch.zeros(width)
                                                   for i in keep]) if keep else torch.empty(0, width)
                                for slot in self.optimizer.slots()}
        self.members = members
        self.views = self.layout.split(self.flat)
        for r, m in enumerate(members):
            self.layout.bind(m.model, self.flat, r)
        c = [m.config for m in members]
        self.lr = torch.tensor([x.lr for x in c], dtype=torch.float64)
        self.momentum = torch.tensor([[x.momentum] for x in c], dtype=self.flat.dtype)
        self.totals = torch.tensor([m.total for m in members], dtype=torch.float64)
        self.cosine = torch.tensor([getattr(x, "schedule", "constant") == "cosine" for x in c], dtype=torch.bool)
        groups: dict = {}
        for r, m in enumerate(members):
            groups.setdefault(m.group, []).append(r)
        self.groups = [Group([members[r] for r in rs], rs, len(groups) == 1) for rs in groups.values()]
        names = {"loss"} | {n for g in self.groups for n in g.metrics(g.y[:1], g.y[:1])}
        self.buffers = {name: torch.full((CHUNK, len(members)), float("nan")) for name in sorted(names)}
        self.finish_tick = min((m.joined + m.total - m.base for m in members), default=0)

    def join(self, new: list) -> None:
        """New runs (jobs, or members already built) enter; a resumed one continues where it was saved."""
        self.handover()
        fresh, members = {}, list(self.members)
        for item in new:
            try:
                m = item if isinstance(item, Member) else Member(item, self.tick)
                if labs.batch_key(m.config) != self.key:
                    raise ValueError(f"a run of {labs.batch_key(m.config)} cannot join a batch of {self.key}")
                m.joined = self.tick
                if m.job.resume_state is not None:
                    m.base = m.job.resume_state["step"]
                    m.trainer.final.update(m.job.resume_state["final"])
                fresh[id(m)] = m.model
                members.append(m)
            except Exception as exc:
                self._ended(item.job if isinstance(item, Member) else item, exc)
        if not fresh:
            return
        self._restack(members, fresh)
        self.eager = True  # their first step is handed over at once: the chart starts moving
        for r, m in enumerate(list(self.members)):
            if id(m) not in fresh:
                continue
            try:
                if m.job.resume_state is not None:
                    self._load(r, m.job.resume_state)
                else:
                    m.trainer.begin(m.model, m.job.reporter)
                self._schedule(m, m.step(self.tick))
            except Exception as exc:
                self.leave(m, exc)
        self.leave_finished()

    def _load(self, r: int, state: dict) -> None:
        with torch.no_grad():
            for name, value in self.layout.split(self.flat.detach()[r]).items():
                value.copy_(state["model"][name])
        self.optimizer.load_torch_state(state["opt"], self.layout, r)

    def _schedule(self, m: Member, step: int) -> None:
        due = m.trainer.next_event(step)
        if due is not None and step < due <= m.total:
            heapq.heappush(self.events, (self.tick + due - step, next(self.order), m))

    def leave(self, m: Member, outcome) -> None:
        """End one run (a Result or the exception that ended it alone) and take it out."""
        self.handover()
        if m in self.members:
            self._restack([x for x in self.members if x is not m], {})
        self._ended(m.job, outcome)

    def _ended(self, job: Job, outcome) -> None:
        if isinstance(outcome, BaseException) and self.fatal(outcome):
            raise outcome
        self.done(job, outcome)

    def leave_finished(self) -> None:
        for m in [m for m in self.members if m.step(self.tick) >= m.total]:
            self._end(m, "completed")

    def _end(self, m: Member, status: str) -> None:
        self.handover()
        step = m.step(self.tick)
        try:
            m.trainer.end(m.model, step, step, status, m.job.reporter)
            outcome = Result(status, step, m.trainer.final, seconds=time.perf_counter() - m.started)
        except Exception as exc:
            outcome = exc
        self.leave(m, outcome)

    # the step
    def step(self) -> None:
        if self.tick % STOP_EVERY == 0:
            for m in list(self.members):
                try:
                    if m.job.should_stop():
                        self._end(m, "stopped")
                except Exception as exc:
                    self.leave(m, exc)
            if not self.members:
                return
        values, extra = self._forward_backward()
        if values is None:
            return  # a group's loss raised: its runs left, the others step next time
        if self.filled == 0:  # a new chunk: the coefficients of its steps, for every run at once
            steps = torch.tensor([float(m.step(self.tick)) for m in self.members], dtype=torch.float64)
            self.coeffs = self.optimizer.plan(self.lr, steps, self.totals, self.cosine, CHUNK, self.flat.dtype)
        self.tick += 1
        self.optimizer.step(self.flat, self.momentum, self.coeffs, self.filled)
        self.buffers["loss"][self.filled] = values
        for name, value in extra.items():
            self.buffers[name][self.filled] = value
        self.filled += 1
        if not math.isfinite(float(values.sum())):  # one look for all (a finite overflow is checked run by run)
            self._diverged(values)
        while self.events and self.events[0][0] <= self.tick:
            _, _, m = heapq.heappop(self.events)
            if m in self.members:
                step = m.step(self.tick)
                try:
                    m.trainer.event(m.model, step, step, m.job.reporter)
                    self._schedule(m, step)
                except Exception as exc:
                    self.leave(m, exc)
        if self.filled == CHUNK or self.eager:
            self.handover()
        if self.members and self.tick >= self.finish_tick:
            self.leave_finished()

    def _forward_backward(self):
        total, extra, per_group = None, {}, []
        for g in self.groups:
            try:
                # one group: the stack's own views, made once per restack (a view costs as much as a step's op)
                params = self.views if g.everyone else self.layout.split(self.flat.index_select(0, g.idx))
                pred = stacked.forward(self.template, params, g.x)
                per = g.per_run(pred, g.y)
                with torch.no_grad():
                    metrics = g.metrics(pred, g.y)
            except Exception as exc:
                for m in g.members:
                    self.leave(m, exc)
                return None, None
            total = per.sum() if total is None else total + per.sum()
            per_group.append((g, per.detach(), metrics))
        total.backward()
        if len(per_group) == 1:
            return per_group[0][1], per_group[0][2]
        values = torch.empty(len(self.members))
        for g, per, metrics in per_group:
            values[g.idx] = per
            for name, value in metrics.items():
                extra.setdefault(name, torch.full((len(self.members),), float("nan")))[g.idx] = value
        return values, extra

    def _diverged(self, values: torch.Tensor) -> None:
        """Runs whose loss is no longer finite end as diverged, at this step, as training.train ends
        them (the loss row of that step, nothing else); the others go on."""
        bad = [self.members[r] for r in torch.nonzero(~torch.isfinite(values)).flatten().tolist()]
        if not bad:
            return
        for m in bad:
            m.cut = m.step(self.tick)  # its rows stop before this step
        self.handover()
        for m in bad:
            value = float(values[self.members.index(m)])
            m.job.reporter.metric(m.cut, m.cut, "train", "loss", value)
            self.leave(m, Result("diverged", m.cut, {"train/loss": value}, diverged_at=m.cut,
                                 seconds=time.perf_counter() - m.started))

    def handover(self) -> None:
        """Give every run its values since the last hand-over: its rows (the trainer decides which
        steps record), its progress, and its resume state when its reporter asks for one."""
        n, self.filled, self.eager = self.filled, 0, False
        if not n or not self.members:
            return
        columns = {name: buf[:n].T.tolist() for name, buf in self.buffers.items()}
        failed = []
        for r, m in enumerate(self.members):
            lo = m.step(self.tick - n + 1)
            steps = range(lo, min(lo + n, m.cut))
            if not steps:
                continue
            try:
                m.trainer.rows(steps, {name: col[r][:len(steps)] for name, col in columns.items()}, m.job.reporter)
                m.job.reporter.progress(steps[-1], m.total)
                if m.job.reporter.wants_resume(steps[-1], m.total):
                    m.job.reporter.save_resume(steps[-1], self._pack(m, r, steps[-1]))
            except Exception as exc:
                if self.fatal(exc):
                    raise
                failed.append((m, exc))
        for m, exc in failed:
            self.leave(m, exc)

    def _pack(self, m: Member, r: int, step: int) -> bytes:
        model_state = {name: v.clone() for name, v in self.layout.split(self.flat.detach()[r]).items()}
        opt_state = self.optimizer.torch_state(m.config, self.layout, self.flat, r, float(step))
        return resume.pack_state(model_state, opt_state, m.trainer.final, step, step, 1, None)


def train_batch(jobs: list[Job], more: Optional[Callable[[int], list[Job]]] = None,
                done: Optional[Callable[[Job, Any], None]] = None,
                fatal: Callable[[BaseException], bool] = lambda exc: False) -> None:
    """Train `jobs` (runs of one labs.batch_key) together until every run has ended; `more(n)` (n:
    runs training now) is asked between steps for runs to join. `done(job, outcome)` once per run,
    as it ends."""
    done = done or (lambda job, outcome: None)
    batch: Optional[Batch] = None
    pending = list(jobs)
    while pending or (batch and batch.members):
        if pending:
            if batch is None:
                try:
                    first = Member(pending[0], 0)
                except Exception as exc:
                    if fatal(exc):
                        raise
                    done(pending.pop(0), exc)
                    continue
                batch = Batch(first, done, fatal)
                pending[0] = first
            batch.join(pending)
            pending = []
        if batch.members:
            batch.step()
        if more is not None:
            pending = more(len(batch.members) if batch else 0)
    if batch is not None:
        batch.handover()
