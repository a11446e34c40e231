import csv
import io

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import AssessmentRevision
from tests.factories import record_knee_to_wall

pytestmark = pytest.mark.django_db


def status_of(response) -> int | str:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "login"
    return response.status_code


@pytest.fixture
def assessment(patient, therapist):
    record_knee_to_wall(patient, therapist, left="9.5", right="10", days_ago=21)
    return record_knee_to_wall(patient, therapist, left="11.8", right="10.4").assessment


PAGE_EXPECTATIONS = {
    # role: (history, new test, detail, correct, CSV, FHIR)
    "anonymous": ("login",) * 6,
    "patient": (403,) * 6,
    "other_patient": (403,) * 6,
    "therapist": (200,) * 6,
    "front_desk": (403,) * 6,
    "clinic_admin": (200,) * 6,
    "other_clinic_therapist": (404,) * 6,
}


@pytest.mark.parametrize(("role", "expected"), PAGE_EXPECTATIONS.items())
def test_clinical_pages_answer_each_role_as_the_policy_says(
    client_as, patient, assessment, role, expected
):
    client = client_as(role)
    urls = [
        f"/patients/{patient.pk}/knee-to-wall/",
        f"/patients/{patient.pk}/knee-to-wall/new/",
        f"/assessments/{assessment.pk}/",
        f"/assessments/{assessment.pk}/correct/",
        f"/patients/{patient.pk}/knee-to-wall.csv",
        f"/patients/{patient.pk}/knee-to-wall.fhir.json",
    ]
    assert tuple(status_of(client.get(url)) for url in urls) == expected


def test_the_front_desk_sees_no_values_on_the_patient_page(client_as, patient, assessment):
    html = client_as("front_desk").get(f"/patients/{patient.pk}/").content.decode()
    assert "Knee-to-wall" not in html
    assert "11.8" not in html
    therapist_html = client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    assert "11.8 cm" in therapist_html


