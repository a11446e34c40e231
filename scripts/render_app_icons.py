"""Renders the home-screen icons of the web app manifest from static/img/dorsi-mark.svg with the
Chromium the browser tests use: 192 and 512 px as drawn, and a 512 px maskable one whose mark
sits inside the central safe zone on a full-bleed background (a launcher may crop to a circle).

    .venv/bin/python scripts/render_app_icons.py
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
MARK = (ROOT / "static/img/dorsi-mark.svg").read_text()
OUT = ROOT / "static/img"

PAGE = """<!doctype html><html><body style="margin:0;background:{background}">
<div style="width:{size}px;height:{size}px;display:grid;place-items:center">
<div style="width:{inner}px;height:{inner}px">{svg}</div></div></body></html>"""


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        for name, size, inner, background in (
            ("dorsi-icon-192.png", 192, 192, "transparent"),
            ("dorsi-icon-512.png", 512, 512, "transparent"),
            # The safe zone of a maskable icon is the central circle of 80 % of its width.
            ("dorsi-icon-maskable-512.png", 512, 352, "#e3f3f1"),
        ):
            svg = MARK.replace("<svg ", '<svg width="100%" height="100%" ', 1)
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(PAGE.format(background=background, size=size, inner=inner, svg=svg))
            page.screenshot(path=OUT / name, omit_background=background == "transparent")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
