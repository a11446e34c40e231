"""Reads of scheduling: free slots, calendars, the due-list, the waitlist, calendar feeds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from clinic.models import (
    Clinic,
    Patient,
    Role,
    User,
)
from clinic.selectors import clinic_therapists
from clinic.times import at_local, local_time_text
from exercises.retest import retest_due_dates
from scheduling.grid import Column, Grid, grid_hours, grid_layout, roster, treating
from scheduling.models import (
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    TimeOff,
    WaitlistEntry,
    WorkingHours,
)
from scheduling.times import slot_starts, subtract, within_weekly_hours


def future_appointments(*, patient_id: int) -> QuerySet[Appointment]:
    """The patient's booked appointments still to come."""
    return Appointment.objects.filter(
        patient_id=patient_id, status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now()
    )


def appointments_outside_hours(
    *, therapist: User, now: datetime | None = None
) -> list[Appointment]:
    """The therapist's booked appointments still to come that fall outside their weekly
    working hours (booked before the hours were shortened): earliest first."""
    hours = [(row.weekday, row.starts, row.ends) for row in therapist.working_hours.all()]
    zone = therapist.clinic.zone
    upcoming = Appointment.objects.filter(
        therapist=therapist, status=AppointmentStatus.BOOKED, starts_at__gt=now or timezone.now()
    ).select_related("patient", "appointment_type", "clinic")
    return [
        appointment
        for appointment in upcoming.order_by("starts_at")
        if not within_weekly_hours(
            appointment.starts_at, appointment.ends_at, hours=hours, zone=zone
        )
    ]


@dataclass(frozen=True)
class Slot:
    therapist: User
    starts_at: datetime
    ends_at: datetime


def free_slots(
    *,
    clinic: Clinic,
    start_date: date,
    end_date: date,
    minutes: int,
    therapist: User | None = None,
    step_minutes: int = 15,
    limit: int = 200,
    among: list[User] | None = None,
    ignoring: Appointment | None = None,
) -> list[Slot]:
    """Free slots of `minutes` in the therapists' working hours, from start_date to end_date
    inclusive, skipping time off, booked appointments and the past; earliest first.

    `among`: these therapists rather than the clinic's (a page that has them already).
    `ignoring`: an appointment whose own time counts as free, for moving it a little."""
    if therapist is not None:
        therapists = [therapist]
    elif among is not None:
        therapists = among
    else:
        therapists = clinic_therapists(clinic_id=clinic.pk)
    availability = _Availability.read(
        clinic=clinic,
        therapists=therapists,
        start_date=start_date,
        end_date=end_date,
        ignoring=ignoring,
    )
    slots = [
        slot
        for person in therapists
        for slot in availability.slots(person, minutes=minutes, step_minutes=step_minutes)
    ]
    slots.sort(key=lambda slot: (slot.starts_at, slot.therapist.last_name))
    return slots[:limit]


def first_free_slots(
    *,
    clinic: Clinic,
    start_date: date,
    end_date: date,
    lengths: set[int],
    therapists: list[User],
    step_minutes: int = 15,
) -> dict[tuple[int, int], Slot]:
    """Each therapist's first free slot of each length (in minutes) from start_date to end_date,
    by (therapist id, length); none when they have no such slot. Three queries whatever the
    number of therapists and lengths: what `free_slots` offers, without a search per therapist."""
    if not therapists or not lengths:
        return {}
    availability = _Availability.read(
        clinic=clinic, therapists=therapists, start_date=start_date, end_date=end_date
    )
    first: dict[tuple[int, int], Slot] = {}
    for person in therapists:
        for minutes in lengths:
            slot = next(
                availability.slots(person, minutes=minutes, step_minutes=step_minutes), None
            )
            if slot is not None:
                first[(person.pk, minutes)] = slot
    return first


