"""The README's screenshots, taken from a running demo with Debian's Chromium.

    ./dorsi demo                       # in one terminal; it prints the patient's link
    .venv/bin/python scripts/readme_screenshots.py http://127.0.0.1:8000 'http://…/p/<token>/'

Staff pages at 1280×800 signed in as the demo therapist, the patient's pages at 390×844 through
their personal link; written to docs/screenshots/ (kept small: the first screen only).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "dorsi-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def main(base: str, patient_link: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        desk = browser.new_context(viewport={"width": 1280, "height": 800})
        page = desk.new_page()
        sign_in(page, base, "maya")
        page.goto(f"{base}/dashboard/")
        page.screenshot(path=OUT / "dashboard.png")
        first_patient = page.locator("table a[href^='/patients/']").first.get_attribute("href")
        page.goto(f"{base}{first_patient}knee-to-wall/")
        page.screenshot(path=OUT / "knee-to-wall.png")
        page.goto(f"{base}/schedule/")
        page.screenshot(path=OUT / "schedule.png")
        desk.close()

        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        page = phone.new_page()
        page.goto(patient_link)
        page.wait_for_url(re.compile(r"/me/"))
        page.screenshot(path=OUT / "me-phone.png")
        page.goto(f"{base}/me/routine/")
        page.screenshot(path=OUT / "routine-phone.png")
        phone.close()
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1].rstrip("/"), sys.argv[2])
