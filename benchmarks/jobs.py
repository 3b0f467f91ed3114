"""Job engine figures, in one run on this machine:
1. submit() to the first metric row readable, warm pool: median of 10;
2. the regression seed config through the service vs train() called directly (ratio);
3. metrics() of a 10,000-step run downsampled to 2,000 points (median of 20 calls);
4. stop() of a running run to its `stopped` status (median of 5);
5. each worker's memory after an MNIST run (two workers): private dirty (its own) and
   shared/clean (the page cache it shares), from /proc/PID/smaps_rollup.

    python benchmarks/jobs.py                                   # SQLite + the local pool
    python benchmarks/jobs.py --store postgres --executor ray   # and PostgreSQL + a 2-node local Ray cluster,
                                                                # side by side (figures 1-4)
"""

from __future__ import annotations

import argparse
import contextlib
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
from tests.services import environment  # noqa: E402


@contextlib.contextmanager
def engine(store: str, executor: str, tmp: Path):
    """A service on the asked store and executor: real PostgreSQL and a real 2-node Ray cluster
    (tests/services.py), or SQLite in `tmp` and the local pool."""
    with contextlib.ExitStack() as stack:
        target, env = environment(stack, store, executor, tmp / f"bench-{executor}.sqlite3")
        if executor == "ray":
            from losslab.jobs.ray_executor import RayExecutor

            ex = RayExecutor(target, workers=2, address=env["RAY_ADDRESS"])
            stack.callback(ex.kill)
        else:
            # One worker with every core's threads: the comparison with a direct call is like for like.
            ex = LocalExecutor(target, workers=1, threads=None)
        service = JobService(target, ex, max_per_owner=100)
        stack.callback(service.close)
        ex.wait_ready(timeout=300)
        yield service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--executor", choices=("local", "ray"), default="local")
    args = parser.parse_args()
    combos = [("sqlite", "local")] + ([(args.store, args.executor)] if (args.store, args.executor) != ("sqlite", "local") else [])
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for store, executor in combos:
            print(f"--- {store} + {executor} ---", flush=True)
            with engine(store, executor, Path(tmp)) as service:
                results[(store, executor)] = figures(service)
        if len(results) > 1:
            print("\nside by side:")
            names = list(results)
            print(f"{'':48}" + "".join(f"{s + ' + ' + e:>22}" for s, e in names))
            for key in results[names[0]]:
                print(f"{key:48}" + "".join(f"{results[n][key]:>22}" for n in names))
        worker_memory(Path(tmp))


def figures(service) -> dict:
    out = {}
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
    out["submit -> first row, median (goal <= 1000 ms)"] = f"{statistics.median(latencies) * 1000:.0f} ms"

    train(RegressionConfig(epochs=100))  # warm this process too, as the worker is
    t0 = time.perf_counter()
    direct = train(RegressionConfig())
    direct_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_id = service.submit(RegressionConfig(), "bench")
    run = service.wait(run_id, timeout=300)
    service_s = time.perf_counter() - t0
    print(f"regression seed config (10,000 steps): direct train() {direct_s:.2f} s, through the service "
          f"{service_s:.2f} s (submit to completed, metrics in the store) -> ratio {service_s / direct_s:.2f}x; "
          f"final MSE {run['final']['final/mse']:.5f} vs {direct.final['final/mse']:.5f}")
    out["seed config: service / direct train() (<= 1.25x)"] = f"{service_s / direct_s:.2f}x"

    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        series = service.metrics(run_id, max_points=2000)
        times.append(time.perf_counter() - t0)
    n = len(series["train/loss"][0])
    print(f"metrics() of the 10,000-step run (2 series, 20,000 rows) downsampled to {n} points per series: "
          f"median {statistics.median(times) * 1000:.1f} ms")
    out["metrics() of 10,000 steps, median (<= 20 ms)"] = f"{statistics.median(times) * 1000:.1f} ms"

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
    out["stop() to 'stopped', median (~500 ms)"] = f"{statistics.median(stops) * 1000:.0f} ms"
    return out


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
