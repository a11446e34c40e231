"""The API list's quick paths (issue 19, goal 3) answer exactly what DRF's own would."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from clinic.api import PatientViewSet
from clinic.filters import ApiFilterBackend
from clinic.models import Patient, PatientStatus, ReminderChannel, Side
from clinic.serializers import PatientSerializer
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def drf_representation(serializer: PatientSerializer, patient: Patient) -> dict:
    """DRF's generic Serializer.to_representation, less what the role does not receive."""
    data = serializers.Serializer.to_representation(serializer, patient)
    for name in serializer.withheld_fields():
        data.pop(name, None)
    return data


@pytest.fixture
def varied_patients(clinic, therapist) -> list[Patient]:
    """Patients with every kind of value the list shows: empty, null, set, discharged."""
    consented = datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC)
    rows = [
        PatientFactory(clinic=clinic, primary_therapist=therapist, email="", phone=""),
        PatientFactory(
            clinic=clinic,
            primary_therapist=None,
            reminder_channel=ReminderChannel.SMS,
            reminder_consent=True,
            reminder_consent_at=consented,
            symptomatic_side=Side.LEFT,
        ),
        PatientFactory(
            clinic=clinic,
            status=PatientStatus.DISCHARGED,
            discharged_at=consented,
            first_name="Zoë",
            last_name="O'Brien-Łukasz",
        ),
    ]
    # As a request reads them (the ORM's plain values), and as just created (enum members).
    read = list(Patient.objects.filter(pk__in=[p.pk for p in rows]).order_by("pk"))
    return rows + read


@pytest.mark.parametrize("show_clinical", [True, False])
@pytest.mark.parametrize("zone", [None, "America/Chicago"])
def test_the_quick_representation_is_drfs_own(varied_patients, show_clinical, zone):
    if zone:
        timezone.activate(ZoneInfo(zone))
    try:
        serializer = PatientSerializer(
            varied_patients, many=True, context={"show_clinical": show_clinical}
        )
        child = serializer.child
        assert serializer.data == [drf_representation(child, p) for p in varied_patients]
    finally:
        timezone.deactivate()


def test_the_fields_built_once_are_drfs_and_each_serializer_has_its_own():
    first, second = PatientSerializer(), PatientSerializer()
    built_by_drf = serializers.ModelSerializer.get_fields(PatientSerializer())
    assert {name: repr(field) for name, field in first.fields.items()} == {
        name: repr(field) for name, field in built_by_drf.items()
    }
    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field.parent is first
        assert second.fields[name].parent is second


def request_for(query: str) -> Request:
    return Request(APIRequestFactory().get(f"/api/v1/patients/{query}"))


def test_a_request_naming_no_filter_leaves_the_list_as_it_is(clinic):
    patients = Patient.objects.filter(clinic=clinic)
    view = PatientViewSet()
    backend = ApiFilterBackend()
    for query in ("", "?page=2", "?ordering=last_name&search=x"):
        assert backend.filter_queryset(request_for(query), patients, view) is patients
    filtered = backend.filter_queryset(request_for("?status=active"), patients, view)
    assert filtered is not patients
    assert "status" in str(filtered.query)


def test_a_filter_named_without_a_value_is_still_refused(client_as):
    response = client_as("therapist").get("/api/v1/patients/?born_before=")
    assert response.status_code == 400
    assert "born_before" in response.json()


def test_the_list_reads_every_column_it_shows_with_the_page(client_as, clinic, therapist):
    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get("/api/v1/patients/")
        assert response.status_code == 200
        return len(context)

    client = client_as("therapist")
    client.get("/api/v1/patients/")  # the token's first use is written once
    before = queries_for_the_list()
    PatientFactory.create_batch(5, clinic=clinic, primary_therapist=therapist)
    assert queries_for_the_list() == before