@dataclass
class _Availability:
    """What decides the therapists' free time over some days: their weekly hours, and the
    appointments and time off that take it, each filed under the local days it touches (a
    day's free time then reads that day's only). Read in three queries."""

    zone: ZoneInfo
    start_date: date
    end_date: date
    hours: dict[int, list[WorkingHours]]
    busy: dict[tuple[int, date], list[tuple[datetime, datetime]]]
    now: datetime

    @classmethod
    def read(
        cls,
        *,
        clinic: Clinic,
        therapists: list[User],
        start_date: date,
        end_date: date,
        ignoring: Appointment | None = None,
        only_with_hours: bool = False,
    ) -> _Availability:
        """`only_with_hours`: read no booking of a therapist without working hours on these
        days: they have no free time for it to take."""
        zone = clinic.zone
        ids = [t.pk for t in therapists]
        window_start = at_local(start_date, time(0), zone)
        window_end = at_local(end_date + timedelta(days=1), time(0), zone)
        hours: dict[int, list[WorkingHours]] = defaultdict(list)
        for row in WorkingHours.objects.filter(therapist_id__in=ids):
            hours[row.therapist_id].append(row)
        if only_with_hours:
            weekdays = {
                (start_date + timedelta(days=n)).weekday()
                for n in range(min((end_date - start_date).days + 1, 7))
            }
            ids = [
                therapist_id
                for therapist_id in ids
                if any(row.weekday in weekdays for row in hours[therapist_id])
            ]
        busy: dict[tuple[int, date], list[tuple[datetime, datetime]]] = defaultdict(list)

        def file(therapist_id: int, starts: datetime, ends: datetime) -> None:
            day = max(starts.astimezone(zone).date(), start_date)
            last = min(ends.astimezone(zone).date(), end_date)
            while day <= last:
                busy[(therapist_id, day)].append((starts, ends))
                day += timedelta(days=1)

        taken = Appointment.objects.active().filter(therapist_id__in=ids)
        if ignoring is not None:
            taken = taken.exclude(pk=ignoring.pk)
        for therapist_id, starts, ends in taken.overlapping(window_start, window_end).values_list(
            "therapist_id", "starts_at", "ends_at"
        ):
            file(therapist_id, starts, ends)
        for therapist_id, starts, ends in TimeOff.objects.filter(
            therapist_id__in=ids, starts_at__lt=window_end, ends_at__gt=window_start
        ).values_list("therapist_id", "starts_at", "ends_at"):
            file(therapist_id, starts, ends)
        return cls(zone, start_date, end_date, hours, busy, timezone.now())

    def slots_on(self, person: User, day: date, *, minutes: int, step_minutes: int) -> list[Slot]:
        """The person's free slots of `minutes` on one day, earliest first."""
        windows = [
            (at_local(day, row.starts, self.zone), at_local(day, row.ends, self.zone))
            for row in self.hours[person.pk]
            if row.weekday == day.weekday()
        ]
        if not windows:
            return []
        free = subtract(windows, self.busy.get((person.pk, day), ()))
        return [
            Slot(person, starts_at, starts_at + timedelta(minutes=minutes))
            for starts_at in slot_starts(
                free,
                minutes=minutes,
                step_minutes=step_minutes,
                not_before=self.now,
                zone=self.zone,
            )
        ]

    def slots(self, person: User, *, minutes: int, step_minutes: int) -> Iterator[Slot]:
        """The person's free slots of `minutes`, earliest first, a day at a time (the first one
        costs only the days before it)."""
        day = self.start_date
        while day <= self.end_date:
            yield from self.slots_on(person, day, minutes=minutes, step_minutes=step_minutes)
            day += timedelta(days=1)


@dataclass(frozen=True)
class CalendarEntry:
    """An appointment as the schedule draws it: read as plain values, not as model rows. A
    busy clinic's week is thousands of appointments, and building each one's appointment,
    patient, therapist and type objects was most of the page's time (issue 19)."""

    pk: int
    therapist_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    patient_response: str
    patient_name: str
    therapist_name: str
    type_name: str
    time_text: str  # 09:00–09:30, on the clinic's wall clock

    @property
    def status_display(self) -> str:
        return AppointmentStatus(self.status).label


