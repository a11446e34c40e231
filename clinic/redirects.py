"""Where a form sends the user next. A `next` parameter is the caller's to choose, so every
redirect taken from it goes through `next_path`: only a path on this site is followed, never
another site (an open redirect lends Dorsi's name to a phishing page)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def next_path(request: HttpRequest) -> str:
    """The request's `next` (form field, else query string) if it is a path on this site;
    an empty string otherwise."""
    candidate = (request.POST.get("next") or request.GET.get("next") or "").strip()
    if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return ""
    if urlsplit(candidate).netloc or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return candidate


def redirect_to_next(request: HttpRequest, default: str, *args, **kwargs) -> HttpResponseRedirect:
    """Redirect to the request's safe `next`, or to `default` (a URL name or path)."""
    return redirect(next_path(request) or default, *args, **kwargs)
