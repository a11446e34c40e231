"""The hourly ageing of the summaries: only what time changes, the same rows as a full refresh."""

import uuid
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic import services as clinic_services
from clinic.times import at_local
from dashboard.flags import Flag
from dashboard.models import PatientSummary
from dashboard.summaries import patient_summaries_age, patient_summaries_refresh
from exercises import services as exercise_services
from questionnaires import services as questionnaire_services
from questionnaires.models import Instrument
from reminders.models import Reminder, ReminderKind, ReminderStatus
from scheduling import services as scheduling_services
from scheduling.models import AppointmentKind, WorkingHours
from tests.factories import PatientFactory, record_knee_to_wall, shipped_instruments_seed

pytestmark = pytest.mark.django_db


def rows() -> dict[int, dict]:
    """Every summary row, without the moment it was written."""
    found = {}
    for row in PatientSummary.objects.values():
        del row["refreshed_at"]
        found[row.pop("patient_id")] = row
    return found


@pytest.fixture
def varied(clinic, therapist, front_desk, exercise_library):
    """Patients whose rows time moves in every way it can, and some it cannot move."""
    today = clinic.local_today()
    now = timezone.now()

    def patient(**fields):
        return PatientFactory(clinic=clinic, primary_therapist=therapist, **fields)

    def routine(who, **extra):
        return exercise_services.routine_assign(
            patient=who,
            prescribed_by=therapist,
            items=exercise_services.template_items(exercise_library),
            title="Calf routine",
            **extra,
        )

    def log(who, version, day, pain=None):
        exercise_services.session_log_record(
            patient=who,
            version=version,
            client_token=uuid.uuid4(),
            statuses={item.pk: "done" for item in version.items.all()},
            session_date=day,
            pain=pain,
        )

    # Adherence over a window that moves every day; a re-test due today, overdue tomorrow.
    keen = patient()
    version = routine(keen, start_date=today - timedelta(days=20), retest_on=today)
    for back in (1, 2, 3, 5, 8, 13, 14, 15):
        log(keen, version, today - timedelta(days=back))
    record_knee_to_wall(keen, therapist, left="9", right="12", days_ago=20)
    record_knee_to_wall(keen, therapist, left="8", right="12", days_ago=3)
    # High pain 13 days ago: recent today, old in two days.
    sore = patient()
    version = routine(sore, start_date=today - timedelta(days=16), days_of_week=0b10101)
    log(sore, version, today - timedelta(days=13), pain=8)
    record_knee_to_wall(sore, therapist, days_ago=40)  # re-test overdue, more each day
    # An appointment that ends within hours: no follow-up once it is over.
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(0), ends=time(23, 59))
        for day in range(7)
    )
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    booked = patient()
    local = clinic.local_now()
    next_hour = at_local(local.date(), time(local.hour), clinic.zone) + timedelta(hours=1)
    scheduling_services.appointment_book(
        patient=booked,
        therapist=therapist,
        booked_by=front_desk,
        starts_at=next_hour,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
    )
    # A reminder that failed 13 days ago: flagged for one more day.
    failed = patient()
    reminder = Reminder.objects.create(
        clinic=clinic,
        kind=ReminderKind.EXERCISE,
        channel="email",
        key=f"exercise:{failed.pk}:old:email",
        patient=failed,
        due_at=now,
        next_attempt_at=now,
        status=ReminderStatus.FAILED,
    )
    Reminder.objects.filter(pk=reminder.pk).update(created_at=now - timedelta(days=13, hours=12))
    # A questionnaire due today: overdue tomorrow.
    shipped_instruments_seed()
    asked = patient()
    questionnaire_services.request_create(
        patient=asked,
        instrument=Instrument.objects.get(clinic=None, slug="psfs"),
        requested_by=therapist,
        due_on=today,
    )
    # Discharged with a routine: its adherence still moves, never its flags.
    left = patient()
    routine(left, start_date=today - timedelta(days=10))
    clinic_services.patient_discharge(patient=left)
    patient()  # nothing at all
    return now


@pytest.mark.parametrize(
    "later",
    [timedelta(hours=3), timedelta(days=1, hours=2), timedelta(days=2), timedelta(days=15)],
)
def test_ageing_gives_the_rows_a_full_refresh_would(varied, later):
    now = varied
    patient_summaries_refresh(now=now)
    assert patient_summaries_age(now=now) == 0  # nothing to age at the moment of the refresh
    before = rows()

    changed = patient_summaries_age(now=now + later)
    aged = rows()
    patient_summaries_refresh(now=now + later)
    assert aged == rows()
    assert changed == sum(aged[pk] != before[pk] for pk in before) > 0


def test_ageing_reads_no_tests_and_writes_only_the_rows_that_moved(varied, clinic):
    now = varied
    patient_summaries_refresh(now=now)
    patient_summaries_age(now=now)
    # Both later runs on one local day of the clinic, whatever the hour the suite runs at (a
    # run an hour apart across the clinic's midnight is a new day's pass).
    next_noon = at_local(clinic.local_date(now) + timedelta(days=1), time(12), clinic.zone)
    with CaptureQueriesContext(connection) as queries:
        changed = patient_summaries_age(now=next_noon)
    sql = " ".join(query["sql"] for query in queries)
    assert "assessmentrevision" not in sql.lower()
    assert 0 < changed < PatientSummary.objects.count()
    # The day is aged once: the next run touches only rows whose appointment has started.
    assert patient_summaries_age(now=next_noon + timedelta(hours=1)) == 0


def test_flags_time_cannot_change_survive_the_ageing(varied):
    now = varied
    patient_summaries_refresh(now=now)
    regression = PatientSummary.objects.filter(flags__gt=0)
    kept = {row.pk: row.flags & ~int(Flag.RETEST_OVERDUE) for row in regression}
    patient_summaries_age(now=now + timedelta(days=1, hours=2))
    for row in PatientSummary.objects.filter(pk__in=kept):
        assert row.flags & int(Flag.REGRESSION | Flag.ASYMMETRY | Flag.BELOW_TARGET) == (
            kept[row.pk] & int(Flag.REGRESSION | Flag.ASYMMETRY | Flag.BELOW_TARGET)
        )


def test_a_day_pass_cut_short_goes_on_after_its_last_batch(varied, monkeypatch):
    from dashboard import summaries

    now = varied
    patient_summaries_refresh(now=now)
    patient_summaries_age(now=now)
    later = now + timedelta(days=1, hours=2)
    real_batch = summaries._age_batch
    batches = []

    def stops_at_the_third_batch(batch, **kwargs):
        batches.append([row[0] for row in batch])
        if len(batches) == 3:
            raise RuntimeError("the worker ran out of time")
        return real_batch(batch, **kwargs)

    monkeypatch.setattr(summaries, "REFRESH_BATCH", 2)
    monkeypatch.setattr(summaries, "_age_batch", stops_at_the_third_batch)
    with pytest.raises(RuntimeError):
        patient_summaries_age(now=later)
    done = batches[0] + batches[1]
    batches.clear()
    patient_summaries_age(now=later)
    assert not set(done) & {pk for batch in batches for pk in batch}  # not aged twice
    aged = rows()
    patient_summaries_refresh(now=later)
    assert aged == rows()
