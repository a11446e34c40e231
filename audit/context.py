"""Who is acting right now, for the audit rows written during a request or a task.

The middleware puts the request in a context variable; the access policy notes which patients
the request read; services, receivers and querysets record writes against the same request.
Outside a request (Celery tasks, management commands) the actor is "system" with a label.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.http import HttpRequest

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_system_label: ContextVar[str] = ContextVar("audit_system_label", default="")


@dataclass
class RequestAccess:
    """What the access policy let this request see, written as one audit row at its end."""

    read: dict[int, int | None] = field(default_factory=dict)  # patient id -> clinic id
    listed: dict[str, list[int]] = field(default_factory=dict)  # what was listed -> patient ids
    denied: set[str] = field(default_factory=set)  # patient ids asked for and refused


def current_request() -> HttpRequest | None:
    return _request.get()


def system_label() -> str:
    return _system_label.get()


@contextmanager
def request_scope(request: HttpRequest) -> Iterator[RequestAccess]:
    access = RequestAccess()
    request.audit_access = access
    token = _request.set(request)
    try:
        yield access
    finally:
        _request.reset(token)


def set_system_label(label: str) -> None:
    """For Celery's task signals, which bracket a task without a with-block."""
    _system_label.set(label)


def request_access() -> RequestAccess | None:
    request = _request.get()
    return getattr(request, "audit_access", None) if request is not None else None
