"""A patient's data rights: the whole record exported (FHIR, CSV) and anonymisation."""

import csv
import io
import json
import uuid
import zipfile
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from fhir.resources.bundle import Bundle

from assessments import services as assessment_services
from assessments.fhir import resource_uuid
from assessments.fhir_codes import DORSI_CODE_SYSTEMS
from assessments.models import Assessment, AssessmentRevision
from audit.models import AuditAction, AuditEvent
from clinic import services
from clinic.access import Actor
from clinic.models import Patient, PatientAccessLink, PatientStatus
from clinic.selectors import patient_list
from clinic.times import at_local
from dashboard.summaries import clinic_summary, patient_summaries_refresh
from exercises import services as exercise_services
from exercises.models import PrescriptionVersion, SessionLog
from questionnaires import services as questionnaire_services
from questionnaires.models import Instrument, QuestionnaireRequest, QuestionnaireResponse
from records import services as data_rights
from reminders.models import Reminder, ReminderStatus
from scheduling import services as scheduling_services
from scheduling.models import AppointmentKind, CalendarFeed, WorkingHours
from tests.factories import record_knee_to_wall, shipped_instruments_seed
from tests.fhir_checks import (
    assert_codes_documented,
    assert_stands_alone,
    assert_valid_r4,
    codings,
    resolve,
)
from tests.neural.recording import record_neural, slr, slump

pytestmark = pytest.mark.django_db

SECTIONS = [
    "patient.csv",
    "assessments.csv",
    "neural_tests.csv",
    "routines.csv",
    "sessions.csv",
    "appointments.csv",
    "waitlist.csv",
    "reminders.csv",
    "links.csv",
    "questionnaire_requests.csv",
    "questionnaire_answers.csv",
    "progress_reports.csv",
    "audit.csv",
    "columns.csv",
]
# R4 value sets of the status codes we map to (fhir.resources checks structure, not codes).
R4_STATUSES = {
    "Observation": {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
    },
    "Appointment": {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    },
    "CarePlan": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error"},
    "QuestionnaireResponse": {"in-progress", "completed", "amended", "entered-in-error", "stopped"},
    "Communication": {
        "preparation",
        "in-progress",
        "not-done",
        "on-hold",
        "stopped",
        "completed",
        "entered-in-error",
        "unknown",
    },
}


@pytest.fixture
def client_as(client_as, clinic_admin):
    """The cast's clients; a clinic admin's session has entered its two-factor code, as it must
    before it reaches any page (accounts.two_factor)."""

    def make(role: str):
        client = client_as(role)
        if role == "clinic_admin":
            device = TOTPDevice.objects.filter(user=clinic_admin, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=clinic_admin, name="app", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return make


def _log_session(patient, version, *, days_ago: int, comment: str = "", pain: int = 3):
    return exercise_services.session_log_record(
        patient=patient,
        version=version,
        client_token=uuid.uuid4(),
        statuses={item.pk: "done" for item in version.items.all()},
        session_date=patient.clinic.local_now().date() - timedelta(days=days_ago),
        pain=pain,
        comment=comment,
    )[0]


@pytest.fixture
def history(patient, therapist, front_desk, clinic, prescribed):
    """A patient with some of everything: tests (one corrected), a routine with a logged
    session, an appointment and its reminders, a waitlist entry, a link and a calendar feed."""
    patient.reminder_consent = True
    patient.reminder_consent_at = timezone.now()
    patient.save()
    clinic.quiet_hours_start = clinic.quiet_hours_end = time(0)
    clinic.save()
    record_knee_to_wall(
        patient, therapist, left="9.5", right="8", days_ago=21, notes="Sister Clara"
    )
    second = record_knee_to_wall(patient, therapist, left="11", right="10", hip_notes="Hip ok")
    assessment_services.assessment_correct(
        assessment=second.assessment,
        corrected_by=therapist,
        measured_by=therapist,
        unit="cm",
        reason="Typed Alex's left as right",
        data={"measured_at": second.measured_at, "left_distance": "11.5", "right_distance": "10"},
    )
    _log_session(patient, prescribed, days_ago=1, comment="Calf tight after tennis with Bob")
    record_neural(patient, therapist, [slr(), slump("right")], notes="Worse after driving to Ann")
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(0), ends=time(23, 59))
        for day in range(7)
    )
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    starts = at_local(clinic.local_now().date() + timedelta(days=3), time(10), clinic.zone)
    scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        booked_by=front_desk,
        starts_at=starts,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        note="Call her at work, 555-0199",
    )
    scheduling_services.waitlist_add(
        patient=patient,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        added_by=front_desk,
        note="Prefers mornings; ask for Alex",
    )
    services.patient_link_issue(patient=patient, issued_by=front_desk)
    scheduling_services.calendar_feed_issue(created_by=front_desk, patient=patient)
    sent = Reminder.objects.filter(patient=patient).first()
    Reminder.objects.filter(pk=sent.pk).update(
        status=ReminderStatus.SENT, sent_at=timezone.now(), provider_id="x"
    )
    answer_questionnaires(patient, therapist)
    return patient


