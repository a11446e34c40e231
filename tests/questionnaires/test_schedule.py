"""The clinic's schedule asks by itself, through the real planner (scheduling.questionnaire_
schedule.questionnaires_plan): at intake, before a knee-to-wall re-test, every N visits; once
for each occasion, however often it runs."""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic import services as clinic_services
from clinic.models import Patient
from questionnaires import services
from questionnaires.models import (
    ClinicInstrumentSetting,
    QuestionnaireRequest,
    RequestReason,
    RequestStatus,
)
from questionnaires.schedule import INTAKE_WINDOW_DAYS
from scheduling import questionnaire_schedule, tasks
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from scheduling.questionnaire_schedule import questionnaires_plan
from tests.factories import PatientFactory, record_knee_to_wall

pytestmark = pytest.mark.django_db


def schedule(clinic, instrument, **asks) -> ClinicInstrumentSetting:
    return ClinicInstrumentSetting.objects.create(clinic=clinic, instrument=instrument, **asks)


def requests_of(patient) -> list[tuple[str, str]]:
    return list(
        QuestionnaireRequest.objects.filter(patient=patient)
        .order_by("pk")
        .values_list("instrument__slug", "reason")
    )


def registered_days_ago(patient: Patient, days: int) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(created_at=timezone.now() - timedelta(days=days))
    patient.refresh_from_db()
    return patient


@pytest.fixture
def visit(clinic, therapist, front_desk):
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}

    def attended(patient, days_ago: float, status=AppointmentStatus.COMPLETED) -> Appointment:
        starts = timezone.now() - timedelta(days=days_ago)
        return Appointment.objects.create(
            clinic=clinic,
            patient=patient,
            therapist=therapist,
            appointment_type=types[AppointmentKind.FOLLOW_UP],
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
            status=status,
            booked_by=front_desk,
        )

    return attended


def test_nothing_is_asked_by_default(patient, instruments, visit):
    for days_ago in (3, 2, 1):
        visit(patient, days_ago)
    assert questionnaires_plan() == 0
    assert requests_of(patient) == []


def test_a_new_patient_is_asked_at_intake_once(clinic, patient, instruments):
    schedule(clinic, instruments["nprs-back"], ask_at_intake=True)
    schedule(clinic, instruments["lefs"], ask_at_intake=True)

    assert questionnaires_plan() == 2
    assert questionnaires_plan() == 0
    assert sorted(requests_of(patient)) == [
        ("lefs", RequestReason.INTAKE),
        ("nprs-back", RequestReason.INTAKE),
    ]
    request = QuestionnaireRequest.objects.get(patient=patient, instrument__slug="lefs")
    assert request.requested_by is None
    assert request.due_on == clinic.local_today() + timedelta(days=7)


def test_intake_is_asked_once_even_after_it_was_answered_or_cancelled(
    clinic, patient, therapist, instruments
):
    schedule(clinic, instruments["nprs-back"], ask_at_intake=True)
    questionnaires_plan()
    (request,) = QuestionnaireRequest.objects.filter(patient=patient)
    services.request_cancel(request=request, cancelled_by=therapist)
    assert questionnaires_plan() == 0
    assert len(requests_of(patient)) == 1


def test_a_patient_registered_before_the_intake_window_is_not_asked_at_intake(
    clinic, patient, instruments
):
    registered_days_ago(patient, INTAKE_WINDOW_DAYS + 1)
    schedule(clinic, instruments["nprs-back"], ask_at_intake=True)
    assert questionnaires_plan() == 0


def test_a_patient_already_asked_by_a_therapist_is_not_asked_again_at_intake(
    clinic, patient, therapist, instruments
):
    services.request_create(patient=patient, instrument=instruments["psfs"], requested_by=therapist)
    schedule(clinic, instruments["psfs"], ask_at_intake=True)
    assert questionnaires_plan() == 0
    assert requests_of(patient) == [("psfs", RequestReason.AD_HOC)]


def test_a_turned_off_instrument_is_never_asked(clinic, patient, therapist, instruments, visit):
    schedule(
        clinic,
        instruments["nprs-leg"],
        enabled=False,
        ask_at_intake=True,
        ask_before_retest=True,
        ask_every_n_visits=1,
    )
    visit(patient, 1)
    record_knee_to_wall(patient, therapist, days_ago=clinic.retest_interval_days)
    assert questionnaires_plan() == 0
    assert requests_of(patient) == []


def test_discharged_patients_and_other_clinics_are_not_asked(
    clinic, patient, therapist, foreign_patient, instruments
):
    schedule(clinic, instruments["nprs-back"], ask_at_intake=True)
    discharged = PatientFactory(clinic=clinic)
    clinic_services.patient_discharge(patient=discharged, by=therapist)
    questionnaires_plan()
    assert requests_of(discharged) == []
    assert requests_of(foreign_patient) == []
    assert requests_of(patient) == [("nprs-back", RequestReason.INTAKE)]


def test_a_re_test_due_within_the_week_asks_once_due_on_the_re_test(
    clinic, patient, therapist, instruments
):
    registered_days_ago(patient, 60)
    schedule(clinic, instruments["nprs-back"], ask_before_retest=True)
    # Tested 16 days ago, re-test every 21 days: due in 5 days.
    record_knee_to_wall(patient, therapist, days_ago=clinic.retest_interval_days - 5)
    retest_on = clinic.local_today() + timedelta(days=5)

    assert questionnaires_plan() == 1
    assert questionnaires_plan() == 0
    (request,) = QuestionnaireRequest.objects.filter(patient=patient)
    assert (request.reason, request.due_on) == (RequestReason.BEFORE_RETEST, retest_on)

    # Answered or not, the same re-test is not asked for again once the request is closed.
    services.request_cancel(request=request, cancelled_by=therapist)
    assert questionnaires_plan() == 0


