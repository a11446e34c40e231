from django import template

from exercises.models import DoseStyle

register = template.Library()


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes and rest:
        return f"{minutes} min {rest} s"
    return f"{minutes} min" if minutes else f"{rest} s"


@register.filter
def dose_text(dose) -> str:
    """'2 min each side, in and out of tension (10 s in, 5 s off)'."""
    text = _duration(dose.seconds_per_bout)
    if dose.bouts > 1:
        text = f"{dose.bouts} × {text}"
    if dose.per_side:
        text += " each side"
    if dose.style == DoseStyle.IN_AND_OUT:
        text += (
            f", in and out of tension ({dose.into_tension_seconds} s in, "
            f"{dose.ease_off_seconds} s off)"
        )
    return text


@register.filter
def percent_class(week) -> str:
    percent = week.percent
    if percent is None:
        return "none"
    if percent >= 80:
        return "good"
    return "fair" if percent >= 50 else "low"
