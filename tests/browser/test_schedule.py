"""The front desk books a follow-up from the due-list, on a tablet."""

import re
from datetime import time, timedelta

import pytest

from clinic.times import at_local
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


def test_the_front_desk_books_an_empty_slot_and_moves_an_appointment_from_the_grid(
    browser, live_server, front_desk, therapist, patient, other_patient, clinic, artifacts_dir
):
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(9), ends=time(17))
        for day in range(7)
    )
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    tomorrow = clinic.local_today() + timedelta(days=1)
    taken = scheduling_services.appointment_book(
        patient=other_patient,
        therapist=therapist,
        appointment_type=types["follow_up"],
        starts_at=at_local(tomorrow, time(10), clinic.zone),
        booked_by=front_desk,
    )
    day_text = f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B}"

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "sam")
    page.goto(f"{live_server.url}/schedule/?date={tomorrow:%Y-%m-%d}")
    grid = page.locator("[data-schedule-grid]")
    # A taken slot is not offered; the free one next to it is.
    assert grid.get_by_role("link", name=f"Book with Maya Okafor, {day_text}, 10:00").count() == 0
    assert grid.get_by_role("link", name=f"Book with Maya Okafor, {day_text}, 10:30").count() == 1
    page.screenshot(path=artifacts_dir / "schedule-grid-day-desktop.png", full_page=True)

    # Book 09:00 with the keyboard: focus the empty slot, Enter, choose the patient, book.
    grid.get_by_role("link", name=f"Book with Maya Okafor, {day_text}, 09:00").focus()
    page.keyboard.press("Enter")
    page.get_by_text("choose the patient, then book").wait_for()
    page.get_by_label("Patient").select_option(str(patient.pk))
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_label("Starts").input_value() == f"{tomorrow:%Y-%m-%d}T09:00"
    page.get_by_role("button", name="Book Alex at this time").click()
    page.get_by_text("Booked: Alex Anders").wait_for()
    assert page.url.endswith(f"/schedule/?date={tomorrow:%Y-%m-%d}")
    booked = Appointment.objects.get(patient=patient)
    assert booked.starts_at == at_local(tomorrow, time(9), clinic.zone)
    assert grid.get_by_role("link", name=f"Book with Maya Okafor, {day_text}, 09:00").count() == 0

    # Move Bianca's appointment with the keyboard: open it from the grid, pick a free slot.
    appointment = grid.get_by_role(
        "link", name=re.compile(r"^Bianca Baker 10:00–10:30 Follow-up\s*, move or open$")
    )
    appointment.focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Move").wait_for()
    # Alex's 09:00 is taken: not offered as a place to move to.
    moves = page.get_by_role("button", name=re.compile(r"^Move to "))
    offered = moves.evaluate_all("buttons => buttons.map(b => b.textContent.trim())")
    when = f"{tomorrow:%a} {tomorrow.day} {tomorrow:%b %Y}"
    assert f"Move to {when}, 10:15" in offered  # overlaps its own time: fine
    assert f"Move to {when}, 09:00" not in offered
    page.get_by_role("button", name=f"Move to {when}, 11:30").click()
    page.get_by_text("Moved to").wait_for()
    taken.refresh_from_db()
    assert taken.starts_at == at_local(tomorrow, time(11, 30), clinic.zone)
    page.screenshot(path=artifacts_dir / "schedule-grid-moved-desktop.png", full_page=True)

    # With a mouse, drag it onto a free cell: the same move, confirmed first, back to the grid.
    page.goto(f"{live_server.url}/schedule/?date={tomorrow:%Y-%m-%d}")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    grid.locator("a[data-move-url]").filter(has_text="Bianca Baker").drag_to(
        grid.locator(f'a[data-slot="{tomorrow:%Y-%m-%d}T13:00"]')
    )
    page.get_by_text("Moved to").wait_for()
    assert asked == [f"Move Bianca Baker to {day_text}, 13:00?"]
    assert page.url.endswith(f"/schedule/?date={tomorrow:%Y-%m-%d}")
    taken.refresh_from_db()
    assert taken.starts_at == at_local(tomorrow, time(13), clinic.zone)
    context.close()
