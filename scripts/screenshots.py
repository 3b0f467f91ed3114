"""Screenshots for docs/ from a running losslab (`make run`, then this script with its URL):
the label-noise study, the reliability diagram of a finished MNIST run, Barron's family.

    python scripts/screenshots.py http://localhost:8501 [--lang ko]
"""

import argparse
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parents[1] / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def wait_text(page, text, timeout=300_000):
    page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, timeout=timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--only", default="study,calibration,barron")
    args = ap.parse_args()
    only = args.only.split(",")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        if "study" in only:
            page.goto(f"{args.url}/study?epochs=10")
            wait_text(page, "Label-noise study")
            page.get_by_role("button", name="Start").click()
            wait_text(page, "Table (PNG)")  # the table's cells are drawn on a canvas: wait for its buttons
            wait_text(page, "completed", timeout=600_000)
            time.sleep(3)
            page.screenshot(path=str(DOCS / "noise-study.png"), full_page=True)
        if "calibration" in only:
            page.goto(f"{args.url}/mnist?train_subset=20000&epochs=3&loss=focal&model=mlp")
            wait_text(page, "MNIST lab")
            page.get_by_role("button", name="Start").click()
            wait_text(page, "Reliability diagram", timeout=600_000)
            time.sleep(3)
            page.get_by_text("Calibration: can its confidence be trusted?").evaluate(
                "e => e.scrollIntoView({block: 'start'})")
            time.sleep(1)
            page.screenshot(path=str(DOCS / "reliability-diagram.png"))
        if "barron" in only:
            page.set_viewport_size({"width": 1500, "height": 1500})
            page.goto(f"{args.url}/explorer")
            wait_text(page, "Barron's general loss: one α")
            page.get_by_role("heading", name="Barron's general loss: one α").evaluate(
                "e => e.scrollIntoView({block: 'start'})")
            time.sleep(2)
            page.screenshot(path=str(DOCS / "barron-family.png"))
        browser.close()


if __name__ == "__main__":
    main()
