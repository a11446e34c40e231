"""Reminders: planning, re-timing, quiet hours, DST, retries and reconciliation."""

import subprocess
import sys
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from clinic import services
from clinic.models import Patient
from clinic.times import at_local
from records.services import patient_anonymise
from reminders.channels.ledger import Ledger
from reminders.locks import _AdvisoryLocks, _FileLocks
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.planning import after_quiet_hours, in_quiet_hours, reminders_plan
from reminders.sending import reminders_reconcile, reminders_sweep
from reminders.services import opt_out_url
from scheduling import services as scheduling_services
from scheduling.models import AppointmentKind, WorkingHours
from scheduling.reminders import response_url
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def consenting(patient):
    patient.reminder_consent = True
    patient.reminder_consent_at = timezone.now()
    patient.reminder_channel = "email"
    patient.save()
    return patient


@pytest.fixture
def no_quiet_hours(clinic):
    clinic.quiet_hours_start = clinic.quiet_hours_end = time(0)
    clinic.save()
    return clinic


@pytest.fixture
def booking(consenting, therapist, front_desk, clinic, no_quiet_hours):
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(0), ends=time(23, 59))
        for day in range(7)
    )
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    starts = at_local(clinic.local_now().date() + timedelta(days=3), time(10), clinic.zone)
    return scheduling_services.appointment_book(
        patient=consenting,
        therapist=therapist,
        booked_by=front_desk,
        starts_at=starts,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
    )


def keys(**filters) -> set[str]:
    return set(Reminder.objects.filter(**filters).values_list("key", flat=True))


def test_booking_plans_a_confirmation_and_the_24h_and_2h_reminders(booking):
    rows = {r.key.split(":")[2]: r for r in Reminder.objects.filter(appointment=booking)}
    assert rows["24h"].due_at == booking.starts_at - timedelta(hours=24)
    assert rows["2h"].due_at == booking.starts_at - timedelta(hours=2)
    assert len(rows) == 3  # and the booking confirmation


def test_no_consent_no_reminders(patient, therapist, front_desk, clinic):
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(0), ends=time(23, 59))
        for day in range(7)
    )
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    assert not patient.reminder_consent
    scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        booked_by=front_desk,
        starts_at=at_local(clinic.local_now().date() + timedelta(days=3), time(10), clinic.zone),
        appointment_type=types[AppointmentKind.FOLLOW_UP],
    )
    assert not Reminder.objects.exists()


def test_moving_an_appointment_re_times_its_pending_reminders(booking, front_desk):
    moved = scheduling_services.appointment_reschedule(
        appointment=booking, starts_at=booking.starts_at + timedelta(days=1), by=front_desk
    )
    day_before = Reminder.objects.get(appointment=booking, key__contains=":24h:")
    assert day_before.due_at == moved.starts_at - timedelta(hours=24)
    assert day_before.status == ReminderStatus.PENDING
    assert Reminder.objects.filter(appointment=booking, kind=ReminderKind.BOOKING).count() == 2


def test_cancelling_cancels_and_nothing_is_sent_for_a_cancelled_appointment(booking, front_desk):
    scheduling_services.appointment_cancel(appointment=booking, by=front_desk)
    appointment_rows = Reminder.objects.filter(appointment=booking, kind=ReminderKind.APPOINTMENT)
    assert set(appointment_rows.values_list("status", flat=True)) == {ReminderStatus.CANCELLED}
    # Even a row that slipped through stays unsent: the sweep checks again before sending.
    appointment_rows.update(status=ReminderStatus.PENDING, next_attempt_at=timezone.now())
    reminders_sweep()
    subjects = [message.subject for message in mail.outbox]
    assert not any(subject.startswith("Reminder:") for subject in subjects)
    assert any(subject.startswith("Cancelled:") for subject in subjects)
    assert set(appointment_rows.values_list("status", flat=True)) == {ReminderStatus.CANCELLED}


def test_a_sweep_sends_due_rows_once_with_the_links(booking):
    Reminder.objects.filter(appointment=booking).update(next_attempt_at=timezone.now())
    first = reminders_sweep()
    second = reminders_sweep()
    assert first[ReminderStatus.SENT] == 3
    assert second == {"reconciled": 0}
    assert len(mail.outbox) == 3
    reminder_mail = next(m for m in mail.outbox if m.subject.startswith("Reminder:"))
    assert "/r/answer/" in reminder_mail.body
    assert "/r/stop/" in reminder_mail.body
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}


def test_the_patients_answer_shows_on_the_schedule(booking, client, client_as):
    token = response_url(booking, "reschedule").split("/r/answer/")[1].rstrip("/")
    assert client.post(f"/r/answer/{token}/").status_code == 200
    booking.refresh_from_db()
    assert booking.patient_response == "reschedule"
    day = booking.starts_at.astimezone(booking.clinic.zone).date().isoformat()
    assert (
        "asks to reschedule"
        in client_as("front_desk").get(f"/schedule/?date={day}").content.decode()
    )
    rows = client_as("front_desk").get("/schedule/due/").context["rows"]
    assert rows[0]["item"].reason == "reschedule"


