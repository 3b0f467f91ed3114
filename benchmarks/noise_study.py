"""The label-noise study's table on real MNIST, as the issue asks for it: linear model and MLP,
40 % symmetric noise, cross-entropy vs MAE on probabilities vs GCE vs SCE, 3 seeds. Each model's
grid runs through the same code as the page's Start button (`runner.run(StudyConfig)`).

    python benchmarks/noise_study.py [--epochs 20] [--subset 10000] [--repeats 3] [--rates 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from losslab import study  # noqa: E402
from losslab.config import StudyConfig  # noqa: E402
from losslab.losses import LOSSES  # noqa: E402
from losslab.runner import run  # noqa: E402
from losslab.training import ListReporter  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--subset", type=int, default=10_000, help="training images (0 = all 60,000)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rates", default="40", help="comma-separated noise rates in %%")
    ap.add_argument("--models", default="linear,mlp")
    args = ap.parse_args()
    rates = tuple(float(r) for r in args.rates.split(","))
    print(f"| model | loss | noise | final accuracy % (mean ± sd, n={args.repeats}) | best epoch % | "
          f"wrong labels learned % |")
    print("|---|---|---|---|---|---|")
    for model in args.models.split(","):
        config = StudyConfig(model=model, noise_rates=rates, epochs=args.epochs, train_subset=args.subset,
                             repeats=args.repeats)
        rep, start = ListReporter(), time.perf_counter()
        run(config, rep)
        cells = [p for _, kind, p in rep.snapshots if kind == "study"][-1]["cells"]
        for r in study.table(cells, config.losses, config.noise_rates):
            memo = "–" if r.memorised is None else f"{100 * r.memorised:.1f}"
            print(f"| {model} | {LOSSES[r.loss].label} | {r.rate:g} % | {100 * r.accuracy:.2f} ± "
                  f"{100 * r.accuracy_sd:.2f} | {100 * r.best:.2f} | {memo} |", flush=True)
        print(f"<!-- {model}: {config.n_cells} runs in {time.perf_counter() - start:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