def test_a_re_test_further_off_asks_nothing_yet(clinic, patient, therapist, instruments):
    registered_days_ago(patient, 60)
    schedule(clinic, instruments["nprs-back"], ask_before_retest=True)
    record_knee_to_wall(patient, therapist, days_ago=clinic.retest_interval_days - 10)
    assert questionnaires_plan() == 0


def test_the_next_re_test_asks_again(clinic, patient, therapist, instruments):
    registered_days_ago(patient, 60)
    schedule(clinic, instruments["nprs-back"], ask_before_retest=True)
    record_knee_to_wall(patient, therapist, days_ago=40)  # due 19 days ago: asked now
    questionnaires_plan()
    (first,) = QuestionnaireRequest.objects.filter(patient=patient)
    services.request_cancel(request=first, cancelled_by=therapist)
    QuestionnaireRequest.objects.filter(pk=first.pk).update(
        requested_at=timezone.now() - timedelta(days=19)
    )
    record_knee_to_wall(patient, therapist, days_ago=16)  # re-tested; the next is due in 5 days
    assert questionnaires_plan() == 1
    assert requests_of(patient) == [("nprs-back", RequestReason.BEFORE_RETEST)] * 2


def test_every_n_visits_asks_after_the_nth_attended_visit(clinic, patient, instruments, visit):
    registered_days_ago(patient, 60)
    schedule(clinic, instruments["lefs"], ask_every_n_visits=3)
    visit(patient, 10)
    visit(patient, 8)
    visit(patient, 7, status=AppointmentStatus.NO_SHOW)  # not attended
    visit(patient, 6, status=AppointmentStatus.CANCELLED)
    assert questionnaires_plan() == 0

    visit(patient, 5)  # the third attended visit
    assert questionnaires_plan() == 1
    assert questionnaires_plan() == 0
    assert requests_of(patient) == [("lefs", RequestReason.EVERY_N_VISITS)]


def test_every_n_visits_counts_from_the_last_time_it_was_asked(
    clinic, patient, therapist, instruments, visit
):
    registered_days_ago(patient, 60)
    schedule(clinic, instruments["lefs"], ask_every_n_visits=2)
    visit(patient, 20)
    visit(patient, 19)
    questionnaires_plan()
    (first,) = QuestionnaireRequest.objects.filter(patient=patient)
    services.request_cancel(request=first, cancelled_by=therapist)
    QuestionnaireRequest.objects.filter(pk=first.pk).update(
        requested_at=timezone.now() - timedelta(days=18)
    )
    visit(patient, 10)
    assert questionnaires_plan() == 0  # one visit since it was asked
    visit(patient, 9)
    assert questionnaires_plan() == 1
    assert [r for _, r in requests_of(patient)] == [RequestReason.EVERY_N_VISITS] * 2


def test_an_open_request_of_the_instrument_is_not_doubled(
    clinic, patient, therapist, instruments, visit
):
    registered_days_ago(patient, 60)
    services.request_create(patient=patient, instrument=instruments["lefs"], requested_by=therapist)
    schedule(clinic, instruments["lefs"], ask_every_n_visits=1)
    visit(patient, 1)
    assert questionnaires_plan() == 0
    assert QuestionnaireRequest.objects.filter(status=RequestStatus.OPEN).count() == 1


def test_the_planner_reads_a_fixed_number_of_queries_whatever_the_number_of_patients(
    clinic, instruments, visit
):
    schedule(clinic, instruments["lefs"], ask_at_intake=True, ask_before_retest=True)
    schedule(clinic, instruments["psfs"], ask_every_n_visits=5)
    questionnaires_plan()  # the first run makes the planner's progress row

    def queries_for(count: int) -> int:
        for _ in range(count):
            patient = registered_days_ago(PatientFactory(clinic=clinic), 60)
            visit(patient, 3 + Patient.objects.count() / 20)  # one therapist: no overlap
        with CaptureQueriesContext(connection) as queries:
            assert questionnaires_plan() == 0  # nothing due: reads only
        return len(queries)

    assert queries_for(5) == queries_for(50)


def test_beat_runs_the_planner_as_a_task(clinic, patient, instruments, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["questionnaires-plan"]
    assert entry["task"] == tasks.questionnaires_plan.name
    schedule(clinic, instruments["psfs"], ask_at_intake=True)
    assert tasks.questionnaires_plan.apply().get() == 1


def test_a_run_stopped_by_its_time_limit_keeps_its_committed_chunks_and_the_next_goes_on(
    clinic, instruments, monkeypatch
):
    schedule(clinic, instruments["nprs-back"], ask_at_intake=True)
    patients = [PatientFactory(clinic=clinic) for _ in range(5)]
    real = questionnaire_schedule.scheduled_requests_create
    calls = []

    def stopped_on_the_second_chunk(facts, *, now):
        calls.append(len(facts))
        if len(calls) == 2:
            raise SoftTimeLimitExceeded()
        return real(facts, now=now)

    monkeypatch.setattr(
        questionnaire_schedule, "scheduled_requests_create", stopped_on_the_second_chunk
    )
    with pytest.raises(SoftTimeLimitExceeded):
        questionnaires_plan(chunk=2)
    assert QuestionnaireRequest.objects.count() == 2  # the first chunk, committed

    monkeypatch.setattr(questionnaire_schedule, "scheduled_requests_create", real)
    assert questionnaires_plan(chunk=2) == 3  # the rest, from the cursor
    assert questionnaires_plan(chunk=2) == 0
    assert {r.patient_id for r in QuestionnaireRequest.objects.all()} == {p.pk for p in patients}
