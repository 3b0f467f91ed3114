"""Job engine figures, in one run on this machine:
1. submit() to the first metric row readable, warm pool: median of 10;
2. the regression seed config through the service vs train() called directly (ratio);
3. metrics() of a 10,000-step run downsampled to 2,000 points (median of 20 calls);
4. stop() of a running run to its `stopped` status (median of 5);
5. each worker's memory after an MNIST run (two workers): private dirty (its own) and
   shared/clean (the page cache it shares), from /proc/PID/smaps_rollup.

    python benchmarks/jobs.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from losslab.config import RegressionConfig  # noqa: E402
from losslab.jobs.executors import LocalExecutor  # noqa: E402
from losslab.jobs.service import JobService  # noqa: E402
from losslab.training import train  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        # One worker with every core's threads: the comparison with a direct call is like for like.
        service = JobService(db, LocalExecutor(db, workers=1, threads=None), max_per_owner=100)
        try:
            warm = service.submit(RegressionConfig(epochs=10), "bench")
            service.wait(warm, timeout=120)

            latencies = []
            for i in range(10):
                t0 = time.perf_counter()
                run_id = service.submit(RegressionConfig(epochs=100_000, seed=i), "bench")  # a long run
                while not service.metrics(run_id).get("train/loss"):
                    time.sleep(0.002)
                latencies.append(time.perf_counter() - t0)
                service.stop(run_id, "bench")
                service.wait(run_id)
            print(f"submit -> first metric row readable (warm pool, 10 runs): median "
                  f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")

            train(RegressionConfig(epochs=100))  # warm this process too, as the worker is
            t0 = time.perf_counter()
            direct = train(RegressionConfig())
            direct_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            run_id = service.submit(RegressionConfig(), "bench")
            run = service.wait(run_id, timeout=300)
            service_s = time.perf_counter() - t0
            print(f"regression seed config (10,000 steps): direct train() {direct_s:.2f} s, through the service "
                  f"{service_s:.2f} s (submit to completed, metrics in SQLite) -> ratio {service_s / direct_s:.2f}x; "
                  f"final MSE {run['final']['final/mse']:.5f} vs {direct.final['final/mse']:.5f}")

            times = []
            for _ in range(20):
                t0 = time.perf_counter()
                series = service.metrics(run_id, max_points=2000)
                times.append(time.perf_counter() - t0)
            n = len(series["train/loss"][0])
            print(f"metrics() of the 10,000-step run (2 series, 20,000 rows) downsampled to {n} points per series: "
                  f"median {statistics.median(times) * 1000:.1f} ms")

            stops = []
            for i in range(5):
                run_id = service.submit(RegressionConfig(epochs=100_000, seed=i), "bench")
                while len(service.metrics(run_id).get("train/loss", ([], []))[0]) < 100:
                    time.sleep(0.005)
                t0 = time.perf_counter()
                service.stop(run_id, "bench")
                while service.get(run_id)["status"] != "stopped":
                    time.sleep(0.002)
                stops.append(time.perf_counter() - t0)
            print(f"stop() of a running run to status 'stopped' (5 runs): median {statistics.median(stops) * 1000:.0f} ms, "
                  f"max {max(stops) * 1000:.0f} ms")
        finally:
            service.close()
        worker_memory(Path(tmp))


def smaps(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        out[key] = int(value.split()[0]) / 1024  # MB
    return out


def worker_memory(tmp: Path) -> None:
    from losslab import datasets
    from losslab.config import MnistConfig

    if not datasets.mnist_available():
        print("worker memory: skipped (MNIST not installed; run `python -m losslab data mnist`)")
        return
    db = tmp / "mem.sqlite3"
    service = JobService(db, LocalExecutor(db, workers=2), max_per_owner=100)
    try:
        ids = [service.submit(MnistConfig(epochs=1, train_subset=2000, seed=i), "bench") for i in range(2)]
        for run_id in ids:
            service.wait(run_id, timeout=300)
        for proc in service.executor.procs:
            m = smaps(proc.pid)
            print(f"worker {proc.pid} after an MNIST run: private dirty {m['Private_Dirty']:.0f} MB, "
                  f"shared clean {m['Shared_Clean']:.0f} MB, private clean {m['Private_Clean']:.0f} MB, "
                  f"Pss {m['Pss']:.0f} MB")
    finally:
        service.close()


if __name__ == "__main__":
    main()
