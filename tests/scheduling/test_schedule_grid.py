"""The schedule as a time grid: the layout (pure), and the page built on it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import Role
from clinic.times import at_local
from scheduling import selectors
from scheduling import services as scheduling_services
from scheduling.grid import (
    BOOKED,
    FREE,
    OFF,
    Column,
    RosterDay,
    grid_hours,
    grid_layout,
    roster,
    treating,
)
from scheduling.models import Appointment, AppointmentKind, TimeOff, WorkingHours
from tests.factories import PatientFactory, StaffFactory
from tests.scheduling.test_scheduling import all_day_hours

CHICAGO = ZoneInfo("America/Chicago")
LONDON = ZoneInfo("Europe/London")
TUESDAY = date(2026, 12, 1)


@dataclass
class Person:
    pk: int
    role: str = Role.THERAPIST


@dataclass
class Booking:
    therapist_id: int
    starts_at: datetime
    ends_at: datetime


def booking(therapist_id: int, day: date, starts: time, minutes: int, zone=CHICAGO) -> Booking:
    moment = at_local(day, starts, zone)
    return Booking(therapist_id, moment, moment + timedelta(minutes=minutes))


def layout(columns, appointments=(), free=(), first=time(9), last=time(11), zone=CHICAGO):
    return grid_layout(
        columns=columns,
        appointments=appointments,
        free=set(free),
        first=first,
        last=last,
        step_minutes=15,
        zone=zone,
    )


def kinds(grid, column: int) -> list[str]:
    return [row.cells[column].kind if row.cells[column] else "-" for row in grid.rows]


# --- The layout -----------------------------------------------------------------------------


def test_rows_run_from_the_first_hour_to_the_last_in_steps():
    grid = layout([Column(Person(1), TUESDAY)])
    assert [row.label for row in grid.rows] == [
        "09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45",
    ]  # fmt: skip
    assert [row.on_the_hour for row in grid.rows][:5] == [True, False, False, False, True]


def test_an_appointment_sits_at_its_time_and_spans_its_length():
    maya, daniel = Person(1), Person(2)
    grid = layout(
        [Column(maya, TUESDAY), Column(daniel, TUESDAY)],
        appointments=[booking(1, TUESDAY, time(9, 30), 45)],
    )
    assert kinds(grid, 0) == [OFF, OFF, BOOKED, "-", "-", OFF, OFF, OFF]
    cell = grid.rows[2].cells[0]
    assert cell.span == 3
    assert kinds(grid, 1) == [OFF] * 8  # Daniel's column keeps every row


def test_free_cells_are_the_free_slots_given_and_nothing_else():
    maya = Person(1)
    free = {(1, at_local(TUESDAY, time(9), CHICAGO)), (1, at_local(TUESDAY, time(10), CHICAGO))}
    grid = layout([Column(maya, TUESDAY)], free=free)
    assert kinds(grid, 0) == [FREE, OFF, OFF, OFF, FREE, OFF, OFF, OFF]
    assert grid.rows[4].cells[0].value == "2026-12-01T10:00"
    # Another therapist's free slot is not Maya's.
    assert kinds(layout([Column(Person(2), TUESDAY)], free=free), 0) == [OFF] * 8


def test_appointments_in_one_row_share_its_cell():
    grid = layout(
        [Column(Person(1), TUESDAY)],
        appointments=[
            booking(1, TUESDAY, time(9), 10),
            booking(1, TUESDAY, time(9, 10), 20),
        ],
    )
    cell = grid.rows[0].cells[0]
    assert (cell.kind, len(cell.appointments), cell.span) == (BOOKED, 2, 2)
    assert kinds(grid, 0)[:3] == [BOOKED, "-", OFF]


def test_an_appointment_outside_the_rows_is_clipped_into_them():
    grid = layout(
        [Column(Person(1), TUESDAY)],
        appointments=[booking(1, TUESDAY, time(8, 30), 60), booking(1, TUESDAY, time(10, 45), 60)],
    )
    assert kinds(grid, 0) == [BOOKED, "-", OFF, OFF, OFF, OFF, OFF, BOOKED]


def test_a_week_has_a_column_per_day_and_each_appointment_on_its_own_day():
    maya = Person(1)
    days = [TUESDAY, TUESDAY + timedelta(days=1)]
    grid = layout(
        [Column(maya, day) for day in days],
        appointments=[booking(1, days[1], time(10), 30)],
    )
    assert BOOKED not in kinds(grid, 0)
    assert kinds(grid, 1)[4:6] == [BOOKED, "-"]


def test_on_the_spring_forward_day_the_skipped_hour_is_not_offered():
    # London: 29 March 2026, 01:00 becomes 02:00.
    day = date(2026, 3, 29)
    free = {
        (1, at_local(day, time(hour, minute), LONDON)) for hour in range(4) for minute in (0, 30)
    }
    grid = layout([Column(Person(1), day)], free=free, first=time(0), last=time(3), zone=LONDON)
    offered = [row.label for row in grid.rows if row.cells[0].kind == FREE]
    assert offered == ["00:00", "00:30", "02:00", "02:30"]
    skipped = [row.cells[0] for row in grid.rows if row.label.startswith("01:")]
    assert {(cell.kind, cell.starts_at) for cell in skipped} == {(OFF, None)}


def test_the_grid_runs_from_the_earliest_hour_to_the_latest():
    hours = [(1, time(8, 30), time(12)), (1, time(13), time(17, 15))]
    assert grid_hours(hours) == (time(8), time(18))
    # Widened to an appointment booked before the hours shrank.
    assert grid_hours(hours, [(time(7, 45), time(8, 15))]) == (time(7), time(18))
    assert grid_hours([]) == (time(8), time(18))
    assert grid_hours([(0, time(6), time(23, 30))]) == (time(6), time(23, 59))


def test_a_clinic_admin_with_no_hours_gets_no_column():
    maya, daniel = Person(1), Person(2)
    jordan, lee = Person(3, Role.CLINIC_ADMIN), Person(4, Role.CLINIC_ADMIN)
    kim = Person(5, Role.CLINIC_ADMIN)
    shown = treating(
        [maya, daniel, jordan, lee, kim],
        hours_of={1: ["hours"], 4: ["hours"]},
        booked={5},
        therapist_role=Role.THERAPIST,
    )
    # Daniel treats though his hours are not set yet; Lee treats some days; Kim has a booking.
    assert shown == [maya, daniel, lee, kim]


def test_the_roster_counts_each_therapists_day():
    maya, daniel = Person(1), Person(2)
    days = [TUESDAY, TUESDAY + timedelta(days=1)]
    rows = roster(
        therapists=[maya, daniel],
        days=days,
        booked={(2, days[1]): 3},
        free_minutes={(1, TUESDAY): 45},
    )
    (_, maya_days), (_, daniel_days) = rows
    assert [(d.day, d.booked, d.free_minutes) for d in maya_days] == [
        (TUESDAY, 0, 45),
        (days[1], 0, 0),
    ]
    assert [d.booked for d in daniel_days] == [0, 3]


@pytest.mark.parametrize(
    ("minutes", "text"), [(45, "45 min"), (60, "1 h"), (150, "2 h 30"), (545, "9 h 05")]
)
def test_free_time_reads_in_hours_and_minutes(minutes, text):
    assert RosterDay(TUESDAY, 0, minutes).free_text == text


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def tomorrow(clinic):
    return clinic.local_today() + timedelta(days=1)


@pytest.fixture
def nine_to_five(therapist):
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(9), ends=time(17))
        for day in range(7)
    )


@pytest.fixture
def at_ten(patient, therapist, front_desk, types, tomorrow, clinic, nine_to_five):
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=at_local(tomorrow, time(10), clinic.zone),
        booked_by=front_desk,
    )


def cells_of(view, therapist) -> dict[str, object]:
    index = [column.therapist for column in view.grid.columns].index(therapist)
    return {row.label: row.cells[index] for row in view.grid.rows}


def test_the_day_offers_the_free_slots_and_not_the_taken_ones(
    client_as, at_ten, therapist, tomorrow, clinic
):
    response = client_as("front_desk").get(f"/schedule/?date={tomorrow:%Y-%m-%d}")
    view = response.context["view"]
    cells = cells_of(view, therapist)
    assert cells["09:00"].kind == FREE
    assert cells["10:00"].kind == BOOKED
    assert [a.pk for a in cells["10:00"].appointments] == [at_ten.pk]
    assert cells["10:15"] is None  # under the 30-minute appointment
    assert cells["10:30"].kind == FREE
    assert list(cells)[-1] == "16:45"  # the grid ends with the working hours
    html = response.content.decode()
    day_text = tomorrow.strftime("%A %-d %B")
    assert f'aria-label="Book with Maya Okafor, {day_text}, 09:30"' in html
    assert f'aria-label="Book with Maya Okafor, {day_text}, 10:00"' not in html
    assert f"starts_at={tomorrow:%Y-%m-%d}T09:30" in html
    assert "Alex Anders" in html
    assert "10:00–10:30" in html


def test_time_off_and_the_past_are_not_offered(
    client_as, therapist, clinic, nine_to_five, tomorrow
):
    TimeOff.objects.create(
        therapist=therapist,
        starts_at=at_local(tomorrow, time(13), clinic.zone),
        ends_at=at_local(tomorrow, time(14), clinic.zone),
        reason="Course",
    )
    client = client_as("front_desk")
    cells = cells_of(client.get(f"/schedule/?date={tomorrow:%Y-%m-%d}").context["view"], therapist)
    assert [cells[t].kind for t in ("12:45", "13:00", "13:45", "14:00")] == [FREE, OFF, OFF, FREE]
    yesterday = tomorrow - timedelta(days=2)
    past = cells_of(client.get(f"/schedule/?date={yesterday:%Y-%m-%d}").context["view"], therapist)
    assert {cell.kind for cell in past.values() if cell} == {OFF}


def test_a_clinic_admin_without_hours_is_no_column_but_one_with_hours_is(
    client_as, clinic, clinic_admin, therapist, nine_to_five, tomorrow
):
    client = client_as("front_desk")
    path = f"/schedule/?date={tomorrow:%Y-%m-%d}"
    columns = [column.therapist for column in client.get(path).context["view"].grid.columns]
    assert columns == [therapist]
    all_day_hours(clinic_admin, starts=time(12), ends=time(14))
    view = client.get(path).context["view"]
    assert [column.therapist for column in view.grid.columns] == [clinic_admin, therapist]
    assert cells_of(view, clinic_admin)["12:00"].kind == FREE
    assert cells_of(view, clinic_admin)["10:00"].kind == OFF


def test_one_therapists_week_has_a_column_per_day(client_as, at_ten, therapist, tomorrow):
    response = client_as("therapist").get(
        f"/schedule/?date={tomorrow:%Y-%m-%d}&view=week&therapist={therapist.pk}"
    )
    grid = response.context["view"].grid
    monday = tomorrow - timedelta(days=tomorrow.weekday())
    assert [column.day for column in grid.columns] == [monday + timedelta(days=n) for n in range(7)]
    assert "10:00–10:30" in response.content.decode()


def test_everyones_week_is_a_roster(client_as, at_ten, therapist, tomorrow):
    response = client_as("clinic_admin").get(f"/schedule/?date={tomorrow:%Y-%m-%d}&view=week")
    view = response.context["view"]
    assert view.grid is None
    (person, person_days) = view.roster[0]
    assert person == therapist
    day = next(d for d in person_days if d.day == tomorrow)
    assert day.booked == 1
    assert day.free_minutes == 8 * 60 - 30
    html = response.content.decode()
    assert "7 h 30 free" in html
    # A count that opens the day, not the appointment: the week stays the same size however
    # full it is.
    assert f'href="?date={tomorrow:%Y-%m-%d}&amp;view=day"' in html
    assert at_ten.patient.last_name not in html


def test_a_cancelled_appointment_frees_its_slot_and_is_listed_apart(
    client_as, at_ten, therapist, tomorrow, front_desk
):
    scheduling_services.appointment_cancel(appointment=at_ten, by=front_desk)
    response = client_as("front_desk").get(f"/schedule/?date={tomorrow:%Y-%m-%d}")
    assert cells_of(response.context["view"], therapist)["10:00"].kind == FREE
    assert [a.pk for a in response.context["view"].cancelled] == [at_ten.pk]
    assert "Cancelled (1)" in response.content.decode()


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_schedule_costs_the_same_queries_for_many_therapists(
    client_as, clinic, front_desk, types, tomorrow, view, django_assert_max_num_queries
):
    client = client_as("front_desk")
    path = f"/schedule/?date={tomorrow:%Y-%m-%d}&view={view}"

    def add_therapists(count: int) -> None:
        for _ in range(count):
            person = StaffFactory(clinic=clinic, role=Role.THERAPIST)
            all_day_hours(person, starts=time(8), ends=time(18))
            for hour in (9, 11, 14):
                scheduling_services.appointment_book(
                    patient=PatientFactory(clinic=clinic),
                    therapist=person,
                    appointment_type=types[AppointmentKind.FOLLOW_UP],
                    starts_at=at_local(tomorrow, time(hour), clinic.zone),
                    booked_by=front_desk,
                )

    add_therapists(1)
    client.get(path)  # session, appointment types: whatever a first request warms up
    with CaptureQueriesContext(connection) as one:
        client.get(path)
    add_therapists(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(path)
    html = response.content.decode()
    if view == "day":
        assert html.count("09:00–09:30") == 6  # every therapist drawn
    else:
        assert html.count(">3 booked<") == 6  # every therapist counted, no appointment listed
        assert "09:00–09:30" not in html


def test_free_slots_can_ignore_the_appointment_being_moved(at_ten, therapist, clinic, tomorrow):
    def starts(**kwargs):
        return [
            slot.starts_at.astimezone(clinic.zone).time()
            for slot in selectors.free_slots(
                clinic=clinic,
                start_date=tomorrow,
                end_date=tomorrow,
                minutes=30,
                therapist=therapist,
                **kwargs,
            )
        ]

    assert time(10, 15) not in starts()
    assert time(10, 15) in starts(ignoring=at_ten)


# --- Booking from an empty cell and moving from the appointment ---------------------------


def test_an_empty_cell_opens_booking_with_its_therapist_and_time(
    client_as, patient, therapist, nine_to_five, tomorrow, clinic
):
    client = client_as("front_desk")
    query = f"therapist={therapist.pk}&date={tomorrow:%Y-%m-%d}&starts_at={tomorrow:%Y-%m-%d}T09:30"
    first = client.get(f"/schedule/book/?{query}&next=/schedule/")
    html = first.content.decode()
    assert "choose the patient, then book" in html
    assert f'name="starts_at" value="{tomorrow:%Y-%m-%d}T09:30"' in html
    chosen = client.get(f"/schedule/book/?{query}&patient={patient.pk}&next=/schedule/")
    html = chosen.content.decode()
    assert "The time chosen on the schedule" in html
    assert f'id="starts_at" name="starts_at" value="{tomorrow:%Y-%m-%d}T09:30"' in html
    assert chosen.context["therapist"] == therapist
    response = client.post(
        "/schedule/book/",
        {
            "patient": patient.pk,
            "therapist": therapist.pk,
            "kind": "follow_up",
            "starts_at": f"{tomorrow:%Y-%m-%d}T09:30",
            "next": "/schedule/",
        },
    )
    assert response.url == "/schedule/"
    booked = Appointment.objects.get()
    assert booked.starts_at == at_local(tomorrow, time(9, 30), clinic.zone)


def test_the_appointment_offers_free_slots_to_move_to(client_as, at_ten, tomorrow, clinic):
    client = client_as("front_desk")
    page = client.get(f"/appointments/{at_ten.pk}/")
    moves = [slot.starts_at for _, slots in page.context["move_slots"] for slot in slots]
    assert at_ten.starts_at not in moves
    assert at_local(tomorrow, time(10, 15), clinic.zone) in moves  # overlaps its own time
    response = client.post(
        f"/appointments/{at_ten.pk}/",
        {
            "action": "reschedule",
            "starts_at": moves[0].isoformat(),
            "next": f"/schedule/?date={tomorrow:%Y-%m-%d}",
        },
    )
    assert response.url == f"/schedule/?date={tomorrow:%Y-%m-%d}"
    at_ten.refresh_from_db()
    assert at_ten.starts_at == moves[0]


def test_a_move_onto_a_taken_slot_is_refused_with_the_reason(
    client_as, at_ten, other_patient, therapist, front_desk, types, tomorrow, clinic
):
    other = scheduling_services.appointment_book(
        patient=other_patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=at_local(tomorrow, time(11), clinic.zone),
        booked_by=front_desk,
    )
    response = client_as("front_desk").post(
        f"/appointments/{at_ten.pk}/",
        {"action": "reschedule", "starts_at": f"{tomorrow:%Y-%m-%d}T11:00", "next": "/schedule/"},
    )
    assert response.status_code == 409
    assert f"appointment {other.pk}" in response.content.decode()
    at_ten.refresh_from_db()
    assert at_ten.starts_at == at_local(tomorrow, time(10), clinic.zone)
    assert timezone.is_aware(at_ten.starts_at)


def test_the_row_the_clock_is_in_is_marked_on_todays_grid():
    now = at_local(TUESDAY, time(9, 40), CHICAGO)
    grid = layout([Column(Person(1), TUESDAY)], appointments=(), free=())
    assert not any(row.is_now for row in grid.rows)
    marked = grid_layout(
        columns=[Column(Person(1), TUESDAY)],
        appointments=(),
        free=set(),
        first=time(9),
        last=time(11),
        step_minutes=15,
        zone=CHICAGO,
        now=now,
    )
    assert [row.label for row in marked.rows if row.is_now] == ["09:30"]
    tomorrow = grid_layout(
        columns=[Column(Person(1), TUESDAY + timedelta(days=1))],
        appointments=(),
        free=set(),
        first=time(9),
        last=time(11),
        step_minutes=15,
        zone=CHICAGO,
        now=now,
    )
    assert not any(row.is_now for row in tomorrow.rows)
