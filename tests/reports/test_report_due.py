"""When a progress report is due: completed visits per episode of care, since the last signed
report; no-shows, cancellations and bookings do not count (reports.due)."""

import pytest

from clinic import services as clinic_services
from dashboard.flags import Flag
from dashboard.models import PatientSummary
from dashboard.summaries import patient_summaries_refresh
from reports import services
from reports.due import report_count
from reports.models import ReportSettings
from scheduling.models import AppointmentStatus
from scheduling.selectors import due_list
from tests.reports.helpers import registered_days_ago, visits

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_in_care(patient):
    return registered_days_ago(patient, 90)


@pytest.mark.parametrize(
    ("completed", "state"),
    [(0, ""), (7, ""), (8, "soon"), (9, "soon"), (10, "due"), (11, "due")],
)
def test_it_counts_completed_visits_against_the_default_rule(patient_in_care, completed, state):
    visits(patient_in_care, completed)
    count = report_count(patient_in_care)
    assert (count.visits, count.state) == (completed, state)


def test_no_shows_cancellations_and_bookings_do_not_count(patient_in_care):
    visits(patient_in_care, 7)
    visits(patient_in_care, 3, status=AppointmentStatus.NO_SHOW, start_days=40)
    visits(patient_in_care, 3, status=AppointmentStatus.CANCELLED, start_days=30)
    visits(patient_in_care, 2, status=AppointmentStatus.BOOKED, start_days=20)
    count = report_count(patient_in_care)
    assert count.visits == 7
    assert count.state == ""


def test_a_signed_report_restarts_the_count(patient_in_care, therapist):
    visits(patient_in_care, 10)
    report = services.report_draft(patient=patient_in_care, by=therapist)
    services.report_update(report=report, by=therapist, assessment="Better.", plan="Go on.")
    assert report_count(patient_in_care).state == "due"
    services.report_sign(report=report, by=therapist)
    assert report_count(patient_in_care).visits == 0
    visits(patient_in_care, 1, start_days=-1)  # tomorrow's visit, once attended
    assert report_count(patient_in_care).visits == 1


def test_a_draft_does_not_restart_the_count(patient_in_care, therapist):
    visits(patient_in_care, 10)
    services.report_draft(patient=patient_in_care, by=therapist)
    assert report_count(patient_in_care).state == "due"


def test_a_reactivation_starts_a_new_episode(patient_in_care, therapist):
    visits(patient_in_care, 9)
    clinic_services.patient_discharge(patient=patient_in_care, by=therapist)
    clinic_services.patient_reactivate(patient=patient_in_care)
    assert report_count(patient_in_care).visits == 0
    visits(patient_in_care, 1, start_days=-1)
    assert report_count(patient_in_care).visits == 1


def test_the_clinic_sets_its_own_rule(patient_in_care, clinic):
    ReportSettings.objects.create(clinic=clinic, visits_per_report=6, warn_from_visit=4)
    visits(patient_in_care, 4)
    assert report_count(patient_in_care).state == "soon"
    visits(patient_in_care, 2, start_days=20)
    assert report_count(patient_in_care).state == "due"


def test_the_dashboard_flags_a_report_due_and_due_soon(patient_in_care, other_patient):
    visits(patient_in_care, 10)
    registered_days_ago(other_patient, 90)
    visits(other_patient, 8, hour=2)
    patient_summaries_refresh(patient_ids=[patient_in_care.pk, other_patient.pk])
    due = PatientSummary.objects.get(patient=patient_in_care)
    soon = PatientSummary.objects.get(patient=other_patient)
    assert due.flags & Flag.REPORT_DUE
    assert not due.flags & Flag.REPORT_DUE_SOON
    assert soon.flags & Flag.REPORT_DUE_SOON
    assert not soon.flags & Flag.REPORT_DUE


def test_signing_clears_the_dashboard_flag(
    patient_in_care, therapist, django_capture_on_commit_callbacks
):
    visits(patient_in_care, 10)
    patient_summaries_refresh(patient_ids=[patient_in_care.pk])
    report = services.report_draft(patient=patient_in_care, by=therapist)
    services.report_update(report=report, by=therapist, assessment="Better.", plan="Go on.")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_sign(report=report, by=therapist)
    assert not PatientSummary.objects.get(patient=patient_in_care).flags & Flag.REPORT_DUE


def test_the_front_desk_sees_who_is_due_on_the_due_list(patient_in_care, client_as, clinic):
    visits(patient_in_care, 10)
    reasons = {(item.patient.pk, item.reason) for item in due_list(clinic=clinic)}
    assert (patient_in_care.pk, "progress_report") in reasons
    page = client_as("front_desk").get("/schedule/due/")
    assert page.status_code == 200
    assert "progress report due" in page.content.decode()
    assert "Anders, Alex" in page.content.decode()
