"""A `next` parameter is followed only to a path on this site, wherever it is read."""

import re
from datetime import time, timedelta

import pytest
from django.test import RequestFactory

from clinic.redirects import next_path
from clinic.times import at_local
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, CalendarFeed
from tests.conftest import ROOT, project_sources
from tests.scheduling.test_scheduling import all_day_hours

pytestmark = pytest.mark.django_db

OUTSIDE = [
    "https://evil.example/x",
    "//evil.example/x",
    "/\\evil.example/x",
    "http:evil.example",
    "javascript:alert(1)",
    "\\\\evil.example",
    " //evil.example",
    "https://testserver.evil.example/",
]


@pytest.mark.parametrize("candidate", OUTSIDE)
def test_an_outside_or_odd_next_is_not_followed(candidate):
    assert next_path(RequestFactory().post("/", {"next": candidate})) == ""
    assert next_path(RequestFactory().get("/", {"next": candidate})) == ""


@pytest.mark.parametrize("candidate", ["/schedule/due/", "/patients/3/?tab=tests#x"])
def test_a_path_on_this_site_is_followed(candidate):
    assert next_path(RequestFactory().post("/", {"next": candidate})) == candidate


def test_nothing_reads_next_but_the_one_helper():
    """Every redirect taken from user input goes through clinic/redirects.py."""
    allowed = ROOT / "clinic" / "redirects.py"
    offenders = []
    for path in project_sources():
        text = path.read_text()
        if path != allowed and re.search(r"""(\.get\(\s*|\[)["']next["']""", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.fixture
def slot_time(clinic, therapist):
    all_day_hours(therapist)
    scheduling_services.appointment_types_ensure(clinic=clinic)
    return at_local(clinic.local_now().date() + timedelta(days=2), time(10), clinic.zone)


@pytest.mark.parametrize("role", ["front_desk", "therapist"])
def test_a_booking_never_sends_the_user_to_another_site(
    client_as, patient, therapist, slot_time, role
):
    client = client_as(role)
    form = client.get("/schedule/book/", {"patient": patient.pk, "next": OUTSIDE[0]})
    assert form.status_code == 200
    assert "evil.example" not in form.content.decode()
    response = client.post(
        "/schedule/book/",
        {
            "patient": patient.pk,
            "therapist": therapist.pk,
            "kind": AppointmentKind.FOLLOW_UP,
            "starts_at": slot_time.isoformat(),
            "next": OUTSIDE[0],
        },
    )
    assert response.status_code == 302
    assert response.url == "/schedule/"
    assert Appointment.objects.count() == 1


def test_a_booking_returns_to_a_page_of_this_site(client_as, patient, therapist, slot_time):
    response = client_as("front_desk").post(
        "/schedule/book/",
        {
            "patient": patient.pk,
            "therapist": therapist.pk,
            "kind": AppointmentKind.FOLLOW_UP,
            "starts_at": slot_time.isoformat(),
            "next": f"/patients/{patient.pk}/",
        },
    )
    assert response.url == f"/patients/{patient.pk}/"


@pytest.mark.parametrize("candidate", OUTSIDE[:3])
def test_calendar_feed_issue_and_revoke_never_send_the_user_to_another_site(
    client_as, therapist, candidate
):
    client = client_as("front_desk")
    issued = client.post("/calendar-feeds/", {"therapist": therapist.pk, "next": candidate})
    assert issued.status_code == 302
    assert issued.url == "/schedule/"
    feed = CalendarFeed.objects.get()
    revoked = client.post(f"/calendar-feeds/{feed.pk}/revoke/", {"next": candidate})
    assert revoked.url == "/schedule/"
    refused = client.post("/calendar-feeds/", {"next": candidate})  # neither therapist nor patient
    assert refused.url == "/schedule/"


@pytest.mark.parametrize("candidate", OUTSIDE[:3])
def test_sign_in_never_sends_the_user_to_another_site(client, therapist, candidate):
    therapist.set_password("a long enough password")
    therapist.save()
    response = client.post(
        "/accounts/login/",
        {"username": therapist.username, "password": "a long enough password", "next": candidate},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.url
