"""Page time in Chromium, as a student sees it: each page to settled (the script run finished,
nothing stale, every chart drawn, still so 300 ms later), on the server `make run` starts
(`python -m losslab serve`: warm worker pool, warm imports).

Measured: the first visit after a server start; every page of the navigation table opened by
its URL (a full reload in a tab that has loaded the app before) and from the side navigation
(how students move between pages); a finished regression, binary and MNIST run opened by its
link (the first visit after the run ended, then again; in a tab that has loaded the app and in
a fresh browser); the loss explorer in a fresh browser; and, with --start, the first Start
after a restart (click to the first point on the chart). Ends with a table of medians.

    python benchmarks/pages.py [--app-dir DIR] [--repeat 5] [--start]

--app-dir measures another checkout (e.g. the code before a change) with this same script;
the runs are created through that checkout's server's workers and this checkout's job store code."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402

READY = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]') && document.querySelector('h1')
    && Array.from(document.querySelectorAll('.js-plotly-plot')).every(p => p._fullLayout)"""
VIEWPORT = {"width": 1600, "height": 1000}


def settle(page, polling: int = 50) -> None:
    """Ready, and ready again 300 ms later: a page that reruns once more right after loading
    (a fragment, a query-parameter write) is not settled yet."""
    page.wait_for_function(READY, timeout=60_000, polling=polling)
    while True:
        page.wait_for_timeout(300)
        if page.evaluate(READY):
            return
        page.wait_for_function(READY, timeout=60_000, polling=polling)


def page_time(context, url: str) -> tuple[float, str]:
    """One visit in a new tab of `context`: seconds from goto to settled, and the page's h1."""
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    settle(page)
    elapsed = time.perf_counter() - t0 - 0.3
    title = page.inner_text("h1")
    page.close()
    return elapsed, title