def answer_questionnaires(patient, therapist) -> None:
    """Back pain 6 then 3 (an important improvement), a PSFS naming an activity, and a leg pain
    asked with a message and not yet answered."""
    shipped_instruments_seed()
    shipped = {i.slug: i for i in Instrument.objects.filter(clinic=None)}
    for value, days_ago in ((6, 14), (3, 0)):
        asked = questionnaire_services.request_create(
            patient=patient, instrument=shipped["nprs-back"], requested_by=therapist
        )
        response, _ = questionnaire_services.response_submit(
            actor=Actor(patient=patient),
            request=asked,
            answers={"worst-24h": value},
            submission_key=uuid.uuid4(),
        )
        QuestionnaireResponse.objects.filter(pk=response.pk).update(
            completed_at=timezone.now() - timedelta(days=days_ago, minutes=1)
        )
    psfs = questionnaire_services.request_create(
        patient=patient, instrument=shipped["psfs"], requested_by=therapist
    )
    questionnaire_services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        request=psfs,
        answers={"activity-1": 4, "activity-2": 6, "activity-3": 5},
        item_labels={
            "activity-1": "Lifting my grandson Theo",
            "activity-2": "Walking the dog",
            "activity-3": "Gardening",
        },
        submission_key=uuid.uuid4(),
    )
    questionnaire_services.request_create(
        patient=patient,
        instrument=shipped["nprs-leg"],
        requested_by=therapist,
        message="Alex, please fill this in before Tuesday",
    )


