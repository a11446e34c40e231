"""Wall-clock time in a clinic's zone: the inverse of `Clinic.local_date` (which day a moment
falls on) is `at_local` (which moment a wall-clock time on a day is). Pure functions, no database.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

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
