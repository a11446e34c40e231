"""The booking page's input: who, with whom, what kind, from which day, and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.access import Actor, patients_visible_to
from clinic.forms import TherapistChoiceField
from clinic.models import Patient, User
from clinic.selectors import clinic_therapists
from clinic.times import at_local
from scheduling.models import AppointmentKind, AppointmentType, WaitlistEntry

PATIENT_OF_THIS_CLINIC = _("Choose a patient of this clinic.")


def clinic_moment(text: str | None, zone: ZoneInfo) -> dt.datetime | None:
    """A moment from ISO 8601 text. Without an offset (a datetime-local input sends none) it is
    a wall time in the clinic's zone, read as `at_local` reads one everywhere else (a time a
    DST change skips or repeats included); None for text that is empty, malformed or names no
    such day or hour (2025-02-30T10:00)."""
    try:
        moment = parse_datetime((text or "").strip())
    except ValueError:
        return None
    if moment is None or timezone.is_aware(moment):
        return moment
    return at_local(moment.date(), moment.time(), zone)


def local_input_value(moment: dt.datetime, zone: ZoneInfo) -> str:
    """A moment as a datetime-local input holds it: the clinic's wall clock, to the minute."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


class ClinicDateTimeField(forms.DateTimeField):
    """A moment. One given without an offset (a datetime-local input sends none) is a wall time
    in the clinic's zone, whatever zone the server or the request runs in; a wall time that a
    DST change skips or repeats is read as `at_local` reads it everywhere else."""

    def __init__(self, *, zone: ZoneInfo | None = None, **kwargs) -> None:
        self.zone = zone
        super().__init__(**kwargs)

    def to_python(self, value) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        moment = clinic_moment(str(value), self.zone)
        if moment is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return moment


@dataclass(frozen=True)
class BookingChoice:
    """What the booking page shows: the slots of this type, for this patient, with this
    therapist (None: anyone), from this day."""

    patient: Patient | None
    therapist: User | None
    appointment_type: AppointmentType
    day: dt.date
    # A time chosen before the patient (an empty slot of the schedule's grid): the booking
    # form starts with it.
    starts_at: dt.datetime | None = None


class BookingForm(forms.Form):
    """The booking page's one form, for its two uses.

    Picking (a GET, `picking=True`): patient, therapist, type and first day preselect the free
    slots shown; nothing is required, a value that does not fit is left out and not reported,
    and without a `therapist` at all the patient's own therapist is preselected. Booking (a
    POST): patient, therapist and time are required and every value must fit.

    Patients are those the actor may see, therapists the clinic's, waitlist entries the
    clinic's: one message for an unknown id and another clinic's, so neither is confirmed.
    The appointment type is given by its kind (`kind=retest`), and cleans to the type.
    """

    patient = forms.ModelChoiceField(
        queryset=Patient.objects.none(),
        label=_("Patient"),
        error_messages={
            "required": PATIENT_OF_THIS_CLINIC,
            "invalid_choice": PATIENT_OF_THIS_CLINIC,
        },
    )
    therapist = TherapistChoiceField(
        queryset=User.objects.none(),
        label=_("Therapist"),
        error_messages={
            "required": _("Choose a therapist."),
            "invalid_choice": _("Choose a therapist of this clinic."),
        },
    )
    kind = forms.ChoiceField(
        required=False,
        label=_("Type"),
        error_messages={"invalid_choice": _("Choose an appointment type of this clinic.")},
    )
    date = forms.DateField(
        required=False, label=_("From"), error_messages={"invalid": _("Enter a date: 2025-03-14.")}
    )
    starts_at = ClinicDateTimeField(
        label=_("Starts"),
        error_messages={
            "required": _("Choose a time."),
            "invalid": _("Enter a date and a time: 2025-03-14T09:30."),
        },
    )
    waitlist = forms.ModelChoiceField(
        queryset=WaitlistEntry.objects.none(),
        required=False,
        label=_("Waitlist entry"),
        error_messages={"invalid_choice": _("No such waitlist entry in this clinic.")},
    )
    note = forms.CharField(required=False, max_length=500, label=_("Front-desk note"))

    def __init__(
        self, data, *, actor: Actor, types: list[AppointmentType], picking: bool = False
    ) -> None:
        super().__init__(data, label_suffix="")
        self.clinic = actor.clinic
        self.picking = picking
        self.therapists = clinic_therapists(clinic_id=self.clinic.pk)
        self.types_by_kind = {appointment_type.kind: appointment_type for appointment_type in types}
        self.fields["patient"].queryset = patients_visible_to(actor)
        self.fields["therapist"].queryset = User.objects.filter(
            pk__in=[therapist.pk for therapist in self.therapists]
        )
        self.fields["kind"].choices = [(t.kind, t.name) for t in types]
        self.fields["starts_at"].zone = self.clinic.zone
        self.fields["waitlist"].queryset = WaitlistEntry.objects.filter(clinic=self.clinic)
        for name in ("patient", "therapist", "starts_at"):
            self.fields[name].required = not picking

    def clean_kind(self) -> AppointmentType:
        kind = self.cleaned_data["kind"] or AppointmentKind.FOLLOW_UP
        return self.types_by_kind.get(kind) or self._default_type()

    def _default_type(self) -> AppointmentType:
        return self.types_by_kind.get(AppointmentKind.FOLLOW_UP) or next(
            iter(self.types_by_kind.values())
        )

    def choice(self) -> BookingChoice:
        """The page's selection, from the values that fit. Take it before adding a service's
        errors to the form: Django drops each field an error names from `cleaned_data`."""
        self.is_valid()  # cleans every field; the page shows what fits, whether or not all do
        values = self.cleaned_data
        patient = values.get("patient")
        therapist = values.get("therapist")
        if self.picking and patient is not None and "therapist" not in self.data:
            therapist = patient.primary_therapist
        return BookingChoice(
            patient=patient,
            therapist=therapist,
            appointment_type=values.get("kind") or self._default_type(),
            day=values.get("date") or self.clinic.local_today(),
            starts_at=values.get("starts_at"),
        )

    def named_errors(self) -> list[str]:
        """Every error, after the label of the field it is about ("Starts: Choose a time."):
        the page lists them above its forms, where a hidden field has no place of its own."""
        named = []
        for name, messages in self.errors.items():
            label = self.fields[name].label if name in self.fields else None
            named.extend(
                gettext("%(label)s: %(message)s") % {"label": label, "message": message}
                if label
                else message
                for message in messages
            )
        return named
