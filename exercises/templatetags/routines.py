from django import template
from django.utils.translation import gettext as _

from exercises.models import DoseStyle

register = template.Library()


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes and rest:
        return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}
    if minutes:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(seconds)s s") % {"seconds": rest}


@register.filter
def dose_text(dose) -> str:
    """'2 min each side, in and out of tension (10 s in, 5 s off)'."""
    text = _duration(dose.seconds_per_bout)
    if dose.bouts > 1:
        text = f"{dose.bouts} × {text}"
    if dose.per_side:
        text = _("%(dose)s each side") % {"dose": text}
    if dose.style == DoseStyle.IN_AND_OUT:
        text = _("%(dose)s, in and out of tension (%(into)s s in, %(off)s s off)") % {
            "dose": text,
            "into": dose.into_tension_seconds,
            "off": dose.ease_off_seconds,
        }
    return text


@register.filter
def percent_class(week) -> str:
    percent = week.percent
    if percent is None:
        return "none"
    if percent >= 80:
        return "good"
    return "fair" if percent >= 50 else "low"
