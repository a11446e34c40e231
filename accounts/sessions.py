"""How long a member of staff stays signed in.

A staff session ends after STAFF_IDLE_TIMEOUT without a request (a screen left open at the front
desk) and STAFF_SESSION_MAX_AGE after signing in, whatever the activity (a session cookie taken
from a shared computer is not good for days). Patient link sessions have their own expiry.
"""

from __future__ import annotations

import time
from enum import StrEnum

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.translation import ngettext

SESSION_KEY = "dorsi_staff_session"
# Activity is written at most this often, so a busy page does not save its session every request.
ACTIVITY_RESOLUTION_SECONDS = 30


class Expiry(StrEnum):
    IDLE = "idle"
    LIFETIME = "lifetime"


def staff_session_start(session: SessionBase, *, user_id: int, now: float) -> None:
    session[SESSION_KEY] = {"user": user_id, "started": now, "seen": now}


def staff_session_signed_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: the clock starts at sign-in, whichever way the sign-in came (the sign-in
    page, the admin's, a test's force_login)."""
    if request is not None and hasattr(request, "session"):
        staff_session_start(request.session, user_id=user.pk, now=time.time())


def staff_session_check(session: SessionBase, *, user_id: int, now: float) -> Expiry | None:
    """Why the staff session has ended, or None after recording this request as activity.

    `now` is seconds since the epoch. A session without a record (or one made for someone else)
    starts its clock now.
    """
    record = session.get(SESSION_KEY)
    if not isinstance(record, dict) or record.get("user") != user_id:
        staff_session_start(session, user_id=user_id, now=now)
        return None
    if now - record["started"] > settings.STAFF_SESSION_MAX_AGE.total_seconds():
        return Expiry.LIFETIME
    if now - record["seen"] > settings.STAFF_IDLE_TIMEOUT.total_seconds():
        return Expiry.IDLE
    if now - record["seen"] >= ACTIVITY_RESOLUTION_SECONDS:
        session[SESSION_KEY] = {**record, "seen": now}
    return None


def expiry_message(expiry: Expiry) -> str:
    if expiry == Expiry.IDLE:
        minutes = int(settings.STAFF_IDLE_TIMEOUT.total_seconds() // 60)
        return ngettext(
            "You were signed out after %(count)s minute without activity.",
            "You were signed out after %(count)s minutes without activity.",
            minutes,
        ) % {"count": minutes}
    hours = int(settings.STAFF_SESSION_MAX_AGE.total_seconds() // 3600)
    return ngettext(
        "You were signed out %(count)s hour after signing in; please sign in again.",
        "You were signed out %(count)s hours after signing in; please sign in again.",
        hours,
    ) % {"count": hours}
