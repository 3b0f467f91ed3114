"""Page time in Chromium, as a student sees it: each page to ready (the script run finished,
nothing stale, charts drawn). Cold: the first visit after a server start, empty browser cache.
Warm: a loaded app, the page opened from the side navigation (how students move between
pages), median of 5; and a full reload (goto) of each page for comparison. Then the first
Start after a restart: click to the first point on the chart.

    python benchmarks/pages.py [--app-dir DIR] [--repeat 5]

--app-dir measures another checkout (e.g. the code before a change) with this same script."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

PAGES = ["", "regression", "mnist", "explorer", "runs"]
READY = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]') && document.querySelector('h1')
    && Array.from(document.querySelectorAll('.js-plotly-plot')).every(p => p._fullLayout)"""


def start_server(app_dir: Path, home: Path, data: Path | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, LOSSLAB_HOME=str(home), LOSSLAB_WORKERS="2", PYTHONPATH=str(app_dir))
    if data:
        env["LOSSLAB_DATA_DIR"] = str(data)
    serve = (app_dir / "losslab" / "serve.py").exists()
    cmd = [sys.executable, "-m", "losslab", "serve"] if serve else [sys.executable, "-m", "streamlit", "run", "app.py"]
    proc = subprocess.Popen(cmd + ["--server.port", str(port), "--server.address", "127.0.0.1",
                                   "--server.headless", "true"], cwd=app_dir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def page_time(context, url: str) -> float:
    """One visit in `context` (a browser tab whose cache holds Streamlit's scripts after the first)."""
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(READY, timeout=60_000, polling=50)
    # ready twice 300 ms apart: a page that reruns once more right after loading is not ready yet
    while True:
        page.wait_for_timeout(300)
        if page.evaluate(READY):
            break
        page.wait_for_function(READY, timeout=60_000, polling=50)
    elapsed = time.perf_counter() - t0 - 0.3
    page.close()
    return elapsed


def navigate_time(page, path: str, title: str) -> float:
    """From another page of the app, click the navigation link; seconds until `path` is ready."""
    link = page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']") if path else \
        page.locator("[data-testid='stSidebarNav'] a").first
    t0 = time.perf_counter()
    link.click()
    page.wait_for_function(f"() => document.querySelector('h1') && document.querySelector('h1').innerText.includes({title!r})",
                           timeout=60_000, polling=20)
    page.wait_for_function(READY, timeout=60_000, polling=20)
    return time.perf_counter() - t0


def first_start(browser, url: str) -> float:
    """Click Start on the regression lab of a server just started; seconds to the first drawn point."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/regression?epochs=100000&lang=en")
    page.wait_for_function(READY, timeout=60_000)
    start = page.get_by_role("button", name="▶ Start")
    start.click(trial=True)  # Playwright's actionability checks (visible, stable, enabled) first, untimed
    t0 = time.perf_counter()
    start.click()
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(el =>
        el.layout && el.layout.title && String(el.layout.title.text).includes('Loss while training')
        && (el._fullData || []).some(tr => tr.x && tr.x.length > 0))""", timeout=120_000, polling=20)
    elapsed = time.perf_counter() - t0
    context.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mnist-from", type=Path, default=ROOT.parent / "shared" / "datasets" / "mnist")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(args.app_dir))
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        data = None
        if (args.mnist_from / "train-images-idx3-ubyte.gz").exists():
            from losslab import datasets

            data = Path(tmp) / "data"
            datasets.install_mnist_from(args.mnist_from, data)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(f"pages of {args.app_dir} in Chromium (1600×1000), seconds from goto to ready")
        proc, url = start_server(args.app_dir, Path(tmp) / "home", data)
        time.sleep(10)  # a server that started its worker pool has settled (the old code starts it on the first visit)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            cold = page_time(context, f"{url}/")
            print(f"  first visit after a server start (home, empty browser cache): {cold:.2f} s")
            titles = {"": "losslab", "regression": "Regression", "mnist": "MNIST", "explorer": "explorer", "runs": "Runs"}
            tab = context.new_page()
            tab.goto(f"{url}/?lang=en")
            tab.wait_for_function(READY, timeout=60_000)
            for path in PAGES:
                reloads = [page_time(context, f"{url}/{path}?lang=en") for _ in range(args.repeat)]
                navs = []
                for _ in range(args.repeat + 1):  # the first visit of each page warms its caches
                    other = "runs" if path != "runs" else "regression"
                    navigate_time(tab, other, titles[other])
                    navs.append(navigate_time(tab, path, titles[path]))
                navs = navs[1:]
                print(f"  {path or 'home':<11} warm, from the navigation: median {statistics.median(navs):.2f} s "
                      f"(max {max(navs):.2f}); full reload: median {statistics.median(reloads):.2f} s")
            context.close()
        finally:
            proc.terminate()
            proc.wait(20)
        starts = []
        for i in range(3):
            proc, url = start_server(args.app_dir, Path(tmp) / f"home-{i}", data)
            try:
                starts.append(first_start(browser, url))
            finally:
                proc.terminate()
                proc.wait(20)
        print(f"  first Start after a server (re)start, click to first point: median {statistics.median(starts):.2f} s "
              f"({', '.join(f'{s:.2f}' for s in starts)})")
        browser.close()


if __name__ == "__main__":
    main()
