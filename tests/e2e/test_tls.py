"""HTTPS with a certificate (LOSSLAB_TLS_CERT): through HAProxy (--servers) and from one server alone,
the app works over TLS and every cookie it sets (the owner token, the proxy's sticky cookie) is
Secure, so no token travels in clear."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys

import pytest

from losslab.replicas import wait_healthy
from tests.conftest import ROOT, wait_for
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e


def _pem(home):
    """A self-signed certificate and its key in one PEM, as a lab admin would give it."""
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed (apt-get install openssl)")
    key, cert = home / "key.pem", home / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    pem = home / "losslab.pem"
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return pem


def _insecure():
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # our own self-signed certificate
    return context


@pytest.fixture(scope="module")
def https_url(tmp_path_factory):
    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        pytest.skip("HAProxy not installed (apt-get install haproxy; .ci/run does)")
    home = tmp_path_factory.mktemp("tls")
    pem = _pem(home)
    port = free_port()
    env = dict(os.environ, LOSSLAB_HOME=str(home), LOSSLAB_WORKERS="1", LOSSLAB_TLS_CERT=str(pem))
    log = open(home / "serve.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "losslab", "serve", "--servers", "2", "--port", str(port),
                             "--base-path", "losslab", "--server.headless=true"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{port}/losslab"
    if not wait_healthy(f"{url}/_stcore/health", 240, _insecure()):
        proc.terminate()
        raise RuntimeError(f"the HTTPS service never answered; see {home / 'serve.log'}")
    yield url
    proc.terminate()
    proc.wait(30)
    log.close()


def test_over_https_every_cookie_is_secure(https_url, browser):
    ctx = browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    page.goto(https_url + "/")
    page.wait_for_function("() => document.body.innerText.includes('see how loss functions behave')", timeout=60_000)

    def both_cookies():
        cookies = {c["name"]: c for c in ctx.cookies()}
        return {"losslab_owner", "LOSSLAB_SERVER"} <= set(cookies) and cookies

    cookies = wait_for(both_cookies, 20, 0.2,
                       what=lambda: f"the owner and sticky cookies (have {[c['name'] for c in ctx.cookies()]})")
    assert cookies["losslab_owner"]["secure"] and cookies["LOSSLAB_SERVER"]["secure"], cookies
    assert cookies["LOSSLAB_SERVER"]["httpOnly"]
    ctx.close()


def test_a_missing_certificate_is_one_sentence(tmp_path):
    env = dict(os.environ, LOSSLAB_HOME=str(tmp_path), LOSSLAB_TLS_CERT=str(tmp_path / "nope.pem"))
    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        pytest.skip("HAProxy not installed (apt-get install haproxy; .ci/run does)")
    out = subprocess.run([sys.executable, "-m", "losslab", "serve", "--servers", "2", "--port", str(free_port())],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "is not a file" in out.stderr and "Traceback" not in out.stderr


def test_one_server_alone_speaks_https_with_secure_cookies(tmp_path, browser):
    """`python -m losslab serve` without a proxy: the same variable, Streamlit's own TLS."""
    pem = _pem(tmp_path)
    port = free_port()
    env = dict(os.environ, LOSSLAB_HOME=str(tmp_path / "home"), LOSSLAB_WORKERS="1", LOSSLAB_TLS_CERT=str(pem))
    with open(tmp_path / "serve.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "losslab", "serve", f"--server.port={port}",
                                 "--server.headless=true", "--server.address=127.0.0.1"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"https://127.0.0.1:{port}"
            assert wait_healthy(f"{url}/_stcore/health", 240, _insecure()), (tmp_path / "serve.log").read_text()[-2000:]
            ctx = browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900})
            page = ctx.new_page()
            page.goto(url + "/")
            page.wait_for_function("() => document.body.innerText.includes('see how loss functions behave')",
                                   timeout=60_000)
            owner = wait_for(lambda: {c["name"]: c for c in ctx.cookies()}.get("losslab_owner"), 20, 0.2,
                             what="the owner cookie")
            assert owner["secure"], owner
            ctx.close()
        finally:
            proc.terminate()
            proc.wait(30)


def test_a_missing_certificate_stops_one_server_with_one_sentence(tmp_path):
    env = dict(os.environ, LOSSLAB_HOME=str(tmp_path), LOSSLAB_TLS_CERT=str(tmp_path / "nope.pem"))
    out = subprocess.run([sys.executable, "-m", "losslab", "serve", f"--server.port={free_port()}"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "is not a file" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
