"""A clinic's choices per instrument, made by its clinic admin on the settings page: on or off,
when its schedule asks by itself (questionnaires/schedule.py), and its own MCID with the
reason for it. The read that lists them and the one write, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext

from clinic.access import Actor, can_manage_clinic
from clinic.models import User
from questionnaires.interpretation import Mcid, McidRule
from questionnaires.models import MAX_VISITS_BETWEEN_ASKS, ClinicInstrumentSetting, Instrument
from questionnaires.services import instrument_requests_cancel


@dataclass(frozen=True)
class InstrumentChoice:
    """One instrument as the clinic has it: its setting (None: the defaults) and the MCID it
    is judged by."""

    instrument: Instrument
    setting: ClinicInstrumentSetting | None

    @property
    def enabled(self) -> bool:
        return self.setting is None or self.setting.enabled

    @property
    def mcid(self) -> Mcid:
        return Mcid.for_instrument(self.instrument, self.setting)

    @property
    def instrument_mcid_text(self) -> str:
        """The instrument's own MCID, whatever the clinic chose: '2 points or 30 %'."""
        return Mcid.for_instrument(self.instrument).describe()

    @property
    def own_mcid(self) -> bool:
        return self.setting is not None and bool(self.setting.mcid_rule)

    @property
    def schedule(self) -> list[str]:
        """When it is asked without a therapist, in words; empty when never."""
        setting = self.setting
        if setting is None:
            return []
        asks = []
        if setting.ask_at_intake:
            asks.append(gettext("at intake"))
        if setting.ask_before_retest:
            asks.append(gettext("before each knee-to-wall re-test"))
        if setting.ask_every_n_visits is not None:
            n = setting.ask_every_n_visits
            asks.append(
                gettext("after every visit")
                if n == 1
                else gettext("every %(count)s visits") % {"count": n}
            )
        return asks


def _require_clinic_admin(user: User) -> None:
    if not can_manage_clinic(Actor(user=user)):
        raise PermissionDenied(gettext("Only a clinic admin changes the clinic's questionnaires."))


def instrument_choices(clinic_id: int) -> list[InstrumentChoice]:
    """Every current instrument the clinic may use (Dorsi's and its own), with its setting.
    Two queries."""
    instruments = list(Instrument.objects.for_clinic(clinic_id).order_by("name", "pk"))
    settings = {
        setting.instrument_id: setting
        for setting in ClinicInstrumentSetting.objects.filter(
            clinic_id=clinic_id, instrument__in=instruments
        )
    }
    return [InstrumentChoice(instrument, settings.get(instrument.pk)) for instrument in instruments]


def instrument_choice(user: User, instrument_id: int) -> InstrumentChoice:
    """One instrument of the admin's clinic; 404 for another clinic's own or a retired one."""
    _require_clinic_admin(user)
    instrument = Instrument.objects.for_clinic(user.clinic_id).filter(pk=instrument_id).first()
    if instrument is None:
        raise Http404("No such questionnaire in your clinic.")
    setting = ClinicInstrumentSetting.objects.filter(
        clinic_id=user.clinic_id, instrument=instrument
    ).first()
    return InstrumentChoice(instrument, setting)


