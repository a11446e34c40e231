from django import template
from django.utils.translation import gettext as _

from dashboard.flags import FLAG_LABELS

register = template.Library()


@register.filter
def flag_list(flags: int) -> list[tuple[str, str]]:
    """The labels of the flags set, most urgent first, with a CSS class each."""
    return [(label, flag.name.lower()) for flag, label in FLAG_LABELS.items() if flags & flag]


@register.filter
def percent_of(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


@register.filter
def change_words(change: str) -> str:
    return {
        "improved": _("improved"),
        "worse": _("worse"),
        "no_real_change": _("no real change"),
        "not_comparable": _("not comparable"),
    }.get(change, "")