def test_the_answer_page_shows_the_clinics_time_to_a_patient_without_a_session(booking, client):
    """The link is opened from a message, signed in as nobody: the time is the clinic's
    (10:00), not the server's UTC."""
    token = response_url(booking, "confirmed").split("/r/answer/")[1].rstrip("/")
    page = client.post(f"/r/answer/{token}/").content.decode()
    assert ', 10:00<span class="time-range">–10:30</span></dd>' in page


def test_the_opt_out_link_stops_reminders(booking, client):
    token = opt_out_url(booking.patient).split("/r/stop/")[1].rstrip("/")
    client.post(f"/r/stop/{token}/")
    booking.patient.refresh_from_db()
    assert booking.patient.reminder_consent is False
    assert not Reminder.objects.filter(status=ReminderStatus.PENDING).exists()
    assert client.post("/r/stop/forged/").status_code == 404


def test_quiet_hours_defer_a_patient_reminder_to_the_morning(booking, clinic):
    clinic.quiet_hours_start, clinic.quiet_hours_end = time(21), time(8)
    clinic.save()
    night = at_local(clinic.local_now().date(), time(23), clinic.zone)
    assert in_quiet_hours(night, clinic)
    morning = after_quiet_hours(night, clinic)
    assert morning.astimezone(clinic.zone).time() == time(8)
    assert morning.astimezone(clinic.zone).date() == night.astimezone(clinic.zone).date() + (
        timedelta(days=1)
    )


def test_provider_failures_back_off_then_fail_visibly(booking, settings, client_as):
    settings.EMAIL_BACKEND = "tests.reminders.test_reminders.BrokenBackend"
    settings.REMINDER_MAX_ATTEMPTS = 2
    row = Reminder.objects.get(appointment=booking, key__contains=":24h:")
    Reminder.objects.exclude(pk=row.pk).delete()
    Reminder.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    reminders_sweep()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (ReminderStatus.PENDING, 1)
    assert row.next_attempt_at > timezone.now()
    assert "provider down" in row.last_error
    Reminder.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    reminders_sweep()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (ReminderStatus.FAILED, 2)
    html = client_as("front_desk").get("/schedule/reminders/failed/").content.decode()
    assert booking.patient.last_name in html


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("provider down")


@pytest.mark.parametrize(
    ("delivered", "lookup", "expected"),
    [
        (True, True, ReminderStatus.SENT),  # it went out before the worker died
        (False, True, ReminderStatus.PENDING),  # it did not: safe to send
        (False, False, ReminderStatus.FAILED),  # the provider cannot tell: never resend blindly
    ],
)
def test_a_row_stuck_in_sending_is_reconciled_with_the_provider(
    booking, settings, tmp_path, delivered, lookup, expected
):
    settings.DELIVERY_LEDGER_DIR = str(tmp_path)
    if lookup:
        settings.EMAIL_BACKEND = "reminders.channels.email.LedgerEmailBackend"
    row = Reminder.objects.get(appointment=booking, key__contains=":24h:")
    Reminder.objects.filter(pk=row.pk).update(
        status=ReminderStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=1), attempts=1
    )
    if delivered:
        Ledger(tmp_path).record(row.key, "sent before the crash")
    assert reminders_reconcile(now=timezone.now()) == 1
    row.refresh_from_db()
    assert row.status == expected


def test_planning_twice_plans_once(consenting, prescribed, no_quiet_hours):
    first = reminders_plan()
    count = Reminder.objects.count()
    reminders_plan()
    assert first > 0
    assert Reminder.objects.count() == count


def test_an_exercise_reminder_is_skipped_once_the_day_is_logged(
    consenting, prescribed, no_quiet_hours
):
    import uuid

    from exercises import services as exercise_services

    today = consenting.clinic.local_now().date()
    Reminder.objects.create(
        clinic=consenting.clinic,
        kind=ReminderKind.EXERCISE,
        channel="email",
        key=f"exercise:{consenting.pk}:{today.isoformat()}:email",
        patient=consenting,
        due_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    exercise_services.session_log_record(
        patient=consenting,
        version=prescribed,
        client_token=uuid.uuid4(),
        statuses={item.pk: "done" for item in prescribed.items.all()},
    )
    reminders_sweep()
    row = Reminder.objects.get(kind=ReminderKind.EXERCISE)
    assert row.status == ReminderStatus.CANCELLED
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("first_day", "transition"),
    [(date(2027, 3, 1), date(2027, 3, 14)), (date(2027, 10, 25), date(2027, 11, 7))],
)
def test_daily_exercise_reminders_keep_local_time_across_dst(
    consenting, therapist, exercise_library, clinic, first_day, transition
):
    from exercises import services as exercise_services

    clinic.time_zone = "America/Chicago"
    clinic.quiet_hours_start = clinic.quiet_hours_end = time(0)
    clinic.save()
    exercise_services.routine_assign(
        patient=consenting,
        prescribed_by=therapist,
        title="r",
        start_date=first_day,
        items=exercise_services.template_items(exercise_library),
    )
    consenting.refresh_from_db()
    # Plan as the beat task would, every six hours for 28 days.
    start = at_local(first_day, time(0), CHICAGO) - timedelta(hours=1)
    for step in range(28 * 4):
        reminders_plan(now=start + timedelta(hours=6 * step))
    window_end = at_local(first_day + timedelta(days=28), time(0), CHICAGO)
    rows = Reminder.objects.filter(kind=ReminderKind.EXERCISE, due_at__lt=window_end).order_by(
        "due_at"
    )
    local = [row.due_at.astimezone(CHICAGO) for row in rows]
    assert len(local) == 28
    assert {moment.strftime("%H:%M") for moment in local} == {"18:00"}
    assert transition in {moment.date() for moment in local}
    assert len({moment.utcoffset() for moment in local}) == 2  # the offset changed, the hour not


