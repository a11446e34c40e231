"""With DEBUG off, errors show Dorsi's own pages: no stack trace, no settings, no URL list."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def fail(request):
    raise RuntimeError("secret detail from deep inside")


def refuse(request):
    raise PermissionDenied


urlpatterns = [
    path("test-500/", fail),
    path("test-403/", refuse),
    path("", include("config.urls")),
]

DEBUG_PAGE_MARKS = (
    "Traceback",
    "secret detail",
    "Using the URLconf",
    "DEBUG = True",
    "config.settings",
)


@pytest.fixture
def production_client(settings) -> Client:
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def assert_no_debug_page(response) -> None:
    page = response.content.decode()
    for mark in DEBUG_PAGE_MARKS:
        assert mark not in page
    # django-csp leaves Django's debug pages alone; our pages carry the policy.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/no-such-page/", 404, "Not found"),
        ("/test-403/", 403, "Not allowed"),
        ("/test-500/", 500, "Something went wrong"),
    ],
)
def test_errors_show_dorsis_own_page(production_client, path, status, heading):
    response = production_client.get(path)
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in response.content.decode()
    assert_no_debug_page(response)


def test_an_unknown_host_gets_the_bad_request_page(production_client):
    response = production_client.get("/patients/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()
    assert_no_debug_page(response)
