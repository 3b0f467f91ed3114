"""Open the home page of a running losslab in headless Chromium and report what a visitor sees."""

import sys
import time

from playwright.sync_api import sync_playwright

url = sys.argv[1]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function("() => document.body.innerText.includes('see how loss functions behave')", timeout=60_000)
    print(f"browser: home page rendered in {time.perf_counter() - t0:.1f} s; MNIST lab link present: "
          f"{'MNIST lab' in page.inner_text('body')}")
    page.goto(url + "/mnist")
    page.wait_for_function("() => document.body.innerText.includes('MNIST lab')", timeout=60_000)
    page.wait_for_timeout(1500)
    missing = "MNIST is not installed" in page.inner_text("body")
    print(f"browser: MNIST lab {'says MNIST is missing' if missing else 'has MNIST inside the image (Start enabled)'}")
    browser.close()
