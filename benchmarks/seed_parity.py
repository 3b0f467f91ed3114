"""Seed parity: the seed's own MNIST pipeline against losslab's train(), in one process.

(a) the seed: per-sample ToTensor + Normalize through a shuffled DataLoader, Linear(784, 10),
    SGD lr 0.01, batch 64; (b) losslab's train() with MnistConfig() on the same files.
Prints both wall times, their ratio and both test accuracies; then the regression seed config
against the least-squares optimum. `--quick` runs 1 epoch each instead of 10.

    python benchmarks/seed_parity.py [--quick] [--mnist-from ../shared/datasets/mnist]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from losslab import datasets  # noqa: E402
from losslab.config import MnistConfig, RegressionConfig  # noqa: E402
from losslab.training import train  # noqa: E402


def seed_pipeline(root: Path, epochs: int) -> tuple[float, float]:
    """The seed's MNIST code, as written there: returns (seconds, test accuracy)."""
    from torch.utils.data import DataLoader
    from torchvision import datasets as tvd, transforms

    start = time.perf_counter()
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    train_ds = tvd.MNIST(str(root), train=True, download=False, transform=tf)
    test_ds = tvd.MNIST(str(root), train=False, download=False, transform=tf)
    train_loader = DataLoader(train_ds, batch_size=64, shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=1000)
    torch.manual_seed(0)
    model = nn.Linear(784, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for x, y in train_loader:
            opt.zero_grad()
            loss = loss_fn(model(x.view(-1, 784)), y)
            loss.backward()
            opt.step()
    correct = 0
    with torch.no_grad():
        for x, y in test_loader:
            correct += (model(x.view(-1, 784)).argmax(1) == y).sum().item()
    return time.perf_counter() - start, correct / len(test_ds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch instead of 10")
    parser.add_argument("--mnist-from", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist")
    args = parser.parse_args()
    epochs = 1 if args.quick else 10
    torch.set_num_threads(os.cpu_count() or 1)

    with tempfile.TemporaryDirectory() as tmp:
        if datasets.mnist_available():
            root = datasets.data_dir()
        else:
            root = Path(tmp)
            datasets.install_mnist_from(args.mnist_from, root)
            os.environ["LOSSLAB_DATA_DIR"] = str(root)
        print(f"MNIST, {epochs} epoch(s), SGD lr 0.01, batch 64, Linear(784, 10), {torch.get_num_threads()} threads")
        seed_s, seed_acc = seed_pipeline(root, epochs)
        print(f"  seed pipeline (DataLoader, per-sample transforms): {seed_s:7.2f} s  test accuracy {seed_acc:.2%}")
        start = time.perf_counter()
        datasets.mnist_tensors.cache_clear()  # count losslab's one-off load and normalisation too
        result = train(MnistConfig(epochs=epochs))
        ours_s = time.perf_counter() - start
        print(f"  losslab train() (pre-normalised tensors):         {ours_s:7.2f} s  "
              f"test accuracy {result.final['test/accuracy']:.2%}")
        print(f"  speed-up: {seed_s / ours_s:.1f}x")

    reg_epochs = 1000 if args.quick else 10_000
    result = train(RegressionConfig(epochs=reg_epochs))
    x, y = datasets.seed_points()
    slope, intercept = datasets.least_squares(x, y)
    optimum = float(torch.mean((slope * x.double() + intercept - y.double()) ** 2))
    print(f"Regression seed config, Adam lr 0.1, {reg_epochs} epochs: {result.seconds:.2f} s")
    print(f"  final MSE {result.final['final/mse']:.5f} vs least-squares optimum {optimum:.5f} "
          f"(gap {result.final['final/mse'] - optimum:+.5f})")
    print(f"  slope {result.final['slope']:.5f} (optimum {slope:.5f}), "
          f"intercept {result.final['intercept']:.4f} (optimum {intercept:.4f})")


if __name__ == "__main__":
    main()
