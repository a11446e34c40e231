"""The clinic outcomes page: who is counted, how, for whom, in how many queries."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditAction, AuditEvent
from dashboard.outcomes import (
    IMPROVED,
    NO_CHANGE,
    NOT_COMPARABLE,
    WORSE,
    PatientOutcome,
    combined_class,
    count_classes,
    cross_table,
    in_period,
)
from tests.factories import PatientFactory, StaffFactory, record_knee_to_wall
from tests.questionnaire_answers import answer_on_paper, answer_own_on_paper, own_pain_scale


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        (("improved", "improved"), IMPROVED),
        (("improved", "no_real_change"), IMPROVED),
        (("improved", "not_comparable"), IMPROVED),
        (("improved", "worse"), WORSE),  # a decline is never hidden by a gain elsewhere
        (("no_real_change", "no_real_change"), NO_CHANGE),
        (("no_important_change",), NO_CHANGE),
        (("no_real_change", "not_comparable"), NOT_COMPARABLE),
        (("not_comparable", "not_comparable"), NOT_COMPARABLE),
        ((), NOT_COMPARABLE),
    ],
)
def test_one_class_from_several(classes, expected):
    assert combined_class(classes) == expected


def outcome(pk, ankle, back=None, *, on=None, therapist=1):
    return PatientOutcome(
        patient_id=pk,
        therapist_id=therapist,
        last_measured_on=on or date(2026, 11, 1),
        ankle=ankle,
        questionnaires={"back": back} if back else {},
    )


def test_the_cross_table_counts_each_patient_once_where_both_are_known():
    outcomes = [
        outcome(1, IMPROVED, IMPROVED),
        outcome(2, IMPROVED, IMPROVED),
        outcome(3, IMPROVED, WORSE),
        outcome(4, NO_CHANGE, NO_CHANGE),
        outcome(5, IMPROVED),  # no back pain answers: not in this table
    ]
    table = cross_table(outcomes, "back")
    assert table[IMPROVED] == {IMPROVED: 2, NO_CHANGE: 0, WORSE: 1, NOT_COMPARABLE: 0}
    assert table[NO_CHANGE][NO_CHANGE] == 1
    assert sum(sum(row.values()) for row in table.values()) == 4
    assert count_classes([IMPROVED, IMPROVED, WORSE]) == {
        IMPROVED: 2,
        NO_CHANGE: 0,
        WORSE: 1,
        NOT_COMPARABLE: 0,
    }


def test_the_period_is_the_day_of_the_last_measurement_bounds_included():
    day = date(2026, 11, 1)
    assert in_period(outcome(1, IMPROVED, on=day), day, day)
    assert not in_period(outcome(1, IMPROVED, on=day), day + timedelta(days=1), None)
    assert not in_period(outcome(1, IMPROVED, on=day), None, day - timedelta(days=1))
    assert in_period(outcome(1, IMPROVED, on=day), None, None)


pytestmark = pytest.mark.django_db

PAGE = {
    "anonymous": "login",
    "patient": 403,
    "other_patient": 403,
    "front_desk": 403,
    "therapist": 200,
    "clinic_admin": 200,
    "other_clinic_therapist": 200,
}


def improving(patient, therapist, *, back=(6, 3), ankle=("5", "8")):
    """Two clinic tests three weeks apart, and two NPRS back answers."""
    record_knee_to_wall(patient, therapist, left=ankle[0], right=ankle[0], days_ago=21)
    record_knee_to_wall(patient, therapist, left=ankle[1], right=ankle[1], days_ago=1)
    answer_on_paper(patient, therapist, "nprs-back", back[0], days_ago=21)
    answer_on_paper(patient, therapist, "nprs-back", back[1], days_ago=1)


@pytest.mark.parametrize(("role", "status"), PAGE.items())
def test_the_outcomes_page_is_for_the_clinics_clinicians(client_as, role, status, patient):
    response = client_as(role).get("/outcomes/")
    if status == "login":
        assert response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == status


def test_ankle_and_back_gains_are_counted_together(client_as, patient, other_patient, therapist):
    improving(patient, therapist)  # ankle +3 cm (MDC 1.9), back 6 -> 3 (MCID 2 points)
    improving(other_patient, therapist, back=(4, 7), ankle=("9", "10"))  # +1 cm; back +3
    response = client_as("therapist").get("/outcomes/")
    assert response.status_code == 200
    rows = {row.key: row for row in response.context["rows"]}
    assert rows["ankle"].counts == {IMPROVED: 1, NO_CHANGE: 1, WORSE: 0, NOT_COMPARABLE: 0}
    assert rows["back"].counts == {IMPROVED: 1, NO_CHANGE: 0, WORSE: 1, NOT_COMPARABLE: 0}
    assert rows["back"].n == 2
    assert rows["back"].shares is None  # 2 patients: no percentages
    cross = {key: [n for _, n in cells] for key, _label, cells in response.context["cross"]}
    assert cross[IMPROVED] == [1, 0, 0, 0]
    assert cross[NO_CHANGE] == [0, 0, 1, 0]
    html = response.content.decode()
    assert "MCID (2 points or 30 %)" in html
    assert 'href="#def-improved"' in html


def test_one_test_or_one_answer_is_not_an_outcome(client_as, patient, other_patient, therapist):
    record_knee_to_wall(patient, therapist, left="5", right="5", days_ago=21)
    answer_on_paper(patient, therapist, "nprs-back", 6, days_ago=21)
    answer_on_paper(patient, therapist, "nprs-back", 2, days_ago=1)  # one test only
    record_knee_to_wall(other_patient, therapist, days_ago=21)
    record_knee_to_wall(other_patient, therapist, days_ago=1)
    answer_on_paper(other_patient, therapist, "nprs-back", 6, days_ago=1)  # one answer only
    response = client_as("clinic_admin").get("/outcomes/")
    assert response.context["cohort_size"] == 0
    assert "No patient has two clinic tests" in response.content.decode()


def test_the_trail_says_whose_data_the_counts_were_made_of(client_as, patient, therapist):
    improving(patient, therapist)
    client_as("clinic_admin").get("/outcomes/")
    event = AuditEvent.objects.filter(action=AuditAction.LIST, object_type="outcomes").get()
    assert event.patient_ids == [patient.pk]


def test_a_count_opens_the_list_of_its_patients(client_as, patient, other_patient, therapist):
    improving(patient, therapist)  # ankle improved, back improved
    improving(other_patient, therapist, back=(4, 7), ankle=("9", "10"))  # no change, worse
    client = client_as("therapist")
    page = client.get("/outcomes/")
    assert "cell=improved.improved#cell-patients" in page.content.decode()
    cell = client.get("/outcomes/", {"cell": "improved.improved"})
    assert list(cell.context["cell_patients"]["patients"]) == [patient]
    html = cell.content.decode()
    assert f'href="/patients/{patient.pk}/">Anders, Alex</a>' in html
    assert "Baker" not in html
    worse = client.get("/outcomes/", {"cell": "no_important_change.worse"})
    assert list(worse.context["cell_patients"]["patients"]) == [other_patient]


def test_another_clinic_sees_none_of_it(client_as, patient, therapist):
    improving(patient, therapist)
    assert client_as("other_clinic_therapist").get("/outcomes/").context["cohort_size"] == 0


def test_filtered_by_therapist_and_period(client_as, clinic, patient, other_patient, therapist):
    colleague = StaffFactory(clinic=clinic, username="daniel", role="therapist")
    improving(patient, therapist)
    theirs = PatientFactory(clinic=clinic, primary_therapist=colleague)
    improving(theirs, colleague)
    client = client_as("clinic_admin")
    assert client.get("/outcomes/").context["cohort_size"] == 2
    assert client.get("/outcomes/", {"therapist": colleague.pk}).context["cohort_size"] == 1
    today = clinic.local_today()
    recent = {"since": (today - timedelta(days=3)).isoformat(), "until": today.isoformat()}
    assert client.get("/outcomes/", recent).context["cohort_size"] == 2
    old = {"until": (today - timedelta(days=5)).isoformat()}
    assert client.get("/outcomes/", old).context["cohort_size"] == 0


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"since": "yesterday"}, "since", "Enter a date"),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "until", "before its start"),
        ({"therapist": "999999"}, "therapist", "Choose one of your clinic's therapists."),
        ({"versus": "ankle"}, "versus", "Choose back pain, leg pain or function."),
        ({"cell": "improved.better"}, "cell", "Choose a cell of the cross-table."),
    ],
)
def test_bad_filters_are_named(client_as, query, field, message):
    response = client_as("therapist").get("/outcomes/", query)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])


def test_the_cross_table_sets_the_ankle_against_leg_pain_or_function(client_as, patient, therapist):
    improving(patient, therapist)
    answer_on_paper(patient, therapist, "lefs", 2, days_ago=21)  # 40
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=1)  # 60: 20 points better
    response = client_as("therapist").get("/outcomes/", {"versus": "function"})
    cross = {key: [n for _, n in cells] for key, _label, cells in response.context["cross"]}
    assert cross[IMPROVED] == [1, 0, 0, 0]
    rows = {row.key: row for row in response.context["rows"]}
    assert rows["function"].counts[IMPROVED] == 1
    assert client_as("therapist").get("/outcomes/", {"versus": "leg"}).context["cross_n"] == 0


def test_a_clinics_own_pain_scale_is_a_pain_row_of_its_own_not_function(
    client_as, clinic, patient, therapist
):
    own = own_pain_scale(clinic)
    record_knee_to_wall(patient, therapist, left="5", right="5", days_ago=21)
    record_knee_to_wall(patient, therapist, left="8", right="8", days_ago=1)
    answer_own_on_paper(patient, therapist, own, 6, days_ago=21)
    answer_own_on_paper(patient, therapist, own, 3, days_ago=1)  # 3 points better
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=21)  # 60
    answer_on_paper(patient, therapist, "lefs", 2, days_ago=1)  # 40: 20 points worse
    rows = client_as("therapist").get("/outcomes/").context["rows"]
    own_key = f"instrument:own-pain:{clinic.pk}"
    # Pain before function; the clinic's pain scale is not in "disability or function".
    assert [row.key for row in rows] == ["ankle", own_key, "instrument:lefs:", "function"]
    counts = {row.key: row.counts for row in rows}
    assert counts[own_key][IMPROVED] == 1
    assert counts["function"] == {IMPROVED: 0, NO_CHANGE: 0, WORSE: 1, NOT_COMPARABLE: 0}


def outcomes_queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get("/outcomes/").status_code == 200
    return len(context)


def test_the_outcomes_page_runs_the_same_queries_for_5_and_50_patients(
    client_as, clinic, therapist
):
    client = client_as("clinic_admin")

    def add(count: int) -> None:
        for index in range(count):
            patient = PatientFactory(clinic=clinic, primary_therapist=therapist)
            improving(patient, therapist, back=(6, 3 + index % 5))
            answer_on_paper(patient, therapist, "lefs", 2, days_ago=20)
            answer_on_paper(patient, therapist, "lefs", 3, days_ago=2)

    add(5)
    few = outcomes_queries(client)
    add(45)
    response = client.get("/outcomes/")
    assert response.context["cohort_size"] == 50
    assert outcomes_queries(client) == few
    assert few <= 15


def test_pain_better_then_a_little_back_counts_as_improved(client_as, patient, therapist):
    """8 -> 3 -> 5 is improved since the baseline: what the dashboard's flag reads too
    (tests/dashboard/test_questionnaire_flags.py), never worse on one page and improved on
    the other."""
    improving(patient, therapist, back=(8, 3))
    answer_on_paper(patient, therapist, "nprs-back", 5, days_ago=0)
    rows = {row.key: row for row in client_as("therapist").get("/outcomes/").context["rows"]}
    assert rows["back"].counts[IMPROVED] == 1
    assert rows["back"].counts[WORSE] == 0
