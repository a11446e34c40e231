"""The audit trail in plain words (issue 17, item 4): sentences rendered from the stored event by
audit/describe.py, names looked up once a page, search by name, a bad filter lists nothing."""

import csv
import io
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services as assessment_services
from audit.describe import describe, describe_events, names_for
from audit.models import AuditAction, AuditEvent
from audit.views import CSV_COLUMNS
from clinic.models import Patient, PatientStatus
from tests.factories import PatientFactory, record_knee_to_wall

pytestmark = pytest.mark.django_db


def event(clinic, *, actor=None, **fields) -> AuditEvent:
    """A row as the trail writes it (the sentence is made from the row alone)."""
    who = {"actor_kind": "system", "actor_label": "task reminders.sweep"}
    if actor is not None:
        who = {"actor_kind": actor.role, "actor_user": actor, "actor_label": actor.get_full_name()}
    return AuditEvent.objects.create(clinic=clinic, **who, **fields)


def sentence(row: AuditEvent) -> str:
    names = names_for([row], clinic_id=row.clinic_id)
    return describe(row, names, zone=row.clinic.zone)


def test_a_correction_reads_with_the_staff_members_and_the_patients_names(
    clinic, therapist, patient
):
    first = record_knee_to_wall(patient, therapist, days_ago=3)
    corrected = assessment_services.assessment_correct(
        assessment=first.assessment,
        corrected_by=therapist,
        measured_by=therapist,
        unit="cm",
        reason="typo",
        data={"measured_at": first.measured_at, "left_distance": "11", "right_distance": "10"},
    )
    row = event(
        clinic,
        actor=therapist,
        action=AuditAction.CREATE,
        object_type="assessmentrevision",
        object_id=str(corrected.pk),
        patient=patient,
    )
    day = first.measured_at.astimezone(clinic.zone)
    assert sentence(row) == (
        f"Maya Okafor corrected the knee-to-wall test of {day:%-d %b %Y} for Alex Anders."
    )
    first_row = event(
        clinic,
        actor=therapist,
        action=AuditAction.CREATE,
        object_type="assessmentrevision",
        object_id=str(first.pk),
        patient=patient,
    )
    assert "Maya Okafor recorded the knee-to-wall test of" in sentence(first_row)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"action": AuditAction.SIGN_IN, "object_type": "user"},
            "Jordan Blake signed in.",
        ),
        (
            {"action": AuditAction.UPDATE, "object_type": "patient", "fields": ["email", "phone"]},
            "Jordan Blake changed the details of Alex Anders: email, phone.",
        ),
        (
            {"action": AuditAction.READ, "object_type": "patient"},
            "Jordan Blake opened the record of Alex Anders.",
        ),
        (
            {"action": AuditAction.EXPORT, "object_type": "patient", "note": "CSV"},
            "Jordan Blake exported the record of Alex Anders (CSV).",
        ),
        (
            {"action": AuditAction.EXPORT, "object_type": "audit trail", "with_patient": False},
            "Jordan Blake exported the audit trail.",
        ),
        (
            {"action": AuditAction.UPDATE, "object_type": "gizmo", "object_id": "7"},
            "Jordan Blake changed a gizmo for Alex Anders (#7).",
        ),
    ],
)
def test_events_read_as_sentences_and_unknown_types_as_a_generic_one(
    clinic, clinic_admin, patient, fields, expected
):
    fields = dict(fields)
    with_patient = fields.pop("with_patient", True)
    if fields["object_type"] == "user":
        fields["object_id"] = str(clinic_admin.pk)
        with_patient = False
    row = event(clinic, actor=clinic_admin, patient=patient if with_patient else None, **fields)
    assert sentence(row) == expected


def test_the_role_reads_in_words(clinic, clinic_admin, front_desk, patient):
    rows = [
        event(clinic, actor=clinic_admin, action=AuditAction.SIGN_IN, object_type="user"),
        event(clinic, actor=front_desk, action=AuditAction.SIGN_IN, object_type="user"),
        event(clinic, action=AuditAction.UPDATE, object_type="patient", patient=patient),
        AuditEvent.objects.create(
            clinic=clinic,
            actor_kind="patient",
            actor_patient=patient,
            actor_label=f"patient {patient.pk}",
            action=AuditAction.CREATE,
            object_type="sessionlog",
            patient=patient,
        ),
    ]
    described = describe_events(rows, clinic_id=clinic.pk, zone=clinic.zone)
    assert [(item.who, item.role) for item in described] == [
        ("Jordan Blake", "Clinic admin"),
        ("Sam Lee", "Front desk"),
        ("Dorsi (task reminders.sweep)", "Dorsi (automatic)"),
        ("Alex Anders", "Patient"),
    ]
    assert described[3].sentence == "Alex Anders logged a home exercise session for Alex Anders."


def test_an_anonymised_patient_never_shows_the_old_name(clinic, clinic_admin, patient):
    row = event(
        clinic,
        actor=clinic_admin,
        action=AuditAction.READ,
        object_type="patient",
        patient=patient,
    )
    # As records.services.patient_anonymise leaves the row (names replaced, date stamped).
    Patient.objects.filter(pk=patient.pk).update(
        first_name="Anonymised",
        last_name=f"patient {patient.pk}",
        status=PatientStatus.DISCHARGED,
        discharged_at=datetime(2026, 1, 1, tzinfo=clinic.zone),
        anonymised_at=datetime(2026, 1, 2, tzinfo=clinic.zone),
    )
    text = sentence(row)
    assert text == f"Jordan Blake opened the record of anonymised patient #{patient.pk}."
    assert "Anders" not in text


