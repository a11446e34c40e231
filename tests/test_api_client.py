"""A Python client generated from the schema (openapi-python-client, as an integrator would make
one) drives the API on a live server: a therapist, the front desk and a patient each go through
their part of a day's work.

Each step is something a generated client could not do before the schema said exactly what the
API does: send JSON (a nullable field cleared with null, nested lists), read an answer without
the fields a role never receives, tell a 409 from the schema's other answers. The client is
generated once per test session, into a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import uuid
from datetime import time, timedelta
from decimal import Decimal
from types import ModuleType

import httpx
import pytest
from django.conf import settings

from clinic import services as clinic_services
from clinic.models import Patient, User
from scheduling import services as scheduling_services
from tests.api_tools import run_api_tool, skip_unless_installed, write_schema
from tests.conftest import api_token_for
from tests.factories import record_knee_to_wall

pytestmark = [
    skip_unless_installed("openapi_python_client"),
    pytest.mark.django_db(transaction=True),
]

PACKAGE = "dorsi_client"
# Any well-formed token: a patient's session checks it on writes, as the pages do.
CSRF_TOKEN = "journey" * 4 + "abcd"


@pytest.fixture(scope="session")
def generated_client(tmp_path_factory) -> ModuleType:
    folder = tmp_path_factory.mktemp("api-client")
    schema = write_schema(folder / "schema.json")
    # No post-processing hooks: the generator would otherwise run ruff over its own output.
    (folder / "config.yml").write_text("post_hooks: []\n")
    generated = run_api_tool(
        "openapi_python_client",
        "generate",
        "--path",
        str(schema),
        "--output-path",
        str(folder / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(folder / "config.yml"),
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout
    sys.path.insert(0, str(folder))
    package = importlib.import_module(PACKAGE)
    # Every operation's module imports (a multipart body once made 13 of them fail).
    for module in sorted((folder / PACKAGE / "api").glob("*/*.py")):
        importlib.import_module(f"{PACKAGE}.api.{module.parent.name}.{module.stem}")
    return package


@pytest.fixture
def working_therapist(therapist):
    for weekday in range(7):
        therapist.working_hours.create(weekday=weekday, starts=time(7, 0), ends=time(19, 0))
    return therapist


def _a_morning_ahead(clinic) -> dt.datetime:
    """10:00 at the clinic, two days from now: in the therapist's hours, never in the past."""
    return (clinic.local_now() + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def connect(generated_client, live_server):
    """connect(user) is the generated client with the user's API token; connect(patient) with
    the session the patient's personal link opens (patients have no token). Closed after the
    test: a kept-alive connection would keep a server thread, and its database session, open."""
    opened = []

    def make(who: User | Patient):
        if isinstance(who, Patient):
            client = generated_client.Client(
                base_url=live_server.url,
                cookies={
                    settings.SESSION_COOKIE_NAME: _open_personal_link(live_server, who),
                    settings.CSRF_COOKIE_NAME: CSRF_TOKEN,
                },
                headers={"X-CSRFToken": CSRF_TOKEN},
                raise_on_unexpected_status=True,
            )
        else:
            client = generated_client.AuthenticatedClient(
                base_url=live_server.url,
                token=api_token_for(who),
                prefix="Token",
                raise_on_unexpected_status=True,
            )
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.get_httpx_client().close()


def _open_personal_link(live_server, patient: Patient) -> str:
    """The session cookie of a personal link opened on the live server."""
    link = clinic_services.patient_link_issue(patient=patient, issued_by=patient.primary_therapist)
    path = clinic_services.patient_link_url(link).removeprefix(settings.SITE_URL)
    opened = httpx.get(f"{live_server.url}{path}", follow_redirects=False)
    assert opened.status_code == 302, opened.text
    return opened.cookies[settings.SESSION_COOKIE_NAME]


def _book_twice_and_clear_the_therapist(client, *, patient_id: int, therapist_id: int, clinic):
    """Book, book the same time again (409), then clear the patient's primary therapist."""
    from dorsi_client.api.appointments import appointments_create
    from dorsi_client.api.patients import patients_partial_update
    from dorsi_client.models import (
        Appointment,
        AppointmentBookRequest,
        AppointmentConflict,
        AppointmentConflictFieldEnum,
        AppointmentKindEnum,
        PatchedPatientInputRequest,
    )
    from dorsi_client.models import Patient as PatientShown

    starts_at = _a_morning_ahead(clinic)
    booking = AppointmentBookRequest(
        patient=patient_id,
        therapist=therapist_id,
        kind=AppointmentKindEnum.FOLLOW_UP,
        starts_at=starts_at,
        note="Bring running shoes",
    )
    booked = appointments_create.sync_detailed(client=client, body=booking)
    assert booked.status_code == 201
    assert isinstance(booked.parsed, Appointment)
    assert booked.parsed.starts_at == starts_at  # the same instant, read back from "...Z"
    assert booked.parsed.note == "Bring running shoes"

    taken = appointments_create.sync_detailed(client=client, body=booking)
    assert taken.status_code == 409
    assert isinstance(taken.parsed, AppointmentConflict)
    assert taken.parsed.conflict.field == AppointmentConflictFieldEnum.THERAPIST
    assert taken.parsed.conflict.appointment.id == booked.parsed.id

    cleared = patients_partial_update.sync(
        id=patient_id, client=client, body=PatchedPatientInputRequest(primary_therapist=None)
    )
    assert isinstance(cleared, PatientShown)
    assert cleared.primary_therapist is None
    assert Patient.objects.get(pk=patient_id).primary_therapist_id is None


def test_a_therapist_registers_tests_in_inches_and_books_through_the_generated_client(
    connect, clinic, working_therapist, patient
):
    from dorsi_client.api.assessments import assessments_create, assessments_retrieve
    from dorsi_client.api.patients import patients_create, patients_list
    from dorsi_client.models import (
        AssessmentInputRequest,
        LengthUnitEnum,
        PatientInputRequest,
        ShorterSideEnum,
        SideEnum,
    )

    client = connect(working_therapist)

    listed = patients_list.sync(client=client)
    assert [row.id for row in listed.results] == [patient.pk]
    assert listed.results[0].symptomatic_side == SideEnum.LEFT

    registered = patients_create.sync(
        client=client,
        body=PatientInputRequest(
            first_name="Rosa",
            last_name="Ruiz",
            date_of_birth=dt.date(1984, 5, 6),
            primary_therapist=working_therapist.pk,
            symptomatic_side=SideEnum.RIGHT,
        ),
    )
    assert registered.primary_therapist.id == working_therapist.pk

    recorded = assessments_create.sync(
        client=client,
        body=AssessmentInputRequest(
            patient=registered.id,
            unit=LengthUnitEnum.IN,
            measured_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            left_distance="4.625",
            right_distance="3.5",
        ),
    )
    reading = assessments_retrieve.sync(id=recorded.id, client=client)
    assert reading.entry_unit == LengthUnitEnum.IN
    assert reading.left.distance_in == "4.625"
    assert Decimal(reading.left.distance_cm) == Decimal("11.7475")
    assert reading.asymmetry.shorter_side == ShorterSideEnum.RIGHT
    assert Decimal(reading.asymmetry.difference_cm) == Decimal("2.8575")
    assert reading.left.change_since_baseline is None  # the first test is the baseline

    _book_twice_and_clear_the_therapist(
        client, patient_id=registered.id, therapist_id=working_therapist.pk, clinic=clinic
    )


def test_the_front_desk_registers_and_books_through_the_generated_client(
    connect, clinic, working_therapist, front_desk, patient
):
    from dorsi_client.api.assessments import assessments_create
    from dorsi_client.api.patients import patients_create, patients_list
    from dorsi_client.models import AssessmentInputRequest, Error, LengthUnitEnum
    from dorsi_client.models import PatientInputRequest as PatientInput
    from dorsi_client.types import Unset

    client = connect(front_desk)

    listed = patients_list.sync(client=client)
    assert [row.id for row in listed.results] == [patient.pk]
    assert isinstance(listed.results[0].symptomatic_side, Unset)  # clinical: not for the desk

    registered = patients_create.sync(
        client=client,
        body=PatientInput(
            first_name="Rosa",
            last_name="Ruiz",
            date_of_birth=dt.date(1984, 5, 6),
            email="",
            primary_therapist=working_therapist.pk,
        ),
    )
    refused = assessments_create.sync_detailed(
        client=client,
        body=AssessmentInputRequest(
            patient=registered.id,
            unit=LengthUnitEnum.IN,
            measured_at=dt.datetime.now(dt.UTC),
            left_distance="4",
            right_distance="4",
        ),
    )
    assert refused.status_code == 403
    assert isinstance(refused.parsed, Error)

    _book_twice_and_clear_the_therapist(
        client, patient_id=registered.id, therapist_id=working_therapist.pk, clinic=clinic
    )


def test_a_patient_reads_and_logs_through_the_generated_client(
    connect, clinic, working_therapist, patient, prescribed
):
    from dorsi_client.api.appointments import appointments_list
    from dorsi_client.api.assessments import assessments_list
    from dorsi_client.api.patients import patients_list
    from dorsi_client.api.session_logs import session_logs_create
    from dorsi_client.models import (
        ExerciseStatusEnum,
        LengthUnitEnum,
        SessionEntryRequest,
        SessionLog,
        SessionLogInputRequest,
        SideEnum,
        StandingEnum,
    )
    from dorsi_client.types import Unset

    record_knee_to_wall(patient, working_therapist, left="4.625", right="3.5", unit="in")
    follow_up = next(
        kind
        for kind in scheduling_services.appointment_types_ensure(clinic=clinic)
        if kind.kind == "follow_up"
    )
    starts_at = _a_morning_ahead(clinic)
    scheduling_services.appointment_book(
        patient=patient,
        therapist=working_therapist,
        appointment_type=follow_up,
        starts_at=starts_at,
        booked_by=working_therapist,
        note="Front-desk only",
    )
    client = connect(patient)

    (me,) = patients_list.sync(client=client).results
    assert me.id == patient.pk
    assert me.symptomatic_side == SideEnum.LEFT  # their own clinical data

    (appointment,) = appointments_list.sync(client=client).results
    assert appointment.starts_at == starts_at
    assert isinstance(appointment.note, Unset)  # the front desk's note is not for patients
    assert isinstance(appointment.booked_by, Unset)

    (reading,) = assessments_list.sync(client=client).results
    assert reading.entry_unit == LengthUnitEnum.IN
    assert reading.left.distance_in == "4.625"
    assert isinstance(reading.left.standing, StandingEnum)

    entries = [
        SessionEntryRequest(item=item.pk, status=ExerciseStatusEnum.DONE)
        for item in prescribed.items.order_by("position")
    ]
    logged = session_logs_create.sync(
        client=client,
        body=SessionLogInputRequest(
            version=prescribed.pk, client_token=uuid.uuid4(), entries=entries, pain=None
        ),
    )
    assert isinstance(logged, SessionLog)
    assert logged.pain is None
    assert len(logged.entries) == len(entries)
