"""The questionnaires API: instruments, requests and responses, through HTTP as each role.

Who may reach each operation is the authorization matrix's (tests/test_authorization_matrix.py);
here, what the answers say and how bad input is refused, with nothing half-saved.
"""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from clinic.access import Actor
from questionnaires import selectors, services
from questionnaires.models import (
    ClinicInstrumentSetting,
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
    RequestStatus,
)
from records.record import patient_record
from tests.factories import LicensedInstrumentFactory, PatientFactory, licensed_items
from tests.questionnaire_answers import answer_on_paper

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/questionnaire-requests/"
RESPONSES = "/api/v1/questionnaire-responses/"
INSTRUMENTS = "/api/v1/instruments/"


def post(client, url, body):
    return client.post(url, data=body, content_type="application/json")


@pytest.fixture
def nprs_back(instruments) -> Instrument:
    return instruments["nprs-back"]


@pytest.fixture
def asked(patient, therapist, nprs_back) -> QuestionnaireRequest:
    return services.request_create(patient=patient, instrument=nprs_back, requested_by=therapist)


def submit_as_patient(patient, request, value, *, days_ago=0):
    response, _ = services.response_submit(
        actor=Actor(patient=patient),
        request=request,
        answers={"worst-24h": value},
        submission_key=uuid.uuid4(),
    )
    if days_ago:
        QuestionnaireResponse.objects.filter(pk=response.pk).update(
            completed_at=timezone.now() - timedelta(days=days_ago)
        )
    return response


# --- Instruments ------------------------------------------------------------------------------


def test_the_instruments_list_shows_items_scoring_mcid_source_and_licence_terms(
    client_as, instruments
):
    body = client_as("therapist").get(INSTRUMENTS).json()
    by_slug = {row["slug"]: row for row in body["results"]}
    assert {"nprs-back", "nprs-leg", "psfs", "lefs"} <= set(by_slug)
    nprs = by_slug["nprs-back"]
    assert nprs["items"][0]["id"] == "worst-24h"
    assert (nprs["scoring_method"], nprs["better"]) == ("sum", "lower")
    assert nprs["mcid"]["rule"] == "either"
    assert nprs["mcid"]["description"] == "2 points or 30 %"
    assert nprs["mcid"]["is_clinic_own"] is False
    assert nprs["source"]
    assert nprs["licence_terms"]
    assert nprs["is_shipped"] is True


def test_the_list_shows_the_clinics_own_mcid_and_leaves_out_what_it_turned_off(
    client_as, clinic, instruments
):
    ClinicInstrumentSetting.objects.create(
        clinic=clinic,
        instrument=instruments["nprs-back"],
        mcid_rule="absolute",
        mcid_absolute=3,
        mcid_source="Our own audit, 2025.",
    )
    ClinicInstrumentSetting.objects.create(
        clinic=clinic, instrument=instruments["lefs"], enabled=False
    )
    body = client_as("therapist").get(INSTRUMENTS).json()
    by_slug = {row["slug"]: row for row in body["results"]}
    assert "lefs" not in by_slug
    mcid = by_slug["nprs-back"]["mcid"]
    assert (mcid["description"], mcid["is_clinic_own"]) == ("3 points", True)
    assert mcid["source"] == "Our own audit, 2025."


def test_another_clinics_instrument_is_not_there(client_as, other_clinic):
    theirs = LicensedInstrumentFactory(clinic=other_clinic)
    client = client_as("therapist")
    assert client.get(f"{INSTRUMENTS}{theirs.pk}/").status_code == 404
    assert theirs.slug not in {row["slug"] for row in client.get(INSTRUMENTS).json()["results"]}


def licensed_body(**changes) -> dict:
    body = {
        "slug": "odi",
        "version": "2.1a",
        "name": "Oswestry Disability Index",
        "short_name": "ODI",
        "measures": "Disability from low-back pain.",
        "domain": "function",
        "instructions": "Choose the statement that fits you best in each section.",
        "items": licensed_items(10),
        "scoring_method": "percent_of_max",
        "score_min": "0",
        "score_max": "100",
        "better": "lower",
        "missing_items_allowed": 1,
        "mcid_rule": "either",
        "mcid_absolute": "10",
        "mcid_relative_percent": "30",
        "mcid_source": "Ostelo 2008",
        "source": "Fairbank JC, Pynsent PB. Spine 2000;25(22):2940-52.",
        "licence_terms": "Licensed to our clinic by its owner; not for redistribution.",
    }
    body.update(changes)
    return body


