"""The pain a patient logs after their sessions, on the therapist's routine page: a chart with
a 0–10 axis, dates and a title, and the numbers in a table beside it."""

import uuid
from datetime import timedelta

import pytest

from exercises import services
from exercises.charts import pain_chart
from exercises.models import SessionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(patient, prescribed):
    today = patient.clinic.local_now().date()
    for days_ago, pain in [(6, 6), (4, 4), (3, 7), (1, 2)]:
        services.session_log_record(
            patient=patient,
            version=prescribed,
            client_token=uuid.uuid4(),
            statuses={item.pk: "done" for item in prescribed.items.all()},
            pain=pain,
            session_date=today - timedelta(days=days_ago),
        )
    return list(SessionLog.objects.filter(patient=patient).order_by("session_date", "slot"))


def test_the_chart_has_a_0_to_10_axis_dates_and_words(logged):
    chart = pain_chart(logged)
    assert [label for _, label in chart.y_ticks] == ["0", "2", "4", "6", "8", "10"]
    assert chart.y_title == "Pain (0–10)"
    assert chart.x_title.startswith("Date (")
    assert 4 <= len(chart.x_ticks) <= 6
    # Pain 7 is higher on the plot than pain 2: a smaller y.
    assert chart.points[2].y < chart.points[3].y
    assert [row.value for row in chart.rows] == ["6", "4", "7", "2"]
    assert "first 6, latest 2, highest 7 of 10" in chart.description


def test_no_pain_logged_no_chart():
    assert pain_chart([]) is None


def test_the_therapist_sees_the_chart_with_its_numbers(client_as, patient, logged):
    html = client_as("therapist").get(f"/patients/{patient.pk}/routine/").content.decode()
    assert "Pain after sessions" in html
    assert 'role="img" aria-labelledby="chart-pain-title chart-pain-desc"' in html
    assert "Pain (0–10)" in html
    assert "Show the numbers" in html
    assert "pain-bars" not in html
