"""Shared fixtures: isolated data/home folders, a tiny IDX MNIST, the real MNIST when present."""

from __future__ import annotations

import linecache
import os
import time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
REAL_MNIST = Path(os.environ.get("LOSSLAB_MNIST_SOURCE", ROOT.parent / "shared" / "datasets" / "mnist"))


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    """A 200/50-image MNIST written as real IDX files, read through the real torchvision path.

    Each class gets a bright block at its own position, so a linear model can learn it."""
    from losslab import datasets

    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    g = torch.Generator().manual_seed(1)
    for prefix, n in (("train", 200), ("t10k", 50)):
        labels = torch.arange(n) % 10
        images = (torch.rand((n, 28, 28), generator=g) * 60).to(torch.uint8)
        for i, lab in enumerate(labels):
            r = 2 + 2 * int(lab)
            images[i, r:r + 3, 4:24] = 255
        datasets.write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        datasets.write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(tmp_path / "data"))
    datasets.mnist_tensors.cache_clear()
    yield tmp_path / "data"
    datasets.mnist_tensors.cache_clear()


@pytest.fixture(scope="session")
def real_mnist_dir(tmp_path_factory):
    """The real MNIST installed from ../shared/datasets/mnist into a temporary data folder."""
    if not (REAL_MNIST / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"real MNIST files not found in {REAL_MNIST} (set LOSSLAB_MNIST_SOURCE)")
    from losslab import datasets

    root = tmp_path_factory.mktemp("mnist")
    datasets.install_mnist_from(REAL_MNIST, root)
    return root


@pytest.fixture
def real_mnist(real_mnist_dir, monkeypatch):
    from losslab import datasets

    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(real_mnist_dir))
    datasets.mnist_tensors.cache_clear()
    yield real_mnist_dir
    datasets.mnist_tensors.cache_clear()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.02, *, what=None):
    """The one wait of the test suite: poll until predicate() is truthy and return its value.

    After `timeout` seconds it fails saying what was awaited: `what` (a sentence, or a callable
    giving one at that moment), else the predicate's own source line, and its last value."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    awaited = what() if callable(what) else what or _source_of(predicate)
    raise AssertionError(f"not reached in {timeout} s: {awaited} (last value {value!r:.300})")


def _source_of(fn) -> str:
    """`fn`'s first source line and where it is, e.g. "wait_for(lambda: ...) (tests/test_jobs.py:24)"."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return repr(fn)
    path = Path(code.co_filename)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{linecache.getline(code.co_filename, code.co_firstlineno).strip()} ({where}:{code.co_firstlineno})"


@pytest.fixture
def float64():
    """torch's default dtype is float64 for the test and back to what it was after it, so that
    differences are the formulas', not rounding's (`pytestmark = pytest.mark.usefixtures("float64")`)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.fixture
def app_env(tmp_path, monkeypatch, tiny_mnist):
    """For AppTest: a temporary LOSSLAB_HOME with one real worker, and a tiny MNIST installed."""
    from losslab.jobs import service as service_mod

    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOSSLAB_WORKERS", "1")
    monkeypatch.chdir(ROOT)
    yield
    if service_mod._service is not None:
        service_mod._service.close()
        service_mod._service = None
    from losslab.jobs import executors

    if executors._lock_file is not None:
        executors._lock_file.close()  # the next test's home gets its own worker lock
        executors._lock_file = None


def app(page=None, query=None, lang=None, monkeypatch=None):
    """Open the app, then `page` (a key of the navigation table) with `query` in its URL, as a
    visitor following a link would; in `lang` from the first run when given. LOSSLAB_LANG too:
    AppTest formats a radio's value outside the script's thread, where t() has no session and
    speaks the server's default language."""
    from streamlit.testing.v1 import AppTest

    from losslab.ui.pages import PAGES

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if lang:
        monkeypatch.setenv("LOSSLAB_LANG", lang)
        at.query_params["lang"] = lang
    at.run()
    if page:
        at.switch_page(PAGES[page].file)
        if query:
            at.query_params.update(query)
        at.run()
    return at


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the session (tests.services.Postgres); skips with the reason
    where PostgreSQL or psycopg is missing (CI installs both, so there it never skips)."""
    yield from own_postgres_server()


def own_postgres_server():
    """Start a real PostgreSQL server (skipping with the reason where it is missing), yield it, stop it."""
    from tests.services import Postgres

    why = Postgres.missing()
    if why:
        pytest.skip(why)
    server = Postgres().start()
    yield server
    server.stop()


def _store(kind, request, tmp_path, monkeypatch):
    if kind == "sqlite":
        return tmp_path / "runs.sqlite3"
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path))  # the workers' ready files stay in the test's folder
    return request.getfixturevalue("postgres").fresh()


@pytest.fixture
def store_target(request, tmp_path, monkeypatch):
    """Where a test's runs are stored: a SQLite file. Modules that must hold on both stores
    override this with `both_stores` (tests/test_jobs.py, tests/test_resume.py)."""
    return _store("sqlite", request, tmp_path, monkeypatch)


def both_stores(request, tmp_path, monkeypatch):
    """`store_target = pytest.fixture(params=STORES)(both_stores)`: each test once on SQLite and
    once on its own PostgreSQL schema."""
    return _store(request.param, request, tmp_path, monkeypatch)


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def make_service(store_target):
    """JobServices with real worker processes on a temporary store, closed after the test."""
    from losslab.jobs.executors import LocalExecutor
    from losslab.jobs.service import JobService

    made = []

    def make(workers=2, **kw):
        service = JobService(store_target, LocalExecutor(store_target, workers=workers, threads=1), **kw)
        made.append(service)
        return service

    yield make
    for s in made:
        s.close()