def _bundle(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/fhir+json"
    return json.loads(response.content)


def _zip(content: bytes) -> dict[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name.split("/")[-1]: list(
                csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            )
            for name in archive.namelist()
        }


# --- Export -------------------------------------------------------------------------------------


def test_the_fhir_bundle_is_valid_r4_and_has_every_section(client_as, history):
    bundle = _bundle(client_as("therapist"), f"/patients/{history.pk}/export.fhir.json")
    parsed = Bundle.parse_obj(bundle)
    assert parsed.type == "collection"
    assert_valid_r4(bundle)
    assert_stands_alone(bundle)
    assert_codes_documented(bundle)
    assert {c["system"] for c in codings(bundle)} >= set(DORSI_CODE_SYSTEMS)
    resources = [entry["resource"] for entry in bundle["entry"]]
    by_type: dict[str, list[dict]] = {}
    for resource in resources:
        by_type.setdefault(resource["resourceType"], []).append(resource)
    assert sorted(by_type) == [
        "Appointment",
        "CarePlan",
        "Communication",
        "Observation",
        "Patient",
        "Practitioner",
        "Questionnaire",
        "QuestionnaireResponse",
    ]
    for kind, allowed in R4_STATUSES.items():
        assert {resource["status"] for resource in by_type[kind]} <= allowed, kind

    [person] = by_type["Patient"]
    assert person["name"][0] == {
        "use": "official",
        "text": "Alex Anders",
        "family": "Anders",
        "given": ["Alex"],
    }
    assert person["birthDate"] == history.date_of_birth.isoformat()
    assert person["gender"] == "unknown"
    assert {t["system"] for t in person["telecom"]} == {"email", "phone"}

    knee_to_wall = [
        o
        for o in by_type["Observation"]
        if o["category"][0]["coding"][0]["code"] == "exam"
        and o["code"]["coding"][0]["system"].endswith("/knee-to-wall")
    ]
    assert len(knee_to_wall) == 4  # two tests, two sides; the correction is current
    corrected = [o for o in knee_to_wall if o["status"] == "amended"]
    assert [o["valueQuantity"]["value"] for o in corrected] == [11.5, 10]
    assert knee_to_wall[0]["note"] == [
        {"text": "Sister Clara"},
        {"text": "Baseline: the first clinic test, which later clinic tests are compared with."},
    ]

    appointments = {a["status"] for a in by_type["Appointment"]}
    assert appointments == {"booked", "waitlist"}
    for appointment in by_type["Appointment"]:  # follow-ups, in HL7 v2-0276 and Dorsi's codes
        assert appointment["appointmentType"]["coding"] == [
            {
                "system": "http://terminology.hl7.org/CodeSystem/v2-0276",
                "code": "FOLLOWUP",
                "display": "A follow up visit from a previous appointment",
            },
            {
                "system": "https://dorsi.dev/fhir/CodeSystem/appointment-kind",
                "code": "follow_up",
                "display": "Follow-up",
            },
        ]
    for appointment in by_type["Appointment"]:
        actors = [resolve(bundle, p["actor"]) for p in appointment["participant"]]
        assert actors[0] is person

    [plan] = by_type["CarePlan"]
    assert plan["status"] == "active"
    assert plan["activity"]
    assert plan["activity"][0]["detail"]["scheduledTiming"]["repeat"] == {
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
        "dayOfWeek": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    }
    [session] = [r for r in by_type["QuestionnaireResponse"] if "basedOn" in r]
    assert resolve(bundle, session["basedOn"][0]) is plan
    assert resolve(bundle, plan["author"])["resourceType"] == "Practitioner"
    answers = {item["linkId"]: item["answer"][0] for item in session["item"]}
    assert answers["pain"] == {"valueInteger": 3}
    assert answers["comment"] == {"valueString": "Calf tight after tennis with Bob"}

    communications = by_type["Communication"]
    assert len(communications) == Reminder.objects.filter(patient=history).count() >= 2
    assert "completed" in {c["status"] for c in communications}
    ids = [f"{r['resourceType']}/{r['id']}" for r in resources]
    assert len(ids) == len(set(ids))


def test_the_csv_zip_has_one_file_per_section_with_its_rows(client_as, history):
    response = client_as("clinic_admin").get(f"/patients/{history.pk}/export.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="patient-{history.pk}.zip"'
    files = _zip(response.content)
    assert sorted(files) == sorted(SECTIONS)
    [person] = files["patient.csv"]
    assert (person["first_name"], person["last_name"]) == ("Alex", "Anders")
    assert len(files["assessments.csv"]) == 3  # two tests and one correction
    assert {row["correction_reason"] for row in files["assessments.csv"]} == {
        "",
        "Typed Alex's left as right",
    }
    version = PrescriptionVersion.objects.get(prescription__patient=history)
    assert len(files["routines.csv"]) == version.items.count()
    [session] = files["sessions.csv"]
    assert session["done"] == str(version.items.count())
    assert session["logged_by"] == "patient"
    assert len(files["appointments.csv"]) == 1
    assert len(files["waitlist.csv"]) == 1
    assert len(files["reminders.csv"]) == Reminder.objects.filter(patient=history).count()
    assert sorted(row["kind"] for row in files["links.csv"]) == ["calendar feed", "personal link"]
    assert {row["action"] for row in files["audit.csv"]} >= {"create", "update"}


def test_a_formula_in_free_text_is_not_run_by_a_spreadsheet(history, prescribed):
    SessionLog.objects.filter(patient=history).update(comment='=HYPERLINK("http://x")')
    files = _zip(data_rights.patient_export_csv(patient=history))
    assert files["sessions.csv"][0]["comment"] == '\'=HYPERLINK("http://x")'


def test_the_export_reads_a_fixed_number_of_queries_whatever_the_history(
    history, prescribed, therapist
):
    def queries(export) -> int:
        patient = Patient.objects.select_related("clinic", "primary_therapist").get(pk=history.pk)
        with CaptureQueriesContext(connection) as captured:
            export(patient=patient)
        return len(captured)

    before = (queries(data_rights.patient_export_fhir), queries(data_rights.patient_export_csv))
    for days_ago in range(2, 8):
        _log_session(history, prescribed, days_ago=days_ago)
        record_knee_to_wall(history, therapist, days_ago=days_ago)
        QuestionnaireRequest.objects.filter(patient=history, status="open").update(
            status="cancelled", closed_at=timezone.now(), cancelled_by=therapist
        )
        answer_questionnaires(history, therapist)
    after = (queries(data_rights.patient_export_fhir), queries(data_rights.patient_export_csv))
    assert after == before


def test_exports_are_audited_with_who_and_what(client_as, history, therapist):
    client_as("therapist").get(f"/patients/{history.pk}/export.fhir.json")
    client_as("therapist").get(f"/api/v1/patients/{history.pk}/export/?format=csv")
    client_as("patient").get("/me/export.zip")
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT, patient=history).order_by("id")
    assert [(e.note, e.actor_kind) for e in events] == [
        ("FHIR bundle", "therapist"),
        ("CSV", "therapist"),
        ("CSV", "patient"),
    ]
    assert events[0].actor_user_id == therapist.pk
    assert events[2].actor_patient_id == history.pk


PAGE_ACCESS = {
    "anonymous": 302,  # to sign in
    "patient": 403,  # staff pages; their own copy is at /me/
    "other_patient": 403,
    "front_desk": 403,  # sees no clinical record
    "therapist": 200,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize("role", list(PAGE_ACCESS))
@pytest.mark.parametrize("suffix", ["export.fhir.json", "export.zip"])
def test_who_may_export_from_the_patient_page(client_as, patient, role, suffix):
    response = client_as(role).get(f"/patients/{patient.pk}/{suffix}")
    assert response.status_code == PAGE_ACCESS[role]


API_ACCESS = {**PAGE_ACCESS, "anonymous": 401, "patient": 200, "other_patient": 404}


@pytest.mark.parametrize("role", list(API_ACCESS))
def test_who_may_export_through_the_api(client_as, patient, role):
    response = client_as(role).get(f"/api/v1/patients/{patient.pk}/export/?format=fhir")
    assert response.status_code == API_ACCESS[role]
    if response.status_code == 200:
        Bundle.parse_obj(json.loads(response.content))


def test_the_api_names_an_unknown_format(client_as, patient):
    response = client_as("therapist").get(f"/api/v1/patients/{patient.pk}/export/?format=xml")
    assert response.status_code == 400
    assert "format" in response.json()


def test_a_patient_exports_their_own_record_and_no_one_elses(client_as, patient, other_patient):
    bundle = _bundle(client_as("patient"), "/me/export.fhir.json")
    [person] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert person["id"] == str(resource_uuid(f"Patient/{patient.pk}"))
    files = _zip(client_as("other_patient").get("/me/export.zip").content)
    assert files["patient.csv"][0]["patient_id"] == str(other_patient.pk)
    assert client_as("anonymous").get("/me/export.zip").status_code == 403


def test_the_patient_page_offers_export_only_to_clinical_roles(client_as, patient):
    export = f"/patients/{patient.pk}/export.zip"
    assert export in client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    assert export not in client_as("front_desk").get(f"/patients/{patient.pk}/").content.decode()
    assert "/me/export.zip" in client_as("patient").get("/me/").content.decode()


# --- Anonymise ----------------------------------------------------------------------------------


@pytest.fixture
def discharged(history):
    return services.patient_discharge(patient=history)


def _statistics(patient) -> dict:
    return {
        "assessments": Assessment.objects.filter(patient=patient).count(),
        "revisions": list(
            AssessmentRevision.objects.filter(assessment__patient=patient)
            .order_by("id")
            .values_list("left_distance_um", "right_distance_um", "left_pain", "measured_at")
        ),
        "sessions": list(
            SessionLog.objects.filter(patient=patient).values_list("session_date", "pain")
        ),
        "routines": PrescriptionVersion.objects.filter(prescription__patient=patient).count(),
    }


def test_anonymising_removes_the_identity_and_keeps_the_statistics(
    client_as, discharged, clinic, clinic_admin
):
    born = discharged.date_of_birth
    before = _statistics(discharged)
    patient_summaries_refresh(patient_ids=[discharged.pk])
    summary_before = clinic_summary(clinic=clinic)

    response = client_as("clinic_admin").post(
        f"/patients/{discharged.pk}/anonymise/", {"confirm": "yes"}
    )
    assert response.status_code == 302

    patient = Patient.objects.get(pk=discharged.pk)
    assert patient.full_name == f"Anonymised patient {patient.pk}"
    assert (patient.email, patient.phone) == ("", "")
    assert patient.date_of_birth == date(born.year, 7, 1)
    assert not patient.reminder_consent
    assert patient.reminder_consent_at is None
    assert patient.anonymised_at is not None
    revisions = AssessmentRevision.objects.filter(assessment__patient=patient)
    assert set(revisions.values_list("notes", "hip_notes", "knee_notes")) == {("", "", "")}
    assert "Alex" not in "".join(revisions.values_list("correction_reason", flat=True))
    assert set(SessionLog.objects.filter(patient=patient).values_list("comment", flat=True)) == {""}
    assert patient.appointments.get().note == ""
    assert patient.waitlist.get().note == ""
    assert not PatientAccessLink.objects.filter(patient=patient, revoked_at__isnull=True).exists()
    assert not CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).exists()
    assert not Reminder.objects.filter(patient=patient, status=ReminderStatus.PENDING).exists()

    assert _statistics(patient) == before
    patient_summaries_refresh(patient_ids=[patient.pk])
    assert clinic_summary(clinic=clinic) == summary_before
    admin = Actor(user=clinic_admin)
    assert not patient_list(actor=admin, search="Anders").exists()
    assert patient_list(actor=admin, search="Anonymised").get() == patient

    [event] = AuditEvent.objects.filter(action=AuditAction.ANONYMISE)
    assert (event.patient_id, event.actor_user_id) == (patient.pk, clinic_admin.pk)
    changed = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="patient", patient_id=patient.pk
    )
    assert "first_name" in changed.latest("id").fields


