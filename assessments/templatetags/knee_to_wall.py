from django import template
from django.utils.html import json_script
from django.utils.translation import gettext as _

from assessments.entry_words import entry_words
from assessments.interpretation import (
    CHANGE_LABELS,
    STANDING_LABELS,
    SideValue,
    Thresholds,
    asymmetry,
    describe_distance,
    display,
)
from assessments.tilt_words import tilt_words

register = template.Library()


@register.filter
def distance(micrometres: int | None, unit: str) -> str:
    return "" if micrometres is None else display(micrometres, unit)


@register.filter
def side_result(side_reading, unit: str) -> str:
    return describe_distance(side_reading.value, unit)


@register.simple_tag
def revision_side(revision, side: str, unit: str) -> str:
    """One side of a stored revision for people: the record of corrections reads the stored
    fields, so it goes through SideValue like every other reader."""
    return describe_distance(SideValue.of(revision, side), unit)


@register.filter
def change_label(change) -> str:
    return CHANGE_LABELS[change.classification] if change else ""


@register.filter
def change_delta(change, unit: str) -> str:
    """'+2.3 cm' or '−0.4 cm'; changes under the MDC are still shown, but never as progress.
    Empty when not comparable: there is no difference to show."""
    if change is None or change.delta_um is None:
        return ""
    sign = "+" if change.delta_um >= 0 else "−"
    return f"{sign}{display(abs(change.delta_um), unit)}"


@register.filter
def angle_delta(change) -> str:
    """'+5.5°' or '−1.0°': the change of a measured lunge angle."""
    if change is None:
        return ""
    sign = "+" if change.delta_deg >= 0 else "−"
    return f"{sign}{abs(change.delta_deg)}°"


@register.filter
def standing_label(side_reading) -> str:
    return STANDING_LABELS[side_reading.standing]


@register.filter
def asymmetry_text(result, unit: str) -> str:
    """'1.2 cm', 'more than 10.0 cm' when one side's gap was not measured, or 'not known'."""
    if result.difference_um is not None:
        return display(result.difference_um, unit)
    if result.more_than_um is not None:
        return _("more than %(distance)s") % {"distance": display(result.more_than_um, unit)}
    return _("not known")


@register.simple_tag
def summary_side(row, side: str, unit: str) -> str:
    """One side of a dashboard summary row (clinic.PatientSummary) for people. The row keeps no
    number for a gap not measured, so its words come from `reached`, never from a 0."""
    reached, um = getattr(row, f"{side}_reached"), getattr(row, f"{side}_um")
    if um is None and reached:
        return ""  # not tested yet
    # Through the one reading of a stored side: a row written before gaps could be "not
    # measured" holds 0 for one, which must read as no number, not fail.
    return describe_distance(SideValue.stored(reached=reached, distance_um=um or 0), unit)


@register.simple_tag
def summary_asymmetry(row, unit: str) -> str:
    """The side-to-side difference of a summary row: exact, a lower bound ("more than"), or
    nothing known, by the same rule as the test's own page. Only the size is shown here (the
    row's flags already say whether it is over the clinic's threshold), so the default
    thresholds do."""
    if row.last_tested_at is None:
        return ""
    left, right = (
        SideValue.stored(
            reached=getattr(row, f"{side}_reached"), distance_um=getattr(row, f"{side}_um") or 0
        )
        for side in ("left", "right")
    )
    return asymmetry_text(asymmetry(left, right, Thresholds()), unit)


@register.simple_tag
def tilt_words_script():
    """The inclinometer script's words in the reader's language, as a JSON block it reads."""
    return json_script(tilt_words(), "tilt-words")


@register.simple_tag
def entry_words_script():
    """The knee-to-wall entry script's words in the reader's language, as a JSON block it reads."""
    return json_script(entry_words(), "entry-words")
