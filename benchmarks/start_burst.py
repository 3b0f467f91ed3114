"""A class presses Start: N students submit a run within one second, through the job service and
the default worker pool (one worker per core), on this machine. For each N: seconds from the first
submit until the last run is complete, the median student's wait (submit → complete), and the
slowest first metric point (submit → its first row stored). Two modes in one run, so the ratio is
like for like on a noisy shared machine: every run alone (LOSSLAB_BATCH_RUNS=1, the code before
batching) and batched (the default).

    python benchmarks/start_burst.py                          # the seed config, N = 1, 10, 30, 100
    python benchmarks/start_burst.py --lab binary --sizes 30  # the binary lab's defaults
    python benchmarks/start_burst.py --lab mnist --sizes 10   # linear, 2,000 images, 1 epoch (trains alone)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from losslab.config import BinaryConfig, MnistConfig, RegressionConfig  # noqa: E402
from losslab.jobs.executors import LocalExecutor  # noqa: E402
from losslab.jobs.service import JobService  # noqa: E402

CONFIGS = {
    "regression": RegressionConfig(),  # the seed's run: 10,000 Adam steps
    "binary": BinaryConfig(),
    "mnist": MnistConfig(model="linear", train_subset=2000, epochs=1),
}
MNIST_SOURCE = ROOT.parent / "shared" / "datasets" / "mnist"


def burst(config, n: int, batch_runs: int, home: Path) -> dict:
    os.environ["LOSSLAB_BATCH_RUNS"] = str(batch_runs)  # read by the workers this pool spawns
    target = home / f"burst-{n}-{batch_runs}.sqlite3"
    service = JobService(target, LocalExecutor(target), max_per_owner=3)
    try:
        assert service.executor.wait_ready(timeout=300), "the workers never warmed up"
        ids: list[str] = []
        start = time.time()

        def press(i: int) -> None:  # student i presses Start at a moment within the second
            time.sleep(max(0.0, start + i / max(1, n) - time.time()))
            ids.append(service.submit(config.replace(seed=i), f"student-{i}"))

        threads = [threading.Thread(target=press, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        runs = [service.wait(run_id, timeout=1800) for run_id in ids]
        bad = [r["status"] for r in runs if r["status"] != "completed"]
        assert not bad, f"runs did not complete: {bad}"
        first = []
        for r in runs:
            (t0,) = service.conn.execute("SELECT MIN(time) FROM metrics WHERE run = ?", (r["id"],)).fetchone()
            first.append(t0 - r["created"])
        waits = [r["ended"] - r["created"] for r in runs]
        return {"last": max(r["ended"] for r in runs) - start, "median": statistics.median(waits),
                "first": max(first)}
    finally:
        service.close()
        service.executor.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lab", choices=sorted(CONFIGS), default="regression")
    parser.add_argument("--sizes", default="1,10,30,100")
    args = parser.parse_args()
    config = CONFIGS[args.lab]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["LOSSLAB_HOME"] = str(home)
        if args.lab == "mnist":
            from losslab import datasets

            os.environ["LOSSLAB_DATA_DIR"] = str(home / "data")
            datasets.install_mnist_from(MNIST_SOURCE, home / "data")
        print(f"{args.lab}: {os.cpu_count()} cores, default pool; seconds")
        print(f"{'N':>4} | {'alone: last':>11} {'median':>7} {'1st pt':>7} | {'batched: last':>13} {'median':>7} "
              f"{'1st pt':>7} | {'last ×':>6}")
        for n in (int(x) for x in args.sizes.split(",")):
            alone = burst(config, n, 1, home)
            together = burst(config, n, 128, home)
            print(f"{n:>4} | {alone['last']:>11.2f} {alone['median']:>7.2f} {alone['first']:>7.2f} | "
                  f"{together['last']:>13.2f} {together['median']:>7.2f} {together['first']:>7.2f} | "
                  f"{alone['last'] / together['last']:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