def test_a_clinic_admin_adds_a_licensed_instrument_as_data(client_as, clinic):
    response = post(client_as("clinic_admin"), INSTRUMENTS, licensed_body())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["licence_terms"] == "Licensed to our clinic by its owner; not for redistribution."
    assert body["is_shipped"] is False
    assert body["domain"] == "function"
    instrument = Instrument.objects.get(pk=body["id"])
    assert instrument.clinic_id == clinic.pk
    # Therapists of the clinic may now ask for it, with its terms shown.
    listed = client_as("therapist").get(INSTRUMENTS).json()["results"]
    assert "odi" in {row["slug"] for row in listed}


@pytest.mark.parametrize("role", ["therapist", "front_desk", "patient"])
def test_only_a_clinic_admin_adds_an_instrument(client_as, role):
    assert post(client_as(role), INSTRUMENTS, licensed_body()).status_code == 403
    assert not Instrument.objects.filter(slug="odi").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"licence_terms": "  "}, "licence_terms"),
        ({"source": ""}, "source"),
        ({"items": "not a list"}, "items"),
        ({"score_max": "50"}, "score_min"),  # the items give 0-100: the range is named
        ({"mcid_rule": "absolute"}, "mcid_rule"),  # a percentage given to a points-only rule
        ({"domain": "mood"}, "domain"),
        ({"domain": None}, "domain"),
    ],
)
def test_a_bad_instrument_is_refused_naming_the_field_and_nothing_is_saved(
    client_as, changes, field
):
    response = post(client_as("clinic_admin"), INSTRUMENTS, licensed_body(**changes))
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Instrument.objects.filter(slug="odi").exists()


def test_an_instrument_must_say_what_it_rates_and_a_pain_scale_is_listed_as_pain(
    client_as, instruments
):
    client = client_as("clinic_admin")
    without = licensed_body()
    del without["domain"]
    response = post(client, INSTRUMENTS, without)
    assert response.status_code == 400
    assert list(response.json()) == ["domain"]
    created = post(client, INSTRUMENTS, licensed_body(slug="own-vas", domain="pain")).json()
    assert created["domain"] == "pain"
    listed = client_as("therapist").get(INSTRUMENTS).json()["results"]
    assert {row["slug"]: row["domain"] for row in listed} == {
        "nprs-back": "pain",
        "nprs-leg": "pain",
        "psfs": "function",
        "lefs": "function",
        "own-vas": "pain",
    }


def test_the_same_slug_and_version_twice_is_refused(client_as):
    client = client_as("clinic_admin")
    assert post(client, INSTRUMENTS, licensed_body()).status_code == 201
    response = post(client, INSTRUMENTS, licensed_body())
    assert response.status_code == 400
    assert list(response.json()) == ["slug"]
    assert Instrument.objects.filter(slug="odi").count() == 1
    assert post(client, INSTRUMENTS, licensed_body(version="2.2")).status_code == 201


# --- Requests ---------------------------------------------------------------------------------


