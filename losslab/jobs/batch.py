"""A worker claims a batch, not a run: the oldest queued run and every queued run that can share
its program (labs.batch_key: same lab, model shape and optimizer), trained together by
losslab.batched; runs queued later join between steps while the batch trains.

Fair to the queue: an idle worker takes the oldest run and its companions wherever they wait; a
worker already training a batch takes only the runs ahead of the oldest run it cannot train
(FIFO), so a batch that keeps growing never starves another student's different run: it drains,
and its worker takes that run next."""

from __future__ import annotations

import functools
import time

from .. import settings
from ..labs import batch_key
from .reporter import DbReporter, FlushGroup, load_job, settle
from .store import Transaction, is_store_error, now

JOIN_SECONDS = 0.05  # how often a training batch looks for runs to take in
SCAN = 400           # queued runs looked at per claim (the queue holds at most LOSSLAB_MAX_QUEUED)


def batch_cap() -> int:
    return settings.get("LOSSLAB_BATCH_RUNS")


@functools.lru_cache(maxsize=4096)
def key_of(config_json: str):
    """The batch a stored config can join (None: it trains alone, e.g. a config that does not load:
    it then fails alone, with its reason)."""
    from ..config import config_from_json

    try:
        return batch_key(config_from_json(config_json))
    except Exception:
        return None


def claim_batch(conn, token: str, cap: int, key=None, room: int | None = None) -> tuple[list, object]:
    """Claim runs to train: ([(id, config JSON)], their batch key). Idle (key None): the oldest
    queued run and up to cap − 1 queued runs of its key. Training a batch of `key`: the queued runs
    of that key ahead of the oldest other one, up to `room`."""
    if conn.execute("SELECT 1 FROM runs WHERE status = 'queued' LIMIT 1").fetchone() is None:
        return [], key
    joining = key is not None
    room = cap if room is None else room
    taken = []
    with Transaction(conn) as c:
        rows = c.execute("SELECT id, config FROM runs WHERE status = 'queued' ORDER BY created, rowid LIMIT ?"
                         + c.skip_locked, (SCAN,)).fetchall()
        for run_id, config_json in rows:
            if len(taken) >= room:
                break
            k = key_of(config_json)
            if not joining and not taken:
                taken.append((run_id, config_json))
                key = k
                if k is None:
                    break  # it trains alone
            elif k is not None and k == key:
                taken.append((run_id, config_json))
            elif joining:
                break  # an older run of another kind waits: this batch takes no one behind it
        c.executemany("UPDATE runs SET status = 'running', started = ?, worker = ?, version = version + 1 WHERE id = ?",
                      [(now(), token, run_id) for run_id, _ in taken])
    return taken, key


def execute_batch(conn, claimed: list, key, token: str, parent_pid: int | None = None) -> None:
    """Train claimed runs (and those that join) as one batch; each ends through `settle`, alone."""
    from ..batched import Job, train_batch

    cap, last, group = batch_cap(), [time.monotonic()], FlushGroup(conn)

    def job(run_id: str, config_json: str):
        reporter = DbReporter(conn, run_id, token, parent_pid)
        group.add(reporter)
        try:
            config, state = load_job(conn, run_id, config_json, reporter)
        except Exception as exc:
            group.remove(reporter)
            settle(conn, run_id, token, None, reporter, exc)
            return None
        return Job(config, reporter, reporter.should_stop, state, tag=run_id)

    def jobs(rows) -> list:
        return [j for j in (job(*row) for row in rows) if j is not None]

    def more(count: int) -> list:
        if time.monotonic() - last[0] < JOIN_SECONDS or count >= cap:
            return []
        last[0] = time.monotonic()
        return jobs(claim_batch(conn, token, cap, key, room=cap - count)[0])

    def done(j, outcome) -> None:
        group.flush()  # every run's rows so far, together; then this one ends alone
        group.remove(j.reporter)
        settle(conn, j.tag, token, j.config, j.reporter, outcome)

    train_batch(jobs(claimed), more, done, fatal=is_store_error)