def _mcid_errors(
    instrument: Instrument,
    rule: str,
    points: Decimal | None,
    percent: Decimal | None,
    reason: str,
) -> dict[str, list[str]]:
    """Each fault on the field at fault; a blank rule takes nothing."""
    errors: dict[str, list[str]] = {}
    if not rule:
        for field, value in (("mcid_absolute", points), ("mcid_relative_percent", percent)):
            if value is not None:
                errors[field] = [gettext("Choose how your MCID is judged, or leave this empty.")]
        return errors
    if rule not in {known.value for known in McidRule}:
        return {"mcid_rule": [gettext("Choose points, per cent, either or both.")]}
    needs_points = rule in {McidRule.ABSOLUTE, McidRule.EITHER, McidRule.BOTH}
    needs_percent = rule in {McidRule.RELATIVE, McidRule.EITHER, McidRule.BOTH}
    span = Decimal(instrument.score_max) - Decimal(instrument.score_min)
    if needs_points and points is None:
        errors["mcid_absolute"] = [gettext("Enter the MCID in points.")]
    elif not needs_points and points is not None:
        errors["mcid_absolute"] = [gettext("Leave this empty: this MCID is in per cent only.")]
    elif points is not None and not 0 < points <= span:
        errors["mcid_absolute"] = [
            gettext("Enter more than 0 and at most %(span)s points (the score's range).")
            % {"span": f"{span.normalize():f}"}
        ]
    if needs_percent and percent is None:
        errors["mcid_relative_percent"] = [gettext("Enter the MCID in per cent.")]
    elif not needs_percent and percent is not None:
        errors["mcid_relative_percent"] = [
            gettext("Leave this empty: this MCID is in points only.")
        ]
    elif percent is not None and not 0 < percent <= 100:
        errors["mcid_relative_percent"] = [gettext("Enter more than 0 and at most 100 per cent.")]
    if not reason.strip():
        errors["mcid_source"] = [
            gettext("Say why your clinic judges change by its own MCID (a study, a consensus).")
        ]
    return errors


@transaction.atomic
def clinic_instrument_setting_save(
    *,
    changed_by: User,
    instrument: Instrument,
    enabled: bool,
    ask_at_intake: bool = False,
    ask_before_retest: bool = False,
    ask_every_n_visits: int | None = None,
    mcid_rule: str = "",
    mcid_absolute: Decimal | None = None,
    mcid_relative_percent: Decimal | None = None,
    mcid_source: str = "",
) -> ClinicInstrumentSetting:
    """Record the clinic admin's choices for one instrument, all checked before anything is
    written; errors name the field. Answers already given are never touched: turning an
    instrument off stops new requests (and the schedule) and cancels the clinic's open
    requests of it, and a new MCID changes how every answer is judged from now on."""
    _require_clinic_admin(changed_by)
    clinic_id = changed_by.clinic_id
    if instrument.clinic_id not in (None, clinic_id) or not instrument.is_active:
        raise ValidationError({"instrument": [gettext("No such questionnaire in your clinic.")]})
    errors = _mcid_errors(
        instrument, mcid_rule, mcid_absolute, mcid_relative_percent, mcid_source or ""
    )
    if ask_every_n_visits is not None and not 1 <= ask_every_n_visits <= MAX_VISITS_BETWEEN_ASKS:
        errors["ask_every_n_visits"] = [
            gettext("Enter a number of visits from 1 to %(most)s, or leave it empty.")
            % {"most": MAX_VISITS_BETWEEN_ASKS}
        ]
    if errors:
        raise ValidationError(errors)
    # get_or_create settles two admins saving a first setting at once (the unique constraint);
    # the lock then orders their writes.
    created, _ = ClinicInstrumentSetting.objects.get_or_create(
        clinic_id=clinic_id, instrument=instrument
    )
    setting = ClinicInstrumentSetting.objects.select_for_update().get(pk=created.pk)
    setting.enabled = enabled
    setting.ask_at_intake = ask_at_intake
    setting.ask_before_retest = ask_before_retest
    setting.ask_every_n_visits = ask_every_n_visits
    setting.mcid_rule = mcid_rule
    setting.mcid_absolute = mcid_absolute
    setting.mcid_relative_percent = mcid_relative_percent
    setting.mcid_source = (mcid_source or "").strip() if mcid_rule else ""
    setting.save()
    if not enabled:
        # Off means nobody answers it any more: the open requests go too, in this transaction
        # (/me/ stops offering them, none falls overdue); answers already given stay.
        instrument_requests_cancel(clinic_id=clinic_id, instrument=instrument, by=changed_by)
    return setting
