"""HTTPS through HAProxy with a certificate (LOSSLAB_TLS_CERT): the app works over TLS and every
cookie it sets (the owner token, the proxy's sticky cookie) is Secure, so no token travels in clear."""

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


@pytest.fixture(scope="module")
def https_url(tmp_path_factory):
    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        pytest.skip("HAProxy not installed (apt-get install haproxy; .ci/run does)")
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed (apt-get install openssl)")
    home = tmp_path_factory.mktemp("tls")
    key, cert = home / "key.pem", home / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    pem = home / "losslab.pem"
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    port = free_port()
    env = dict(os.environ, LOSSLAB_HOME=str(home), LOSSLAB_WORKERS="1", LOSSLAB_TLS_CERT=str(pem))
    log = open(home / "serve.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "losslab", "serve", "--servers", "2", "--port", str(port),
                             "--base-path", "losslab", "--server.headless=true"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{port}/losslab"
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE  # our own self-signed certificate
    if not wait_healthy(f"{url}/_stcore/health", 240, insecure):
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
