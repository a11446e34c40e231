import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from clinic import services
from clinic.models import Patient, PatientStatus
from reminders.services import opt_out_url, reminders_opt_out
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


# --- Reads ------------------------------------------------------------------------------------


def test_a_staff_read_of_a_patient_is_recorded_with_who_when_and_where(
    client_as, therapist, patient
):
    client = client_as("therapist")
    before = timezone.now()
    response = client.get(
        f"/patients/{patient.pk}/", HTTP_USER_AGENT="ClinicTablet/1.0", REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    [read] = events(action=AuditAction.READ)
    assert read.patient_id == patient.pk
    assert read.clinic_id == patient.clinic_id
    assert (read.actor_user_id, read.actor_kind) == (therapist.pk, "therapist")
    assert read.actor_label == therapist.get_full_name()
    assert read.at >= before
    assert (read.ip, read.user_agent) == ("10.1.2.3", "ClinicTablet/1.0")
    assert (read.method, read.path) == ("GET", f"/patients/{patient.pk}/")


def test_an_api_read_is_recorded_for_the_token_user(client_as, therapist, patient):
    from rest_framework.test import APIClient

    from tests.conftest import api_token_for

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(therapist)}")
    assert client.get(f"/api/v1/patients/{patient.pk}/").status_code == 200
    [read] = events(action=AuditAction.READ)
    assert (read.actor_user_id, read.patient_id) == (therapist.pk, patient.pk)


def test_lists_record_the_patients_they_showed(client_as, patient, other_patient):
    assert client_as("front_desk").get("/patients/").status_code == 200
    assert client_as("therapist").get("/api/v1/patients/").status_code == 200
    page, api = events(action=AuditAction.LIST)
    assert page.patient_ids == sorted([patient.pk, other_patient.pk])
    assert api.patient_ids == sorted([patient.pk, other_patient.pk])
    assert (page.actor_kind, api.actor_kind) == ("front_desk", "therapist")


def test_a_refused_look_at_another_clinics_patient_is_recorded(client_as, foreign_patient):
    response = client_as("therapist").get(f"/patients/{foreign_patient.pk}/")
    assert response.status_code == 404
    [denied] = events(action=AuditAction.DENIED)
    assert denied.object_id == str(foreign_patient.pk)
    assert denied.patient_id is None  # nothing about that patient is written to this clinic
    assert not events(action=AuditAction.READ)


def test_a_patient_reading_their_own_page_is_not_an_access_to_audit(client_as, patient):
    assert client_as("patient").get("/me/").status_code == 200
    assert not events(action__in=[AuditAction.READ, AuditAction.LIST])


# --- Writes -----------------------------------------------------------------------------------


