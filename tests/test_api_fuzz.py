"""Fuzzing the API with schemathesis against the schema drf-spectacular generates.

Every operation of /api/v1/ is called with generated requests, valid and invalid, as every role
of a clinic with real data: a therapist and a clinic admin (the schema's examples, the coverage
phase's boundary values, random cases), the front desk and a patient (the examples and fewer
random cases: their requests meet the same input rules, and what differs for them is what they
are refused and the narrower answers they get). Every answer must be no server error, a status
the schema declares, the declared content type and a body the schema describes: the one
schema, which holds for every role. Even ids are pointed at the seeded records (see
aim_at_seeded_records), so cases reach real records, not only 404s.

Bounded for CI: per operation and role, the examples plus MAX_EXAMPLES random cases and the
coverage phase for the clinicians, NARROW_ROLE_EXAMPLES random cases for the others;
derandomized, so every run sends the same requests (`./dorsi test tests/test_api_fuzz.py` runs
it alone). DORSI_FUZZ_EXAMPLES sets MAX_EXAMPLES for a deeper run
(`DORSI_FUZZ_EXAMPLES=100 ./dorsi test tests/test_api_fuzz.py`); the narrow roles get a fifth
of it, and never fewer than CI gives them.
"""

from __future__ import annotations

import copy
import os
import uuid
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clinic.access import Actor
from exercises import services as exercise_services
from exercises.models import Exercise
from questionnaires import services as questionnaire_services
from questionnaires.models import Instrument
from scheduling import services as scheduling_services
from tests.conftest import api_token_for, sign_in_patient
from tests.factories import PatientFactory, record_knee_to_wall, shipped_instruments_seed
from tests.neural.recording import record_neural


def _fuzz_examples(default: int) -> int:
    value = os.environ.get("DORSI_FUZZ_EXAMPLES", "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"DORSI_FUZZ_EXAMPLES must be a whole number above 0, not {value!r}")
    return int(value)


# CI's size: each random case is a request through the whole stack (about 10-20 ms), and the
# coverage phase's boundary cases, run whatever the size, are most of the requests.
MAX_EXAMPLES = _fuzz_examples(10)
NARROW_ROLE_EXAMPLES = max(5, MAX_EXAMPLES // 5)
SEED = 20261125
# Roles that may reach every rule behind the API, and roles that are mostly refused.
CLINICIANS = ["therapist", "clinic_admin"]
NARROW_ROLES = ["front_desk", "patient"]
# Any well-formed token will do; the patient's session checks it on writes, as the pages do.
CSRF_TOKEN = "fuzz" * 8

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _config(*, max_examples: int, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                # The credentials are sent by the test; generated Authorization headers and
                # session cookies would only test the 401 path, over and over.
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": coverage}},
        }
    )


# The same schema /api/v1/schema/ serves, generated in-process: collection needs no database.
DOCUMENT = SchemaGenerator().get_schema(request=None, public=True)


def _load_schema(config: schemathesis.Config):
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=config)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema(_config(max_examples=MAX_EXAMPLES, coverage=True))
narrow_schema = _load_schema(_config(max_examples=NARROW_ROLE_EXAMPLES, coverage=False))


