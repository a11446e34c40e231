"""Calendar feeds as calendar apps keep them in sync: read by two parsers other than the
icalendar library that writes them (vobject and ics), asked with HEAD and with conditional
GETs, after moves, cancellations and marks."""

from datetime import datetime, timedelta

import ics
import pytest
import vobject
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.http import http_date

from clinic import services as clinic_services
from clinic.models import Patient
from scheduling import calendar_feeds
from scheduling import reminders as scheduling_reminders
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from tests.scheduling.test_scheduling import all_day_hours

pytestmark = pytest.mark.django_db

DOMAIN = "dorsi.lakeside.example"


@pytest.fixture(autouse=True)
def _uid_domain(settings):
    settings.CALENDAR_UID_DOMAIN = DOMAIN


@pytest.fixture
def booked(patient, therapist, front_desk, types, soon):
    """As the shared one (tests/scheduling/conftest.py), with a front-desk note that no
    patient's feed may show."""
    all_day_hours(therapist)
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=soon,
        booked_by=front_desk,
        note="Knee still swollen after the fall",
    )


@pytest.fixture
def therapist_feed(therapist, front_desk):
    return scheduling_services.calendar_feed_issue(created_by=front_desk, therapist=therapist)


@pytest.fixture
def patient_feed(patient, front_desk):
    return scheduling_services.calendar_feed_issue(created_by=front_desk, patient=patient)


def path_of(feed) -> str:
    return scheduling_services.calendar_feed_url(feed).removeprefix(settings.SITE_URL)


def an_hour_ago() -> datetime:
    return (timezone.now() - timedelta(hours=1)).replace(microsecond=0)


def backdate(appointment, moment: datetime) -> None:
    """As if neither the appointment nor its patient (whose name the therapist's event shows)
    had changed since `moment`: plain updates, not changes."""
    Appointment.objects.filter(pk=appointment.pk).update(updated_at=moment)
    Patient.objects.filter(pk=appointment.patient_id).update(updated_at=moment)


def by_vobject(body: bytes) -> dict[str, object]:
    calendar = vobject.readOne(body.decode())
    return {event.uid.value: event for event in calendar.contents.get("vevent", [])}


def by_ics(body: bytes) -> dict[str, ics.Event]:
    return {event.uid: event for event in ics.Calendar(body.decode()).events}


def ics_sequence(event: ics.Event) -> int:
    # ics 0.7 keeps SEQUENCE among the lines it does not model.
    (line,) = [line for line in event.extra if line.name == "SEQUENCE"]
    return int(line.value)


def uid_of(appointment) -> str:
    return f"appointment-{appointment.pk}@{DOMAIN}"


# --- What the two parsers read ----------------------------------------------------------------


def test_two_other_parsers_read_the_uid_sequence_and_the_last_change(
    client, booked, therapist_feed
):
    changed = an_hour_ago()
    backdate(booked, changed)
    first = client.get(path_of(therapist_feed))
    second = client.get(path_of(therapist_feed))
    assert first.content == second.content  # nothing changed: the same file, byte for byte

    event = by_vobject(first.content)[uid_of(booked)]
    assert int(event.sequence.value) == 0
    assert event.status.value == "CONFIRMED"
    # The stored last change, not the time of the fetch.
    assert event.dtstamp.value == changed
    assert event.last_modified.value == changed
    assert event.dtstart.value == booked.starts_at

    other = by_ics(first.content)[uid_of(booked)]
    assert ics_sequence(other) == 0
    assert other.status == "CONFIRMED"
    assert other.last_modified == changed
    assert other.created == changed  # ics 0.7 reads DTSTAMP into .created
    assert other.begin == booked.starts_at

    calendar = vobject.readOne(first.content.decode())
    assert calendar.contents["refresh-interval"][0].value == "PT1H"
    assert calendar.contents["refresh-interval"][0].params["VALUE"] == ["DURATION"]
    assert calendar.contents["x-published-ttl"][0].value == "PT1H"


def test_a_moved_appointment_goes_up_a_sequence_and_changes_its_last_modified(
    client, booked, therapist_feed, front_desk, soon
):
    changed = an_hour_ago()
    backdate(booked, changed)
    before = client.get(path_of(therapist_feed))
    moved = scheduling_services.appointment_reschedule(
        appointment=booked, starts_at=soon + timedelta(hours=3), by=front_desk
    )
    after = client.get(path_of(therapist_feed))
    assert after["ETag"] != before["ETag"]

    event = by_vobject(after.content)[uid_of(booked)]  # the same UID: moved, not replaced
    assert int(event.sequence.value) == 1
    assert event.last_modified.value > changed
    assert event.dtstamp.value == event.last_modified.value
    assert event.dtstart.value == moved.starts_at == soon + timedelta(hours=3)
    other = by_ics(after.content)[uid_of(booked)]
    assert ics_sequence(other) == 1
    assert other.last_modified > changed
    assert other.begin == soon + timedelta(hours=3)
    assert len(by_ics(after.content)) == 1


