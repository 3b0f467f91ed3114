"""Open the home page of a running losslab in headless Chromium and report what a visitor sees.
With --run: also press Start in the regression lab and wait until that run has completed (behind
HAProxy this is a run started through the proxy: page, websocket and Start all pass through it).
    python scripts/probe_home.py URL [--run]"""

import re
import sys
import time

from playwright.sync_api import expect, sync_playwright

url = sys.argv[1].rstrip("/")
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    t0 = time.perf_counter()
    page.goto(url + "/")
    page.wait_for_function("() => document.body.innerText.includes('see how loss functions behave')", timeout=60_000)
    print(f"browser: home page rendered in {time.perf_counter() - t0:.1f} s; MNIST lab link present: "
          f"{'MNIST lab' in page.inner_text('body')}")
    page.goto(url + "/mnist")
    page.wait_for_function("() => document.body.innerText.includes('MNIST lab')", timeout=60_000)
    page.wait_for_timeout(1500)
    missing = "MNIST is not installed" in page.inner_text("body")
    print(f"browser: MNIST lab {'says MNIST is missing' if missing else 'has MNIST inside the image (Start enabled)'}")
    if "--run" in sys.argv[2:]:
        t0 = time.perf_counter()
        page.goto(url + "/regression?epochs=300")
        start = page.get_by_role("button", name="▶ Start")
        start.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # the first script run settles: the button is the final one
        start.click()
        page.wait_for_url(re.compile(r"run="), timeout=60_000)
        run = re.search(r"run=([\w-]+)", page.url).group(1)
        expect(page.locator("[data-testid='stMain']")).to_contain_text(
            re.compile(r"completed\b.*?step [\d,]+ of [\d,]+"), use_inner_text=True, timeout=180_000)
        print(f"browser: run {run} started with Start in the regression lab, completed in "
              f"{time.perf_counter() - t0:.1f} s")
    browser.close()
