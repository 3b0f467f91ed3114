"""How far each lab's runs end from their loss's exact minimum, before and after "truthful lines":
the old defaults (the seed's program: raw heights, Adam at a constant η = 0.1, 10,000 epochs; the
binary lab's Adam η = 0.05, 300 epochs) against today's (standardised heights, a cosine-decaying
step; binary η = 0.1 decaying over 500 epochs), with only the loss changed. Gap = (L − L*) / L*.

    python benchmarks/truth.py [--binary-only]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from losslab.config import BinaryConfig, RegressionConfig  # noqa: E402
from losslab.lessons import SEED  # noqa: E402
from losslab.losses import LOSSES, run_name  # noqa: E402
from losslab.training import train  # noqa: E402

REGRESSION = [("mse", None), ("mae", None), ("huber", None), ("smooth_l1", None), ("log_cosh", None),
              ("barron", None), ("cauchy", None), ("tukey", None), ("quantile", 0.1), ("quantile", 0.5),
              ("quantile", 0.9), ("eps_insensitive", None)]
BINARY = ["bce_logits", "bce", "hinge", "squared_hinge_binary"]
OLD_BINARY = BinaryConfig(lr=0.05, epochs=300, schedule="constant")


def pct(gap) -> str:
    return "–" if gap is None else f"{100 * gap:.3g} %"


def main() -> None:
    if "--binary-only" not in sys.argv:
        print("| loss | 0 outliers: before | after | 3 outliers: before | after |")
        print("| --- | --- | --- | --- | --- |")
        for loss, param in REGRESSION:
            cells = []
            for outliers in (0, 3):
                for config in (SEED, RegressionConfig()):
                    r = train(config.replace(loss=loss, loss_param=param, outliers=outliers))
                    cells.append(pct(r.final.get("final/gap")))
            print(f"| {run_name(LOSSES[loss], param)} | " + " | ".join(cells) + " |", flush=True)
        print()
    print("| binary loss (two blobs) | 0 % flips: before | after | 10 % flips: before | after |")
    print("| --- | --- | --- | --- | --- |")
    for loss in BINARY:
        cells = []
        for flips in (0.0, 10.0):
            for config in (OLD_BINARY, BinaryConfig()):
                cells.append(pct(train(config.replace(loss=loss, flips=flips)).final.get("final/gap")))
        print(f"| {LOSSES[loss].label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