def test_the_api_anonymises_for_a_clinic_admin_only(client_as, discharged):
    url = f"/api/v1/patients/{discharged.pk}/anonymise/"
    assert client_as("therapist").post(url).status_code == 403
    assert client_as("front_desk").post(url).status_code == 403
    assert client_as("other_clinic_therapist").post(url).status_code == 404
    response = client_as("clinic_admin").post(url)
    assert response.status_code == 200
    assert response.json()["full_name"] == f"Anonymised patient {discharged.pk}"


def test_the_page_refuses_other_roles_and_an_unconfirmed_form(client_as, discharged):
    url = f"/patients/{discharged.pk}/anonymise/"
    assert client_as("therapist").post(url, {"confirm": "yes"}).status_code == 403
    assert client_as("front_desk").post(url, {"confirm": "yes"}).status_code == 403
    client_as("clinic_admin").post(url)  # box not ticked
    assert Patient.objects.get(pk=discharged.pk).anonymised_at is None
    page = client_as("clinic_admin").get(f"/patients/{discharged.pk}/").content.decode()
    assert url in page
    assert "cannot be undone" in page
    assert url not in client_as("therapist").get(f"/patients/{discharged.pk}/").content.decode()


def test_an_active_patient_is_not_anonymised(client_as, patient, clinic_admin):
    with pytest.raises(ValidationError) as refused:
        data_rights.patient_anonymise(patient=patient, by=clinic_admin)
    assert "status" in refused.value.message_dict
    response = client_as("clinic_admin").post(f"/api/v1/patients/{patient.pk}/anonymise/")
    assert response.status_code == 400
    assert "status" in response.json()
    assert Patient.objects.get(pk=patient.pk).first_name == "Alex"


