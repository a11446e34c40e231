"""Asking, answering in steps, submitting once, paper answers: through the real services."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from clinic import changes
from clinic import services as clinic_services
from clinic.access import Actor
from questionnaires import selectors, services
from questionnaires.interpretation import ChangeClass
from questionnaires.models import (
    ClinicInstrumentSetting,
    QuestionnaireRequest,
    QuestionnaireResponse,
    RequestReason,
    RequestStatus,
)
from records.services import patient_anonymise
from tests.factories import LicensedInstrumentFactory

pytestmark = pytest.mark.django_db


def ask(patient, instrument, therapist, **extra) -> QuestionnaireRequest:
    return services.request_create(
        patient=patient, instrument=instrument, requested_by=therapist, **extra
    )


def submit(patient, request, answers, key=None, **extra):
    return services.response_submit(
        actor=Actor(patient=patient),
        request=request,
        answers=answers,
        submission_key=key or uuid.uuid4(),
        **extra,
    )


def lefs_answers(value: int = 3, *, count: int = 20) -> dict[str, int]:
    return {f"lefs-{n}": value for n in range(1, count + 1)}


def messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


@pytest.fixture
def heard(monkeypatch) -> list[list[int]]:
    calls: list[list[int]] = []
    monkeypatch.setattr(changes, "_listeners", [calls.append])
    return calls


# --- Asking -----------------------------------------------------------------------------------


def test_a_therapist_asks_a_patient_with_a_due_date_a_week_out(patient, therapist, instruments):
    request = ask(patient, instruments["nprs-back"], therapist, message=" Before Tuesday ")
    assert request.status == RequestStatus.OPEN
    assert (request.reason, request.requested_by, request.clinic_id) == (
        RequestReason.AD_HOC,
        therapist,
        patient.clinic_id,
    )
    assert request.due_on == patient.clinic.local_today() + timedelta(days=7)
    assert request.message == "Before Tuesday"


def test_the_clinics_schedule_asks_without_a_therapist(patient, instruments):
    request = services.request_create(
        patient=patient,
        instrument=instruments["lefs"],
        requested_by=None,
        reason=RequestReason.INTAKE,
    )
    assert request.requested_by is None
    with pytest.raises(ValidationError) as refused:
        services.request_create(patient=patient, instrument=instruments["psfs"], requested_by=None)
    assert messages(refused.value) == {"requested_by": ["Say which therapist asks for it."]}


def test_an_instrument_the_clinic_turned_off_is_refused(patient, therapist, instruments):
    ClinicInstrumentSetting.objects.create(
        clinic=patient.clinic, instrument=instruments["lefs"], enabled=False
    )
    with pytest.raises(ValidationError) as refused:
        ask(patient, instruments["lefs"], therapist)
    assert messages(refused.value) == {
        "instrument": ["Your clinic has turned this questionnaire off."]
    }
    assert not QuestionnaireRequest.objects.exists()
    assert instruments["lefs"] not in selectors.instruments_available(patient.clinic_id)
    assert instruments["psfs"] in selectors.instruments_available(patient.clinic_id)


def test_another_clinics_own_instrument_is_refused(patient, therapist, other_clinic):
    theirs = LicensedInstrumentFactory(clinic=other_clinic)
    with pytest.raises(ValidationError) as refused:
        ask(patient, theirs, therapist)
    assert messages(refused.value) == {"instrument": ["No such questionnaire in your clinic."]}
    assert theirs not in selectors.instruments_available(patient.clinic_id)


def test_a_clinics_own_licensed_instrument_can_be_asked_for(patient, therapist):
    ours = LicensedInstrumentFactory(clinic=patient.clinic)
    assert ask(patient, ours, therapist).instrument == ours
    assert ours in selectors.instruments_available(patient.clinic_id)


def test_a_retired_version_is_refused(patient, therapist, instruments):
    instruments["psfs"].is_active = False
    instruments["psfs"].save()
    with pytest.raises(ValidationError) as refused:
        ask(patient, instruments["psfs"], therapist)
    assert "retired" in messages(refused.value)["instrument"][0]


def test_another_clinics_patient_is_refused_without_saying_it_exists(
    foreign_patient, therapist, instruments
):
    with pytest.raises(ValidationError) as refused:
        ask(foreign_patient, instruments["nprs-back"], therapist)
    assert messages(refused.value) == {"patient": ["No such patient in your clinic."]}


def test_the_front_desk_may_not_ask(patient, front_desk, instruments):
    with pytest.raises(PermissionDenied):
        ask(patient, instruments["nprs-back"], front_desk)


def test_a_discharged_or_anonymised_patient_is_refused(patient, clinic_admin, instruments):
    clinic_services.patient_discharge(patient=patient, by=clinic_admin)
    with pytest.raises(ValidationError) as refused:
        ask(patient, instruments["nprs-leg"], clinic_admin)
    assert "discharged" in messages(refused.value)["patient"][0]
    patient_anonymise(patient=patient, by=clinic_admin)
    with pytest.raises(ValidationError) as refused:
        ask(patient, instruments["nprs-leg"], clinic_admin)
    assert messages(refused.value) == {"patient": ["This patient is anonymised."]}


def test_a_discharge_cancels_the_patients_open_requests_audited(
    patient, other_patient, therapist, clinic_admin, instruments
):
    open_one = ask(patient, instruments["lefs"], therapist)
    services.response_save_progress(
        actor=Actor(patient=patient), request=open_one, answers={"lefs-1": 2}
    )
    answered = ask(patient, instruments["nprs-back"], therapist)
    submit(patient, answered, {"worst-24h": 5})
    theirs = ask(other_patient, instruments["lefs"], therapist)
    clinic_services.patient_discharge(patient=patient, by=clinic_admin)
    open_one.refresh_from_db()
    assert (open_one.status, open_one.cancelled_by) == (RequestStatus.CANCELLED, clinic_admin)
    assert open_one.closed_at is not None
    # The answers saved so far stay; the answered one and another patient's are untouched.
    assert QuestionnaireResponse.objects.get(request=open_one).answers == {"lefs-1": 2}
    assert QuestionnaireRequest.objects.get(pk=answered.pk).status == RequestStatus.COMPLETED
    assert QuestionnaireRequest.objects.get(pk=theirs.pk).status == RequestStatus.OPEN
    cancelled = AuditEvent.objects.filter(
        action=AuditAction.UPDATE,
        object_type="questionnairerequest",
        object_id=str(open_one.pk),
        patient_id=patient.pk,
    ).last()
    assert cancelled is not None
    assert "status" in cancelled.fields


def test_one_open_request_per_instrument(patient, therapist, instruments):
    ask(patient, instruments["nprs-back"], therapist)
    with pytest.raises(ValidationError) as refused:
        ask(patient, instruments["nprs-back"], therapist)
    assert "already has this questionnaire to answer" in messages(refused.value)["instrument"][0]
    ask(patient, instruments["nprs-leg"], therapist)  # another instrument is fine


def test_request_values_are_checked_by_field(patient, therapist, instruments):
    yesterday = patient.clinic.local_today() - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        ask(patient, instruments["psfs"], therapist, due_on=yesterday, reason="whenever")
    assert set(messages(refused.value)) == {"due_on", "reason"}


def test_a_cancelled_request_can_no_longer_be_answered(patient, therapist, instruments):
    request = ask(patient, instruments["nprs-back"], therapist)
    services.request_cancel(request=request, cancelled_by=therapist)
    request.refresh_from_db()
    assert (request.status, request.cancelled_by) == (RequestStatus.CANCELLED, therapist)
    with pytest.raises(ValidationError) as refused:
        submit(patient, request, {"worst-24h": 3})
    assert messages(refused.value) == {"request": ["This questionnaire was cancelled."]}


# --- Answering: in steps, then once -----------------------------------------------------------


def test_a_patient_saves_some_answers_and_resumes_later(patient, therapist, instruments):
    request = ask(patient, instruments["lefs"], therapist)
    actor = Actor(patient=patient)
    services.response_save_progress(
        actor=actor, request=request, answers={"lefs-1": 4, "lefs-2": 3}
    )
    draft = services.response_save_progress(
        actor=actor, request=request, answers={"lefs-2": None, "lefs-3": "1"}
    )
    assert draft.answers == {"lefs-1": 4, "lefs-3": 1}  # lefs-2 cleared
    assert not draft.is_completed
    assert draft.total is None
    assert draft.submission_key is None
    assert draft.definition["items"][0]["text"].startswith("Any of your usual work")

    rest = {f"lefs-{n}": 4 for n in range(4, 21)}
    response, created = submit(patient, request, rest)
    assert created
    assert response.pk == draft.pk
    # The saved answers count: 4 + 1 + 17 × 4 = 73 over 19 items (lefs-2 was cleared),
    # prorated to 20.
    assert response.total == Decimal("76.84")
    assert (response.score_valid, response.missing_items, response.entered_by) == (True, 1, None)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.closed_at is not None


def test_a_bad_answer_in_progress_is_refused_by_item_and_nothing_is_saved(
    patient, therapist, instruments
):
    request = ask(patient, instruments["lefs"], therapist)
    actor = Actor(patient=patient)
    services.response_save_progress(actor=actor, request=request, answers={"lefs-1": 4})
    with pytest.raises(ValidationError) as refused:
        services.response_save_progress(
            actor=actor, request=request, answers={"lefs-2": 3, "lefs-3": 7, "knee": 1}
        )
    assert set(messages(refused.value)) == {"answers.lefs-3", "answers.knee"}
    assert QuestionnaireResponse.objects.get(request=request).answers == {"lefs-1": 4}


@pytest.mark.django_db(transaction=True)
def test_a_submission_tells_the_dashboard_once_it_commits(patient, therapist, instruments, heard):
    request = ask(patient, instruments["nprs-back"], therapist)
    assert heard == [[patient.pk]]  # an open request can fall overdue
    submit(patient, request, {"worst-24h": 7})
    assert heard == [[patient.pk], [patient.pk]]
    with pytest.raises(ValidationError):
        submit(patient, ask(patient, instruments["nprs-leg"], therapist), {"worst-24h": 11})
    assert len(heard) == 3  # the request was heard, the refused submission not


def test_submitting_twice_records_once(patient, therapist, instruments):
    request = ask(patient, instruments["nprs-back"], therapist)
    key = uuid.uuid4()
    first, created = submit(patient, request, {"worst-24h": 7}, key=key)
    assert created
    # A double tap, or a retry after the answer was lost, with the same key: same response.
    again, created_again = submit(patient, request, {"worst-24h": 7}, key=str(key))
    assert (again.pk, created_again) == (first.pk, False)
    assert QuestionnaireResponse.objects.count() == 1
    # Another submission for the completed request is refused.
    with pytest.raises(ValidationError) as refused:
        submit(patient, request, {"worst-24h": 2})
    assert messages(refused.value) == {"request": ["This questionnaire has already been answered."]}


def test_a_bad_submission_leaves_nothing_half_saved(patient, therapist, instruments):
    request = ask(patient, instruments["lefs"], therapist)
    answers = lefs_answers()
    answers["lefs-20"] = 5
    with pytest.raises(ValidationError) as refused:
        submit(patient, request, answers)
    assert messages(refused.value) == {
        "answers.lefs-20": ["5 is not one of the answers to this question (0–4)."]
    }
    assert not QuestionnaireResponse.objects.exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_too_many_missing_answers_complete_without_a_score_never_as_0(
    patient, therapist, instruments
):
    request = ask(patient, instruments["lefs"], therapist)
    response, _ = submit(patient, request, lefs_answers(4, count=17))
    assert response.is_completed
    assert (response.total, response.score_valid, response.missing_items) == (None, False, 3)


def test_psfs_activities_are_kept_with_their_ratings(patient, therapist, instruments):
    request = ask(patient, instruments["psfs"], therapist)
    answers = {"activity-1": 3, "activity-2": 5, "activity-3": 7}
    with pytest.raises(ValidationError) as refused:
        submit(patient, request, answers, item_labels={"activity-1": "Stairs"})
    assert set(messages(refused.value)) == {"item_labels.activity-2", "item_labels.activity-3"}
    labels = {"activity-1": "Stairs", "activity-2": "Gardening", "activity-3": "Driving"}
    response, _ = submit(patient, request, answers, item_labels=labels)
    assert (response.total, response.item_labels) == (Decimal("5.00"), labels)


def test_a_patient_cannot_answer_another_patients_request(
    patient, other_patient, therapist, instruments
):
    request = ask(patient, instruments["nprs-back"], therapist)
    for actor in (Actor(patient=other_patient), Actor(user=therapist)):
        with pytest.raises(ValidationError) as refused:
            services.response_submit(
                actor=actor, request=request, answers={"worst-24h": 1}, submission_key=uuid.uuid4()
            )
        assert messages(refused.value) == {"request": ["This is not one of your questionnaires."]}
        with pytest.raises(ValidationError):
            services.response_save_progress(actor=actor, request=request, answers={})
    assert not QuestionnaireResponse.objects.exists()


def test_a_key_of_another_patients_response_is_refused(
    patient, other_patient, therapist, instruments
):
    theirs = ask(other_patient, instruments["nprs-back"], therapist)
    key = uuid.uuid4()
    submit(other_patient, theirs, {"worst-24h": 4}, key=key)
    mine = ask(patient, instruments["nprs-back"], therapist)
    with pytest.raises(ValidationError) as refused:
        submit(patient, mine, {"worst-24h": 2}, key=key)
    assert messages(refused.value) == {"submission_key": ["This form is out of date; reload it."]}
    with pytest.raises(ValidationError) as refused:
        submit(patient, mine, {"worst-24h": 2}, key="not-a-key")
    assert "submission_key" in messages(refused.value)


KEY_USED = "This submission key was already used for another questionnaire; reload the form."


def test_a_key_used_for_another_request_is_refused_and_the_request_stays_open(
    patient, therapist, instruments
):
    back = ask(patient, instruments["nprs-back"], therapist)
    key = uuid.uuid4()
    submit(patient, back, {"worst-24h": 4}, key=key)
    leg = ask(patient, instruments["nprs-leg"], therapist)
    with pytest.raises(ValidationError) as refused:
        submit(patient, leg, {"worst-24h": 6}, key=key)
    assert messages(refused.value) == {"submission_key": [KEY_USED]}
    leg.refresh_from_db()
    assert leg.status == RequestStatus.OPEN
    assert QuestionnaireResponse.objects.count() == 1


def test_a_paper_key_used_for_another_instrument_or_request_is_refused(
    patient, therapist, instruments
):
    key = uuid.uuid4()
    services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=instruments["nprs-back"],
        answers={"worst-24h": 4},
        submission_key=key,
    )
    with pytest.raises(ValidationError) as refused:
        services.response_enter_from_paper(
            entered_by=therapist,
            patient=patient,
            instrument=instruments["nprs-leg"],
            answers={"worst-24h": 6},
            submission_key=key,
        )
    assert messages(refused.value) == {"submission_key": [KEY_USED]}
    leg = ask(patient, instruments["nprs-leg"], therapist)
    with pytest.raises(ValidationError) as refused:
        services.response_enter_from_paper(
            entered_by=therapist,
            patient=patient,
            request=leg,
            answers={"worst-24h": 6},
            submission_key=key,
        )
    assert messages(refused.value) == {"submission_key": [KEY_USED]}
    leg.refresh_from_db()
    assert leg.status == RequestStatus.OPEN
    assert QuestionnaireResponse.objects.count() == 1


def test_a_later_version_of_the_instrument_does_not_change_answers_given(
    patient, therapist, instruments
):
    instrument = instruments["nprs-leg"]
    request = ask(patient, instrument, therapist)
    services.response_save_progress(
        actor=Actor(patient=patient), request=request, answers={"worst-24h": 6}
    )
    instrument.items[0]["text"] = "Reworded"
    instrument.save()
    response, _ = submit(patient, request, {})
    assert response.definition["items"][0]["text"].startswith("How bad was the pain in your leg")
    assert response.total == 6


# --- Paper ------------------------------------------------------------------------------------


def test_staff_enter_paper_answers_as_a_new_ad_hoc_request(patient, therapist, instruments):
    filled = timezone.now() - timedelta(days=2)
    response, created = services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=instruments["lefs"],
        answers=lefs_answers(2, count=19),
        submission_key=uuid.uuid4(),
        completed_at=filled,
    )
    assert created
    assert (response.entered_by, response.completed_at, response.total) == (
        therapist,
        filled,
        Decimal("40.00"),  # 38 over 19 items, prorated to 20
    )
    assert response.request.reason == RequestReason.AD_HOC
    assert response.request.status == RequestStatus.COMPLETED


def test_paper_answers_complete_the_open_request_and_replace_a_draft(
    patient, therapist, instruments
):
    request = ask(patient, instruments["nprs-back"], therapist)
    services.response_save_progress(
        actor=Actor(patient=patient), request=request, answers={"worst-24h": 9}
    )
    response, _ = services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=instruments["nprs-back"],
        answers={"worst-24h": 4},
        submission_key=uuid.uuid4(),
    )
    assert response.request_id == request.pk
    assert (response.total, response.entered_by) == (4, therapist)
    assert QuestionnaireRequest.objects.count() == 1


def test_paper_entry_is_refused_for_the_wrong_staff_and_bad_input(
    patient, other_patient, front_desk, other_clinic_therapist, therapist, instruments
):
    paper = {
        "patient": patient,
        "instrument": instruments["nprs-back"],
        "answers": {"worst-24h": 4},
        "submission_key": uuid.uuid4(),
    }
    with pytest.raises(PermissionDenied):
        services.response_enter_from_paper(entered_by=front_desk, **paper)
    with pytest.raises(ValidationError) as refused:
        services.response_enter_from_paper(entered_by=other_clinic_therapist, **paper)
    assert messages(refused.value) == {"patient": ["No such patient in your clinic."]}
    with pytest.raises(ValidationError) as refused:
        services.response_enter_from_paper(
            entered_by=therapist, **paper, completed_at=timezone.now() + timedelta(hours=1)
        )
    assert "completed_at" in messages(refused.value)
    theirs = ask(other_patient, instruments["nprs-leg"], therapist)
    with pytest.raises(ValidationError) as refused:
        services.response_enter_from_paper(
            entered_by=therapist,
            patient=patient,
            request=theirs,
            answers={"worst-24h": 4},
            submission_key=uuid.uuid4(),
        )
    assert "request" in messages(refused.value)
    bad = {**paper, "answers": {"worst-24h": 12}}
    with pytest.raises(ValidationError):
        services.response_enter_from_paper(entered_by=therapist, **bad)
    # Nothing half-saved: not even the ad hoc request the paper entry would have made.
    assert not QuestionnaireRequest.objects.filter(patient=patient).exists()
    assert not QuestionnaireResponse.objects.filter(patient=patient).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_paper_entries_with_one_key_record_once(patient, therapist, instruments):
    # A double click on the paper page: every submission passes the first look for the key
    # before any commits; those that waited for the patient's lock must find it then, not
    # make a second ad hoc request and trip on the key (a 500).
    key = uuid.uuid4()
    outcomes: list[object] = []
    barrier = threading.Barrier(6)

    def enter() -> None:
        barrier.wait()
        try:
            response, created = services.response_enter_from_paper(
                entered_by=therapist,
                patient=patient,
                instrument=instruments["nprs-back"],
                answers={"worst-24h": 4},
                submission_key=key,
            )
            outcomes.append((response.pk, created))
        except Exception as exc:  # any failure is the test's failure, reported below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enter) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [pk] = QuestionnaireResponse.objects.values_list("pk", flat=True)
    assert sorted(outcomes, key=str) == [(pk, False)] * 5 + [(pk, True)]
    assert QuestionnaireRequest.objects.filter(patient=patient).count() == 1


# --- Audit and interpretation -----------------------------------------------------------------


def test_requests_and_answers_are_in_the_audit_trail(patient, therapist, instruments):
    request = ask(patient, instruments["nprs-back"], therapist)
    _response, _ = submit(patient, request, {"worst-24h": 5})
    created = AuditEvent.objects.filter(action=AuditAction.CREATE, patient_id=patient.pk)
    assert {event.object_type for event in created} >= {
        "questionnairerequest",
        "questionnaireresponse",
    }
    updated = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="questionnairerequest", patient_id=patient.pk
    ).last()
    assert "status" in updated.fields


def test_a_patients_scores_are_interpreted_by_the_clinics_mcid(patient, therapist, instruments):
    nprs = instruments["nprs-back"]
    for worst in (8, 7, 5):
        submit(patient, ask(patient, nprs, therapist), {"worst-24h": worst})
    series = selectors.score_series(patient, nprs)
    assert [entry.value.total for entry in series] == [8, 7, 5]
    assert series[1].since_first.classification == ChangeClass.NO_IMPORTANT_CHANGE
    assert series[2].since_first.classification == ChangeClass.IMPROVED
    # The clinic asks for 4 points: 8 → 5 is no longer important.
    ClinicInstrumentSetting.objects.create(
        clinic=patient.clinic, instrument=nprs, mcid_rule="absolute", mcid_absolute=4
    )
    series = selectors.score_series(patient, nprs)
    assert series[2].since_first.classification == ChangeClass.NO_IMPORTANT_CHANGE