def calendar_entries(
    *,
    clinic: Clinic,
    starts: datetime,
    ends: datetime,
    therapists: list[User],
    cancelled_only: bool = False,
) -> list[CalendarEntry]:
    """The appointments of these therapists of the clinic overlapping [starts, ends),
    cancelled ones included (or only those: `cancelled_only`), earliest first; one query."""
    names = {person.pk: str(person) for person in therapists}
    appointments = Appointment.objects.filter(
        clinic=clinic, therapist_id__in=list(names)
    ).overlapping(starts, ends)
    if cancelled_only:
        appointments = appointments.filter(status=AppointmentStatus.CANCELLED)
    zone = clinic.zone
    texts: dict[time, str] = {}

    def time_text(moment: datetime) -> str:
        # A time of day reads the same whatever the day: format each wall time once, as a
        # week repeats the same quarter hours thousands of times.
        wall = moment.astimezone(zone).time()
        if wall not in texts:
            texts[wall] = local_time_text(moment, zone)
        return texts[wall]

    return [
        CalendarEntry(
            pk=pk,
            therapist_id=therapist_id,
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
            patient_response=response,
            patient_name=Patient.name_of(first_name, last_name),
            therapist_name=names[therapist_id],
            type_name=type_name,
            time_text=f"{time_text(starts_at)}–{time_text(ends_at)}",
        )
        for (
            pk,
            therapist_id,
            starts_at,
            ends_at,
            status,
            response,
            first_name,
            last_name,
            type_name,
        ) in appointments.order_by("starts_at", "pk").values_list(
            "pk",
            "therapist_id",
            "starts_at",
            "ends_at",
            "status",
            "patient_response",
            "patient__first_name",
            "patient__last_name",
            "appointment_type__name",
        )
    ]


GRID_STEP_MINUTES = 15  # the grid's rows: the step free slots are offered on


@dataclass
class ScheduleView:
    """What the schedule page draws: a time grid (a day, or one therapist's week) or, for
    everyone's week, a roster; the cancelled appointments apart, since they hold no time."""

    days: list[date]
    people: list[User]
    grid: Grid | None
    roster: list | None
    cancelled: list[CalendarEntry]


def schedule_view(
    *, clinic: Clinic, days: list[date], therapist: User | None = None, week: bool = False
) -> ScheduleView:
    """The schedule of `days` for one therapist or for everyone who treats. Five queries
    (six for everyone's week) whatever the number of therapists and appointments.

    Everyone's week is a count per therapist and day, not the appointments: its rows and its
    bytes stay the same however full the clinic's week is."""
    zone = clinic.zone
    candidates = [therapist] if therapist else clinic_therapists(clinic_id=clinic.pk)
    everyones_week = week and therapist is None
    # Bookings are read for the free time of those who have working hours; everyone's week
    # counts its appointments in SQL, the grids draw theirs from calendar_entries.
    availability = _Availability.read(
        clinic=clinic,
        therapists=candidates,
        start_date=days[0],
        end_date=days[-1],
        only_with_hours=True,
    )
    hours_of = availability.hours
    starts = at_local(days[0], time(0), zone)
    ends = at_local(days[-1] + timedelta(days=1), time(0), zone)
    shown_days = set(days)

    def free_of(people: list[User]) -> dict[tuple[int, date], list[Slot]]:
        return {
            (person.pk, day): availability.slots_on(
                person, day, minutes=GRID_STEP_MINUTES, step_minutes=GRID_STEP_MINUTES
            )
            for person in people
            for day in days
        }

    if everyones_week:
        booked = {
            (therapist_id, day): count
            for therapist_id, day, count in Appointment.objects.active()
            .filter(clinic=clinic, therapist_id__in=[person.pk for person in candidates])
            # Counted on the day it starts: one that began the evening before is that evening's.
            .filter(starts_at__gte=starts, starts_at__lt=ends)
            .annotate(day=TruncDate("starts_at", tzinfo=zone))
            .order_by()
            .values_list("therapist_id", "day")
            .annotate(count=Count("pk"))
        }
        people = treating(
            candidates,
            hours_of=hours_of,
            booked={therapist_id for therapist_id, _day in booked},
            therapist_role=Role.THERAPIST,
        )
        free = free_of(people)
        return ScheduleView(
            days=days,
            people=people,
            grid=None,
            roster=roster(
                therapists=people,
                days=days,
                booked=booked,
                free_minutes={key: len(slots) * GRID_STEP_MINUTES for key, slots in free.items()},
            ),
            cancelled=[
                entry
                for entry in calendar_entries(
                    clinic=clinic,
                    starts=starts,
                    ends=ends,
                    therapists=candidates,
                    cancelled_only=True,
                )
                if entry.starts_at.astimezone(zone).date() in shown_days
            ],
        )
    shown = calendar_entries(clinic=clinic, starts=starts, ends=ends, therapists=candidates)
    # An appointment that began the evening before does not belong to these days' columns.
    shown = [a for a in shown if a.starts_at.astimezone(zone).date() in shown_days]
    held = [a for a in shown if a.status != AppointmentStatus.CANCELLED]
    cancelled = [a for a in shown if a.status == AppointmentStatus.CANCELLED]
    people = (
        candidates
        if therapist
        else treating(
            candidates,
            hours_of=hours_of,
            booked={a.therapist_id for a in held},
            therapist_role=Role.THERAPIST,
        )
    )
    free = {
        (slot.therapist.pk, slot.starts_at) for slots in free_of(people).values() for slot in slots
    }
    if week:
        columns = [Column(therapist, day, bool(hours_of[therapist.pk])) for day in days]
    else:
        columns = [Column(person, days[0], bool(hours_of[person.pk])) for person in people]
    weekdays = {day.weekday() for day in days}
    first, last = grid_hours(
        [
            (row.weekday, row.starts, row.ends)
            for person in people
            for row in hours_of[person.pk]
            if row.weekday in weekdays
        ],
        [
            (a.starts_at.astimezone(zone).time(), _local_end(a, zone))
            for a in held
            if a.therapist_id in {person.pk for person in people}
        ],
    )
    grid = grid_layout(
        columns=columns,
        appointments=held,
        free=free,
        first=first,
        last=last,
        step_minutes=GRID_STEP_MINUTES,
        zone=zone,
        now=timezone.now(),
    )
    return ScheduleView(days=days, people=people, grid=grid, roster=None, cancelled=cancelled)


