"""Template filters for times people read: `{{ a.starts_at|local_datetime:clinic }}` and
`{{ a.ends_at|local_time:clinic }}`, the format of clinic.times.local_datetime_text.

The clinic (or its zone) is an argument, not the request's active zone: the page a reminder's
link opens has no session, and a missing argument must fail rather than show UTC.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template

from clinic.models import Clinic
from clinic.times import local_datetime_text, local_time_text

register = template.Library()


def _zone(where: Clinic | ZoneInfo | str) -> ZoneInfo:
    if isinstance(where, Clinic):
        return where.zone
    if isinstance(where, ZoneInfo):
        return where
    if isinstance(where, str) and where:
        return ZoneInfo(where)
    raise template.TemplateSyntaxError(f"A time shown to a person needs the clinic, not {where!r}.")


@register.filter
def local_datetime(moment: datetime | None, where: Clinic | ZoneInfo | str) -> str:
    return "" if moment is None else local_datetime_text(moment, _zone(where))


@register.filter
def local_time(moment: datetime | None, where: Clinic | ZoneInfo | str) -> str:
    return "" if moment is None else local_time_text(moment, _zone(where))
