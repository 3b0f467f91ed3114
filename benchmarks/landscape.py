"""How long the regression landscape takes to build, as a ratio of one training run of the same
config (both measured here, in one run, on this machine):

    python benchmarks/landscape.py

- surface 200×200: the exact loss on a 200×200 (slope, intercept) grid (vmap, float64)
- own minimum: the zooming grids that find the loss's own best line
- per poll: the figure a live view resends (page grid 100×100) and its JSON size
- MNIST: the 41×41 slice job (PCA and random planes) against one training run of its source
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from losslab import landscape as land  # noqa: E402
from losslab.config import RegressionConfig  # noqa: E402
from losslab.figures.landscape import landscape  # noqa: E402
from losslab.labs.regression import initial_line  # noqa: E402
from losslab.training import train  # noqa: E402


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    torch.set_num_threads(1)  # "on one core", as the issue asks
    print("| data | loss | surface 200×200 | own minimum | page figure 100×100 | figure JSON | one training run | surface / run |")
    print("|---|---|---|---|---|---|---|---|")
    for name, config in (("seed (10 points)", RegressionConfig()),
                         ("seed + 2 outliers", RegressionConfig(outliers=2, loss="huber")),
                         ("synthetic 1,000", RegressionConfig(data="synthetic", n_points=1000, loss="tukey"))):
        start = initial_line(config)
        run = timed(lambda: train(config), repeat=1)
        surf = timed(lambda: land.grid(config, (0.0, 1.0), (-80.0, 10.0), 200))
        own = timed(lambda: land.own_minimum(config))
        s = land.surface(config, start, n=100)
        d = {"slopes": s.slopes, "intercepts": s.intercepts, "z": s.z, "minimum": s.minimum,
             "least_squares": s.least_squares}
        path = [(i, start[0], start[1]) for i in range(200)]
        fig_time = timed(lambda: landscape(d, path, title="t", x_title="x", y_title="y").to_json())
        size = len(landscape(d, path, title="t", x_title="x", y_title="y").to_json())
        print(f"| {name} | {config.loss} | {1000 * surf:.1f} ms | {1000 * own:.1f} ms | {1000 * fig_time:.1f} ms | "
              f"{size / 1000:.0f} KB | {run:.2f} s | {surf / run:.4f} |", flush=True)




def mnist_slices() -> None:
    """The MNIST slice job (41 × 41 plane, 1,000 images) against one training run of its source."""
    from losslab.config import MnistConfig, SliceConfig
    from losslab.slices import run_slice, trajectory
    from losslab.training import ListReporter

    print()
    print("| model | plane | slice 41×41 | source run (5,000 images, 3 epochs) | slice / run | explained | largest gap |")
    print("|---|---|---|---|---|---|---|")
    for model in ("linear", "mlp"):
        source = MnistConfig(model=model, train_subset=5000, epochs=3)
        rep = ListReporter()
        t0 = time.perf_counter()
        train(source, rep)
        run = time.perf_counter() - t0
        steps, weights = [s for s, _ in rep.checkpoints], trajectory([b for _, b in rep.checkpoints])
        for method in ("pca", "random"):
            t0 = time.perf_counter()
            result = run_slice(SliceConfig(run="bench", method=method), source, steps, weights, ListReporter())
            took = time.perf_counter() - t0
            explained = "–" if result.final["explained"] is None else f"{100 * result.final['explained']:.1f} %"
            print(f"| {model} | {method} | {took:.2f} s | {run:.2f} s | {took / run:.2f} | {explained} | "
                  f"{result.final['max_gap']:.3g} |", flush=True)


if __name__ == "__main__":
    main()
    mnist_slices()
