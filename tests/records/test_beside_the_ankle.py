"""Questionnaire scores beside the knee-to-wall, on one time axis: the staff page of a patient
and the patient's own page, who sees them, in how many queries, and the chart geometry."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.selectors import patient_readings
from clinic.access import Actor
from questionnaires import services
from questionnaires.charts import no_important_change_band, score_chart
from questionnaires.interpretation import Interpreted, Mcid, McidRule, Scale, ScoreValue
from questionnaires.models import ClinicInstrumentSetting
from questionnaires.scoring import Better, ScoringMethod
from questionnaires.selectors import patient_score_histories
from records.beside_the_ankle import beside_the_ankle
from tests.factories import record_knee_to_wall
from tests.questionnaire_answers import answer_on_paper, shipped

pytestmark = pytest.mark.django_db

IMPROVED_BACK = "6 → 3, an important improvement (MCID 2 points or 30 %)"


@pytest.fixture
def history(patient, therapist):
    record_knee_to_wall(patient, therapist, left="5", right="6", days_ago=28)
    record_knee_to_wall(patient, therapist, left="8", right="6.5", days_ago=2)
    answer_on_paper(patient, therapist, "nprs-back", 6, days_ago=35)  # before the first test
    answer_on_paper(patient, therapist, "nprs-back", 4, days_ago=14)
    answer_on_paper(patient, therapist, "nprs-back", 3, days_ago=2)
    answer_on_paper(patient, therapist, "lefs", 2, days_ago=35)  # 40
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=2)  # 60
    return patient


def test_the_therapist_sees_each_score_and_its_change_beside_the_ankle(client_as, history):
    html = client_as("therapist").get(f"/patients/{history.pk}/").content.decode()
    assert "Ankle, back and leg over time" in html
    assert "Knee-to-wall, left" in html
    assert f'<span class="change improved">{IMPROVED_BACK}' in html
    # Since the previous: 4 -> 3 is 1 point, 25 %: under the MCID, never progress.
    assert "4 → 3, no important change (MCID 2 points or 30 %)" in html
    assert "40 → 60, an important improvement (MCID 9 points)" in html
    assert "Source and terms" in html
    assert shipped("lefs").licence_terms[:60] in html


def test_every_chart_shares_one_time_axis(history):
    readings = patient_readings(patient=history)
    beside = beside_the_ankle(patient=history, readings=readings, unit="cm")
    ankle = beside.ankle_panels[0].chart
    back = next(p.chart for p in beside.panels if p.instrument.slug == "nprs-back")
    # The first answers come a week before the first test: the axis starts with them.
    assert back.points[0].x == back.plot_left
    assert ankle.points[0].x > ankle.plot_left + 50
    # The last test and the last answers, the same day: the same x on both charts.
    assert abs(ankle.points[-1].x - back.points[-1].x) < 0.5
    assert (ankle.plot_left, ankle.plot_right) == (back.plot_left, back.plot_right)
    assert [tick[1] for tick in ankle.x_ticks] == [tick[1] for tick in back.x_ticks]


def test_the_patient_sees_their_own_scores_and_no_one_elses(
    client_as, history, other_patient, therapist
):
    answer_on_paper(other_patient, therapist, "nprs-leg", 9, days_ago=3)
    html = client_as("patient").get("/me/").content.decode()
    assert "Your ankle, back and leg over time" in html
    assert "6 → 3, clearly better than before" in html  # a patient's words, not the MCID's
    assert IMPROVED_BACK not in html
    assert "Numeric Pain Rating Scale — leg pain" not in html
    other = client_as("other_patient").get("/me/").content.decode()
    assert "6 → 3" not in other
    assert "Numeric Pain Rating Scale — leg pain" in other


def test_the_front_desk_sees_no_scores(client_as, history):
    html = client_as("front_desk").get(f"/patients/{history.pk}/").content.decode()
    assert "Ankle, back and leg over time" not in html
    assert "6 → 3" not in html
    assert client_as("other_clinic_therapist").get(f"/patients/{history.pk}/").status_code == 404


def test_no_answers_yet_no_section(client_as, patient, therapist):
    record_knee_to_wall(patient, therapist, days_ago=1)
    html = client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    assert "Ankle, back and leg over time" not in html


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_pages_read_the_same_queries_however_many_answers(client_as, history, therapist):
    staff, own = client_as("therapist"), client_as("patient")
    url = f"/patients/{history.pk}/"
    before = (page_queries(staff, url), page_queries(own, "/me/"))
    for days in range(10, 2, -1):
        answer_on_paper(history, therapist, "nprs-leg", days % 8, days_ago=days)
        answer_on_paper(history, therapist, "psfs", days % 10, days_ago=days)
    assert (page_queries(staff, url), page_queries(own, "/me/")) == before


def test_answers_without_a_valid_score_sit_under_the_plot(patient, therapist):
    request = services.request_create(
        patient=patient, instrument=shipped("lefs"), requested_by=therapist
    )
    services.response_submit(
        actor=Actor(patient=patient),
        request=request,
        answers={"lefs-1": 3},  # 19 missing: no valid score
        submission_key=uuid.uuid4(),
    )
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=0)
    (history,) = patient_score_histories(patient=patient)
    start = timezone.now() - timedelta(days=1)
    chart = score_chart(history, start=start, end=timezone.now())
    assert chart.has_invalid
    assert chart.points[0].y > chart.plot_bottom
    assert not chart.points[0].valid
    # The invalid answers cannot be the baseline: the band is around the first valid ones.
    assert no_important_change_band(history) == (Decimal(51), Decimal(69))
    assert chart.band is not None


class FakeHistory:
    def __init__(self, total, mcid, *, low="0", high="10"):
        scale = Scale(ScoringMethod.SUM, Decimal(low), Decimal(high), Better.LOWER)
        self.series = (Interpreted(ScoreValue(Decimal(total), scale), is_baseline=True),)
        self.mcid = mcid


@pytest.mark.parametrize(
    ("total", "mcid", "band"),
    [
        # "2 points or 30 %": whichever is reached first: from 8, 30 % is 2.4: 2 points first.
        ("8", Mcid(McidRule.EITHER, Decimal(2), Decimal(30)), ("6", "10")),
        # From 5, 30 % is 1.5: reached before 2 points.
        ("5", Mcid(McidRule.EITHER, Decimal(2), Decimal(30)), ("3.5", "6.5")),
        ("5", Mcid(McidRule.BOTH, Decimal(2), Decimal(30)), ("3", "7")),
        ("0", Mcid(McidRule.EITHER, Decimal(2), Decimal(30)), ("0", "2")),  # points alone
        ("0", Mcid(McidRule.RELATIVE, None, Decimal(30)), None),  # no percentage from 0
    ],
)
def test_the_band_is_where_a_change_is_under_the_mcid(total, mcid, band):
    result = no_important_change_band(FakeHistory(total, mcid))
    expected = None if band is None else tuple(Decimal(value) for value in band)
    assert result == expected


def test_answers_before_any_knee_to_wall_test_still_show(client_as, patient, therapist):
    answer_on_paper(patient, therapist, "nprs-leg", 5, days_ago=3)
    html = client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    assert "Ankle, back and leg over time" in html
    assert "Knee-to-wall, left" not in html
    assert "The first answers: the next ones are compared with them." in html


def test_the_panel_reads_the_change_since_the_baseline_from_the_latest_valid_answers(
    client_as, patient, therapist
):
    """As the dashboard's flag and the outcomes page do: answers without a valid score do not
    hide a real worsening, and the panel says which answers it is from."""
    answer_on_paper(patient, therapist, "lefs", 3, days_ago=30)  # 60
    answer_on_paper(patient, therapist, "lefs", 2, days_ago=10)  # 40
    services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=shipped("lefs"),
        answers={"lefs-1": 3},  # no valid score
        submission_key=uuid.uuid4(),
    )
    html = client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    assert '<span class="change worse">60 → 40, an important worsening (MCID 9 points)' in html
    assert "(the latest valid score," in html


def test_the_panel_shows_the_source_of_the_mcid_that_judged_it(client_as, patient, therapist):
    ClinicInstrumentSetting.objects.create(
        clinic=patient.clinic,
        instrument=shipped("nprs-back"),
        mcid_rule="absolute",
        mcid_absolute=Decimal(3),
        mcid_source="Our own audit of 200 patients.",
    )
    answer_on_paper(patient, therapist, "nprs-back", 6, days_ago=10)
    answer_on_paper(patient, therapist, "nprs-back", 4, days_ago=1)
    html = client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    assert "MCID: 3 points (the clinic's own: Our own audit of 200 patients.)" in html
    assert shipped("nprs-back").mcid_source not in html
    assert "6 → 4, no important change (MCID 3 points)" in html
