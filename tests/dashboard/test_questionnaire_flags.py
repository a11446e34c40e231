"""The dashboard's outcome-questionnaire flags: pain or function worse beyond the MCID, a
questionnaire overdue; each at its boundary, and kept current by the services."""

import uuid
from datetime import date, timedelta

import pytest

from assessments.interpretation import SideValue, Thresholds
from dashboard.flags import WEIGHTS, Facts, Flag, flags_for, urgency_of
from dashboard.models import PatientSummary
from dashboard.summaries import digest_lines, patient_summaries_refresh
from questionnaires import services
from questionnaires.models import QuestionnaireRequest
from tests.questionnaire_answers import (
    answer_on_paper,
    answer_own_on_paper,
    own_pain_scale,
    shipped,
)

TODAY = date(2026, 11, 25)
CALM = Facts(
    left=SideValue(reached=True, um=130_000),
    right=SideValue(reached=True, um=131_000),
    changes=("no_real_change", "no_real_change"),
    thresholds=Thresholds(),
    adherence_percent=90,
    last_pain=2,
    last_pain_on=TODAY,
    retest_due_on=TODAY + timedelta(days=5),
    has_upcoming_appointment=True,
    has_failed_reminder=False,
    today=TODAY,
)


def calm(**changes) -> Facts:
    return Facts(**{**CALM.__dict__, **changes})


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (calm(pain_changes=("no_important_change", "no_important_change")), Flag(0)),
        (calm(pain_changes=("improved", "improved")), Flag(0)),
        (calm(pain_changes=("not_comparable", "not_comparable")), Flag(0)),
        # One change since the baseline per instrument: any one worse is enough.
        (calm(pain_changes=("worse", "no_important_change")), Flag.PAIN_WORSE),
        (calm(pain_changes=("no_important_change", "worse")), Flag.PAIN_WORSE),
        (calm(function_changes=("worse",)), Flag.FUNCTION_WORSE),
        (calm(function_changes=("no_important_change", "improved")), Flag(0)),
        (calm(questionnaire_due_on=TODAY), Flag(0)),  # due today is not overdue
        (calm(questionnaire_due_on=TODAY - timedelta(days=1)), Flag.QUESTIONNAIRE_OVERDUE),
        (calm(questionnaire_due_on=None), Flag(0)),
    ],
)
def test_each_questionnaire_flag_at_its_boundary(facts, expected):
    assert flags_for(facts) == expected


def test_the_weights_put_a_worse_pain_beside_an_ankle_regression_and_overdue_low():
    assert WEIGHTS[Flag.PAIN_WORSE] == WEIGHTS[Flag.REGRESSION]
    assert WEIGHTS[Flag.HIGH_PAIN] < WEIGHTS[Flag.FUNCTION_WORSE] < WEIGHTS[Flag.PAIN_WORSE]
    assert WEIGHTS[Flag.ASYMMETRY] < WEIGHTS[Flag.QUESTIONNAIRE_OVERDUE]
    assert WEIGHTS[Flag.QUESTIONNAIRE_OVERDUE] < WEIGHTS[Flag.NO_FOLLOW_UP]
    worse = calm(pain_changes=("worse",))
    overdue = calm(questionnaire_due_on=TODAY - timedelta(days=3))
    assert urgency_of(flags_for(worse), worse) > urgency_of(flags_for(overdue), overdue) > 0


pytestmark = pytest.mark.django_db


def test_back_pain_worse_by_the_mcid_flags_the_row_and_says_which(patient, therapist):
    answer_on_paper(patient, therapist, "nprs-back", 3, days_ago=30)
    answer_on_paper(patient, therapist, "nprs-back", 5, days_ago=1)  # +2: exactly the MCID
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert summary.flags & Flag.PAIN_WORSE
    assert not summary.flags & Flag.FUNCTION_WORSE
    assert summary.questionnaire_worse == "NPRS back 3 → 5"
    assert digest_lines(therapist=therapist)[0].startswith(
        "Alex Anders: pain worse beyond the MCID"
    )
    assert digest_lines(therapist=therapist)[0].endswith("(NPRS back 3 → 5)")


def test_a_change_under_the_mcid_is_not_a_flag(patient, therapist):
    answer_on_paper(patient, therapist, "nprs-leg", 6, days_ago=30)
    answer_on_paper(patient, therapist, "nprs-leg", 7, days_ago=1)  # +1 point, 17 %: under
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=30)  # 60
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=1)
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert not summary.flags & (Flag.PAIN_WORSE | Flag.FUNCTION_WORSE)
    assert summary.questionnaire_worse == ""


