"""Writes of outcome questionnaires: ask a patient, answer in steps, submit once, enter paper
answers, cancel.

Every answer is checked by the one scoring engine (questionnaires/scoring.py) before anything is
written, inside one transaction, so bad input leaves nothing half-saved; errors are keyed by the
field at fault (`answers.<item id>` for an answer). A submission carries a key: the same key
again for the same questionnaire (a double tap, a retry after a network error) returns the
response already recorded; the key of another questionnaire is refused on `submission_key`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clinic.access import Action, Actor, can
from clinic.changes import patient_data_changed
from clinic.models import Patient, User
from questionnaires.models import (
    ClinicInstrumentSetting,
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
    RequestReason,
    RequestStatus,
)
from questionnaires.scoring import Definition, answers_parse, item_labels_parse, score

# When a request names no due date: a week leaves a patient a weekend to answer.
DEFAULT_DUE_DAYS = 7
# A device clock a little ahead of the server's is not "the future".
CLOCK_SKEW = timedelta(minutes=5)
MAX_MESSAGE_LENGTH = 2000
_OUT_OF_DATE_FORM = "This form is out of date; reload it."
_KEY_USED_ELSEWHERE = (
    "This submission key was already used for another questionnaire; reload the form."
)


# --- Checks shared by the services ----------------------------------------------------------
# Every write locks the patient's row first, then the request's: one order, no deadlock between
# a patient submitting and a therapist entering paper answers or asking at the same moment.


def _staff_may_change(user: User, patient: Patient, *, refusal: str) -> None:
    """Staff of another clinic do not know the patient exists (the body names a patient that is
    not theirs: 400 on the field); staff whose role does not record clinical data are refused."""
    actor = Actor(user=user)
    if not actor.is_staff_member or patient.clinic_id != user.clinic_id:
        raise ValidationError({"patient": [_("No such patient in your clinic.")]})
    if not can(actor, Action.CHANGE_CLINICAL, patient):
        raise PermissionDenied(refusal)


def _lock_active_patient(patient: Patient) -> Patient:
    locked = Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)
    if locked.anonymised_at is not None:
        raise ValidationError({"patient": [_("This patient is anonymised.")]})
    if not locked.is_active:
        raise ValidationError(
            {"patient": [_("This patient is discharged; re-activate them to ask for answers.")]}
        )
    return locked


def instrument_enabled(clinic_id: int, instrument: Instrument) -> bool:
    """Shipped instruments and a clinic's own are on until the clinic turns them off."""
    return not ClinicInstrumentSetting.objects.filter(
        clinic_id=clinic_id, instrument=instrument, enabled=False
    ).exists()


def _check_instrument(instrument: Instrument, clinic_id: int) -> None:
    if instrument.clinic_id not in (None, clinic_id):
        raise ValidationError({"instrument": [_("No such questionnaire in your clinic.")]})
    if not instrument.is_active:
        raise ValidationError(
            {
                "instrument": [
                    _("This version of the questionnaire is retired; ask for the current one.")
                ]
            }
        )
    if not instrument_enabled(clinic_id, instrument):
        raise ValidationError({"instrument": [_("Your clinic has turned this questionnaire off.")]})


