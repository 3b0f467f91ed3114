"""Every run as code: a run trained through the job service, exported, and run as a standalone
program in a fresh interpreter (no losslab on its path) prints the run's stored loss curve.
Tolerance: equal to float32 rounding (the same ops in the same order on the same CPU give the same
bits; we allow 1e-6 relative for a BLAS that orders a sum differently)."""

import json
import math
import os
import subprocess
import sys

import pytest

from losslab.config import BinaryConfig, MnistConfig, RegressionConfig
from losslab.export import for_run, notebook, script
from losslab.jobs.service import SYSTEM

TOLERANCE = 1e-6


def _run_program(path, cwd, env=None):
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, str(path)], cwd=cwd, capture_output=True, text=True, timeout=600,
                         env={**clean, **(env or {})})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _printed(stdout):
    rows = []
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            rows.append((int(parts[0]), float(parts[1])))
    return rows


def _stored(service, run_id):
    steps, values = service.metrics(run_id)["train/loss"]
    return list(zip(steps, values))


def _same_curve(printed, stored):
    assert [s for s, _ in printed] == [s for s, _ in stored]
    for (step, a), (_, b) in zip(printed, stored):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=TOLERANCE, abs=1e-7), step


def _train_export_run(make_service, config, tmp_path, env=None):
    service = make_service(workers=1)
    run_id = service.submit(config, "student-token-abcdefghijklmnop")
    run = service.wait(run_id, timeout=300)
    assert run["status"] in ("completed", "diverged"), run
    name, text = for_run(service, run_id, "student-token-abcdefghijklmnop")
    assert "losslab" not in text.split("\n", 2)[2]  # no losslab import, only the header's words
    path = tmp_path / name
    path.write_text(text)
    _same_curve(_printed(_run_program(path, tmp_path, env)), _stored(service, run_id))
    return service, run_id, text


def test_regression_with_outliers_and_a_robust_loss_reproduces_its_curve(make_service, tmp_path):
    config = RegressionConfig(loss="huber", loss_param=2.0, outliers=3, noise=1.5, epochs=2000, eval_every=7)
    _, _, text = _train_export_run(make_service, config, tmp_path)
    assert len(text.splitlines()) <= 70


def test_default_regression_script_is_short_and_the_seed_program_ends_on_least_squares(make_service, tmp_path):
    assert len(script(RegressionConfig(), "x").splitlines()) <= 60
    from losslab.lessons import SEED

    service, run_id, text = _train_export_run(make_service, SEED.replace(eval_every=500), tmp_path)
    assert "F.mse_loss" in text and "Adam" in text and "math.cos" not in text  # the seed's own program
    assert service.get(run_id)["final"]["final/mse"] == pytest.approx(1.86175, abs=5e-4)


def test_regression_started_on_the_mae_line_with_tukey_reproduces_its_curve(make_service, tmp_path):
    _train_export_run(make_service, RegressionConfig(loss="tukey", init="l1_line", epochs=500, data="synthetic",
                                                     n_points=40, outliers=2), tmp_path)


@pytest.mark.parametrize("config", [
    BinaryConfig(data="moons", features=("squares", "product", "sin"), flips=10.0, outliers=3, loss="hinge", epochs=60),
    BinaryConfig(data="circles", model="net", hidden=6, depth=2, activation="relu", flips=5.0, batch_size=32,
                 optimizer="sgd", momentum=0.5, lr=0.2, epochs=15, loss="binary_focal", loss_param=1.5),
    BinaryConfig(loss="bce", epochs=40, data="spiral", schedule="constant"),
], ids=["moons-features-flips-hinge", "circles-net-minibatch-focal", "spiral-naive-bce"])
def test_binary_runs_reproduce_their_curves(make_service, tmp_path, config):
    _train_export_run(make_service, config, tmp_path)


@pytest.mark.parametrize("model", ["linear", "mlp"])
def test_mnist_subset_with_label_noise_reproduces_its_curve(make_service, tmp_path, real_mnist_dir, model, monkeypatch):
    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(real_mnist_dir))
    from losslab import datasets

    datasets.mnist_tensors.cache_clear()
    config = MnistConfig(model=model, hidden=32, train_subset=2000, label_noise=20.0,
                         noise_kind="pairs" if model == "mlp" else "symmetric", epochs=1, batch_size=64, lr=0.05)
    (tmp_path / "data").symlink_to(real_mnist_dir)  # torchvision finds MNIST/raw there: no download
    # the script sets one thread as the worker has: with two, BLAS orders the 784-term sums differently
    # and the curve drifts from the stored one by ~1e-6 relative after 16 steps (measured)
    _train_export_run(make_service, config, tmp_path)


def test_the_notebook_runs_and_prints_the_same_curve(make_service, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    service = make_service(workers=1)
    config = RegressionConfig(loss="quantile", loss_param=0.9, epochs=300, eval_every=10)
    run_id = service.submit(config, "student-token-abcdefghijklmnop")
    service.wait(run_id, timeout=120)
    _, text = for_run(service, run_id, SYSTEM, "ko", as_notebook=True)
    nb = nbformat.reads(text, as_version=4)
    assert any("$$" in c.source for c in nb.cells if c.cell_type == "markdown")  # the formula
    assert any("데이터" in c.source for c in nb.cells)  # Korean words, English identifiers
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = _printed("".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs))
    _same_curve(printed, _stored(service, run_id))


