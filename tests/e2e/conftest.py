"""End-to-end fixtures: `streamlit run` on a free port with a temporary home, and Debian's
Chromium driven by Playwright. Skips with a reason where either is missing; CI installs both."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from losslab.replicas import wait_healthy
from tests.conftest import ROOT, wait_for

CHROMIUM = os.environ.get("LOSSLAB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, home: Path, data: Path | None, env_extra: dict | None = None, root: Path = ROOT,
                 prefix: list | None = None):
        """`prefix`: a command the server runs under (tests/e2e/test_store_fault.py: setpriv)."""
        self.home, self.data, self.env_extra, self.root, self.prefix = home, data, env_extra or {}, root, prefix or []
        self.proc = None
        self.port = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int | None = None) -> "Server":
        self.port = port or free_port()
        env = dict(os.environ, LOSSLAB_HOME=str(self.home), LOSSLAB_WORKERS="2", **self.env_extra)
        if self.data:
            env["LOSSLAB_DATA_DIR"] = str(self.data)
        self.log = open(self.home / f"server-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [*self.prefix, sys.executable, "-m", "losslab", "serve", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        if wait_healthy(f"{self.url}/_stcore/health", 60):
            return self
        raise RuntimeError("streamlit did not become healthy in 60 s")

    def stop(self, kill: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            (self.proc.kill if kill else self.proc.terminate)()
            self.proc.wait(20)
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server with the real MNIST installed when ../shared/datasets/mnist exists, else without."""
    from losslab import datasets
    from tests.conftest import REAL_MNIST

    home = tmp_path_factory.mktemp("home")
    data = None
    if (REAL_MNIST / "train-images-idx3-ubyte.gz").exists():
        data = home / "mnist"
        datasets.install_mnist_from(REAL_MNIST, data)
    srv = Server(home, data).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (and under docs/ when asked to)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Streamlit scrolls inside its main container, so "full page" needs a viewport as tall as it.
    size = page.viewport_size
    page.evaluate("() => document.querySelector(\"[data-testid='stMain']\")?.scrollTo(0, 0)")
    height = page.evaluate("() => { const m = document.querySelector(\"[data-testid='stMain']\");"
                           " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height + 40, 5000))})
    page.wait_for_timeout(700)  # let Plotly re-lay out at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    if os.environ.get("LOSSLAB_UPDATE_DOCS"):
        shutil.copyfile(path, ROOT / "docs" / f"{name}.png")
    return path


def wait_idle(page, timeout: float = 30.0) -> None:
    """Wait until Streamlit finished the current script run (its status widget disappears).
    (Not Playwright's expect: with a run live the page reruns every moment, and expect, polling
    at most once a second once it backs off, can miss the short idle spells that this check,
    run on every animation frame, sees.)"""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function("""() => !document.querySelector("[data-testid='stStatusWidget']")""",
                           timeout=timeout * 1000)


def click_when_ready(page, locator, timeout: float = 30.0) -> None:
    """Click a button once the rerun its last input started has drawn it: exactly one of it
    (mid-rerun Streamlit shows the stale copy beside the new one), enabled, and the script
    idle, seen twice in a row. wait_idle alone can return before that rerun has even begun.
    (Not Playwright's expect: it checks one condition at a time and never twice in a row.)"""
    from playwright.sync_api import Error
    seen = 0

    def settled() -> bool:
        nonlocal seen
        try:
            ok = (locator.count() == 1 and locator.is_enabled(timeout=1000)
                  and not page.query_selector("[data-testid='stStatusWidget']"))
        except Error:  # two copies between count() and is_enabled(): look again
            ok = False
        seen = seen + 1 if ok else 0
        return seen >= 2

    wait_for(settled, timeout, 0.25,
             what=lambda: f"{locator} as one enabled button, the script idle, twice in a row (count {locator.count()})")
    locator.click()


def pick_option(page, label: str, name, timeout: float = 30.0) -> None:
    """Choose `name` (a string or regex) in the selectbox labelled `label`. A rerun that redraws
    the selectbox closes its open list (seen in CI: the Lecturer page's first run was still
    drawing when the list opened), so open it, look for the option a moment, and open it again
    until the option is there to click."""
    from playwright.sync_api import Error
    option = page.get_by_role("option", name=name)

    def chosen() -> bool:
        try:
            wait_idle(page, timeout=5)
            if not option.count():
                page.keyboard.press("Escape")
                page.get_by_label(label, exact=True).click(timeout=2000)
            option.first.click(timeout=2000)
            return True
        except Error:
            return False

    wait_for(chosen, timeout, 0.25, what=lambda: f"the option {name!r} of {label!r} clicked")


def forged_guesses(browser, url: str, n: int = 7) -> list[bool]:
    """n fresh browser sessions, each sending its own made-up X-Forwarded-For, each typing a wrong
    admin token: whether each was told to wait (refused unchecked) rather than "wrong"."""
    said = []
    for i in range(n):
        ctx = browser.new_context(extra_http_headers={"X-Forwarded-For": f"10.9.8.{i}"})
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{url}/admin")
        page.get_by_label("Admin token").fill(f"wrong-guess-{i}")
        page.get_by_label("Admin token").press("Enter")
        page.wait_for_function("() => /not the server's|Too many wrong tokens/.test(document.body.innerText)")
        said.append("Too many" in page.inner_text("[data-testid='stMain']"))
        ctx.close()
    return said