def fresh_time(browser, url: str) -> float:
    """One visit in a fresh browser (a new context: empty cache, no cookie), as a link opened
    by someone who has not used the app today."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        return page_time(context, url)[0]
    finally:
        context.close()


def nav_link(page, path: str):
    nav = page.locator("[data-testid='stSidebarNav']")
    link = nav.locator(f"a[href$='/{path}']") if path else nav.locator("a").first
    if not link.is_visible():  # a long menu folds its tail under "View more"
        more = nav.get_by_role("button")
        if more.count():
            more.first.click()
    return link


def navigate_time(page, path: str, title: str) -> float:
    """From another page of the app, click the navigation link; seconds until `path` is settled
    (its own h1 is shown: until then READY may still see the previous page)."""
    link = nav_link(page, path)
    t0 = time.perf_counter()
    link.click()
    page.wait_for_function("t => document.querySelector('h1') && document.querySelector('h1').innerText === t",
                           arg=title, timeout=60_000, polling=20)
    page.wait_for_function(READY, timeout=60_000, polling=20)
    return time.perf_counter() - t0


def make_runs(home: Path, mnist: bool) -> dict[str, str]:
    """A finished run of each lab's defaults (the seed configs), trained by the server's workers
    and owned by someone else than the browser: a link shared by the lecturer."""
    from losslab.config import BinaryConfig, MnistConfig, RegressionConfig
    from losslab.jobs.service import JobService, new_owner_token

    service = JobService(home / "losslab.sqlite3")  # no executor: the server's pool trains them
    owner = new_owner_token()
    configs = {"regression": RegressionConfig(), "binary": BinaryConfig(), **({"mnist": MnistConfig()} if mnist else {})}
    ids = {task: service.submit(config, owner) for task, config in configs.items()}
    for task, run_id in ids.items():
        run = service.wait(run_id, timeout=600)
        if run["status"] != "completed":
            raise RuntimeError(f"the {task} run ended {run['status']}: {run.get('error')}")
    service.close()
    return ids


def first_start(browser, url: str) -> float:
    """Click Start on the regression lab of a server just started; seconds to the first drawn point."""
    context = browser.new_context(viewport=VIEWPORT)
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


class Table:
    """Rows of (item, seconds...) printed as they come and once more, aligned, at the end."""

    def __init__(self):
        self.rows: list[tuple[str, list[float]]] = []

    def add(self, item: str, seconds: list[float]) -> None:
        self.rows.append((item, seconds))
        print(f"  {item}: {self.cell(seconds)}", flush=True)

    @staticmethod
    def cell(seconds: list[float]) -> str:
        if len(seconds) == 1:
            return f"{seconds[0]:.2f}"
        return f"{statistics.median(seconds):.2f} (max {max(seconds):.2f}, n={len(seconds)})"

    def print(self) -> None:
        width = max(len(item) for item, _ in self.rows)
        print(f"\n{'item':<{width}}  median s")
        for item, seconds in self.rows:
            print(f"{item:<{width}}  {self.cell(seconds)}")


def measure(browser, url: str, runs: dict[str, str], repeat: int, table: Table) -> None:
    from losslab.ui.pages import PAGES

    paths = [p.url_path for p in PAGES.values()]
    context = browser.new_context(viewport=VIEWPORT)
    table.add("first visit after a server start (home, empty cache)", [page_time(context, f"{url}/?lang=en")[0]])
    # run links first: their first visit after the run ended is the one a hall waits for
    for task, run_id in runs.items():
        link = f"{url}/{task}?run={run_id}&lang=en"
        table.add(f"{task} run link, first visit", [page_time(context, link)[0]])
        table.add(f"{task} run link, again", [page_time(context, link)[0] for _ in range(repeat)])
        table.add(f"{task} run link, fresh browser", [fresh_time(browser, link) for _ in range(max(2, repeat // 2))])
    table.add("explorer by URL, fresh browser", [fresh_time(browser, f"{url}/explorer?lang=en")
                                                 for _ in range(max(2, repeat // 2))])
    titles = {}
    for path in paths:
        times = []
        for _ in range(repeat):
            seconds, titles[path] = page_time(context, f"{url}/{path}?lang=en")
            times.append(seconds)
        table.add(f"by URL: /{path}", times)
    tab = context.new_page()
    tab.goto(f"{url}/?lang=en")
    settle(tab)
    for path in paths:
        other = "runs" if path != "runs" else "regression"
        navs = []
        for _ in range(repeat + 1):  # the first visit of each page in this session warms its caches
            navigate_time(tab, other, titles[other])
            navs.append(navigate_time(tab, path, titles[path]))
        table.add(f"by menu: /{path}", navs[1:])
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mnist-from", type=Path, default=ROOT.parent / "shared" / "datasets" / "mnist")
    parser.add_argument("--start", action="store_true", help="also the first Start after a restart (3 restarts)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from losslab import datasets

    table = Table()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        data = None
        if (args.mnist_from / "train-images-idx3-ubyte.gz").exists():
            data = Path(tmp) / "data"
            datasets.install_mnist_from(args.mnist_from, data)
        os.environ.pop("LOSSLAB_DATABASE_URL", None)  # the benchmark's own SQLite store, whatever the shell says
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(f"pages of {args.app_dir} in Chromium ({VIEWPORT['width']}×{VIEWPORT['height']}), "
              f"`python -m losslab serve`, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; seconds to settled")
        home = Path(tmp) / "home"
        home.mkdir()
        server = Server(home, data, root=args.app_dir).start()
        try:
            t0 = time.perf_counter()
            runs = make_runs(home, mnist=data is not None)
            print(f"  runs {', '.join(f'{k} {v}' for k, v in runs.items())} trained in {time.perf_counter() - t0:.1f} s")
            time.sleep(2)  # the workers idle again: pages are measured on an idle machine
            measure(browser, server.url, runs, args.repeat, table)
        finally:
            server.stop()
        if args.start:
            starts = []
            for i in range(3):
                (Path(tmp) / f"home-{i}").mkdir()
                server = Server(Path(tmp) / f"home-{i}", data, root=args.app_dir).start()
                try:
                    starts.append(first_start(browser, server.url))
                finally:
                    server.stop()
            table.add("first Start after a server (re)start, click to first point", starts)
        browser.close()
    table.print()


if __name__ == "__main__":
    main()