def test_a_therapist_asks_and_lists_and_cancels(client_as, patient, nprs_back):
    client = client_as("therapist")
    response = post(client, REQUESTS, {"patient": patient.pk, "instrument": nprs_back.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["patient"], body["instrument"], body["status"]) == (
        patient.pk,
        nprs_back.pk,
        "open",
    )
    assert body["licence_terms"] == nprs_back.licence_terms
    assert body["response"] is None
    listed = client.get(f"{REQUESTS}?patient={patient.pk}&status=open").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    cancelled = post(client, f"{REQUESTS}{body['id']}/cancel/", {})
    assert cancelled.json()["status"] == "cancelled"
    assert client.get(f"{REQUESTS}?status=open").json()["results"] == []


def test_an_instrument_the_clinic_turned_off_is_refused_on_instrument(
    client_as, clinic, patient, nprs_back
):
    ClinicInstrumentSetting.objects.create(clinic=clinic, instrument=nprs_back, enabled=False)
    response = post(
        client_as("therapist"), REQUESTS, {"patient": patient.pk, "instrument": nprs_back.pk}
    )
    assert response.status_code == 400
    assert response.json() == {"instrument": ["Your clinic has turned this questionnaire off."]}
    assert not QuestionnaireRequest.objects.exists()


def test_another_clinics_instrument_or_patient_is_refused_naming_the_field(
    client_as, patient, foreign_patient, other_clinic, nprs_back
):
    client = client_as("therapist")
    theirs = LicensedInstrumentFactory(clinic=other_clinic)
    response = post(client, REQUESTS, {"patient": patient.pk, "instrument": theirs.pk})
    assert (response.status_code, list(response.json())) == (400, ["instrument"])
    response = post(client, REQUESTS, {"patient": foreign_patient.pk, "instrument": nprs_back.pk})
    assert (response.status_code, list(response.json())) == (400, ["patient"])
    assert not QuestionnaireRequest.objects.exists()


def test_a_patient_sees_only_their_own_requests(client_as, asked, other_patient, therapist):
    mine = client_as("patient").get(REQUESTS).json()["results"]
    assert [row["id"] for row in mine] == [asked.pk]
    assert client_as("other_patient").get(REQUESTS).json()["results"] == []
    assert client_as("other_patient").get(f"{REQUESTS}{asked.pk}/").status_code == 404


# --- Responses: submitting --------------------------------------------------------------------


def test_a_patient_submits_once_and_a_repeat_with_the_same_key_is_a_200(client_as, asked):
    client = client_as("patient")
    body = {"request": asked.pk, "answers": {"worst-24h": 6}, "submission_key": str(uuid.uuid4())}
    first = post(client, RESPONSES, body)
    assert first.status_code == 201, first.json()
    again = post(client, RESPONSES, body)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert QuestionnaireResponse.objects.count() == 1
    answered = first.json()
    assert (answered["total"], answered["score_valid"], answered["missing_items"]) == (
        "6.00",
        True,
        0,
    )
    assert answered["interpretation"]["is_baseline"] is True
    asked.refresh_from_db()
    assert asked.status == RequestStatus.COMPLETED


def test_a_key_used_for_another_request_is_a_400_on_submission_key(
    client_as, patient, therapist, asked, instruments
):
    client = client_as("patient")
    key = str(uuid.uuid4())
    body = {"request": asked.pk, "answers": {"worst-24h": 6}, "submission_key": key}
    assert post(client, RESPONSES, body).status_code == 201
    leg = services.request_create(
        patient=patient, instrument=instruments["nprs-leg"], requested_by=therapist
    )
    response = post(client, RESPONSES, {**body, "request": leg.pk})
    assert response.status_code == 400
    assert list(response.json()) == ["submission_key"]
    assert "another questionnaire" in response.json()["submission_key"][0]
    leg.refresh_from_db()
    assert leg.status == RequestStatus.OPEN


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"worst-24h": 11}, "answers.worst-24h"),
        ({"worst-24h": "lots"}, "answers.worst-24h"),
        ({"elbow": 3}, "answers.elbow"),
    ],
)
def test_a_bad_answer_is_refused_naming_the_item_and_nothing_is_saved(
    client_as, asked, answers, key
):
    response = post(
        client_as("patient"),
        RESPONSES,
        {"request": asked.pk, "answers": answers, "submission_key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert key in response.json(), response.json()
    assert not QuestionnaireResponse.objects.exists()
    asked.refresh_from_db()
    assert asked.status == RequestStatus.OPEN


def test_another_patients_request_is_a_404_and_nothing_is_saved(client_as, asked):
    response = post(
        client_as("other_patient"),
        RESPONSES,
        {"request": asked.pk, "answers": {"worst-24h": 2}, "submission_key": str(uuid.uuid4())},
    )
    assert response.status_code == 404
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("role", ["therapist", "clinic_admin", "front_desk"])
def test_staff_do_not_submit_as_the_patient(client_as, asked, role):
    response = post(
        client_as(role),
        RESPONSES,
        {"request": asked.pk, "answers": {"worst-24h": 2}, "submission_key": str(uuid.uuid4())},
    )
    assert response.status_code == 403
    assert not QuestionnaireResponse.objects.exists()


# --- Responses: reading -----------------------------------------------------------------------


def test_a_response_carries_its_interpretation_since_the_first_and_the_previous(
    client_as, patient, therapist, nprs_back
):
    first = services.request_create(patient=patient, instrument=nprs_back, requested_by=therapist)
    submit_as_patient(patient, first, 6, days_ago=20)
    second = services.request_create(patient=patient, instrument=nprs_back, requested_by=therapist)
    submit_as_patient(patient, second, 5, days_ago=10)
    third = services.request_create(patient=patient, instrument=nprs_back, requested_by=therapist)
    latest = submit_as_patient(patient, third, 3)
    body = client_as("therapist").get(f"{RESPONSES}{latest.pk}/").json()
    since_first = body["interpretation"]["since_first"]
    assert since_first["classification"] == "improved"
    assert since_first["words"] == "6 → 3, an important improvement (MCID 2 points or 30 %)"
    assert since_first["delta"] == "-3.00"
    since_previous = body["interpretation"]["since_previous"]
    # 5 → 3 is 2 points: the MCID reached exactly counts.
    assert since_previous["classification"] == "improved"
    listed = client_as("therapist").get(f"{RESPONSES}?patient={patient.pk}").json()["results"]
    assert listed[0]["id"] == latest.pk
    assert [row["interpretation"]["is_baseline"] for row in listed] == [False, False, True]
    middle = listed[1]["interpretation"]["since_previous"]
    assert middle["classification"] == "no_important_change"


def test_an_invalid_score_is_never_a_zero(client_as, patient, therapist, instruments):
    lefs = instruments["lefs"]
    asked = services.request_create(patient=patient, instrument=lefs, requested_by=therapist)
    answers = {f"lefs-{n}": 3 for n in range(1, 16)}  # 5 of 20 missing, 2 allowed
    response = post(
        client_as("patient"),
        RESPONSES,
        {"request": asked.pk, "answers": answers, "submission_key": str(uuid.uuid4())},
    )
    body = response.json()
    assert response.status_code == 201, body
    assert (body["total"], body["score_valid"], body["missing_items"]) == (None, False, 5)
    assert body["unanswered_items"] == [f"lefs-{n}" for n in range(16, 21)]


def test_an_api_read_of_answers_is_in_the_audit_trail(client_as, patient, therapist, asked):
    answered = submit_as_patient(patient, asked, 4)
    before = AuditEvent.objects.filter(action=AuditAction.READ).count()
    assert client_as("therapist").get(f"{RESPONSES}{answered.pk}/").status_code == 200
    reads = AuditEvent.objects.filter(action=AuditAction.READ).order_by("id")
    assert reads.count() == before + 1
    read = reads.last()
    assert (read.actor_user_id, read.patient_id) == (therapist.pk, patient.pk)


def test_the_front_desk_sees_no_answers(client_as, patient, asked):
    submit_as_patient(patient, asked, 4)
    assert client_as("front_desk").get(RESPONSES).status_code == 403
    assert client_as("front_desk").get(REQUESTS).status_code == 403


def test_the_list_reads_a_bounded_number_of_queries(
    client_as, django_assert_max_num_queries, patient, therapist, instruments
):
    for slug in ("nprs-back", "nprs-leg", "psfs"):
        asked = services.request_create(
            patient=patient, instrument=instruments[slug], requested_by=therapist
        )
        if slug != "psfs":
            submit_as_patient(patient, asked, 4)
    client = client_as("therapist")
    # Per page: the session, the patient's scope, the page, its count, and the score
    # histories of the page's patients (two queries), whatever each series holds.
    with django_assert_max_num_queries(20):
        assert client.get(RESPONSES).status_code == 200


# --- Paper ------------------------------------------------------------------------------------


def test_a_therapist_enters_paper_answers_once(client_as, patient, therapist, nprs_back):
    client = client_as("therapist")
    body = {
        "patient": patient.pk,
        "instrument": nprs_back.pk,
        "answers": {"worst-24h": 7},
        "submission_key": str(uuid.uuid4()),
        "completed_at": (timezone.now() - timedelta(hours=2)).isoformat(),
    }
    first = post(client, f"{RESPONSES}paper/", body)
    assert first.status_code == 201, first.json()
    assert first.json()["entered_by"] == therapist.pk
    assert post(client, f"{RESPONSES}paper/", body).status_code == 200
    assert QuestionnaireResponse.objects.count() == 1


def test_a_paper_key_used_for_another_instrument_is_a_400_on_submission_key(
    client_as, patient, nprs_back, instruments
):
    client = client_as("therapist")
    body = {
        "patient": patient.pk,
        "instrument": nprs_back.pk,
        "answers": {"worst-24h": 7},
        "submission_key": str(uuid.uuid4()),
    }
    assert post(client, f"{RESPONSES}paper/", body).status_code == 201
    response = post(
        client, f"{RESPONSES}paper/", {**body, "instrument": instruments["nprs-leg"].pk}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["submission_key"]
    assert QuestionnaireResponse.objects.count() == 1
    assert QuestionnaireRequest.objects.count() == 1


def test_paper_answers_out_of_range_are_refused_and_nothing_is_saved(client_as, patient, nprs_back):
    response = post(
        client_as("therapist"),
        f"{RESPONSES}paper/",
        {
            "patient": patient.pk,
            "instrument": nprs_back.pk,
            "answers": {"worst-24h": -1},
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert "answers.worst-24h" in response.json()
    assert not QuestionnaireResponse.objects.exists()
    assert not QuestionnaireRequest.objects.exists()  # the ad hoc request went with it


def test_paper_for_another_patients_request_is_refused_on_request(client_as, asked, other_patient):
    response = post(
        client_as("therapist"),
        f"{RESPONSES}paper/",
        {
            "patient": other_patient.pk,
            "request": asked.pk,
            "answers": {"worst-24h": 2},
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert list(response.json()) == ["request"]
    assert not QuestionnaireResponse.objects.exists()


def test_the_front_desk_does_not_enter_paper_answers(client_as, patient, nprs_back):
    response = post(
        client_as("front_desk"),
        f"{RESPONSES}paper/",
        {
            "patient": patient.pk,
            "instrument": nprs_back.pk,
            "answers": {"worst-24h": 2},
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 403


def test_the_response_list_reads_the_same_queries_for_5_and_25_patients(
    client_as, clinic, therapist, instruments
):
    def add(count: int) -> None:
        for _ in range(count):
            someone = PatientFactory(clinic=clinic, primary_therapist=therapist)
            for slug in ("nprs-back", "lefs"):
                for days_ago in (20, 10):
                    answer_on_paper(someone, therapist, slug, 2, days_ago=days_ago)

    def queries(client) -> int:
        with CaptureQueriesContext(connection) as context:
            body = client.get(RESPONSES).json()
        assert all(row["interpretation"] is not None for row in body["results"])
        return len(context)

    client = client_as("therapist")
    add(5)
    few = queries(client)
    add(20)
    assert queries(client) == few


def test_a_series_across_versions_is_judged_alike_by_the_api_the_export_and_the_pages(
    client_as, clinic, patient, therapist
):
    """One rule: the MCID of the version of the latest answers, the clinic's own for that
    version when it set one; the API (list and one by one), the export and the pages agree."""
    first = LicensedInstrumentFactory(clinic=clinic, slug="index", version="1")
    second = LicensedInstrumentFactory(clinic=clinic, slug="index", version="2")
    ClinicInstrumentSetting.objects.create(
        clinic=clinic,
        instrument=second,
        mcid_rule="absolute",
        mcid_absolute=40,
        mcid_source="Our own audit.",
    )

    def answer(instrument, value, days_ago):
        response, _ = services.response_enter_from_paper(
            entered_by=therapist,
            patient=patient,
            instrument=instrument,
            answers={f"section-{n}": value for n in range(1, 11)},
            submission_key=uuid.uuid4(),
            completed_at=timezone.now() - timedelta(days=days_ago),
        )
        return response

    answer(first, 2, 30)  # 40 %
    middle = answer(first, 1, 20)  # 20 %: 20 points better, under the clinic's 40 for version 2
    answer(second, 1, 10)
    client = client_as("therapist")
    one = client.get(f"{RESPONSES}{middle.pk}/").json()["interpretation"]["since_first"]
    listed = client.get(RESPONSES, {"patient": patient.pk}).json()["results"]
    in_list = next(row for row in listed if row["id"] == middle.pk)["interpretation"]
    exported = patient_record(patient=patient).questionnaire_interpretations[middle.pk]
    (history,) = selectors.patient_score_histories(patient=patient)
    assert history.instrument == second
    assert (history.clinic_mcid.is_clinic_own, history.clinic_mcid.source) == (
        True,
        "Our own audit.",
    )
    by_history = history.interpretations()[middle.pk].since_first
    assert one["classification"] == "no_important_change"
    assert one["mcid"] == "40 points"
    assert in_list["since_first"]["classification"] == "no_important_change"
    assert exported.since_first.classification == by_history.classification
    assert by_history.classification == "no_important_change"


def test_the_api_lists_say_whose_data_they_showed_in_the_audit_trail(
    client_as, patient, therapist, asked
):
    submit_as_patient(patient, asked, 4)
    services.request_create(
        patient=patient, instrument=Instrument.objects.get(slug="lefs"), requested_by=therapist
    )
    client = client_as("therapist")
    for url, what in ((RESPONSES, "questionnaireresponse"), (REQUESTS, "questionnairerequest")):
        assert client.get(url).status_code == 200
        listed = AuditEvent.objects.filter(action=AuditAction.LIST, object_type=what).last()
        assert listed.actor_user_id == therapist.pk
        assert patient.pk in listed.patient_ids
