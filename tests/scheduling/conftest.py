"""Fixtures the scheduling tests share: the clinic's appointment types, a moment two days
ahead, and a follow-up booked then by the front desk."""

from datetime import time, timedelta

import pytest

from clinic.times import at_local
from scheduling import services as scheduling_services
from scheduling.models import AppointmentKind
from tests.scheduling.test_scheduling import all_day_hours


@pytest.fixture
def types(clinic):
    return {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}


@pytest.fixture
def soon(clinic):
    return at_local(clinic.local_now().date() + timedelta(days=2), time(10), clinic.zone)


@pytest.fixture
def booked(patient, therapist, front_desk, types, soon):
    all_day_hours(therapist)
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=soon,
        booked_by=front_desk,
    )
