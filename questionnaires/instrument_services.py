"""A clinic adds a licensed instrument (the Oswestry Disability Index, say) as data, without
code: through its page (questionnaires/instrument_views.py) or the API (questionnaires/api.py),
which both call `instrument_create`.

The instrument is checked whole by the model (Instrument.full_clean: the scoring engine reads
the items and rules, the range must be the one the items give, the MCID must fit its rule, the
slug and version are new in the clinic), so each message lands on its field; source and licence
terms are required, and are shown wherever the instrument is used.

A new version of one of the clinic's own instruments (the same slug) takes over from the
version in use: the clinic's setting (on or off, the schedule, its own MCID) is copied to it,
and the previous version is retired. A clinic admin can also retire a version of its own
(`instrument_retire`). Retiring stops new requests of that version; requests already open stay
answerable, each response keeping the definition it was asked with.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from clinic.models import Clinic, Role, User
from questionnaires.models import ClinicInstrumentSetting, Instrument

# What a clinic fills in; everything else (the clinic, active, the time) is Dorsi's to set.
INSTRUMENT_FIELDS = (
    "slug",
    "version",
    "name",
    "short_name",
    "measures",
    "domain",
    "instructions",
    "items",
    "scoring_method",
    "score_min",
    "score_max",
    "better",
    "missing_items_allowed",
    "scoring_source",
    "mcid_rule",
    "mcid_absolute",
    "mcid_relative_percent",
    "mcid_source",
    "source",
    "licence_terms",
)
_REQUIRED_TEXT = ("source", "licence_terms")
_ALREADY_THERE = "Your clinic already has this questionnaire in this version: give a new version."


def _blank_required_errors(fields: dict[str, Any]) -> dict[str, list[str]]:
    """full_clean would say "This field cannot be blank."; the terms and the domain deserve a
    reason."""
    errors: dict[str, list[str]] = {}
    if not str(fields.get("source") or "").strip():
        errors["source"] = [_("Give the citation of the instrument.")]
    if not fields.get("domain"):
        errors["domain"] = [_("Say whether it rates pain, or disability and function.")]
    if not str(fields.get("licence_terms") or "").strip():
        errors["licence_terms"] = [
            _("Give the terms under which your clinic uses it: they are shown wherever it is used.")
        ]
    return errors


@transaction.atomic
def instrument_create(*, clinic: Clinic, fields: dict[str, Any]) -> Instrument:
    """A new instrument of the clinic's own, checked whole before it is saved; a
    ValidationError keyed by field otherwise (nothing saved)."""
    unknown = set(fields) - set(INSTRUMENT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Not a field of an instrument.")] for name in unknown})
    values = {name: fields.get(name) for name in INSTRUMENT_FIELDS if name in fields}
    for name in _REQUIRED_TEXT:
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    for name in ("mcid_absolute", "mcid_relative_percent"):
        if values.get(name) == "":
            values[name] = None
    instrument = Instrument(clinic=clinic, is_active=True, **values)
    errors = _blank_required_errors(values)
    if Instrument.objects.filter(
        clinic=clinic, slug=values.get("slug"), version=values.get("version")
    ).exists():
        # Said on the field, rather than the model's "Instrument with this Clinic, Slug and
        # Version already exists." among the errors of no field.
        errors["slug"] = [_ALREADY_THERE]
    try:
        instrument.full_clean(validate_constraints="slug" not in errors)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    # The version in use, locked: two admins adding versions at once take over from it in turn.
    previous = (
        Instrument.objects.select_for_update()
        .filter(clinic=clinic, slug=values.get("slug"), is_active=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    try:
        # A savepoint: the same slug and version saved by another admin a moment ago (after
        # full_clean looked) is a refusal on the field, not a broken transaction.
        with transaction.atomic():
            instrument.save()
    except IntegrityError:
        raise ValidationError({"slug": [_ALREADY_THERE]}) from None
    if previous is not None:
        _setting_carry_over(clinic, previous, instrument)
        _retire(previous, note=f"replaced by version {instrument.version}")
    return instrument


def _setting_carry_over(clinic: Clinic, previous: Instrument, new: Instrument) -> None:
    """The clinic's choices for the previous version hold for the new one."""
    setting = ClinicInstrumentSetting.objects.filter(clinic=clinic, instrument=previous).first()
    if setting is None:
        return
    # A copy of the whole row, so a choice added to settings later is carried over too.
    setting.pk = None
    setting._state.adding = True
    setting.instrument = new
    setting.save()


def _retire(instrument: Instrument, *, note: str) -> None:
    Instrument.objects.filter(pk=instrument.pk).update(is_active=False)
    instrument.is_active = False
    audit_record(
        AuditAction.UPDATE,
        target=instrument,
        fields=["is_active"],
        note=f"{instrument.short_name} version {instrument.version} retired: {note}",
        clinic_id=instrument.clinic_id,
    )


@transaction.atomic
def instrument_retire(*, instrument: Instrument, retired_by: User) -> Instrument:
    """A clinic admin retires a version of the clinic's own instrument: no new requests of it
    (by a therapist or the schedule); the requests already open stay answerable. Dorsi's
    shipped instruments are not the clinic's to retire."""
    if retired_by.role != Role.CLINIC_ADMIN:
        raise PermissionDenied(_("Only a clinic admin retires the clinic's questionnaires."))
    locked = Instrument.objects.select_for_update().filter(pk=instrument.pk).first()
    if locked is None or locked.clinic_id != retired_by.clinic_id:
        raise ValidationError({"instrument": [_("No such questionnaire of your clinic's own.")]})
    if not locked.is_active:
        raise ValidationError({"instrument": [_("This version is already retired.")]})
    _retire(locked, note=f"by user {retired_by.pk}")
    return locked