def test_staff_see_a_patients_reminders(booking, client_as):
    html = client_as("front_desk").get(f"/patients/{booking.patient.pk}/").content.decode()
    assert "Appointment reminder by email" in html


def test_settings_have_the_worker_safety_nets():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_TIME_LIMIT
    if "visibility_timeout" in settings.CELERY_BROKER_TRANSPORT_OPTIONS:
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > (
            settings.CELERY_TASK_TIME_LIMIT
        )


# --- Discharged and anonymised patients -------------------------------------------------------


@pytest.mark.parametrize(
    ("leaves", "reason"),
    [("discharged", "The patient was discharged."), ("anonymised", "The patient was anonymised.")],
)
def test_no_reminder_goes_to_a_patient_who_left(
    consenting, prescribed, no_quiet_hours, clinic_admin, leaves, reason
):
    reminders_plan()
    planned = Reminder.objects.filter(patient=consenting)
    assert planned.exists()
    services.patient_discharge(patient=consenting, by=clinic_admin)
    if leaves == "anonymised":
        patient_anonymise(patient=consenting, by=clinic_admin)
    # Rows planned before they left, all due now: the sweep decides again before sending.
    planned.update(status=ReminderStatus.PENDING, next_attempt_at=timezone.now())
    reminders_sweep()
    assert mail.outbox == []
    assert set(planned.values_list("status", "last_error")) == {(ReminderStatus.CANCELLED, reason)}
    # And the planner plans nothing more for them, even with the consent flag left on.
    planned.delete()
    Patient.objects.filter(pk=consenting.pk).update(
        reminder_consent=True, reminder_consent_at=timezone.now()
    )
    reminders_plan()
    assert not Reminder.objects.filter(patient=consenting).exists()


# --- Sending locks ----------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_row_its_worker_is_still_sending_is_never_reconciled_however_old_its_claim(booking):
    """Another session holds the row's sending lock, as a live worker does while the provider
    takes its time: the row is left alone until the lock is free."""
    row = Reminder.objects.get(appointment=booking, key__contains=":24h:")
    Reminder.objects.exclude(pk=row.pk).delete()
    Reminder.objects.filter(pk=row.pk).update(
        status=ReminderStatus.SENDING, claimed_at=timezone.now() - timedelta(days=1), attempts=1
    )
    db = connection.settings_dict
    worker = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    )
    lock = (_AdvisoryLocks.NAMESPACE, row.pk)
    try:
        worker.execute("SELECT pg_advisory_lock(%s, %s)", lock)
        assert reminders_reconcile(now=timezone.now()) == 0
        assert reminders_sweep() == {"reconciled": 0}
        row.refresh_from_db()
        assert row.status == ReminderStatus.SENDING
    finally:
        worker.close()  # the worker is gone: its lock with it
    # The server frees the lock once it has seen the connection end, a moment after the close:
    # the next sweeps reconcile the row then, once.
    wait_for(
        lambda: reminders_reconcile(now=timezone.now()) == 1,
        timeout=10,
        what="the row reconciled once its worker's lock was freed",
    )
    row.refresh_from_db()
    assert row.status == ReminderStatus.FAILED  # the test mail backend cannot say if it went out


def test_the_demos_file_locks_hold_while_their_process_lives(tmp_path):
    """SQLite's sending locks: a byte of one file per reminder, held by a process (another
    worker here) and freed by the kernel when it exits."""
    path = tmp_path / "dorsi.sqlite3.sending-locks"
    locks = _FileLocks(path=str(path))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys; f = open(sys.argv[1], 'a+b'); "
            "fcntl.lockf(f, fcntl.LOCK_EX, 1, 7); print('held', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"held"
        assert locks.take(7) is False  # another worker is sending reminder 7
        assert locks.take(8) is True  # and only 7
        locks.release(8)
    finally:
        holder.kill()  # the worker dies
        holder.wait()
    assert locks.take(7) is True
    locks.release(7)
