"""Calendar feeds as calendar apps keep them in sync: which appointments a feed holds, the
.ics file (RFC 5545, written with the icalendar library) and its validators for conditional
requests.

What a subscriber can rely on:
- one event per appointment, its UID `appointment-<id>@<CALENDAR_UID_DOMAIN>` never changing;
- DTSTAMP and LAST-MODIFIED are the appointment's last change, not the time of the fetch, so an
  unchanged event reads the same on every fetch; SEQUENCE goes up when it moves or is cancelled;
- a cancelled appointment stays in the feed for FEED_WINDOW after its cancellation, with
  STATUS:CANCELLED, so a calendar that keeps what it imported learns of it;
- the file is the same bytes until something in it changes: its hash is the ETag.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from scheduling.models import Appointment, AppointmentStatus, CalendarFeed

# How far back a feed reaches: appointments that ended up to 30 days ago, and cancellations
# made up to 30 days ago (of appointments still in that window).
FEED_WINDOW = timedelta(days=30)
# Asked of calendar apps (RFC 7986 REFRESH-INTERVAL; X-PUBLISHED-TTL for Apple's and
# Microsoft's): a poll that finds nothing new costs a 304.
REFRESH_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class PublishedFeed:
    body: bytes
    etag: str  # quoted, strong: the hash of body
    last_modified: datetime  # the latest change the feed shows that has a time


def calendar_feed_appointments(feed: CalendarFeed, *, now: datetime) -> QuerySet[Appointment]:
    """The feed's appointments: every one that holds (or held) its time and ended within the
    window, and those cancelled within the window. Completed and no-show ones stay, as they
    were booked: marking an appointment does not take it out of anyone's calendar."""
    horizon = now - FEED_WINDOW
    appointments = Appointment.objects.filter(
        ~Q(status=AppointmentStatus.CANCELLED)
        | Q(status=AppointmentStatus.CANCELLED, cancelled_at__gte=horizon),
        ends_at__gte=horizon,
    ).select_related("patient", "therapist", "appointment_type", "clinic")
    if feed.therapist_id:
        appointments = appointments.filter(therapist_id=feed.therapist_id)
    else:
        appointments = appointments.filter(patient_id=feed.patient_id)
    return appointments.order_by("starts_at", "pk")


def calendar_feed_name(feed: CalendarFeed) -> str:
    if feed.therapist_id:
        return f"{feed.therapist} · {feed.clinic.name}"
    return f"{feed.clinic.name} appointments"


def _shows_patient(feed: CalendarFeed) -> bool:
    return bool(feed.therapist_id)


def _last_change(appointment: Appointment, feed: CalendarFeed) -> datetime:
    """When what the event shows last changed. The therapist's events show the patient's
    name, so a renamed or anonymised patient changes them too."""
    if _shows_patient(feed):
        return max(appointment.updated_at, appointment.patient.updated_at)
    return appointment.updated_at


def _event(appointment: Appointment, feed: CalendarFeed) -> Event:
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    if _shows_patient(feed):
        # The therapist's own calendar: the patient's name, nothing clinical.
        summary = f"{appointment.appointment_type.name}: {appointment.patient}"
    else:
        summary = (
            f"{appointment.appointment_type.name} with {appointment.therapist} "
            f"at {appointment.clinic.name}"
        )
    changed = _last_change(appointment, feed)
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@{settings.CALENDAR_UID_DOMAIN}")
    # The file has no METHOD, so DTSTAMP is when the event was last revised (RFC 5545
    # 3.8.7.2), the same as LAST-MODIFIED: never the time of the fetch.
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("created", appointment.created_at)
    event.add("sequence", appointment.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    # Said in the title too: some calendar apps show a cancelled event like any other.
    event.add("summary", f"Cancelled: {summary}" if cancelled else summary)
    event.add("location", appointment.clinic.name)
    if cancelled:
        event.add("transp", "TRANSPARENT")  # the time is free again
    return event


def calendar_feed_publish(feed: CalendarFeed, *, now: datetime | None = None) -> PublishedFeed:
    """The .ics file of a feed and its validators. The ETag is the file's hash, so it changes
    with anything the file shows (an event, an appointment entering or leaving the window, the
    feed's name) and with nothing else. Last-Modified is the latest change with a time; a
    renamed therapist, type or clinic has none, and only the ETag tells those apart."""
    now = now or timezone.now()
    appointments = list(calendar_feed_appointments(feed, now=now))
    name = calendar_feed_name(feed)
    calendar = Calendar()
    calendar.add("prodid", "-//Dorsi//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for appointment in appointments:
        calendar.add_component(_event(appointment, feed))
    body = calendar.to_ical()
    last_modified = max(
        [feed.created_at, *(_last_change(appointment, feed) for appointment in appointments)]
    )
    return PublishedFeed(
        body=body,
        etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"',
        last_modified=last_modified,
    )
