"""Invariants the database itself enforces, whatever the code above it does."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from clinic import services
from clinic.models import Patient, PatientStatus, User
from tests.factories import ClinicFactory, PatientFactory


@pytest.mark.django_db
def test_staff_of_a_clinic_must_have_a_role():
    clinic = ClinicFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nobody", clinic=clinic, role="")


@pytest.mark.django_db
def test_a_discharged_patient_has_a_discharge_time():
    patient = PatientFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(status=PatientStatus.DISCHARGED)


@pytest.mark.django_db
def test_consent_to_reminders_has_a_timestamp():
    patient = PatientFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(reminder_consent=True)


@pytest.mark.django_db
def test_a_clinic_time_zone_must_be_an_iana_name():
    clinic = ClinicFactory.build(time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as error:
        clinic.full_clean()
    assert "time_zone" in error.value.message_dict


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_discharges_of_one_patient_succeed_exactly_once():
    patient = PatientFactory()
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def discharge() -> None:
        barrier.wait()
        try:
            services.patient_discharge(patient=patient)
            outcomes.append("discharged")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=discharge) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["discharged"] + ["refused"] * 7
