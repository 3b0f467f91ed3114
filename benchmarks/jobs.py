"""Job engine figures, in one run on this machine:
1. submit() to the first metric row readable, warm pool: median of 10;
2. the regression seed config through the service vs train() called directly (ratio);
3. metrics() of a 10,000-step run downsampled to 2,000 points (median of 20 calls).

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
        finally:
            service.close()


if __name__ == "__main__":
    main()
