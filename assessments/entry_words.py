"""The words the knee-to-wall entry form's live checks (static/js/knee-to-wall-entry.js) show,
translated on the server for the reader's language, as tilt_words.py does for the inclinometer.
Where a check is the server's own rule, its words are the server's message, so each rule is
worded once. `{name}` is filled in by the script."""

from django.utils.translation import gettext, pgettext

from assessments.interpretation import PRECISION_HINT
from assessments.services import DISTANCE_REQUIRED, PAIN_RANGE


def entry_words() -> dict:
    return {
        "required": str(DISTANCE_REQUIRED),
        "number": gettext("Enter a number (0 or more)."),
        "atMost": gettext("At most {max} {unit}."),
        "decimals": {unit: str(hint) for unit, hint in PRECISION_HINT.items()},
        "between": gettext("Between {min} and {max}."),
        "pain": str(PAIN_RANGE),
        "unit": {"cm": pgettext("unit", "cm"), "in": pgettext("unit", "in")},
    }