def _local_end(appointment: CalendarEntry, zone) -> time:
    """The wall time an appointment ends on its own day (midnight's end if it runs past)."""
    local_end = appointment.ends_at.astimezone(zone)
    if local_end.date() == appointment.starts_at.astimezone(zone).date():
        return local_end.time()
    return time(23, 59)


@dataclass(frozen=True)
class DueItem:
    patient: Patient
    # "retest", "no_show" or "reschedule" (asked through a reminder); an app above adds its
    # own reasons through `on_due_list` (reports: "progress_report", "progress_report_soon").
    reason: str
    due_on: date
    days_overdue: int
    note: str = ""


DueSource = Callable[[Clinic], list[DueItem]]
_due_sources: list[DueSource] = []


def on_due_list(source: DueSource) -> None:
    """Register more rows for the due-list (from an AppConfig.ready): the apps above scheduling
    that know why a patient needs attention add them without scheduling knowing those apps."""
    if source not in _due_sources:
        _due_sources.append(source)


def due_list(*, clinic: Clinic, horizon_days: int = 7) -> list[DueItem]:
    """Patients to book, most urgent first: a re-test due (the prescription's re-test date, or
    the last clinic test plus the clinic's interval) within `horizon_days` with nothing booked,
    and patients whose last appointment was a no-show with nothing booked since.

    Read from what each patient's row keeps of their appointments (`booked_until`, kept by
    services.patient_appointments_refresh): only the patients with nothing booked ahead are
    read, through an index, never the clinic's bookings. A constant number of queries."""
    today = clinic.local_today()
    now = timezone.now()
    last_appointment = (
        Appointment.objects.filter(patient=OuterRef("pk"), starts_at__lt=now)
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("-starts_at")
    )
    patients = list(
        Patient.objects.filter(clinic=clinic)
        .active()
        .filter(Q(booked_until__isnull=True) | Q(booked_until__lt=now))
        .annotate(
            last_status=Subquery(last_appointment.values("status")[:1]),
            last_appointment_at=Subquery(last_appointment.values("starts_at")[:1]),
        )
        .select_related("primary_therapist", "clinic")
    )
    due_dates = retest_due_dates(patients)
    items: list[DueItem] = []
    for patient in patients:
        due_on = due_dates.get(patient.pk)
        if patient.last_status == AppointmentStatus.NO_SHOW:
            missed = clinic.local_date(patient.last_appointment_at)
            items.append(DueItem(patient, "no_show", missed, (today - missed).days))
        elif due_on is not None and due_on <= today + timedelta(days=horizon_days):
            items.append(DueItem(patient, "retest", due_on, (today - due_on).days))
    for appointment in Appointment.objects.filter(
        clinic=clinic,
        status=AppointmentStatus.BOOKED,
        starts_at__gte=now,
        patient_response="reschedule",
    ).select_related("patient__primary_therapist"):
        local = clinic.local_date(appointment.starts_at)
        items.append(DueItem(appointment.patient, "reschedule", local, 0))
    for source in _due_sources:
        items.extend(source(clinic))
    # Patients who asked to reschedule first, then the most overdue.
    items.sort(
        key=lambda item: (
            item.reason != "reschedule",
            -item.days_overdue,
            item.patient.last_name,
            item.patient.pk,
        )
    )
    return items


