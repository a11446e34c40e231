"""Response headers Django's SecurityMiddleware and django-csp do not set."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Adds Permissions-Policy and keeps every page out of browser and proxy caches.

    Nearly every page Dorsi renders shows patient data, and a page left in the cache of a shared
    front-desk computer outlives the sign-out. Views that choose their own Cache-Control (the
    health check, calendar feeds) keep it; static files never get here, WhiteNoise serves them
    earlier with long-lived caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}={allowlist}" for feature, allowlist in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        response.headers.setdefault("Cache-Control", "private, no-store")
        return response
