"""Two server processes behind HAProxy under /losslab/, as `python -m losslab serve --servers 2`
starts them on a class server: pages load, a run goes live, an uploaded CSV trains, the
lecturer's Share to class reaches another browser's home page, and no request leaves the base path."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request

import pytest

from losslab.replicas import wait_healthy
from tests.conftest import ROOT
from tests.e2e.conftest import forged_guesses, free_port, wait_idle
from tests.e2e.test_browser import wait_plotted, wait_status

pytestmark = pytest.mark.e2e
TOKEN = "proxy-test-admin-token-0123456789"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        pytest.skip("HAProxy not installed (apt-get install haproxy; .ci/run does)")
    home = tmp_path_factory.mktemp("proxied")
    port = free_port()
    # asked for through the variable, as the image's documented `-e LOSSLAB_SERVERS=2` does
    env = dict(os.environ, LOSSLAB_HOME=str(home), LOSSLAB_WORKERS="1", LOSSLAB_ADMIN_TOKEN=TOKEN,
               LOSSLAB_SERVERS="2")
    log = open(home / "serve.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "losslab", "serve", "--port", str(port),
                             "--base-path", "losslab", "--server.headless=true"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/losslab"
    if not wait_healthy(f"{url}/_stcore/health", 240):
        proc.terminate()
        raise RuntimeError(f"the proxied service never answered; see {home / 'serve.log'}")
    yield url, home
    proc.terminate()
    proc.wait(30)
    log.close()


def _context(browser, requests: list):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    ctx.on("request", lambda r: requests.append(r.url))
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page


def test_two_servers_behind_haproxy_under_a_base_path(proxied, browser, tmp_path):
    proxied, home = proxied
    origin = proxied.rsplit("/losslab", 1)[0]
    # the bare base path and the root both land on /losslab/
    assert urllib.request.urlopen(proxied, timeout=10).geturl() == proxied + "/"
    assert urllib.request.urlopen(origin + "/", timeout=10).geturl() == proxied + "/"
    requests: list[str] = []
    ctx, page = _context(browser, requests)
    page.goto(proxied + "/")
    page.wait_for_function("() => document.body.innerText.includes('see how loss functions behave')")
    # the lecturer unlocks the lecturer's page, then starts a run in the same session
    page.get_by_role("link", name=re.compile("Lecturer")).click()
    page.get_by_label("Admin token").fill(TOKEN)
    page.keyboard.press("Enter")
    page.get_by_role("link", name=re.compile("Regression lab")).click()
    wait_idle(page)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_url(re.compile(r"run="))
    wait_status(page, {"running", "completed"})
    assert wait_plotted(page, "Loss while training", 0) > 0
    run_id = re.search(r"run=([\w-]+)", page.url).group(1)
    page.get_by_role("button", name="📌 Share to class").click()
    page.get_by_text("is shared with the class").first.wait_for()
    # another browser: its home page shows the lecturer's run
    others: list[str] = []
    ctx2, page2 = _context(browser, others)
    page2.goto(proxied + "/")
    page2.wait_for_function("(id) => document.body.innerText.includes(id)", arg=run_id, timeout=30_000)
    assert "Your lecturer shares run" in page2.inner_text("body")
    # an uploaded CSV trains on its points, through the proxy (the upload reaches the session's server)
    csv = tmp_path / "points.csv"
    csv.write_text("height,weight\n150,50\n160,56\n170,64\n180,70\n190,80\n")
    page2.goto(proxied + "/regression?data=custom&epochs=200")
    wait_idle(page2)
    page2.locator("input[type=file]").set_input_files(str(csv))
    page2.get_by_text("5 points from points.csv").wait_for(timeout=30_000)
    page2.get_by_role("button", name="▶ Start").click()
    page2.wait_for_url(re.compile(r"run="))
    wait_status(page2, {"completed"}, timeout=60)
    from losslab.jobs.service import JobService

    uploaded = JobService(home / "losslab.sqlite3").get(re.search(r"run=([\w-]+)", page2.url).group(1))
    assert uploaded["config"]["points"] == [[150, 50], [160, 56], [170, 64], [180, 70], [190, 80]]
    ctx.close()
    ctx2.close()
    outside = [u for u in requests + others if u.startswith(origin) and not u.startswith(proxied)]
    assert outside == []


def _processes(home) -> dict:
    """Processes of this service (their environment names its LOSSLAB_HOME): servers and HAProxy."""
    found = {"serve": 0, "haproxy": 0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            environ = open(f"/proc/{pid}/environ", "rb").read()
        except OSError:
            continue
        if f"LOSSLAB_HOME={home}".encode() not in environ.split(b"\0"):
            continue
        if b"serve" in cmd and any(c.endswith(b"losslab") for c in cmd):
            found["serve"] += 1
        elif cmd and cmd[0].endswith(b"haproxy"):
            found["haproxy"] += 1
    return found


def test_the_variable_starts_exactly_two_servers_and_one_proxy(proxied):
    """LOSSLAB_SERVERS=2: the launcher, two replicas, one HAProxy (master and worker), and no more
    a few seconds later (each replica used to read the variable again and start two of its own)."""
    import time

    _, home = proxied
    first = _processes(home)
    time.sleep(5)
    assert first == _processes(home) == {"serve": 3, "haproxy": first["haproxy"]} and 1 <= first["haproxy"] <= 2


def test_forged_forwarded_for_through_the_proxy_shares_one_limit(proxied, browser):
    """HAProxy appends the real client's address; what a client wrote to its left is ignored, and
    both replicas count into one store."""
    url, _ = proxied
    said = forged_guesses(browser, url)
    assert said == [False] * 5 + [True, True]
