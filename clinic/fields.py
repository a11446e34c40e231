"""Model fields for the names people read: of patients, staff, clinics, exercises, routines.

A name with Unicode direction controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)
is shown in another order than it is stored: "Anders\u202eredna" reads as another patient's
name in a page, a calendar or a CSV. Such a name is refused where it enters, with the reason.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

# Unicode's bidirectional formatting characters (UAX #9): ALM, LRM, RLM, LRE..RLO, LRI..PDI.
DIRECTION_CONTROLS = frozenset(
    [
        "\u061c",
        "\u200e",
        "\u200f",
        *map(chr, range(0x202A, 0x202F)),
        *map(chr, range(0x2066, 0x206A)),
    ]
)


def refuse_direction_controls(value: str) -> None:
    if isinstance(value, str) and not DIRECTION_CONTROLS.isdisjoint(value):
        raise ValidationError(
            _(
                "Remove the invisible text-direction characters (they can make a name display "
                "as another one)."
            ),
            code="direction_controls",
        )


class NameField(models.CharField):
    """A CharField whose value is a name people read: direction controls are refused.

    Migrations see a plain CharField (the validator is a default, not an argument), so
    existing tables and migrations stay as they are; forms, serializers and full_clean() all
    run the validator.
    """

    default_validators = [*models.CharField.default_validators, refuse_direction_controls]

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


def field_errors(model: type[models.Model], values: dict[str, object]) -> dict[str, list[str]]:
    """The model fields' own validators (length, direction controls, ...) run on values a
    service is about to write without full_clean(), as errors by field name."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            model._meta.get_field(name).run_validators(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    return errors
