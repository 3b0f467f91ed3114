"""Steps per second of the binary lab's training (`training.train`: the one loop with its metric
rows and ~100 boundary snapshots) against a bare torch loop on the same tensors, same model, same
optimizer, in one run on this machine. The issue's bar: at most 1.2× the bare loop's time.

    python benchmarks/binary.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from losslab.labs.binary import BinaryTrainer  # noqa: E402
from losslab.config import BinaryConfig  # noqa: E402
from losslab.models import build_model, build_optimizer  # noqa: E402
from losslab.training import ListReporter, train  # noqa: E402


def bare(config: BinaryConfig) -> float:
    lab = BinaryTrainer(config)
    x, y = lab.x, lab.data.train_y
    model, loss_fn = build_model(config), torch.nn.functional.binary_cross_entropy_with_logits
    opt = build_optimizer(model, config)
    t0 = time.perf_counter()
    for _ in range(config.epochs):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()  # the lab reads every step's loss too
    return time.perf_counter() - t0


def ours(config: BinaryConfig) -> float:
    return train(config, ListReporter()).seconds


def main() -> None:
    torch.set_num_threads(1)
    print("| model | points | steps | bare loop steps/s | losslab steps/s | time ratio (losslab / bare) |")
    print("|---|---|---|---|---|---|")
    for name, config in (("logistic", BinaryConfig(n_points=1000, test_share=0.0, epochs=2000)),
                         ("net 2×16 tanh", BinaryConfig(n_points=1000, test_share=0.0, epochs=2000, model="net",
                                                        hidden=16, depth=2))):
        ours(config.replace(epochs=50))  # warm both paths
        bare(config.replace(epochs=50))
        b, o = [], []
        for _ in range(5):  # interleaved, medians: the machine is shared and noisy
            b.append(bare(config))
            o.append(ours(config))
        mb, mo = statistics.median(b), statistics.median(o)
        print(f"| {name} | 1,000 | {config.epochs:,} | {config.epochs / mb:,.0f} | {config.epochs / mo:,.0f} | "
              f"{mo / mb:.2f} |", flush=True)


if __name__ == "__main__":
    main()
