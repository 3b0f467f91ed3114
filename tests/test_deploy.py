"""deploy/compose.yaml stays true to the code: it sets the variables the code reads, its web
replicas run the app's own serve command, and its proxy fronts exactly those replicas."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

yaml = pytest.importorskip("yaml", reason="PyYAML comes with ray (requirements-cluster.txt)")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())


def test_every_losslab_role_runs_one_image_with_the_cluster_variables(compose):
    roles = {n: s for n, s in compose["services"].items() if s.get("image") == "losslab:cluster"}
    assert set(roles) >= {"ray-head", "ray-worker", "web-1", "web-2", "proxy"}
    for service in roles.values():
        env = service["environment"]
        assert env["LOSSLAB_EXECUTOR"] == "ray" and env["RAY_ADDRESS"] == "ray-head:6379"
        assert env["LOSSLAB_DATABASE_URL"].startswith("postgresql://losslab:") and "@postgres:5432/" in env["LOSSLAB_DATABASE_URL"]
        assert service["build"]["args"]["WITH_CLUSTER"] == "1"
    source = "\n".join(p.read_text() for p in (ROOT / "losslab").rglob("*.py"))
    for name in ("LOSSLAB_DATABASE_URL", "LOSSLAB_EXECUTOR", "RAY_ADDRESS", "LOSSLAB_WORKERS"):
        assert f'"{name}"' in source, f"{name} is set in compose.yaml but never read"


def test_the_proxy_fronts_the_web_replicas_under_their_base_path(compose):
    services = compose["services"]
    webs = sorted(n for n in services if n.startswith("web-"))
    proxy = services["proxy"]["command"].split()
    assert proxy[:4] == ["python", "-m", "losslab", "proxy"]
    assert sorted(a.split(":")[0] for a in proxy if re.fullmatch(r"[\w.-]+:\d+", a)) == webs
    base = proxy[proxy.index("--base-path") + 1]
    for web in webs:
        command = services[web]["command"]
        assert command.startswith("python -m losslab serve") and f"--server.baseUrlPath={base}" in command
        assert f"/{base}/_stcore/health" in " ".join(services[web]["healthcheck"]["test"])