def test_korean_comments_and_english_identifiers():
    text = script(RegressionConfig(loss="mae"), "abc", "ko")
    assert "# 1. 데이터" in text and "loss_fn" in text and "optimizer.step()" in text
    compile(text, "exported.py", "exec")


def test_the_cli_prints_the_script_and_writes_the_notebook(tmp_path):
    """`python -m losslab runs code ID [--notebook] [--lang ko]` on the app's store (a queued run
    has its program too: the config is stored at submit)."""
    from losslab.jobs.service import JobService
    from tests.conftest import ROOT

    home = tmp_path / "home"
    home.mkdir()
    service = JobService(home / "losslab.sqlite3")
    run_id = service.submit(RegressionConfig(epochs=20), "student-token-abcdefghijklmnop")
    env = {**os.environ, "LOSSLAB_HOME": str(home), "PYTHONPATH": str(ROOT)}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "losslab", "runs", "code", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True)

    out = cli(run_id)
    assert out.returncode == 0, out.stderr
    assert out.stdout == for_run(service, run_id, SYSTEM)[1]
    out = cli(run_id, "--notebook", "--lang", "ko")
    assert out.returncode == 0 and (tmp_path / out.stdout.strip()).exists()
    assert json.loads((tmp_path / out.stdout.strip()).read_text())["nbformat"] == 4
    missing = cli("no-such-run")
    assert missing.returncode == 2 and "There is no run" in missing.stderr and "Traceback" not in missing.stderr


def test_bad_requests_get_one_sentence(make_service):
    from losslab.jobs.errors import NotAllowed, NotFound

    service = make_service(workers=1)
    run_id = service.submit(RegressionConfig(epochs=20), "student-token-abcdefghijklmnop")
    service.wait(run_id, timeout=60)
    with pytest.raises(NotAllowed, match="another student"):
        for_run(service, run_id, "someone-else-token-abcdefghij")
    service.delete(run_id, "student-token-abcdefghijklmnop")
    with pytest.raises(NotFound, match="There is no run"):
        for_run(service, run_id, "student-token-abcdefghijklmnop")
    # a custom run whose points are gone from its stored config
    from losslab.jobs.store import Transaction

    other = service.submit(RegressionConfig(data="custom", points=((1.0, 2.0), (2.0, 3.5), (3.0, 5.0)), epochs=5),
                           "student-token-abcdefghijklmnop")
    service.wait(other, timeout=60)
    config = service.get(other)["config"]
    config["points"] = None
    with Transaction(service.conn) as c:
        c.execute("UPDATE runs SET config = ? WHERE id = ?", (json.dumps(config), other))
    from losslab.i18n import Problem

    with pytest.raises(Problem, match="upload the CSV again"):
        for_run(service, other, "student-token-abcdefghijklmnop")


def test_as_code_under_a_run_on_its_page(app_env):
    """The owner sees the program (code block, .py and .ipynb downloads); a visitor with another
    student's link sees one sentence instead, in their language."""
    from losslab.jobs import service as service_mod
    from tests.conftest import app

    at = app("regression", {"epochs": "30"})
    at.button(key="reg_start").click().run()
    svc = service_mod.get_service()
    run_id = svc.list_runs(None)[0]["id"]
    svc.wait(run_id, timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert any("optimizer.step()" in c.value for c in at.code)
    other = app("regression", {"run": run_id, "lang": "ko"})
    assert not [c for c in other.code if "optimizer.step()" in c.value]
    assert any("다른 학생" in i.value for i in other.info)


def test_a_noise_study_exports_one_program_with_a_loop_and_reproduces_every_cell(make_service, tmp_path,
                                                                                real_mnist_dir, monkeypatch):
    """Two losses × two noise rates × two repeats: the program prints each cell's clean-test accuracy
    per epoch, equal to what the study stored under the cell's key."""
    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(real_mnist_dir))
    from losslab import datasets
    from losslab.config import StudyConfig
    from losslab.study import cell_key

    datasets.mnist_tensors.cache_clear()
    config = StudyConfig(losses=("cross_entropy", "gce"), noise_rates=(0.0, 40.0), model="linear", epochs=2,
                         train_subset=1000, batch_size=100, repeats=2, noise_kind="pairs")
    service = make_service(workers=1)
    run_id = service.submit(config, "student-token-abcdefghijklmnop")
    assert service.wait(run_id, timeout=300)["status"] == "completed"
    name, text = for_run(service, run_id, "student-token-abcdefghijklmnop")
    assert text.count("def cell(") == 1 and "for loss_name in ['cross_entropy', 'gce']" in text
    (tmp_path / "data").symlink_to(real_mnist_dir)
    path = tmp_path / name
    path.write_text(text)
    stored = service.metrics(run_id)
    printed = [line.split() for line in _run_program(path, tmp_path).splitlines() if line.split()[:1] in (["cross_entropy"], ["gce"])]
    assert len(printed) == 2 * 2 * 2 * 2
    for loss, rate, seed, epoch, accuracy in printed:
        steps, values = stored[f"{cell_key(loss, float(rate), int(seed))}/accuracy"]
        assert float(accuracy) == values[int(epoch) - 1]