def test_a_cancelled_appointment_comes_as_cancelled(
    client, booked, therapist_feed, patient_feed, front_desk
):
    scheduling_services.appointment_cancel(appointment=booked, by=front_desk)
    for feed in (therapist_feed, patient_feed):
        body = client.get(path_of(feed)).content
        event = by_vobject(body)[uid_of(booked)]
        assert event.status.value == "CANCELLED"
        assert int(event.sequence.value) == 1
        assert event.summary.value.startswith("Cancelled: ")
        assert event.transp.value == "TRANSPARENT"
        other = by_ics(body)[uid_of(booked)]
        assert other.status == "CANCELLED"
        assert ics_sequence(other) == 1


def test_the_window_keeps_recent_cancellations_and_held_visits_and_drops_the_rest(
    booked, therapist_feed, patient, therapist, front_desk, types
):
    now = timezone.now()

    def visit(days_ago: float, status: str, cancelled_days_ago: float | None = None):
        starts = now - timedelta(days=days_ago)
        appointment = Appointment.objects.create(
            clinic=patient.clinic,
            patient=patient,
            therapist=therapist,
            appointment_type=types[AppointmentKind.FOLLOW_UP],
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
            booked_by=front_desk,
            status=status,
            cancelled_at=None
            if cancelled_days_ago is None
            else now - timedelta(days=cancelled_days_ago),
        )
        return appointment.pk

    completed = visit(10, AppointmentStatus.COMPLETED)
    no_show = visit(20, AppointmentStatus.NO_SHOW)
    long_ago = visit(40, AppointmentStatus.COMPLETED)
    cancelled_lately = visit(5, AppointmentStatus.CANCELLED, cancelled_days_ago=6)
    cancelled_long_ago = visit(5, AppointmentStatus.CANCELLED, cancelled_days_ago=31)
    shown = {a.pk for a in calendar_feeds.calendar_feed_appointments(therapist_feed, now=now)}
    assert shown == {booked.pk, completed, no_show, cancelled_lately}
    assert long_ago not in shown
    assert cancelled_long_ago not in shown


def test_marking_an_appointment_keeps_it_in_the_feed_as_it_was(
    client, booked, therapist_feed, front_desk
):
    Appointment.objects.filter(pk=booked.pk).update(
        starts_at=booked.starts_at - timedelta(days=3), ends_at=booked.ends_at - timedelta(days=3)
    )
    booked.refresh_from_db()
    scheduling_services.appointment_mark(appointment=booked, status=AppointmentStatus.COMPLETED)
    event = by_vobject(client.get(path_of(therapist_feed)).content)[uid_of(booked)]
    assert event.status.value == "CONFIRMED"
    assert int(event.sequence.value) == 0


# --- HEAD and conditional GETs ----------------------------------------------------------------


def test_head_answers_like_get_without_a_body(client, booked, therapist_feed):
    got = client.get(path_of(therapist_feed))
    head = client.head(path_of(therapist_feed))
    assert head.status_code == 200
    assert head.content == b""
    for header in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"):
        assert head[header] == got[header], header
    assert int(got["Content-Length"]) == len(got.content)


def test_a_revoked_feed_is_gone_for_head_too(client, booked, therapist_feed):
    path = path_of(therapist_feed)
    scheduling_services.calendar_feed_revoke(feed=therapist_feed)
    assert client.head(path).status_code == 404
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"if-none-match": "*"}).status_code == 404


def test_an_unchanged_feed_answers_304_to_its_etag_and_to_its_date(client, booked, therapist_feed):
    path = path_of(therapist_feed)
    first = client.get(path)
    assert first.status_code == 200
    # The latest change the feed shows: here its own issuing, after the booking.
    assert first["Last-Modified"] == http_date(therapist_feed.created_at.timestamp())

    by_etag = client.get(path, headers={"if-none-match": first["ETag"]})
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"]
    assert client.head(path, headers={"if-none-match": first["ETag"]}).status_code == 304

    by_date = client.get(path, headers={"if-modified-since": first["Last-Modified"]})
    assert by_date.status_code == 304
    earlier = http_date(therapist_feed.created_at.timestamp() - 60)
    assert client.get(path, headers={"if-modified-since": earlier}).status_code == 200
    assert client.get(path, headers={"if-none-match": '"something-else"'}).status_code == 200


