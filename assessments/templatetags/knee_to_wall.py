from django import template

from assessments.interpretation import (
    CHANGE_LABELS,
    STANDING_LABELS,
    describe_distance,
    display,
)

register = template.Library()


@register.filter
def distance(micrometres: int | None, unit: str) -> str:
    return "" if micrometres is None else display(micrometres, unit)


@register.filter
def side_result(side_reading, unit: str) -> str:
    return describe_distance(side_reading.distance_um, reached=side_reading.reached, unit=unit)


@register.filter
def change_label(change) -> str:
    return CHANGE_LABELS[change.classification] if change else ""


@register.filter
def change_delta(change, unit: str) -> str:
    """'+2.3 cm' or '−0.4 cm'; changes under the MDC are still shown, but never as progress."""
    if change is None:
        return ""
    sign = "+" if change.delta_um >= 0 else "−"
    return f"{sign}{display(abs(change.delta_um), unit)}"


@register.filter
def standing_label(side_reading) -> str:
    return STANDING_LABELS[side_reading.standing]
