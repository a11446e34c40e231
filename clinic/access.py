"""The access policy: who may do what to which patient's data.

Every view, API view and selector that touches patient data asks this module, so the rules live
in one place and are tested as one table. Two principles:

- Scope first: staff see only their own clinic's patients; a patient sees only themselves.
  Anything outside that scope does not exist for the caller (views answer 404, not 403).
- Then role: within the scope, the role decides which actions are allowed (403 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from audit.services import note_denied, note_listed, note_patient_read
from clinic.models import Clinic, Patient, PatientQuerySet, Role, User

if TYPE_CHECKING:
    from django.http import HttpRequest


class Action(StrEnum):
    VIEW = "view"  # name, date of birth, contact details, status, primary therapist
    VIEW_CLINICAL = "view_clinical"  # symptoms, measurements, routines, notes
    CHANGE = "change"  # demographics and contact details
    CHANGE_CLINICAL = "change_clinical"
    DISCHARGE = "discharge"
    ISSUE_LINK = "issue_link"  # give the patient a personal sign-in link
    RECORD_SELF_TEST = "record_self_test"  # the patient's own knee-to-wall test at home
    # The patient's own answers to an outcome questionnaire; staff enter paper answers under
    # CHANGE_CLINICAL instead, so that an answer is always either the patient's or entered.
    ANSWER_QUESTIONNAIRE = "answer_questionnaire"
    EXPORT = "export"  # a copy of everything held about the patient (FHIR, CSV)
    ANONYMISE = "anonymise"  # remove a discharged patient's identity, keep the statistics


# What only the patient does for themselves.
_PATIENT_ONLY = frozenset({Action.RECORD_SELF_TEST, Action.ANSWER_QUESTIONNAIRE})
_STAFF_ACTIONS: dict[str, frozenset[Action]] = {
    Role.CLINIC_ADMIN: frozenset(Action) - _PATIENT_ONLY,
    # Anonymising cannot be undone, so it is the clinic admin's decision alone.
    Role.THERAPIST: frozenset(Action) - _PATIENT_ONLY - {Action.ANONYMISE},
    # The front desk registers patients and keeps their contact details, but sees no
    # clinical record.
    Role.FRONT_DESK: frozenset({Action.VIEW, Action.CHANGE, Action.ISSUE_LINK}),
}
# A patient may take a copy of their own record: the right of access.
_PATIENT_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.VIEW_CLINICAL,
        Action.RECORD_SELF_TEST,
        Action.ANSWER_QUESTIONNAIRE,
        Action.EXPORT,
    }
)


@dataclass(frozen=True)
class Actor:
    """Who is asking: a member of staff, a patient in a link session, or nobody."""

    user: User | None = None
    patient: Patient | None = None

    @property
    def is_staff_member(self) -> bool:
        return self.user is not None and self.user.clinic_id is not None

    @property
    def is_patient(self) -> bool:
        return self.patient is not None

    @property
    def role(self) -> str | None:
        return self.user.role if self.is_staff_member else None

    @property
    def clinic(self) -> Clinic | None:
        if self.is_staff_member:
            return self.user.clinic
        if self.patient is not None:
            return self.patient.clinic
        return None

    @property
    def kind(self) -> str:
        if self.is_staff_member:
            return self.user.role
        if self.is_patient:
            return "patient"
        return "anonymous"


ANONYMOUS = Actor()


def actor_for(request: HttpRequest) -> Actor:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "clinic_id", None):
        return Actor(user=user)
    patient = getattr(request, "patient", None)
    if patient is not None:
        return Actor(patient=patient)
    return ANONYMOUS


def patients_visible_to(actor: Actor) -> PatientQuerySet:
    """Every patient the actor may know exists; the base of every patient query."""
    if actor.is_staff_member:
        return Patient.objects.filter(clinic_id=actor.user.clinic_id)
    if actor.is_patient:
        return Patient.objects.filter(pk=actor.patient.pk)
    return Patient.objects.none()


def can(actor: Actor, action: Action, patient: Patient) -> bool:
    if actor.is_staff_member:
        if patient.clinic_id != actor.user.clinic_id:
            return False
        return action in _STAFF_ACTIONS.get(actor.role, frozenset())
    if actor.is_patient:
        return patient.pk == actor.patient.pk and action in _PATIENT_ACTIONS
    return False


def clinical_records_visible_to(actor: Actor, records: QuerySet, *, patient_path: str) -> QuerySet:
    """Narrow a queryset of clinical records (assessments, routines, ...) to what the actor
    may read: their clinic's for clinical staff, their own for a patient, nothing otherwise."""
    note_listed(records.model._meta.model_name)
    if actor.is_staff_member and can_view_clinical_data(actor):
        return records.filter(**{f"{patient_path}__clinic_id": actor.user.clinic_id})
    if actor.is_patient:
        return records.filter(**{patient_path: actor.patient.pk})
    return records.none()


def can_register_patients(actor: Actor) -> bool:
    return actor.is_staff_member and actor.role in _STAFF_ACTIONS


def can_view_clinical_data(actor: Actor) -> bool:
    """Whether the actor's role sees clinical data at all (used to shape lists and forms)."""
    if actor.is_staff_member:
        return Action.VIEW_CLINICAL in _STAFF_ACTIONS.get(actor.role, frozenset())
    return actor.is_patient


def can_change_clinical_data(actor: Actor) -> bool:
    """Whether the actor's role records clinical data (tests, routines) for patients at all:
    asked before a request body is read, so a refusal never depends on the body."""
    if actor.is_staff_member:
        return Action.CHANGE_CLINICAL in _STAFF_ACTIONS.get(actor.role, frozenset())
    return False


def can_manage_clinic(actor: Actor) -> bool:
    return actor.is_staff_member and actor.role == Role.CLINIC_ADMIN


def patient_for(actor: Actor, patient_id: int, action: Action = Action.VIEW) -> Patient:
    """The patient, if the actor may do `action` to them.

    Raises Http404 when the patient is outside the actor's scope (so its existence is not
    revealed) and PermissionDenied when it is in scope but the role does not allow the action.
    """
    patient = (
        patients_visible_to(actor)
        .select_related("clinic", "primary_therapist")
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        note_denied(patient_id)
        raise Http404("No such patient.")
    if not can(actor, action, patient):
        note_denied(patient_id)
        raise PermissionDenied(
            _("Your role may not %(action)s this patient.")
            % {"action": action.value.replace("_", " ")}
        )
    # Every read of a record passes here, so it is where reads enter the audit trail (written
    # at the end of the request, and only if it succeeded). Writes are recorded as they happen.
    note_patient_read(patient)
    return patient


def patient_named_in_body(actor: Actor, patient_id, action: Action) -> Patient:
    """A patient a request body names (a booking, a test, a prescription): outside the actor's
    scope it is the body that is wrong, so a 400 naming the field rather than the 404 of
    `patient_for`, which is about an address."""
    try:
        return patient_for(actor, patient_id, action)
    except Http404:
        raise ValidationError({"patient": [_("No such patient in your clinic.")]}) from None


def own_patient(actor: Actor, action: Action) -> Patient:
    """The signed-in patient, for their own pages, checked against the policy without a query:
    the session middleware has just loaded them with their clinic."""
    if not actor.is_patient or not can(actor, action, actor.patient):
        raise PermissionDenied(_("This page is for the patient it belongs to."))
    return actor.patient
