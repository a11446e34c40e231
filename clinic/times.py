"""Wall-clock time in a clinic's zone: the inverse of `Clinic.local_date` (which day a moment
falls on) is `at_local` (which moment a wall-clock time on a day is); `local_datetime_text` is
the one format a person reads a moment in. Pure functions, no database.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.translation import pgettext_lazy

UTC = ZoneInfo("UTC")


def at_local(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The aware moment of a wall-clock time on a day in a zone.

    On a fall-back day an ambiguous wall time means its first occurrence; on a spring-forward
    day a wall time in the gap is moved forward by the gap, as clocks are.
    """
    moment = datetime.combine(day, wall, tzinfo=zone)
    round_trip = moment.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return round_trip  # did not exist: the wall time after the jump
    return moment


# What every file that leaves Dorsi (CSV and FHIR) writes for a moment: UTC to the second, so a
# column holds one format whatever the clinic's zone, its DST changes or the stored precision.
EXPORT_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def export_datetime(moment: datetime) -> str:
    """A moment as exports write it: `2026-03-08T14:05:09Z` (seconds are truncated)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        # Writing a naive time as UTC would put a wrong moment in someone else's system.
        raise ValueError(f"An export needs an aware datetime, not {moment!r}.")
    return moment.astimezone(UTC).strftime(EXPORT_DATETIME_FORMAT)


# What a person reads for a moment (a page, a message, an error): the clinic's wall clock, in
# one format, so an appointment reads the same on the schedule, in its reminder and on the page
# its link opens. Django's date-format letters, so month and day names follow the language.
LOCAL_DATETIME_FORMAT = "D j M Y, H:i"
LOCAL_TIME_FORMAT = "H:i"

# A message to a patient says a moment in words, as people in the clinic's country write it:
# month first and a 12-hour clock in the US ("Tuesday, December 1 at 2:30 PM"), day first and
# 24 hours elsewhere. `short` is the text message's form, where every character counts. No
# year: a reminder is about the coming days. The country is the clinic's `phone_region`.
# Each format is in the catalogues ("message date format"), so a language writes its own order
# and words ("martes 1 de diciembre a las 14:30"); the English is the msgid.
MONTH_FIRST_REGIONS = frozenset({"US"})
MESSAGE_DATETIME_FORMATS = {
    (True, False): pgettext_lazy("message date format", r"l, F j \a\t g:i A"),
    (True, True): pgettext_lazy("message date format", "D M j, g:i A"),
    (False, False): pgettext_lazy("message date format", r"l j F \a\t H:i"),
    (False, True): pgettext_lazy("message date format", "D j M, H:i"),
}
MESSAGE_DATE_FORMATS = {
    (True, False): pgettext_lazy("message date format", "l, F j"),
    (True, True): pgettext_lazy("message date format", "D M j"),
    (False, False): pgettext_lazy("message date format", "l j F"),
    (False, True): pgettext_lazy("message date format", "D j M"),
}


def local_datetime_text(
    moment: datetime, zone: ZoneInfo, *, region: str | None = None, short: bool = False
) -> str:
    """A moment as people read it, on the clinic's wall clock: `Mon 30 Nov 2026, 08:00` on a
    page; in a message (a `region` given) in words, `Tuesday, December 1 at 2:30 PM` for a US
    clinic, `Tuesday 1 December at 14:30` elsewhere, or shorter for a text message.

    The zone is given, never taken from the request: a reminder is written by a worker, and a
    reminder's link is opened without a session, where the active zone would be UTC."""
    if region is None:
        return dateformat.format(_on_wall_clock(moment, zone), LOCAL_DATETIME_FORMAT)
    style = (region.upper() in MONTH_FIRST_REGIONS, short)
    return dateformat.format(
        _on_wall_clock(moment, zone),
        str(MESSAGE_DATETIME_FORMATS[style]),
    )


def local_date_text(day: date, *, region: str, short: bool = False) -> str:
    """A calendar day in a message, in the clinic's convention: `Tuesday, December 1` (US) or
    `Tuesday 1 December`."""
    return dateformat.format(
        day,
        str(MESSAGE_DATE_FORMATS[(region.upper() in MONTH_FIRST_REGIONS, short)]),
    )


def local_time_text(moment: datetime, zone: ZoneInfo) -> str:
    """The wall-clock time alone (`08:00`), where the day is already said: a day's column, the
    end of `Mon 30 Nov 2026, 08:00–08:30`."""
    return dateformat.format(_on_wall_clock(moment, zone), LOCAL_TIME_FORMAT)


def _on_wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A naive time has no place on anyone's clock; guessing would show a wrong hour.
        raise ValueError(f"A time shown to a person needs an aware datetime, not {moment!r}.")
    return moment.astimezone(zone)