def test_a_change_gives_a_new_etag_and_a_full_answer(
    client, booked, therapist_feed, other_patient, therapist, front_desk, types, soon
):
    path = path_of(therapist_feed)
    etags = [client.get(path)["ETag"]]

    def answer_to_the_last_etag():
        response = client.get(path, headers={"if-none-match": etags[-1]})
        etags.append(response["ETag"])
        return response.status_code

    # A new appointment enters the feed.
    another = scheduling_services.appointment_book(
        patient=other_patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.RETEST],
        starts_at=soon + timedelta(hours=2),
        booked_by=front_desk,
    )
    assert answer_to_the_last_etag() == 200
    # The patient answers the reminder: LAST-MODIFIED moves, the SEQUENCE does not. (iCalendar
    # times are whole seconds: an answer within the second of the booking shows no change.)
    backdate(another, an_hour_ago())
    etags.append(client.get(path)["ETag"])
    token = signing.dumps([another.pk, "confirmed"], salt=scheduling_reminders.RESPONSE_SALT)
    scheduling_reminders.appointment_respond(token=token)
    assert answer_to_the_last_etag() == 200
    # The feed's name changes with the therapist's.
    therapist.last_name = "Okafor-Reyes"
    therapist.save()
    assert answer_to_the_last_etag() == 200
    # The therapist's events show the patient's name: renaming them changes the event.
    clinic_services.patient_update(patient=other_patient, first_name="Bea")
    assert answer_to_the_last_etag() == 200
    assert answer_to_the_last_etag() == 304
    body = client.get(path).content
    assert b"Bea Baker" in body
    assert b"Okafor-Reyes" in body
    event = by_vobject(body)[uid_of(another)]
    assert int(event.sequence.value) == 0
    renamed_at = Patient.objects.get(pk=other_patient.pk).updated_at
    assert event.last_modified.value == renamed_at.replace(microsecond=0)


def test_an_appointment_leaving_the_window_changes_the_etag(booked, therapist_feed, clinic):
    now = timezone.now()
    while_booked = calendar_feeds.calendar_feed_publish(therapist_feed, now=now)
    assert calendar_feeds.calendar_feed_publish(therapist_feed, now=now).etag == while_booked.etag
    after_the_window = calendar_feeds.calendar_feed_publish(
        therapist_feed, now=booked.ends_at + calendar_feeds.FEED_WINDOW + timedelta(minutes=1)
    )
    assert after_the_window.etag != while_booked.etag
    assert b"BEGIN:VEVENT" not in after_the_window.body


def test_the_feed_stays_out_of_shared_caches(client, booked, therapist_feed):
    cache_control = client.get(path_of(therapist_feed))["Cache-Control"]
    assert "private" in cache_control
    assert "no-cache" in cache_control
    assert "public" not in cache_control


# --- Privacy ----------------------------------------------------------------------------------


def test_the_patients_feed_shows_nothing_clinical_and_no_other_patient(
    client, booked, patient_feed, therapist_feed, other_patient, therapist, front_desk, types
):
    others = scheduling_services.appointment_book(
        patient=other_patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.RETEST],
        starts_at=booked.starts_at + timedelta(hours=2),
        booked_by=front_desk,
    )
    cancelled = scheduling_services.appointment_book(
        patient=other_patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.RETEST],
        starts_at=booked.starts_at + timedelta(hours=4),
        booked_by=front_desk,
    )
    scheduling_services.appointment_cancel(appointment=cancelled, by=front_desk)
    body = client.get(path_of(patient_feed)).content
    assert set(by_vobject(body)) == set(by_ics(body)) == {uid_of(booked)}
    assert b"Bianca" not in body
    assert b"swollen" not in body  # the front desk's note stays out of every feed
    assert b"Anders" not in body  # a patient's own calendar need not name them
    therapist_body = client.get(path_of(therapist_feed)).content
    assert set(by_vobject(therapist_body)) == {uid_of(booked), uid_of(others), uid_of(cancelled)}
    assert b"swollen" not in therapist_body


# --- Every write stamps the change ------------------------------------------------------------


def test_each_write_stamps_the_change_and_only_moves_and_cancellations_count(
    booked, patient, front_desk, soon
):
    def stamp():
        row = Appointment.objects.get(pk=booked.pk)
        return row.updated_at, row.sequence

    assert stamp()[1] == 0
    for write, counts in (
        (
            lambda: scheduling_reminders.appointment_respond(
                token=signing.dumps(
                    [booked.pk, "reschedule"], salt=scheduling_reminders.RESPONSE_SALT
                )
            ),
            False,
        ),
        (
            lambda: scheduling_services.appointment_reschedule(
                appointment=booked, starts_at=soon + timedelta(hours=1), by=front_desk
            ),
            True,
        ),
        # A discharge cancels the future appointments in bulk, through appointment_cancel.
        (
            lambda: clinic_services.patient_discharge(
                patient=patient, by=front_desk, cancel_future_appointments=True
            ),
            True,
        ),
    ):
        backdate(booked, an_hour_ago())
        before_at, before_sequence = stamp()
        write()
        after_at, after_sequence = stamp()
        assert after_at > before_at
        assert after_sequence == before_sequence + (1 if counts else 0)
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.CANCELLED