def _submission_key_parse(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({"submission_key": [_OUT_OF_DATE_FORM]}) from None


def _lock_open_request(request: QuestionnaireRequest) -> QuestionnaireRequest:
    locked = (
        QuestionnaireRequest.objects.select_for_update()
        .select_related("instrument")
        .get(pk=request.pk)
    )
    if locked.status == RequestStatus.COMPLETED:
        raise ValidationError({"request": [_("This questionnaire has already been answered.")]})
    if locked.status == RequestStatus.CANCELLED:
        raise ValidationError({"request": [_("This questionnaire was cancelled.")]})
    return locked


# --- Requests -------------------------------------------------------------------------------


def _request_values_check(
    *, reason: Any, due_on: Any, message: Any, today: date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if reason not in RequestReason.values:
        errors["reason"] = [_("Choose intake, before_retest, every_n_visits or ad_hoc.")]
    if not isinstance(due_on, date) or isinstance(due_on, datetime):
        errors["due_on"] = [_("Enter the date it is due.")]
    elif due_on < today:
        errors["due_on"] = [_("The due date cannot be in the past.")]
    if not isinstance(message, str) or len(message) > MAX_MESSAGE_LENGTH:
        errors["message"] = [
            _("Keep the message under %(count)s characters.") % {"count": f"{MAX_MESSAGE_LENGTH:,}"}
        ]
    return errors


def _open_request_refusal(patient: Patient, instrument: Instrument) -> None:
    existing = QuestionnaireRequest.objects.filter(
        patient=patient, instrument=instrument, status=RequestStatus.OPEN
    ).first()
    if existing is not None:
        asked = date_format(patient.clinic.local_date(existing.requested_at), "j F Y")
        raise ValidationError(
            {
                "instrument": [
                    _("%(name)s already has this questionnaire to answer (asked on %(date)s).")
                    % {"name": patient.full_name, "date": asked}
                ]
            }
        )


@transaction.atomic
def request_create(
    *,
    patient: Patient,
    instrument: Instrument,
    requested_by: User | None,
    reason: str = RequestReason.AD_HOC,
    due_on: date | None = None,
    message: str = "",
) -> QuestionnaireRequest:
    """Ask the patient to answer the instrument. `requested_by` is the therapist, or None when
    the clinic's schedule asks (at intake, before a re-test, every N visits)."""
    if requested_by is not None:
        _staff_may_change(
            requested_by, patient, refusal=_("Your role may not ask patients for questionnaires.")
        )
    elif reason == RequestReason.AD_HOC:
        raise ValidationError({"requested_by": [_("Say which therapist asks for it.")]})
    patient = _lock_active_patient(patient)
    _check_instrument(instrument, patient.clinic_id)
    today = patient.clinic.local_today()
    if due_on is None:
        due_on = today + timedelta(days=DEFAULT_DUE_DAYS)
    errors = _request_values_check(reason=reason, due_on=due_on, message=message, today=today)
    if errors:
        raise ValidationError(errors)
    _open_request_refusal(patient, instrument)
    request = QuestionnaireRequest.objects.create(
        patient=patient,
        clinic_id=patient.clinic_id,
        instrument=instrument,
        reason=reason,
        requested_by=requested_by,
        due_on=due_on,
        message=message.strip(),
    )
    patient_data_changed(patient.pk)  # an open request can fall overdue
    return request


@transaction.atomic
def request_cancel(*, request: QuestionnaireRequest, cancelled_by: User) -> QuestionnaireRequest:
    """Withdraw an open request; answers saved so far stay, never completed."""
    _staff_may_change(
        cancelled_by, request.patient, refusal=_("Your role may not cancel questionnaires.")
    )
    locked = _lock_open_request(request)
    locked.status = RequestStatus.CANCELLED
    locked.closed_at = timezone.now()
    locked.cancelled_by = cancelled_by
    locked.save(update_fields=["status", "closed_at", "cancelled_by"])
    patient_data_changed(locked.patient_id)
    return locked


def _open_requests_cancel(requests: QuerySet, *, by: User | None, now: datetime) -> int:
    """Withdraw these requests still open, in one audited update (the requests' queryset
    records each row it changes, with its patient); answers saved so far stay. Returns how
    many."""
    still_open = requests.filter(status=RequestStatus.OPEN)
    patient_ids = set(still_open.values_list("patient_id", flat=True))
    cancelled = still_open.update(status=RequestStatus.CANCELLED, closed_at=now, cancelled_by=by)
    for patient_id in sorted(patient_ids):
        patient_data_changed(patient_id)  # an overdue flag goes with the request
    return cancelled


def questionnaires_on_discharge(
    *, patient_id: int, by: User | None, now: datetime, cancel_future_appointments: bool
) -> None:
    """A discharge (clinic.services.patient_discharge, in its transaction): nobody is left to
    answer, so the patient's open requests are withdrawn, whatever is done with the
    appointments; /me/ no longer offers them and none falls overdue."""
    _open_requests_cancel(
        QuestionnaireRequest.objects.filter(patient_id=patient_id), by=by, now=now
    )


def instrument_requests_cancel(
    *, clinic_id: int, instrument: Instrument, by: User, now: datetime | None = None
) -> int:
    """The clinic turned the instrument off: its open requests of it are withdrawn, in the
    caller's transaction (questionnaires.clinic_settings)."""
    return _open_requests_cancel(
        QuestionnaireRequest.objects.filter(clinic_id=clinic_id, instrument=instrument),
        by=by,
        now=now or timezone.now(),
    )


# --- Answers --------------------------------------------------------------------------------


def _patient_request(actor: Actor, request: QuestionnaireRequest) -> None:
    """Only the patient answers their own request; anyone else is told it is not theirs (400 on
    the field), never whose it is."""
    if not (actor.is_patient and can(actor, Action.ANSWER_QUESTIONNAIRE, request.patient)):
        raise ValidationError({"request": [_("This is not one of your questionnaires.")]})


def _merged(stored: dict, given: dict, raw: Any) -> dict:
    """Answers so far with the new ones; an item sent empty (None or "") is cleared."""
    merged = dict(stored)
    for key in raw or {}:
        merged.pop(key, None)
    merged.update(given)
    return merged


def _parsed_answers(
    definition: Definition,
    answers: Any,
    item_labels: Any,
    *,
    stored_answers: dict | None,
    stored_labels: dict | None,
    final: bool,
) -> tuple[dict[str, int], dict[str, str]]:
    """The answers and names to keep, checked; with `stored_*`, merged into those. One
    ValidationError with every fault."""
    errors: dict[str, list[str]] = {}
    given_answers: dict[str, int] = {}
    given_labels: dict[str, str] = {}
    try:
        given_answers = answers_parse(definition, answers)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if stored_answers is not None and not errors:
        given_answers = _merged(stored_answers, given_answers, answers)
    try:
        given_labels = item_labels_parse(definition, item_labels, {}, final=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if stored_labels is not None and not errors:
        given_labels = _merged(stored_labels, given_labels, item_labels)
    if final and not errors:
        try:
            item_labels_parse(definition, given_labels, given_answers, final=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return given_answers, given_labels


def _response_for(request: QuestionnaireRequest) -> QuestionnaireResponse:
    """The request's response, or a new one (not saved) with the instrument's definition copied
    in as it is now."""
    response = QuestionnaireResponse.objects.filter(request=request).first()
    if response is not None:
        return response
    definition = request.instrument.definition()
    return QuestionnaireResponse(
        request=request,
        patient_id=request.patient_id,
        instrument=request.instrument,
        instrument_version=request.instrument.version,
        definition=definition.to_json(),
        score_min=definition.score_min,
        score_max=definition.score_max,
    )


@transaction.atomic
def response_save_progress(
    *, actor: Actor, request: QuestionnaireRequest, answers: Any, item_labels: Any = None
) -> QuestionnaireResponse:
    """Keep the patient's answers so far, to resume later. Each answer is checked (unknown item,
    value not an option); unanswered items are fine until the answers are submitted."""
    _patient_request(actor, request)
    _lock_active_patient(request.patient)
    locked = _lock_open_request(request)
    response = _response_for(locked)
    response.answers, response.item_labels = _parsed_answers(
        response.answered_definition(),
        answers,
        item_labels,
        stored_answers=response.answers,
        stored_labels=response.item_labels,
        final=False,
    )
    response.save()
    return response


def _complete(
    request: QuestionnaireRequest,
    *,
    answers: Any,
    item_labels: Any,
    merge: bool,
    key: uuid.UUID,
    entered_by: User | None,
    completed_at: datetime,
) -> QuestionnaireResponse:
    """Score and complete the request's response; the request is then completed. Everything
    is checked before the first write."""
    response = _response_for(request)
    definition = response.answered_definition()
    final_answers, final_labels = _parsed_answers(
        definition,
        answers,
        item_labels,
        stored_answers=response.answers if merge else None,
        stored_labels=response.item_labels if merge else None,
        final=True,
    )
    result = score(definition, final_answers)
    response.answers = final_answers
    response.item_labels = final_labels
    response.completed_at = completed_at
    response.entered_by = entered_by
    response.submission_key = key
    response.total = result.total
    response.score_valid = result.valid
    response.missing_items = result.missing
    response.save()
    request.status = RequestStatus.COMPLETED
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at"])
    patient_data_changed(request.patient_id)
    return response


def _already_submitted(
    key: uuid.UUID,
    *,
    patient_id: int,
    request_id: int | None = None,
    instrument_id: int | None = None,
) -> QuestionnaireResponse | None:
    """The response recorded with this key for the same request (or, for paper named by its
    instrument, the same instrument), if any: a repeat. A key of another patient's response is
    a stale or forged form, refused without saying whose; a key of another of the patient's
    questionnaires is refused too, never answered with that one's answers."""
    existing = QuestionnaireResponse.objects.filter(submission_key=key).first()
    if existing is None:
        return None
    if existing.patient_id != patient_id:
        raise ValidationError({"submission_key": [_OUT_OF_DATE_FORM]})
    if (request_id is not None and existing.request_id != request_id) or (
        instrument_id is not None and existing.instrument_id != instrument_id
    ):
        raise ValidationError({"submission_key": [_KEY_USED_ELSEWHERE]})
    return existing


@transaction.atomic
def response_submit(
    *,
    actor: Actor,
    request: QuestionnaireRequest,
    answers: Any,
    submission_key: uuid.UUID | str,
    item_labels: Any = None,
) -> tuple[QuestionnaireResponse, bool]:
    """The patient's completed answers (merged with those saved so far), scored by the
    instrument's rules. Returns (response, created): the same key again returns the response
    already recorded, created False."""
    key = _submission_key_parse(submission_key)
    _patient_request(actor, request)
    existing = _already_submitted(key, patient_id=request.patient_id, request_id=request.pk)
    if existing is not None:
        return existing, False
    _lock_active_patient(request.patient)
    locked = _lock_open_request_or_answered(request, key)
    if isinstance(locked, QuestionnaireResponse):
        return locked, False
    response = _complete(
        locked,
        answers=answers,
        item_labels=item_labels,
        merge=True,
        key=key,
        entered_by=None,
        completed_at=timezone.now(),
    )
    return response, True


def _lock_open_request_or_answered(
    request: QuestionnaireRequest, key: uuid.UUID
) -> QuestionnaireRequest | QuestionnaireResponse:
    """The request locked and open; or, when a submission with the same key completed it while
    this one waited for the lock (a double tap), that submission's response."""
    try:
        return _lock_open_request(request)
    except ValidationError:
        answered = QuestionnaireResponse.objects.filter(
            submission_key=key, request_id=request.pk
        ).first()
        if answered is not None:
            return answered
        raise


def _completed_at_check(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError({"completed_at": [_("Enter when the patient filled it in.")]})
    if timezone.is_naive(value):
        raise ValidationError({"completed_at": [_("Give a time zone with the time.")]})
    if value > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"completed_at": [_("It cannot have been filled in the future.")]})
    return value


@transaction.atomic
def response_enter_from_paper(
    *,
    entered_by: User,
    patient: Patient,
    answers: Any,
    submission_key: uuid.UUID | str,
    instrument: Instrument | None = None,
    request: QuestionnaireRequest | None = None,
    item_labels: Any = None,
    completed_at: datetime | None = None,
) -> tuple[QuestionnaireResponse, bool]:
    """Staff enter the answers a patient gave on paper, for an open request or, naming the
    instrument, for the patient's open request of it or a new ad hoc one. The paper answers
    replace anything the patient had saved. Returns (response, created), as response_submit."""
    key = _submission_key_parse(submission_key)
    _staff_may_change(
        entered_by, patient, refusal=_("Your role may not enter questionnaire answers.")
    )
    # A repeat is of the same request or, for paper named by its instrument, the same one.
    same_request = request.pk if request is not None else None
    same_instrument = instrument.pk if request is None and instrument is not None else None
    existing = _already_submitted(
        key, patient_id=patient.pk, request_id=same_request, instrument_id=same_instrument
    )
    if existing is not None:
        return existing, False
    completed_at = _completed_at_check(completed_at or timezone.now())
    patient = _lock_active_patient(patient)
    # Again under the lock: a double submit waited here while the first one completed the
    # open request; without this it would make a second ad hoc request with the same key.
    existing = _already_submitted(
        key, patient_id=patient.pk, request_id=same_request, instrument_id=same_instrument
    )
    if existing is not None:
        return existing, False
    if request is not None:
        if request.patient_id != patient.pk:
            raise ValidationError(
                {"request": [_("No such questionnaire request for this patient.")]}
            )
    elif instrument is None:
        raise ValidationError({"instrument": [_("Choose the questionnaire.")]})
    else:
        # The patient's open request of it is answered even if the version was retired since
        # it was asked; a new ad hoc request passes the instrument's checks.
        request = QuestionnaireRequest.objects.filter(
            patient=patient, instrument=instrument, status=RequestStatus.OPEN
        ).first()
        if request is None:
            _check_instrument(instrument, patient.clinic_id)
            request = QuestionnaireRequest.objects.create(
                patient=patient,
                clinic_id=patient.clinic_id,
                instrument=instrument,
                reason=RequestReason.AD_HOC,
                requested_by=entered_by,
                due_on=patient.clinic.local_today(),
            )
    locked = _lock_open_request_or_answered(request, key)
    if isinstance(locked, QuestionnaireResponse):
        return locked, False
    response = _complete(
        locked,
        answers=answers,
        item_labels=item_labels,
        merge=False,
        key=key,
        entered_by=entered_by,
        completed_at=completed_at,
    )
    return response, True