def test_a_change_is_recorded_with_the_fields_changed_never_their_values(
    client_as, therapist, patient
):
    client = client_as("therapist")
    response = client.post(
        f"/patients/{patient.pk}/edit/",
        {
            "first_name": "Alexandra",
            "last_name": patient.last_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "email": patient.email,
            "phone": patient.phone,
            "reminder_channel": patient.reminder_channel,
            "symptomatic_side": patient.symptomatic_side,
            "primary_therapist": patient.primary_therapist_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [change] = events(action=AuditAction.UPDATE, object_type="patient")
    assert (change.actor_user_id, change.patient_id) == (therapist.pk, patient.pk)
    assert change.method == "POST"
    assert "Alexandra" not in str(change.fields) + change.note
    assert change.fields == ["first_name"]


def test_a_plain_save_names_exactly_the_fields_whose_value_changed(patient, therapist):
    services.patient_update(
        patient=patient,
        email="alex.new@example.org",
        phone=patient.phone,  # given again, unchanged: not a change
        first_name=patient.first_name,
    )
    [change] = events(action=AuditAction.UPDATE, object_type="patient")
    assert change.fields == ["email"]
    patient.refresh_from_db()
    patient.symptomatic_side = "right"
    patient.phone = "+13125550100"
    patient.save()
    last = events(action=AuditAction.UPDATE, object_type="patient")[-1]
    assert last.fields == ["phone", "symptomatic_side"]
    assert "+13125550100" not in str(last.fields) + last.note


def test_update_fields_that_did_not_change_are_not_named(patient):
    patient.first_name = "Alexandra"
    patient.save(update_fields=["first_name", "last_name"])
    [change] = events(action=AuditAction.UPDATE, object_type="patient")
    assert change.fields == ["first_name"]


def test_a_bulk_update_records_every_patient_it_changed(clinic, therapist, patient):
    others = PatientFactory.create_batch(3, clinic=clinic, reminder_consent=False)
    PatientFactory(status=PatientStatus.ACTIVE)  # another clinic: not touched
    changed = Patient.objects.filter(clinic=clinic).update(primary_therapist=therapist)
    assert changed == 4
    [bulk] = events(action=AuditAction.UPDATE, object_type="patient")
    assert bulk.patient_ids == sorted([patient.pk, *[o.pk for o in others]])
    assert bulk.fields == ["primary_therapist"]
    assert bulk.note == "bulk update"
    assert bulk.actor_kind == "system"


def test_an_opt_out_through_the_reminder_link_is_recorded_as_the_patients_change(patient):
    from django.utils import timezone

    patient.reminder_consent, patient.reminder_consent_at = True, timezone.now()
    patient.save()
    token = opt_out_url(patient).rstrip("/").rsplit("/", 1)[-1]
    assert reminders_opt_out(token=token) is not None
    recorded = events(action=AuditAction.UPDATE, object_type="patient", patient_id=patient.pk)
    assert recorded[-1].fields == ["reminder_consent", "reminder_consent_at"]
    # A second click (a mail app may POST the one-click unsubscribe twice) changes nothing.
    assert reminders_opt_out(token=token) is not None
    assert len(events(action=AuditAction.UPDATE, object_type="patient")) == len(recorded)


def test_a_write_that_fails_leaves_no_audit_row(clinic, therapist):
    """The row is written in the write's transaction: when the transaction fails after the
    patient was saved, neither the patient nor its audit row remains."""

    class LaterStepFailed(Exception):
        pass

    def register_then_fail():
        with transaction.atomic():
            services.patient_create(
                clinic=clinic,
                created_by=therapist,
                first_name="Tess",
                last_name="Trial",
                date_of_birth=timezone.now().date() - timedelta(days=10_000),
            )
            assert events(action=AuditAction.CREATE, object_type="patient")  # written, for now
            raise LaterStepFailed

    with pytest.raises(LaterStepFailed):
        register_then_fail()
    assert not Patient.objects.filter(last_name="Trial").exists()
    assert not events(action=AuditAction.CREATE, object_type="patient")


def test_a_created_record_names_its_patient(prescribed, patient):
    [created] = events(action=AuditAction.CREATE, object_type="prescription")
    assert created.patient_id == patient.pk


# --- Append-only ------------------------------------------------------------------------------


def test_the_application_cannot_change_or_delete_an_audit_row(client_as, patient):
    client_as("therapist").get(f"/patients/{patient.pk}/")
    event = AuditEvent.objects.get(action=AuditAction.READ)
    event.note = "tampered"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(note="tampered")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET note = 'tampered'",
        "DELETE FROM audit_auditevent",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(client_as, patient, statement):
    client_as("therapist").get(f"/patients/{patient.pk}/")
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert "append-only" in str(error.value)
    assert AuditEvent.objects.filter(note="tampered").count() == 0
    assert AuditEvent.objects.count() == count


# --- Sign-in ----------------------------------------------------------------------------------


def test_sign_ins_and_failures_are_recorded(client, therapist):
    client.post("/accounts/login/", {"username": therapist.username, "password": "wrong"})
    assert events(action=AuditAction.SIGN_IN_FAILED)[0].note == f"username: {therapist.username}"


# --- Searching and exporting ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("patient", 403),
        ("other_patient", 403),
        ("front_desk", 403),
        ("therapist", 403),
        ("other_clinic_therapist", 403),
        ("clinic_admin", 200),
    ],
)
def test_only_clinic_admins_search_the_trail(client_as, role, status):
    assert client_as(role).get("/audit/").status_code == status
    assert client_as(role).get("/audit/export.csv").status_code == status


def test_a_clinic_admin_searches_by_patient_and_action(client_as, patient, other_patient):
    therapist = client_as("therapist")
    therapist.get(f"/patients/{patient.pk}/")
    therapist.get(f"/patients/{other_patient.pk}/")
    therapist.get("/patients/")
    admin = client_as("clinic_admin")
    page = admin.get(f"/audit/?patient={patient.pk}&action=read").content.decode()
    assert f"opened the record of {patient.full_name}" in page
    assert other_patient.full_name not in page
    if connection.features.supports_json_field_contains:
        listed = admin.get(f"/audit/?patient={other_patient.pk}&action=list").content.decode()
        assert "2 patients" in listed


def test_other_clinics_never_see_the_trail(client_as, patient, foreign_patient):
    client_as("other_clinic_therapist").get(f"/patients/{foreign_patient.pk}/")
    page = client_as("clinic_admin").get("/audit/?action=read").content.decode()
    assert f"#{foreign_patient.pk}" not in page


def test_a_bad_filter_names_the_field(client_as):
    response = client_as("clinic_admin").get("/audit/?since=yesterday&patient=x")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Since: Enter a date as YYYY-MM-DD." in body
    assert (
        "Patient: Enter the patient&#x27;s number; to find a patient by name, use Search." in body
    )
    export = client_as("clinic_admin").get("/audit/export.csv?until=2026-13-01")
    assert export.status_code == 400
    assert "until" in export.content.decode()


def test_the_export_is_csv_and_is_itself_audited(client_as, clinic_admin, patient):
    client_as("therapist").get(f"/patients/{patient.pk}/")
    response = client_as("clinic_admin").get("/audit/export.csv?action=read")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == ["read"]
    assert rows[0]["patient_id"] == str(patient.pk)
    [export] = events(action=AuditAction.EXPORT, object_type="audit trail")
    assert export.actor_user_id == clinic_admin.pk


@pytest.mark.parametrize(
    ("path", "note"),
    [("knee-to-wall.csv", "knee-to-wall CSV"), ("knee-to-wall.fhir.json", "knee-to-wall FHIR")],
)
def test_a_knee_to_wall_download_is_recorded_as_an_export(
    client_as, therapist, patient, path, note
):
    from tests.factories import record_knee_to_wall

    record_knee_to_wall(patient, therapist)
    response = client_as("therapist").get(f"/patients/{patient.pk}/{path}")
    assert response.status_code == 200
    [export] = events(action=AuditAction.EXPORT)
    assert (export.actor_user_id, export.patient_id, export.note) == (
        therapist.pk,
        patient.pk,
        note,
    )
