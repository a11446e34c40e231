from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import request_scope
from audit.services import flush_request_access


class AuditMiddleware:
    """Makes the request the audit context of everything it does, and at its end records
    which patients' records it read (or was refused)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope(request) as access:
            response = self.get_response(request)
            flush_request_access(access, response.status_code)
        return response