def test_a_patient_is_anonymised_once_and_not_re_activated(discharged, clinic_admin):
    data_rights.patient_anonymise(patient=discharged, by=clinic_admin)
    with pytest.raises(ValidationError) as refused:
        data_rights.patient_anonymise(patient=discharged, by=clinic_admin)
    assert "anonymised_at" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.patient_reactivate(patient=discharged)
    assert Patient.objects.get(pk=discharged.pk).status == PatientStatus.DISCHARGED
    assert AuditEvent.objects.filter(action=AuditAction.ANONYMISE).count() == 1


def test_the_service_checks_the_policy_too(discharged, therapist, other_clinic_therapist):
    for person in (therapist, other_clinic_therapist):
        with pytest.raises(PermissionDenied):
            data_rights.patient_anonymise(patient=discharged, by=person)


def test_nothing_is_half_saved_when_anonymising_fails(discharged, clinic_admin, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(data_rights, "_anonymise_contact", fail)
    with pytest.raises(RuntimeError):
        data_rights.patient_anonymise(patient=discharged, by=clinic_admin)
    patient = Patient.objects.get(pk=discharged.pk)
    assert (patient.first_name, patient.last_name) == ("Alex", "Anders")
    assert patient.anonymised_at is None
    assert AssessmentRevision.objects.filter(notes="Sister Clara").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ANONYMISE).exists()


