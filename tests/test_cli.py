"""The CLI runs the same code as the app: JSON results, one-line errors and exit status 2."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "losslab", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=env)


def test_regression_seed_through_cli():
    out = run("train", "regression", "--loss", "mse", "--optimizer", "adam", "--lr", "0.1",
              "--epochs", "10000", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["status"] == "completed"
    assert result["final"]["final/mse"] == pytest.approx(1.86175, abs=0.005)


@pytest.mark.parametrize("args, needle", [
    (["--lr", "nan"], "lr must be a finite number"),
    (["--lr", "-1"], "lr must be in (0, 10]"),
    (["--epochs", "abc"], "epochs must be a number"),
    (["--epochs", "1000000"], "epochs must be in [1, 100000]"),
    (["--loss", "cross_entropy"], "loss must be one of"),
])
def test_bad_arguments_exit_2_with_the_message(args, needle):
    out = run("train", "regression", *args)
    assert out.returncode == 2
    assert needle in out.stderr and "Traceback" not in out.stderr


def test_mnist_missing_data_is_one_sentence(tmp_path):
    import os

    env = dict(os.environ, LOSSLAB_DATA_DIR=str(tmp_path))
    out = run("train", "mnist", "--epochs", "1", env=env)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "python -m losslab data mnist" in out.stderr


def test_mnist_seed_config_through_cli(real_mnist_dir):
    import os

    env = dict(os.environ, LOSSLAB_DATA_DIR=str(real_mnist_dir))
    out = run("train", "mnist", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["final"]["test/accuracy"] >= 0.913


def test_runs_list_show_stop_on_the_same_store(tmp_path):
    import os

    from losslab.config import RegressionConfig
    from losslab.jobs.service import JobService

    svc = JobService(tmp_path / "losslab.sqlite3")
    run_id = svc.submit(RegressionConfig(epochs=50), "owner-token-for-the-cli-test")  # queued: no workers here
    env = dict(os.environ, LOSSLAB_HOME=str(tmp_path))
    listed = run("runs", "list", env=env)
    assert listed.returncode == 0 and run_id in listed.stdout and "queued" in listed.stdout
    shown = run("runs", "show", run_id, env=env)
    assert json.loads(shown.stdout)["config"]["epochs"] == 50 and "owner" not in json.loads(shown.stdout)
    stopped = run("runs", "stop", run_id, env=env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert svc.get(run_id)["status"] == "stopped"
    missing = run("runs", "show", "nope", env=env)
    assert missing.returncode == 2 and "there is no run 'nope'" in missing.stderr


def test_data_mnist_offline_says_how_to_install_from_files(tmp_path):
    import os

    # Tests never use the network: every request goes to a closed local port, as on a machine
    # without internet, whatever this one has.
    closed = "http://127.0.0.1:9"
    env = dict(os.environ, LOSSLAB_DATA_DIR=str(tmp_path), HTTP_PROXY=closed, HTTPS_PROXY=closed,
               http_proxy=closed, https_proxy=closed, NO_PROXY="", no_proxy="")
    out = run("data", "mnist", env=env)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: Downloading MNIST failed") and "python -m losslab data mnist --from" in out.stderr
    assert not (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").exists()


def test_data_mnist_from_a_folder(real_mnist_dir, tmp_path):
    import os

    from tests.conftest import REAL_MNIST

    env = dict(os.environ, LOSSLAB_DATA_DIR=str(tmp_path))
    out = run("data", "mnist", "--from", str(REAL_MNIST), env=env)
    assert out.returncode == 0 and (tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").stat().st_size == 10_008


def test_run_ids_never_look_like_command_line_options():
    from losslab.jobs.service import new_run_id

    ids = [new_run_id() for _ in range(5000)]  # about 1 in 64 random ids started with "-" before
    assert all(i[0].isalnum() and len(i) == 12 for i in ids)


def test_proxy_alone_fronts_replicas_given_as_host_port(tmp_path):
    """`python -m losslab proxy HOST:PORT ...` (deploy/compose.yaml's proxy): real HAProxy in front
    of two stand-in replicas; each request carries the sticky cookie; bad backends get one sentence."""
    import http.server
    import os
    import shutil
    import subprocess
    import sys
    import threading
    import urllib.request

    from losslab.replicas import wait_healthy
    from tests.conftest import ROOT
    from tests.services import free_port

    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        pytest.skip("HAProxy not installed (apt-get install haproxy; .ci/run does)")
    env = dict(os.environ, LOSSLAB_HOME=str(tmp_path))
    bad = subprocess.run([sys.executable, "-m", "losslab", "proxy", "--port", "1", "web one"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "give each web replica as HOST:PORT" in bad.stderr and "Traceback" not in bad.stderr

    seen = []

    class Replica(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.server.server_port)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    replicas = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Replica) for _ in range(2)]
    for r in replicas:
        threading.Thread(target=r.serve_forever, daemon=True).start()
    port = free_port()
    backends = [f"127.0.0.1:{r.server_port}" for r in replicas]
    proc = subprocess.Popen([sys.executable, "-m", "losslab", "proxy", "--port", str(port), "--base-path", "losslab",
                             *backends], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}/losslab/_stcore/health", 30)
        response = urllib.request.urlopen(f"http://127.0.0.1:{port}/losslab/", timeout=5)
        assert "LOSSLAB_SERVER=" in (response.headers.get("Set-Cookie") or "")
        assert set(seen) <= {r.server_port for r in replicas} and seen
    finally:
        proc.terminate()
        proc.wait(10)
        for r in replicas:
            r.shutdown()


def test_serve_names_a_wrong_store_or_executor_in_one_sentence(tmp_path):
    import os

    env = dict(os.environ, LOSSLAB_HOME=str(tmp_path))
    for extra, words in (({"LOSSLAB_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/db"},
                          "cannot reach the PostgreSQL store at postgresql://u:***@127.0.0.1:1/db"),
                         ({"LOSSLAB_EXECUTOR": "rya"}, "LOSSLAB_EXECUTOR='rya' is not known")):
        done = subprocess.run([sys.executable, "-m", "losslab", "serve"], cwd=ROOT, env={**env, **extra},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and words in done.stderr, done.stderr[-500:]
        assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
