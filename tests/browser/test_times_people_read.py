"""On a phone: a double booking is refused in the clinic's time and keeps the typed note; the
page a reminder's link opens says which appointment and which answer before it is sent; shorter
working hours list the bookings they strand."""

from datetime import time, timedelta
from pathlib import Path

import pytest

from clinic.times import at_local, local_datetime_text
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, WorkingHours
from scheduling.reminders import response_url
from tests.browser.test_patient_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _shoot(page, artifacts_dir: Path, name: str) -> None:
    page.screenshot(path=artifacts_dir / name, full_page=True)


@pytest.fixture
def appointment(clinic, patient, therapist, front_desk) -> Appointment:
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(7), ends=time(19))
        for day in range(7)
    )
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    day = clinic.local_today() + timedelta(days=2)
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=at_local(day, time(8), clinic.zone),
        booked_by=front_desk,
    )


def test_a_double_booking_is_refused_in_the_clinics_time_and_keeps_the_note(
    browser, live_server, clinic, appointment, other_patient, artifacts_dir
):
    when = local_datetime_text(appointment.starts_at, clinic.zone)
    typed = appointment.starts_at.astimezone(clinic.zone).strftime("%Y-%m-%dT%H:%M")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "sam")
    page.goto(f"{live_server.url}/schedule/book/?patient={other_patient.pk}")
    form = page.locator("form", has=page.get_by_role("heading", name="Another time"))
    form.get_by_label("Therapist").select_option(label="Maya Okafor")
    form.get_by_label("Starts").fill(typed)
    form.get_by_label("Front-desk note").fill("Needs the ground-floor room")
    form.get_by_role("button", name="Book this time").click()

    page.get_by_text("That time is taken").wait_for()
    body = page.locator("main").inner_text()
    assert f"That time is taken: Alex Anders with Maya Okafor on {when}" in body
    assert when.endswith(", 08:00")
    assert "14:00" not in body  # 08:00 in Chicago, in UTC
    form = page.locator("form", has=page.get_by_role("heading", name="Another time"))
    assert form.get_by_label("Front-desk note").input_value() == "Needs the ground-floor room"
    assert form.get_by_label("Starts").input_value() == typed
    assert form.get_by_label("Therapist").input_value() == str(appointment.therapist.pk)
    assert not Appointment.objects.filter(patient=other_patient).exists()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
    _shoot(page, artifacts_dir, "double-booking-refused-phone.png")
    context.close()


def test_the_answer_link_names_the_appointment_and_the_answer_on_a_phone(
    browser, live_server, settings, clinic, appointment, artifacts_dir
):
    settings.SITE_URL = live_server.url
    when = local_datetime_text(appointment.starts_at, clinic.zone)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(response_url(appointment, "confirmed"))
    main = page.locator("main")
    assert "Confirm your appointment" in main.inner_text()
    assert when in main.inner_text()
    assert "I will come" in main.inner_text()
    _shoot(page, artifacts_dir, "answer-confirm-before-phone.png")
    page.get_by_role("button", name="Confirm this appointment").click()
    page.get_by_text("Thank you, see you then").wait_for()
    assert when in page.locator("main").inner_text()
    _shoot(page, artifacts_dir, "answer-confirm-done-phone.png")
    page.goto(response_url(appointment, "reschedule"))
    assert "Ask for another time" in page.locator("main").inner_text()
    _shoot(page, artifacts_dir, "answer-reschedule-before-phone.png")
    context.close()


def test_shorter_hours_list_the_bookings_they_strand_on_a_phone(
    browser, live_server, clinic, therapist, appointment, artifacts_dir
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/schedule/hours/")
    for day in range(7):
        page.locator(f"#starts_{day}").fill("09:00")
    page.locator("#ends_0").fill("08:00")  # a mistake: the end before the start
    page.get_by_role("button", name="Save hours").click()
    page.get_by_text("Monday: the end must come after the start.").wait_for()
    assert page.locator("#starts_3").input_value() == "09:00"
    assert page.locator("#ends_0").input_value() == "08:00"
    _shoot(page, artifacts_dir, "hours-refused-phone.png")
    page.locator("#ends_0").fill("17:00")
    page.get_by_role("button", name="Save hours").click()
    page.get_by_text("Booked outside these hours").wait_for()
    assert local_datetime_text(appointment.starts_at, clinic.zone) in page.inner_text("main")
    _shoot(page, artifacts_dir, "hours-stranded-phone.png")
    context.close()
