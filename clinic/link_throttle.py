"""Patient links cannot be guessed, and nobody gets to try many.

A link's token is the link's random UUID signed with SECRET_KEY (services.patient_link_token), so
a token cannot be made up or derived from another one. On top of that, an address that opens
PATIENT_LINK_FAILURE_LIMIT invalid links within PATIENT_LINK_FAILURE_WINDOW is refused (429) for
the rest of that window: a patient who mistyped a link a few times is unaffected, a script
trying tokens gets nowhere. Counted in the cache, so several web processes need a shared one
(CACHE_URL).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from audit.models import AuditAction
from audit.services import audit_record


def _key(ip: str | None) -> str:
    return f"dorsi:patient-link-failures:{ip or 'unknown'}"


def _window_seconds() -> int:
    return int(settings.PATIENT_LINK_FAILURE_WINDOW.total_seconds())


def link_opens_blocked(*, ip: str | None) -> bool:
    return (cache.get(_key(ip)) or 0) >= settings.PATIENT_LINK_FAILURE_LIMIT


def link_open_failed(*, ip: str | None) -> None:
    """Count one invalid link from this address; the window starts with its first failure."""
    key = _key(ip)
    cache.add(key, 0, timeout=_window_seconds())
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr: this failure starts a new window
        cache.set(key, 1, timeout=_window_seconds())
        failures = 1
    if failures == settings.PATIENT_LINK_FAILURE_LIMIT:
        audit_record(
            AuditAction.DENIED,
            object_type="patient_link",
            note=f"{failures} invalid patient links from this address; "
            f"further links refused for {_window_seconds() // 60} minutes",
        )
