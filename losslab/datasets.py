"""Data: the seed's height/weight table, synthetic lines with outliers, uploaded CSVs, and MNIST
as pre-normalised tensors (normalised once into a cache file that every process memory-maps)."""

from __future__ import annotations

import gzip
import logging
import os
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from . import settings
from .csvfile import DataError  # a data set that is missing is a data problem, said as uploads say theirs

# The seed's ten people (the course text's table): height in cm, weight in kg.
HEIGHT_CM = (152.4, 157.5, 160.0, 165.1, 172.7, 177.8, 185.4, 190.5, 195.6, 203.2)
WEIGHT_KG = (50.0, 54.4, 56.7, 59.0, 63.5, 68.0, 72.6, 77.1, 81.6, 90.7)

MNIST_FILES = (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
)
MNIST_MEAN, MNIST_STD = 0.5, 0.5  # the seed's Normalize((0.5,), (0.5,))


def data_dir() -> Path:
    """Where MNIST lives: $LOSSLAB_DATA_DIR, else the per-user cache folder."""
    return settings.get("LOSSLAB_DATA_DIR")


# --- regression ---------------------------------------------------------------------------

def seed_points() -> tuple[torch.Tensor, torch.Tensor]:
    """The seed's data as (x, y) column tensors of shape (10, 1), float32, cm and kg."""
    return torch.tensor(HEIGHT_CM).unsqueeze(1), torch.tensor(WEIGHT_KG).unsqueeze(1)


def with_noise_and_outliers(x, y, noise: float, outliers: int, outlier_offset: float, seed: int):
    """Add Gaussian noise (std `noise`, in y's unit) to every y, and push `outliers` points
    up by `outlier_offset` (y's unit). Seeded, so the same config gives the same data."""
    g = torch.Generator().manual_seed(seed)
    y = y.clone()
    if noise > 0:
        y += noise * torch.randn(y.shape, generator=g)
    if outliers > 0:
        # Outliers are added at heights spread over the data's range, far above the line,
        # so they pull an MSE fit visibly and a MAE fit hardly at all.
        xs = torch.linspace(float(x.min()), float(x.max()), outliers + 2)[1:-1].unsqueeze(1)
        slope, intercept = least_squares(x, y)
        ys = slope * xs + intercept + outlier_offset
        x, y = torch.cat([x, xs]), torch.cat([y, ys])
    return x, y


def synthetic_line(n: int, slope: float, intercept: float, noise: float, seed: int):
    """n points on y = slope x + intercept over the seed's height range, with noise."""
    g = torch.Generator().manual_seed(seed)
    x = 150 + 55 * torch.rand((n, 1), generator=g)
    y = slope * x + intercept + noise * torch.randn((n, 1), generator=g)
    return x, y


def least_squares(x, y) -> tuple[float, float]:
    """Closed-form slope and intercept (float64) for comparing a trained line with the optimum."""
    x64 = torch.as_tensor(x, dtype=torch.float64).flatten()
    y64 = torch.as_tensor(y, dtype=torch.float64).flatten()
    xm, ym = x64.mean(), y64.mean()
    var = ((x64 - xm) ** 2).sum()
    slope = float(((x64 - xm) * (y64 - ym)).sum() / var) if var > 0 else 0.0
    return slope, float(ym - slope * xm)


# --- MNIST --------------------------------------------------------------------------------

def mnist_missing_message(root: Path | None = None) -> str:
    root = root or data_dir()
    return str(_missing(root))


def _missing(root: Path) -> DataError:
    return DataError("mnist_data.missing", root=str(root))


def mnist_available(root: Path | None = None) -> bool:
    raw = (root or data_dir()) / "MNIST" / "raw"
    return all((raw / f).exists() for f in MNIST_FILES)


def install_mnist_from(folder: Path, root: Path | None = None) -> Path:
    """Copy the four IDX files (gzipped or not) from `folder` to where torchvision looks."""
    root = root or data_dir()
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root / "MNIST" / CACHE_FOLDER, ignore_errors=True)  # made again from the new files
    for name in MNIST_FILES:
        gz, plain = Path(folder) / f"{name}.gz", Path(folder) / name
        tmp = raw / f"{name}.part"
        if gz.exists():
            with gzip.open(gz, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
        elif plain.exists():
            shutil.copyfile(plain, tmp)
        else:
            raise DataError("mnist_data.no_file", folder=str(folder), name=name)
        tmp.replace(raw / name)  # atomic: a half-copied file never looks installed
    mnist_tensors.cache_clear()
    return raw


def download_mnist(root: Path | None = None) -> Path:
    root = root or data_dir()
    from torchvision.datasets import MNIST

    try:
        for train in (True, False):
            MNIST(str(root), train=train, download=True)
    except Exception as exc:  # network errors come in many types; one sentence for all
        raise DataError("mnist_data.download", why=type(exc).__name__) from exc
    return root / "MNIST" / "raw"


# The normalised images as float32 .npy files next to the raw ones: every worker memory-maps
# the same file, so its pages live once in the page cache instead of once per process
# (~210 MB of private memory per worker before). Bump the folder name when the format changes.
CACHE_FOLDER = "losslab-v1"
_CACHE = ("train_x.npy", "train_y.npy", "test_x.npy", "test_y.npy")
log = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def mnist_tensors(root: str | None = None):
    """(train_x, train_y, test_x, test_y): x is float32 (n, 784), normalised as the seed; y int64.

    x is memory-mapped from a cache file made once (by `data mnist` or the first run), so
    workers share one copy; copy-on-write, so a stray in-place write stays private."""
    path = Path(root) if root else data_dir()
    if not mnist_available(path):
        raise _missing(path)
    cache = path / "MNIST" / CACHE_FOLDER
    if not all((cache / f).exists() for f in _CACHE):
        arrays = _normalised_arrays(path)
        try:
            _write_cache(cache, arrays)
        except OSError as exc:  # a read-only data folder: work from memory, say why once
            log.warning("MNIST cache not written to %s (%s); each process keeps its own copy", cache, exc)
            return tuple(torch.from_numpy(a) for a in arrays)
    return tuple(torch.from_numpy(np.load(cache / f, mmap_mode="c" if f.endswith("_x.npy") else None))
                 for f in _CACHE)


def _normalised_arrays(path: Path) -> list:
    """The expensive per-sample ToTensor/Normalize of the seed's DataLoader, as one tensor operation."""
    from torchvision.datasets import MNIST

    out = []
    for train in (True, False):
        ds = MNIST(str(path), train=train, download=False)
        x = ds.data.reshape(len(ds.data), -1).to(torch.float32).div_(255).sub_(MNIST_MEAN).div_(MNIST_STD)
        out += [x.numpy(), ds.targets.to(torch.int64).numpy()]
    return out


def _write_cache(cache: Path, arrays) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    for name, array in zip(_CACHE, arrays):
        tmp = cache / f"{name}.{os.getpid()}.part"
        with open(tmp, "wb") as f:
            np.save(f, array)
            f.flush()
            # Written back now: pages still dirty in the page cache count as every mapper's
            # private dirty memory until the kernel flushes them.
            os.fsync(f.fileno())
        tmp.replace(cache / name)  # atomic: two workers building it at once both end with a whole file


def write_idx(path: Path, array) -> None:
    """Write a uint8 tensor as an IDX file (the MNIST format); used by tests and tiny demos."""
    array = torch.as_tensor(array, dtype=torch.uint8)
    header = bytes([0, 0, 0x08, array.dim()]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    Path(path).write_bytes(header + array.numpy().tobytes())