def form_data(**changes):
    data = {
        "unit": "in",
        "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "left_distance": "3.75",
        "right_distance": "4.5",
        "left_heel_down": "on",
        "right_heel_down": "on",
        "left_pain": "3",
        "symptomatic_side": "left",
        "knees_in": "on",
        "lumbar_flexion": "limited",
        "hip_notes": "Hip internal rotation limited on the left.",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_therapist_records_both_sides_and_sees_the_interpretation(client_as, patient, therapist):
    client = client_as("therapist")
    response = client.post(
        f"/patients/{patient.pk}/knee-to-wall/new/", form_data(measured_by=therapist.pk)
    )
    revision = AssessmentRevision.objects.get()
    assert response.status_code == 302
    assert response.url == f"/assessments/{revision.assessment_id}/"
    assert revision.left_distance_um == 95_250
    assert revision.measured_by == therapist
    assert revision.knees_in
    assert not revision.feet_turned_out
    assert revision.hip_notes.startswith("Hip internal rotation")
    page = client.get(response.url).content.decode()
    assert "3¾ in" in page  # as the tape reads it
    assert "below target" in page  # 3.75 in: over 3 in (needs work), under 5 in (target)
    therapist.refresh_from_db()
    assert therapist.length_unit == "in"


def test_the_detail_shows_the_previous_values_beside_the_new_ones(client_as, assessment):
    page = client_as("therapist").get(f"/assessments/{assessment.pk}/").content.decode()
    assert "9.5 cm" in page  # previous left
    assert "11.8 cm" in page
    assert "a real improvement" in page  # +2.3 cm ≥ MDC 1.9
    assert "no real change" in page  # right +0.4 cm


def test_the_entry_form_shows_errors_and_saves_nothing(client_as, patient, therapist):
    response = client_as("therapist").post(
        f"/patients/{patient.pk}/knee-to-wall/new/",
        form_data(
            measured_by=therapist.pk, left_distance="12", right_distance="abc", left_pain="14"
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "between 0 and 25.4 cm (10 in)" in errors["left_distance"][0]
    assert "not a number" in errors["right_distance"][0]
    assert "left_pain" in errors
    assert "Nothing was saved" in response.content.decode()
    assert not AssessmentRevision.objects.exists()


def test_could_not_reach_from_the_form(client_as, patient, therapist):
    client_as("therapist").post(
        f"/patients/{patient.pk}/knee-to-wall/new/",
        form_data(
            measured_by=therapist.pk, left_distance=None, left_not_reached="on", left_gap="0.5"
        ),
    )
    revision = AssessmentRevision.objects.get()
    assert (revision.left_reached, revision.left_distance_um) == (False, -12_700)


def test_the_unit_toggle_is_remembered_for_the_next_entry(client_as, patient, therapist):
    client = client_as("therapist")
    url = f"/patients/{patient.pk}/knee-to-wall/new/"
    assert client.get(url).context["form"]["unit"].value() == "cm"  # the clinic's unit
    client.post(url, form_data(measured_by=therapist.pk))
    assert client.get(url).context["form"]["unit"].value() == "in"


def test_a_correction_from_the_page(client_as, assessment, therapist):
    client = client_as("therapist")
    form = client.get(f"/assessments/{assessment.pk}/correct/").context["form"]
    assert str(form.initial["left_distance"]) == "11.8"
    response = client.post(
        f"/assessments/{assessment.pk}/correct/",
        form_data(
            unit="cm",
            measured_by=therapist.pk,
            left_distance="11.6",
            right_distance="10.4",
            correction_reason="Re-read the tape",
        ),
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Record of corrections" in page
    assert "Re-read the tape" in page


def test_the_history_page_has_charts_with_target_and_mdc_band(client_as, patient, assessment):
    html = client_as("therapist").get(f"/patients/{patient.pk}/knee-to-wall/").content.decode()
    assert html.count("<svg") == 2
    assert 'class="target"' in html
    assert 'class="mdc-band"' in html
    assert "baseline ± 1.9 cm" in html
    assert "target 12.7 cm" in html


def test_the_csv_export_has_every_test(client_as, patient, assessment):
    response = client_as("therapist").get(f"/patients/{patient.pk}/knee-to-wall.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["left_cm"] for row in rows] == ["9.5", "11.8"]
    assert rows[1]["left_since_baseline"] == "improved"
    assert rows[1]["right_since_baseline"] == "no_real_change"


def test_the_patient_reads_their_history_in_plain_words(client_as, assessment):
    html = client_as("patient").get("/me/").content.decode()
    assert "Left: 9.5 cm → 11.8 cm, more movement than before, a real gain" in html
    assert "Right: 10.0 cm → 10.4 cm, about the same as before" in html
    assert "Bianca" not in html


def test_the_patient_is_told_a_decline_as_a_therapist_would_and_staff_read_it_exactly(
    client_as, patient, therapist
):
    """Issue 17 §9: staff wording stays exact; the patient alone with their page gets the words
    a therapist would use face to face, not "a real decline" in bold."""
    record_knee_to_wall(patient, therapist, left="12", right="12", days_ago=21)
    latest = record_knee_to_wall(patient, therapist, left="9.5", right="12").assessment
    html = client_as("patient").get("/me/").content.decode()
    assert "a real decline" not in html
    assert (
        "Left: 12.0 cm → 9.5 cm, a little less than before, something your therapist will go "
        "through with you"
    ) in html
    staff = client_as("therapist").get(f"/assessments/{latest.pk}/").content.decode()
    assert "a real decline" in staff


@pytest.fixture
def gap_not_measured(patient, therapist):
    """Issue 12, item 4: left "could not reach, gap not measured", then a 2.5 cm gap."""
    record_knee_to_wall(patient, therapist, left=None, right="12", days_ago=21)
    return record_knee_to_wall(
        patient, therapist, left=None, left_gap="2.5", right="12.4"
    ).assessment


def test_the_patient_reads_not_comparable_not_a_decline(client_as, gap_not_measured):
    html = client_as("patient").get("/me/").content.decode()
    assert (
        "Left: could not reach the wall (gap not measured) → could not reach the wall "
        "(2.5 cm short), cannot be compared. The gap was not measured at the earlier test, so "
        "there is no number to compare."
    ) in html
    assert "Right: 12.0 cm → 12.4 cm, about the same as before" in html
    assert "a real decline" not in html
    # The footnote says what "cannot be compared" means.
    assert "It does not mean you got worse." in html


def test_staff_pages_say_not_comparable_with_the_reason(client_as, patient, gap_not_measured):
    client = client_as("therapist")
    detail = client.get(f"/assessments/{gap_not_measured.pk}/").content.decode()
    assert "not comparable" in detail
    assert "The gap was not measured at the earlier test" in detail
    assert "a real decline" not in detail
    assert "−2.5 cm" not in detail  # no difference computed from the missing value
    history = client.get(f"/patients/{patient.pk}/knee-to-wall/").content.decode()
    assert "could not reach the wall (gap not measured)" in history
    assert "more than 12.0 cm" in history  # the baseline's side-to-side difference: a bound
    assert "The left gap was not measured." in history
    assert "a real decline" not in history
    # No band around a baseline that has no number (left); the right chart keeps its band.
    assert history.count('class="mdc-band"') == 1
    assert "not-measured" in history


def test_a_dashboard_row_says_could_not_reach_without_a_number(patient, therapist):
    from assessments.templatetags.knee_to_wall import summary_side
    from dashboard.models import PatientSummary
    from dashboard.summaries import patient_summaries_refresh

    record_knee_to_wall(patient, therapist, left=None, right="12")
    patient_summaries_refresh(patient_ids=[patient.pk])
    row = PatientSummary.objects.get(patient=patient)
    assert summary_side(row, "left", "cm") == "could not reach the wall (gap not measured)"
    assert summary_side(row, "right", "cm") == "12.0 cm"


def test_the_csv_leaves_a_value_not_measured_empty(client_as, patient, gap_not_measured):
    response = client_as("therapist").get(f"/patients/{patient.pk}/knee-to-wall.csv")
    first, second = csv.DictReader(io.StringIO(response.content.decode()))
    assert (first["left_cm"], first["left_reached"], first["difference_cm"]) == ("", "False", "")
    assert second["left_cm"] == "-2.5"
    assert second["left_since_baseline"] == "not_comparable"


def test_the_chart_draws_a_gap_not_measured_below_0_and_breaks_the_line(patient, therapist):
    from assessments.charts import side_chart
    from assessments.interpretation import Thresholds
    from assessments.selectors import patient_readings

    record_knee_to_wall(patient, therapist, left="3", days_ago=30)
    record_knee_to_wall(patient, therapist, left=None, days_ago=20)
    record_knee_to_wall(patient, therapist, left="4", days_ago=10)
    record_knee_to_wall(patient, therapist, left="5", days_ago=0)
    chart = side_chart(patient_readings(patient=patient), "left", Thresholds(), "cm")
    unmeasured = chart.points[1]
    assert not unmeasured.measured
    assert unmeasured.label.endswith("could not reach the wall (gap not measured) (clinic)")
    # Under the plot, off the scale: no height inside it would be true.
    assert unmeasured.y > chart.plot_bottom >= max(y for y, _ in chart.y_ticks)
    # One run before the missing value (a single point) and one after it.
    assert len(chart.segments) == 2
    assert chart.segments[1].count(",") == 2
    assert chart.has_unmeasured


def test_a_patient_records_a_self_test_shown_beside_the_clinics(client_as, patient, assessment):
    client = client_as("patient")
    assert client.get("/me/self-test/").status_code == 200
    response = client.post(
        "/me/self-test/",
        {
            "unit": "cm",
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "left_distance": "12.5",
            "right_distance": "11",
        },
    )
    assert response.status_code == 302
    revision = AssessmentRevision.objects.get(assessment__kind="self_test")
    assert revision.measured_by is None
    assert revision.recorded_by is None
    assert "your self-test" in client.get("/me/").content.decode()
    staff_html = client_as("therapist").get(f"/patients/{patient.pk}/knee-to-wall/").content
    assert b"self-test" in staff_html


@pytest.mark.parametrize("role", ["therapist", "front_desk", "anonymous"])
def test_only_patients_record_self_tests(client_as, role):
    response = client_as(role).post("/me/self-test/", {"unit": "cm"})
    assert response.status_code == 403
    assert not AssessmentRevision.objects.exists()


def test_a_self_test_with_bad_values_is_refused(client_as, patient):
    response = client_as("patient").post(
        "/me/self-test/",
        {
            "unit": "in",
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "left_distance": "30",
            "right_distance": "4",
        },
    )
    assert response.status_code == 200
    assert "left_distance" in response.context["form"].errors
    assert not AssessmentRevision.objects.exists()


def test_self_tests_appear_only_on_their_own_patients_page(client_as, patient, other_patient):
    services.self_test_record(
        patient=other_patient,
        unit="cm",
        data={"measured_at": timezone.now(), "left_distance": "7.7", "right_distance": "7.7"},
    )
    assert "7.7 cm" not in client_as("patient").get("/me/").content.decode()
    assert "7.7 cm" in client_as("other_patient").get("/me/").content.decode()
