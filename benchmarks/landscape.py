"""How long the regression landscape takes to build, as a ratio of one training run of the same
config (both measured here, in one run, on this machine):

    python benchmarks/landscape.py

- surface 200×200: the exact loss on a 200×200 (slope, intercept) grid (vmap, float64)
- own minimum: the zooming grids that find the loss's own best line
- per poll: the figure a live view resends (page grid 100×100) and its JSON size
- MNIST: the 41×41 slice job (PCA and random planes) on all images, before and after the plane
  (losslab/plane.py), with its largest difference from a direct evaluation
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
    point_edits()




def mnist_slices() -> None:
    """The MNIST slice job, 41 × 41, on all 60,000 training images (loss) and all 10,000 test images
    (accuracy), on 2 threads: before (the model built and called at each point, as slices were
    computed until the plane: timed on a few points and extrapolated, the full way takes minutes)
    and after (losslab/plane.py), with the largest difference from the direct evaluation."""
    from losslab.config import MnistConfig, SliceConfig
    from losslab.plane import Plane, grid_rows, source_data
    from losslab.slices import DirectEvaluator, run_slice, trajectory
    from losslab.training import ListReporter

    before_threads = torch.get_num_threads()
    torch.set_num_threads(2)
    print()
    print("| model | plane | before: direct, 1,681 points + 2×50 path (extrapolated) | after: grid 41×41 | "
          "after: whole job (grid + 50 checkpoints' true loss) | speed-up (job) | max |Δ loss| | max |Δ accuracy| |")
    print("|---|---|---|---|---|---|---|---|")
    try:
        for model in ("linear", "mlp"):
            source = MnistConfig(model=model, epochs=1)  # every training image; ~50 checkpoints over one epoch
            rep = ListReporter()
            train(source, rep)
            steps, weights = [s for s, _ in rep.checkpoints], trajectory([b for _, b in rep.checkpoints])
            direct = DirectEvaluator(source, 0)
            for method in ("pca", "random"):
                out = ListReporter()
                t0, c0 = time.perf_counter(), time.process_time()
                run_slice(SliceConfig(run="bench", method=method), source, steps, weights, out)
                job, job_cpu = time.perf_counter() - t0, time.process_time() - c0
                r = [p for _, kind, p in out.snapshots if kind == "slice"][0]
                d1, d2 = _directions(source, weights, method)
                plane = Plane(origin=weights[-1], u=d1, v=d2, **source_data(source, 0))
                t0, c0 = time.perf_counter(), time.process_time()
                list(grid_rows(plane, r["alphas"], r["betas"], 2))
                grid, grid_cpu = time.perf_counter() - t0, time.process_time() - c0
                # before: a few points, the old way (model at the weights, called on every image)
                cells = [(i, j) for i in (0, 13, 27, 40) for j in (0, 20, 40)]
                direct(weights[-1])  # warm: the first call pays for allocations the others reuse
                t0 = time.perf_counter()
                worst_loss = worst_acc = 0.0
                for i, j in cells:
                    a, b = r["alphas"][j], r["betas"][i]
                    loss, acc = direct(weights[-1] + a * d1 + b * d2)
                    worst_loss = max(worst_loss, abs(loss - r["loss"][i][j]))
                    worst_acc = max(worst_acc, abs(acc - r["accuracy"][i][j]))
                per_point = (time.perf_counter() - t0) / len(cells)
                before = per_point * (41 * 41 + 2 * len(weights))
                print(f"| {model} | {method} | {before:.0f} s ({1000 * per_point:.0f} ms a point × {41 * 41 + 2 * len(weights):,}) | "
                      f"{grid:.2f} s (CPU {grid_cpu:.2f} s) | {job:.2f} s (CPU {job_cpu:.2f} s) | {before / job:.0f}× | "
                      f"{worst_loss:.1e} | {worst_acc:.1e} |", flush=True)
    finally:
        torch.set_num_threads(before_threads)


def _directions(source, weights, method):
    """The slice job's own directions (the same seed), for timing the grid alone."""
    from losslab.config import SliceConfig
    from losslab.models import build_model
    from losslab.slices import pca_directions, random_directions

    if method == "pca":
        return pca_directions(weights)[:2]
    model = build_model(source)
    torch.nn.utils.vector_to_parameters(weights[-1], model.parameters())
    return random_directions(model, SliceConfig.seed)



def point_edits(edits: int = 60) -> None:
    """The server's time for one click or table edit on the regression lab's points (losslab.ui.points):
    the edited config checked, its points, every shown loss's exact line and refit without each point
    (losslab.influence), the figure built and serialised as st.plotly_chart sends it, and the influence
    table. Each edit is new (nothing cached but the generated points and the starting line, as on the page);
    median and 90th percentile of `edits` random removals and additions."""
    import random

    import plotly.io as pio

    from losslab import edits as pe
    from losslab import influence as inf
    from losslab.losses import LOSSES
    from losslab.ui import points as ui_points

    print()
    print("| data | losses | points | one edit, median | 90th percentile | CPU, median | figure JSON |")
    print("|---|---|---|---|---|---|---|")
    for name, config, names in (("seed (10 points)", RegressionConfig(), ("mse", "mae", "huber")),
                                ("seed + 3 outliers", RegressionConfig(outliers=3), ("mse", "mae", "huber")),
                                ("synthetic 50 + 5 outliers", RegressionConfig(data="synthetic", n_points=50, outliers=5),
                                 ("mse", "mae", "huber")),
                                ("seed + 3 outliers", RegressionConfig(outliers=3), ("mse", "mae", "huber", "tukey"))):
        losses = tuple((n, LOSSES[n].resolve_param(None)) for n in names)
        rng = random.Random(0)
        ui_points._figure.__wrapped__(config, losses, (), "en")  # the first view: torch's autograd warmed
        times, cpu, size, current = [], [], 0, pe.Edits()
        for _ in range(edits):
            found = inf.points(config.replace(edits=pe.text(current)))
            if rng.random() < 0.5 and len(found.xs) > 4:
                candidate = pe.remove(current, rng.choice(found.origins))
            else:
                candidate = pe.add(current, round(rng.uniform(150, 205), 1), round(rng.uniform(45, 110), 1))
            t0, c0 = time.perf_counter(), time.process_time()  # CPU time: what a busy machine's waits leave out
            edited = config.replace(edits=pe.text(candidate))
            fig = ui_points._figure.__wrapped__(edited, losses, (), "en")
            text = pio.to_json(fig, validate=False)
            found = inf.points(edited)
            ui_points._influence_rows(edited, found, inf.influence(found.xs, found.ys, losses), losses)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            size, current = len(text), candidate
        times.sort()
        print(f"| {name} | {', '.join(names)} | {len(found.xs)} | {1000 * statistics.median(times):.1f} ms | "
              f"{1000 * times[int(0.9 * len(times))]:.1f} ms | {1000 * statistics.median(cpu):.1f} ms | "
              f"{size / 1000:.0f} KB |", flush=True)


if __name__ == "__main__":
    if "--slices-only" not in sys.argv:  # the MNIST part alone: python benchmarks/landscape.py --slices-only
        main()
    mnist_slices()