# --- Outcome questionnaires in the copy and in anonymisation ------------------------------------


def test_the_fhir_bundle_has_each_questionnaire_its_answers_and_each_valid_score(
    client_as, history, therapist
):
    bundle = _bundle(client_as("therapist"), f"/patients/{history.pk}/export.fhir.json")
    assert_valid_r4(bundle)  # fhir.resources and HL7's schema, entry by entry
    assert_stands_alone(bundle)
    assert_codes_documented(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    questionnaires = {
        f"{r['url']}|{r['version']}": r for r in resources if r["resourceType"] == "Questionnaire"
    }
    nprs = Instrument.objects.get(clinic=None, slug="nprs-back")
    assert set(questionnaires) == {
        "https://dorsi.dev/fhir/Questionnaire/nprs-back|1",
        "https://dorsi.dev/fhir/Questionnaire/psfs|1",
    }  # the leg pain was asked, not answered: no answers, no Questionnaire
    back = questionnaires["https://dorsi.dev/fhir/Questionnaire/nprs-back|1"]
    assert back["copyright"] == nprs.licence_terms
    assert back["item"][0]["type"] == "integer"  # a 0-10 rating, anchors in its text

    answers = [
        r for r in resources if r["resourceType"] == "QuestionnaireResponse" and "basedOn" not in r
    ]
    assert len(answers) == 3
    for response in answers:
        assert response["questionnaire"] in questionnaires
        assert response["status"] == "completed"
        assert resolve(bundle, response["source"])["resourceType"] == "Patient"
    [paper] = [r for r in answers if r["questionnaire"].endswith("psfs|1")]
    assert resolve(bundle, paper["author"])["resourceType"] == "Practitioner"
    assert paper["author"]["display"] == str(therapist)
    first_activity = paper["item"][0]
    assert first_activity["item"] == [
        {
            "linkId": "activity-1.name",
            "text": "The activity named",
            "answer": [{"valueString": "Lifting my grandson Theo"}],
        },
        {"linkId": "activity-1.rating", "answer": [{"valueInteger": 4}]},
    ]

    scores = [
        r
        for r in resources
        if r["resourceType"] == "Observation" and r["category"][0]["coding"][0]["code"] == "survey"
    ]
    assert len(scores) == 3
    back_scores = [s for s in scores if s["code"]["coding"][0]["system"] == "http://loinc.org"]
    assert [s["valueQuantity"]["value"] for s in back_scores] == [6, 3]
    assert back_scores[0]["code"]["coding"][0]["code"] == "72514-3"
    latest = back_scores[1]
    assert resolve(bundle, latest["derivedFrom"][0])["resourceType"] == "QuestionnaireResponse"
    codes = {(c["system"], c["code"]) for c in latest["interpretation"][0]["coding"]}
    assert codes == {
        ("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "B"),
        ("https://dorsi.dev/fhir/CodeSystem/questionnaire-change", "improved"),
    }
    assert latest["note"] == [
        {"text": "Since the first score: 6 → 3, an important improvement (MCID 2 points or 30 %)"}
    ]
    assert back_scores[0]["note"][0]["text"].startswith("Baseline")
    psfs_score = next(s for s in scores if s not in back_scores)
    assert psfs_score["valueQuantity"]["value"] == 5  # the mean of 4, 6 and 5, as stored


def test_the_csv_zip_has_the_requests_and_the_answers_with_their_change(client_as, history):
    files = _zip(client_as("therapist").get(f"/patients/{history.pk}/export.zip").content)
    requests = files["questionnaire_requests.csv"]
    assert len(requests) == 4
    assert {row["status"] for row in requests} == {"completed", "open"}
    assert "Alex, please fill this in before Tuesday" in {row["message"] for row in requests}
    answers = files["questionnaire_answers.csv"]
    assert len(answers) == 3
    back = [row for row in answers if row["answers"].startswith("worst-24h")]
    assert [(row["total"], row["change_since_first"]) for row in back] == [
        ("6.00", ""),
        ("3.00", "improved"),
    ]
    [psfs] = [row for row in answers if row["activities_named"]]
    assert "activity-2: Walking the dog" in psfs["activities_named"]
    assert psfs["entered_by"] != "patient"


def test_anonymising_clears_named_activities_and_messages_and_keeps_the_scores(
    discharged, clinic_admin
):
    scores = list(
        QuestionnaireResponse.objects.filter(patient=discharged)
        .order_by("id")
        .values_list("total", "answers", "completed_at")
    )
    data_rights.patient_anonymise(patient=discharged, by=clinic_admin)
    responses = QuestionnaireResponse.objects.filter(patient=discharged).order_by("id")
    assert list(responses.values_list("total", "answers", "completed_at")) == scores
    assert all(labels == {} for labels in responses.values_list("item_labels", flat=True))
    requests = QuestionnaireRequest.objects.filter(patient=discharged)
    assert set(requests.values_list("message", flat=True)) == {""}
    assert not requests.filter(status="open").exists()  # nobody is left to answer it
    files = _zip(data_rights.patient_export_csv(patient=discharged))
    assert "Theo" not in files["questionnaire_answers.csv"].__repr__()
    assert "Alex" not in files["questionnaire_requests.csv"].__repr__()
