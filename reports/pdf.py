"""HTML to PDF with WeasyPrint: the same templates as the print view, laid out by Pango.

Nothing is fetched from outside: the documents' style sheets and pictures come from Dorsi's own
static files (read from disk), QR codes and charts are inline, and any other address is refused.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML, URLFetcher

BASE_URL = "file:///"


class StaticOnly(URLFetcher):
    """Data addresses, and Dorsi's own static files read from disk; nothing else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parsed = urlparse(url)
        path = unquote(parsed.path)
        if parsed.scheme == "file" and path.startswith(settings.STATIC_URL):
            relative = path.removeprefix(settings.STATIC_URL)
            # From the source folders, or the collected (hashed) copy in production.
            found = finders.find(relative) or _collected(relative)
            if found:
                return super().fetch(Path(found).resolve().as_uri(), headers)
        raise ValueError(f"A PDF may only use Dorsi's own static files, not {url!r}.")


def _collected(relative: str) -> str | None:
    root = Path(settings.STATIC_ROOT).resolve()
    candidate = (root / relative).resolve()
    return str(candidate) if candidate.is_relative_to(root) and candidate.is_file() else None


def pdf_from_html(html: str) -> bytes:
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnly()).write_pdf()