def test_another_clinics_patient_stays_a_number(clinic, clinic_admin, foreign_patient):
    row = event(
        clinic,
        actor=clinic_admin,
        action=AuditAction.DENIED,
        object_type="patient",
        object_id=str(foreign_patient.pk),
        note="Answered 404.",
    )
    text = sentence(row)
    assert f"patient #{foreign_patient.pk}" in text
    assert foreign_patient.last_name not in text


# --- The page ----------------------------------------------------------------------------------


def test_the_page_shows_names_roles_and_sentences(client_as, patient):
    client_as("therapist").get(f"/patients/{patient.pk}/")
    page = client_as("clinic_admin").get("/audit/?action=read").content.decode()
    assert "Maya Okafor opened the record of Alex Anders." in page
    assert ">Therapist<" in page
    assert "clinic_admin" not in page.split("<tbody>")[1]


def test_searching_a_patients_name_finds_their_events(client_as, patient, other_patient):
    therapist = client_as("therapist")
    therapist.get(f"/patients/{patient.pk}/")
    therapist.get(f"/patients/{other_patient.pk}/")
    admin = client_as("clinic_admin")
    found = admin.get("/audit/?q=Anders&action=read").content.decode()
    assert "opened the record of Alex Anders" in found
    assert "Bianca Baker" not in found.split("<tbody>")[1]
    both_words = admin.get("/audit/?q=alex+anders&action=read").content.decode()
    assert "opened the record of Alex Anders" in both_words


def test_searching_a_staff_members_name_finds_what_they_did(client_as, patient):
    client_as("therapist").get(f"/patients/{patient.pk}/")
    client_as("front_desk").get(f"/patients/{patient.pk}/")
    found = client_as("clinic_admin").get("/audit/?q=Okafor&action=read").content.decode()
    rows = found.split("<tbody>")[1]
    assert "Maya Okafor opened the record of Alex Anders." in rows
    assert "Sam Lee" not in rows


def test_a_list_that_showed_the_patient_is_found_by_name(client_as, patient):
    if not connection.features.supports_json_field_contains:
        pytest.skip("PostgreSQL: lists are found by the ids they hold")
    client_as("therapist").get("/patients/")
    found = client_as("clinic_admin").get("/audit/?q=Anders&action=list").content.decode()
    assert "on the patient list" in found


def test_a_bad_filter_shows_the_error_and_no_rows(client_as, patient):
    client_as("therapist").get(f"/patients/{patient.pk}/")
    response = client_as("clinic_admin").get("/audit/?patient=Anders")
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Patient: Enter the patient&#x27;s number; to find a patient by name, use Search." in page
    )
    assert "opened the record of" not in page
    assert "Nothing is listed until the search above can be read." in page


def test_a_page_costs_the_same_queries_however_many_people_it_names(
    client_as, clinic, therapist, front_desk, clinic_admin
):
    admin = client_as("clinic_admin")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert admin.get("/audit/").status_code == 200
        return len(context)

    def add_events(count: int) -> None:
        for number in range(count):
            someone = PatientFactory(clinic=clinic)
            for actor in (therapist, front_desk):
                event(
                    clinic,
                    actor=actor,
                    action=AuditAction.READ,
                    object_type="patient",
                    patient=someone,
                )
            record_knee_to_wall(someone, therapist)
            event(
                clinic,
                action=AuditAction.LIST,
                object_type="patient",
                patient_ids=[someone.pk, number],
            )

    add_events(1)
    few = queries()
    add_events(8)
    assert queries() == few


def test_the_csv_keeps_its_columns_and_adds_the_description(client_as, patient):
    client_as("therapist").get(f"/patients/{patient.pk}/")
    response = client_as("clinic_admin").get("/audit/export.csv?action=read")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(body))
    rows = list(reader)
    assert reader.fieldnames[:16] == [
        "at", "actor_kind", "actor_user_id", "actor_patient_id", "actor_label", "action",
        "object_type", "object_id", "patient_id", "patient_ids", "fields", "note", "ip",
        "user_agent", "method", "path",
    ]  # fmt: skip
    assert reader.fieldnames == CSV_COLUMNS
    assert CSV_COLUMNS[-1] == "description"
    assert [row["description"] for row in rows] == ["Maya Okafor opened the record of Alex Anders."]
    assert rows[0]["actor_kind"] == "therapist"  # the stored value, exactly


def test_neural_tests_read_in_words_and_entered_in_error_says_so(clinic, therapist, patient):
    from neural import services as neural_services
    from tests.neural.recording import record_neural

    exam = record_neural(patient, therapist, days_ago=2)
    neural_services.neural_exam_mark_entered_in_error(exam=exam, by=therapist, reason="wrong leg")
    # The rows the receivers wrote; outside a request the actor is Dorsi and no clinic is set.
    rows = list(AuditEvent.objects.filter(object_type="neuralexam").order_by("pk"))
    names = names_for(rows, clinic_id=clinic.pk)
    day = f"{exam.measured_at.astimezone(clinic.zone):%-d %b %Y}"
    assert [describe(row, names, zone=clinic.zone) for row in rows] == [
        f"Dorsi recorded the neural tests (SLR, slump) of {day} for Alex Anders.",
        f"Dorsi marked the neural tests of {day} for Alex Anders entered in error.",
    ]


def test_a_records_details_come_from_the_shown_clinic_only(clinic, therapist, patient):
    """An event naming another clinic's record by id never reads that record's details."""
    from tests.factories import ClinicFactory, StaffFactory

    other_clinic = ClinicFactory()
    elsewhere = PatientFactory(clinic=other_clinic)
    theirs = record_knee_to_wall(elsewhere, StaffFactory(clinic=other_clinic, role="therapist"))
    row = event(
        clinic,
        actor=therapist,
        action=AuditAction.CREATE,
        object_type="assessmentrevision",
        object_id=str(theirs.pk),
    )
    assert "(date unknown)" in sentence(row)