def test_function_worse_beyond_the_mcid_is_its_own_flag(patient, therapist):
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=30)  # 60
    answer_on_paper(patient, therapist, "lefs", 2, days_ago=1)  # 40: 20 points worse
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert summary.flags & Flag.FUNCTION_WORSE
    assert not summary.flags & Flag.PAIN_WORSE
    assert summary.questionnaire_worse == "LEFS 60 → 40"


def test_a_clinics_own_pain_scale_worse_is_the_pain_flag(patient, therapist):
    own = own_pain_scale(patient.clinic)
    answer_own_on_paper(patient, therapist, own, 3, days_ago=30)
    answer_own_on_paper(patient, therapist, own, 6, days_ago=1)  # 3 points worse: MCID 2
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert summary.flags & Flag.PAIN_WORSE
    assert not summary.flags & Flag.FUNCTION_WORSE
    assert summary.questionnaire_worse == "Own pain 3 → 6"


def test_a_submission_refreshes_the_row_when_it_commits(
    patient, therapist, django_capture_on_commit_callbacks
):
    """The services tell the core the patient changed (clinic.changes); the dashboard
    listens, after the commit."""
    # One block: the test's transaction never commits, so a second block would find the first
    # one's callback still queued and join it (as two changes in one transaction do).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer_on_paper(patient, therapist, "nprs-back", 2, days_ago=20)
        answer_on_paper(patient, therapist, "nprs-back", 6)
    assert len(callbacks) == 1
    assert PatientSummary.objects.get(patient=patient).flags & Flag.PAIN_WORSE


def test_an_open_request_past_its_due_date_is_overdue(patient, therapist, client_as):
    request = services.request_create(
        patient=patient, instrument=shipped("psfs"), requested_by=therapist
    )
    patient_summaries_refresh(patient_ids=[patient.pk])
    assert not PatientSummary.objects.get(patient=patient).flags & Flag.QUESTIONNAIRE_OVERDUE
    # Time passes: the due date is yesterday in the clinic's time zone.
    yesterday = patient.clinic.local_today() - timedelta(days=1)
    QuestionnaireRequest.objects.filter(pk=request.pk).update(due_on=yesterday)
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert summary.flags & Flag.QUESTIONNAIRE_OVERDUE
    assert summary.questionnaire_due_on == yesterday
    page = client_as("therapist").get("/dashboard/", {"flag": int(Flag.QUESTIONNAIRE_OVERDUE)})
    assert [row.patient for row in page.context["page"]] == [patient]
    assert "questionnaire overdue" in page.content.decode()
    # Answered (here from paper): no longer overdue.
    answer_on_paper(patient, therapist, "psfs", 5)
    patient_summaries_refresh(patient_ids=[patient.pk])
    assert not PatientSummary.objects.get(patient=patient).flags & Flag.QUESTIONNAIRE_OVERDUE


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_keeps_every_summary_and_leaves_the_new_columns_empty(patient):
    """dashboard 0003 on a database holding summaries: the rows stay as they were, the new
    columns empty (no guess) until their next refresh."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = [("dashboard", "0002_forget_the_old_refresh_task_name")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("dashboard", "PatientSummary")
    old.objects.create(
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        is_active=True,
        left_um=90_000,
        flags=int(Flag.RETEST_OVERDUE),
        urgency=25,
        refreshed_at=timezone.now(),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    summary = PatientSummary.objects.get(patient=patient)
    assert (summary.left_um, summary.flags, summary.urgency) == (90_000, 8, 25)
    assert (summary.questionnaire_worse, summary.questionnaire_due_on) == ("", None)


# --- One rule: the latest answers with a valid score against the baseline ---------------------


def test_pain_better_then_a_little_back_is_not_pain_worse(patient, therapist):
    """8 -> 3 -> 5: 2 points up since the previous answers, but still 3 points better than the
    baseline; the flag reads the change since the baseline, as the ankle's regression does."""
    answer_on_paper(patient, therapist, "nprs-back", 8, days_ago=30)
    answer_on_paper(patient, therapist, "nprs-back", 3, days_ago=15)
    answer_on_paper(patient, therapist, "nprs-back", 5, days_ago=1)
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert not summary.flags & Flag.PAIN_WORSE
    assert summary.questionnaire_worse == ""


def test_latest_answers_without_a_valid_score_do_not_clear_a_real_worse_flag(patient, therapist):
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=30)  # 60
    answer_on_paper(patient, therapist, "lefs", 2, days_ago=10)  # 40: 20 points worse
    services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=shipped("lefs"),
        answers={"lefs-1": 3},  # 19 of 20 missing: no valid score
        submission_key=uuid.uuid4(),
    )
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert summary.flags & Flag.FUNCTION_WORSE
    assert summary.questionnaire_worse == "LEFS 60 → 40"