@pytest.fixture
def keep_the_test_connection():
    """Keep the test's database connection open across the app's requests.

    Django closes "old" connections when a request starts and finishes; inside the test's
    transaction that would close it and roll back the seeded data. Django's own test client
    disconnects these signals the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass(frozen=True)
class World:
    """The seeded clinic: one real record behind each kind of path id."""

    credentials: dict[str, dict]  # by role: the headers and cookies to send
    ids: dict[str, int]  # by the collection in the path
    references: dict[str, int]  # by the name of a field or query parameter


def _patient_session(patient) -> dict:
    client = Client()
    sign_in_patient(client, patient)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return {
        "headers": {"X-CSRFToken": CSRF_TOKEN},
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: session,
            django_settings.CSRF_COOKIE_NAME: CSRF_TOKEN,
        },
    }


def _token(user) -> dict:
    return {"headers": {"Authorization": f"Token {api_token_for(user)}"}}


@pytest.fixture
def seeded_world(clinic, therapist, clinic_admin, front_desk, exercise_library) -> World:
    for weekday in range(7):
        therapist.working_hours.create(weekday=weekday, starts=time(7, 0), ends=time(19, 0))
    patient = PatientFactory(clinic=clinic, primary_therapist=therapist, symptomatic_side="left")
    PatientFactory(clinic=clinic, primary_therapist=therapist)
    revision = record_knee_to_wall(patient, therapist, left="9.5", right="11.8", days_ago=3)
    version = exercise_services.routine_assign(
        patient=patient,
        prescribed_by=therapist,
        items=exercise_services.template_items(exercise_library),
        title=exercise_library.name,
        start_date=clinic.local_now().date() - timedelta(days=7),
        template=exercise_library,
    )
    log, _ = exercise_services.session_log_record(
        patient=patient,
        version=version,
        client_token=uuid.uuid4(),
        statuses={item.pk: "done" for item in version.items.all()},
        session_date=clinic.local_now().date() - timedelta(days=1),
    )
    own_exercise = exercise_services.exercise_create(
        clinic=clinic,
        fields={
            "name": "Heel raises",
            "purpose": "Calf strength",
            "instructions": "Rise onto the toes\nLower slowly",
            "seconds_per_bout": 60,
            "bouts": 2,
            "per_side": True,
            "style": "static",
        },
    )
    types = scheduling_services.appointment_types_ensure(clinic=clinic)
    follow_up = next(t for t in types if t.kind == "follow_up")
    starts_at = clinic.local_now().replace(hour=10, minute=0, second=0, microsecond=0)
    appointment = scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up,
        starts_at=starts_at + timedelta(days=2),
        booked_by=therapist,
    )
    shared = Exercise.objects.filter(clinic__isnull=True).order_by("pk").first()
    # The shipped instruments (put back if a transactional test flushed them): one request
    # answered, one open, so submissions and reads reach real records.
    shipped_instruments_seed()
    nprs_back = Instrument.objects.get(clinic=None, slug="nprs-back")
    answered = questionnaire_services.request_create(
        patient=patient,
        instrument=Instrument.objects.get(clinic=None, slug="nprs-leg"),
        requested_by=therapist,
    )
    answers, _ = questionnaire_services.response_submit(
        actor=Actor(patient=patient),
        request=answered,
        answers={"worst-24h": 4},
        submission_key=uuid.uuid4(),
    )
    open_request = questionnaire_services.request_create(
        patient=patient, instrument=nprs_back, requested_by=therapist
    )
    neural_exam = record_neural(patient, therapist, assessment=revision.assessment_id)
    return World(
        credentials={
            "therapist": _token(therapist),
            "clinic_admin": _token(clinic_admin),
            "front_desk": _token(front_desk),
            "patient": _patient_session(patient),
        },
        ids={
            "patients": patient.pk,
            "assessments": revision.assessment_id,
            "exercises": own_exercise.pk,
            "shared_exercise": shared.pk,
            "routines": exercise_library.pk,
            "prescriptions": version.prescription_id,
            "session-logs": log.pk,
            "appointments": appointment.pk,
            "instruments": nprs_back.pk,
            "questionnaire-requests": open_request.pk,
            "questionnaire-responses": answers.pk,
            "neural-tests": neural_exam.pk,
        },
        references={
            "patient": patient.pk,
            "therapist": therapist.pk,
            "measured_by": therapist.pk,
            "primary_therapist": therapist.pk,
            "template": exercise_library.pk,
            "exercise": shared.pk,
            "version": version.pk,
            "item": version.items.order_by("pk").first().pk,
            "appointment_type": follow_up.pk,
            "instrument": nprs_back.pk,
            "request": open_request.pk,
            "assessment": revision.assessment_id,
        },
    )


@pytest.fixture
def world(seeded_world, keep_the_test_connection) -> World:
    # In this order: the patient signs in through Django's test client, which connects the
    # signals again after its request.
    return seeded_world


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    )


def _aimed(value, *, always: bool) -> bool:
    return _is_number(value) and (always or int(value) % 2 == 0)


def _aim(values, ids: dict[str, int], *, always: bool) -> None:
    """Replace numbers under known reference names, in a body's nested dicts and lists."""
    if isinstance(values, list):
        for value in values:
            _aim(value, ids, always=always)
    elif isinstance(values, dict):
        for name, value in values.items():
            if name in ids and _aimed(value, always=always):
                values[name] = ids[name]
            else:
                _aim(value, ids, always=always)


def aim_at_seeded_records(case, world: World) -> None:
    """Point even generated ids at the seeded records, so about half the cases (and every
    boundary case of the coverage phase, which uses 0) reach real records and the rules
    behind them, not only the 404s and "no such patient" of random ids.

    Deciding from the generated value keeps the choice part of the case, so a failure replays
    and shrinks like any other; ids that are not numbers are left as generated.
    """
    # The schema's own examples name ids of a made-up clinic: they always get the seeded ones.
    always = case.meta is not None and case.meta.phase.name == TestPhase.EXAMPLES
    path = case.operation.path
    collection = path.removeprefix("/api/v1/").split("/", 1)[0]
    target = "shared_exercise" if path.endswith("/adapt/") else collection
    for name, value in (case.path_parameters or {}).items():
        if target in world.ids and _aimed(value, always=always):
            case.path_parameters[name] = str(world.ids[target])
    _aim(case.query, world.references, always=always)
    _aim(case.body, world.references, always=always)


def call_and_validate_as(role: str, case, world: World) -> None:
    aim_at_seeded_records(case, world)
    case.call_and_validate(**world.credentials[role], checks=CHECKS)


HYPOTHESIS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@pytest.mark.parametrize("role", CLINICIANS)
@schema.parametrize()
@HYPOTHESIS
def test_the_api_answers_every_request_as_its_schema_says(case, role, world):
    call_and_validate_as(role, case, world)


@pytest.mark.django_db
@pytest.mark.parametrize("role", NARROW_ROLES)
@narrow_schema.parametrize()
@HYPOTHESIS
def test_the_api_answers_the_front_desk_and_a_patient_as_its_schema_says(case, role, world):
    call_and_validate_as(role, case, world)
