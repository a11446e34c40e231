"""The front desk books a follow-up from the due-list, on a tablet."""

from datetime import time

import pytest

from scheduling import services as scheduling_services
from scheduling.models import Appointment, WorkingHours
from tests.browser.test_patient_journeys import sign_in
from tests.factories import record_knee_to_wall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_front_desk_books_a_follow_up_from_the_due_list(
    browser, live_server, front_desk, therapist, patient, other_patient, clinic, artifacts_dir
):
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(7), ends=time(19))
        for day in range(7)
    )
    scheduling_services.appointment_types_ensure(clinic=clinic)
    record_knee_to_wall(patient, therapist, days_ago=30)  # re-test 9 days overdue
    record_knee_to_wall(other_patient, therapist, days_ago=24)

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    sign_in(page, live_server.url, "sam")
    page.get_by_role("link", name="Due", exact=True).click()
    rows = page.locator("tbody tr")
    assert "Anders" in rows.nth(0).inner_text()  # the most overdue first
    assert "Baker" in rows.nth(1).inner_text()
    page.screenshot(path=artifacts_dir / "due-list-tablet.png", full_page=True)

    rows.nth(0).get_by_role("button", name="Book").click()
    page.get_by_text("Booked: Alex Anders").wait_for()
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.appointment_type.kind == "retest"
    assert appointment.therapist == therapist
    assert "Anders" not in page.locator("tbody").inner_text()
    page.screenshot(path=artifacts_dir / "due-list-after-booking-tablet.png", full_page=True)

    day = appointment.starts_at.astimezone(clinic.zone).date().isoformat()
    page.goto(f"{live_server.url}/schedule/?date={day}&view=week&therapist={therapist.pk}")
    page.get_by_text("Alex Anders").first.wait_for()
    page.screenshot(path=artifacts_dir / "schedule-week-tablet.png", full_page=True)
    context.close()