def due_rows(*, clinic: Clinic, items: list[DueItem], minutes: dict[str, int]) -> list[dict]:
    """The due-list's rows as the page shows them: each item, the kind of appointment to book
    ("retest" or "follow_up", whose lengths `minutes` gives) and the first free slot in two
    weeks with the patient's primary therapist, or with anyone for a patient without one.
    Three queries for all the rows (four with a patient without a primary therapist)."""
    wanted = [(item, "retest" if item.reason == "retest" else "follow_up") for item in items]
    therapists = {
        item.patient.primary_therapist.pk: item.patient.primary_therapist
        for item, _ in wanted
        if item.patient.primary_therapist is not None
    }
    anyone = (
        clinic_therapists(clinic_id=clinic.pk)
        if any(item.patient.primary_therapist is None for item, _ in wanted)
        else []
    )
    therapists.update((person.pk, person) for person in anyone)
    today = clinic.local_today()
    first = first_free_slots(
        clinic=clinic,
        start_date=today,
        end_date=today + timedelta(days=13),
        lengths={minutes[kind] for _, kind in wanted},
        therapists=list(therapists.values()),
    )
    rows = []
    for item, kind in wanted:
        length = minutes[kind]
        therapist = item.patient.primary_therapist
        if therapist is not None:
            slot = first.get((therapist.pk, length))
        else:
            slot = min(
                (first[(person.pk, length)] for person in anyone if (person.pk, length) in first),
                key=lambda slot: (slot.starts_at, slot.therapist.last_name),
                default=None,
            )
        rows.append({"item": item, "kind": kind, "slot": slot})
    return rows


def waitlist_matches(*, appointment: Appointment) -> list[WaitlistEntry]:
    """Who is waiting for a slot like the one this cancelled appointment freed."""
    return list(
        WaitlistEntry.objects.filter(
            clinic_id=appointment.clinic_id, booked__isnull=True, removed_at__isnull=True
        )
        .filter(Q(therapist__isnull=True) | Q(therapist_id=appointment.therapist_id))
        .exclude(patient_id=appointment.patient_id)
        .select_related("patient", "therapist", "appointment_type")
        .order_by("created_at")
    )


def waitlist(*, clinic: Clinic) -> list[WaitlistEntry]:
    return list(
        WaitlistEntry.objects.filter(clinic=clinic, booked__isnull=True, removed_at__isnull=True)
        .select_related("patient", "therapist", "appointment_type")
        .order_by("created_at")
    )


def patient_upcoming_appointments(*, patient: Patient):
    return (
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, ends_at__gt=timezone.now()
        )
        .select_related("therapist", "appointment_type")
        .order_by("starts_at")
    )


def calendar_feed_for(*, therapist: User | None = None, patient: Patient | None = None):
    """The live calendar address of a therapist or a patient, if there is one."""
    return (
        CalendarFeed.objects.filter(therapist=therapist, patient=patient, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
