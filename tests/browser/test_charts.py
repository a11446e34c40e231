"""Charts read at arm's length on a tablet (issue 17 §6): the type measured in the browser at
the width each chart is drawn, date labels that do not touch, titled axes, and a text
equivalent (a title, a short description and a table of the numbers) for every chart."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.test_accessibility import clinic_with_history, context_for  # noqa: F401
from tests.browser.test_patient_journeys import PHONE
from tests.factories import record_knee_to_wall
from tests.neural.recording import record_neural, slr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1366, "height": 900}

# Every chart of the page: its rendered type, its labels' boxes and its text equivalent.
MEASURE = """() => Array.from(document.querySelectorAll('figure.chart')).map(figure => {
  const svg = figure.querySelector('svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const texts = Array.from(svg.querySelectorAll('text'));
  const box = t => {
    const r = t.getBoundingClientRect();
    return [r.left, r.right, r.top, r.bottom];
  };
  const ids = (svg.getAttribute('aria-labelledby') || '').split(' ');
  return {
    role: svg.getAttribute('role'),
    labelledBy: ids.map(id => {
      const node = document.getElementById(id);
      return node && svg.contains(node) ? node.tagName : null;
    }),
    smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
    xTicks: Array.from(svg.querySelectorAll('text.x-tick')).map(box),
    yTicks: Array.from(svg.querySelectorAll('text.y-tick')).map(box),
    titles: Array.from(svg.querySelectorAll('text.axis-title')).map(t => t.textContent),
    numbers: figure.querySelectorAll('details.chart-numbers tbody tr').length,
    points: svg.querySelectorAll('circle, path.point, path.score-point, rect.point').length,
  };
})"""


@pytest.fixture
def charted(patient, therapist, clinic_with_history):  # noqa: F811
    """Knee-to-wall over six weeks and a straight-leg raise: every kind of chart but the
    questionnaires' (tests/browser/test_outcomes.py draws those)."""
    for days_ago, left in [(42, "7"), (30, "8.5")]:
        record_knee_to_wall(patient, therapist, left=left, right="9", days_ago=days_ago)
    record_neural(patient, therapist, [slr("left", "45")], days_ago=30)
    record_neural(patient, therapist, [slr("left", "60")], days_ago=2)
    return patient


def check_charts(page, *, at_least: float) -> list[str]:
    problems = []
    charts = page.evaluate(MEASURE)
    assert charts, page.url
    for n, chart in enumerate(charts):
        where = f"{page.url} chart {n + 1}"
        if chart["smallest"] < at_least:
            problems.append(f"{where}: type {chart['smallest']:.1f} px")
        if chart["role"] != "img" or chart["labelledBy"] != ["title", "desc"]:
            problems.append(f"{where}: no title and description ({chart['labelledBy']})")
        for before, after in itertools.pairwise(chart["xTicks"]):
            if after[0] < before[1] + 2:
                problems.append(f"{where}: date labels touch")
        y_ticks = sorted(chart["yTicks"], key=lambda box: box[2])
        for above, below in itertools.pairwise(y_ticks):
            if below[2] < above[3]:
                problems.append(f"{where}: value labels touch")
        if len(chart["xTicks"]) < 2 and chart["points"] > 1:
            problems.append(f"{where}: {len(chart['xTicks'])} date ticks")
        if len(chart["titles"]) != 2 or not chart["titles"][1].startswith("Date ("):
            problems.append(f"{where}: axis titles {chart['titles']}")
        if chart["numbers"] == 0:
            problems.append(f"{where}: no table of the numbers")
    return problems


def test_every_chart_reads_at_13_px_on_a_tablet_and_a_desktop_and_12_on_a_phone(
    browser, live_server, therapist, charted, artifacts_dir
):
    pages = [
        f"/patients/{charted.pk}/knee-to-wall/",
        f"/patients/{charted.pk}/knee-to-wall/?chart=deg",
        f"/patients/{charted.pk}/",
        f"/patients/{charted.pk}/routine/",
        f"/patients/{charted.pk}/neural-tests/",
    ]
    problems = []
    for name, size, at_least in [
        ("tablet", TABLET, 13),
        ("desktop", DESKTOP, 13),
        ("phone", PHONE, 12),
    ]:
        context = context_for(browser, live_server, therapist, size)
        page = context.new_page()
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            problems += check_charts(page, at_least=at_least)
        page.goto(f"{live_server.url}/patients/{charted.pk}/routine/")
        page.locator("figure.pain-chart").screenshot(path=artifacts_dir / f"pain-chart-{name}.png")
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_numbers_behind_a_chart_open_from_the_keyboard(
    browser, live_server, therapist, charted
):
    context = context_for(browser, live_server, therapist, TABLET)
    page = context.new_page()
    page.goto(f"{live_server.url}/patients/{charted.pk}/knee-to-wall/")
    summary = page.locator("figure.chart summary").first
    summary.focus()
    page.keyboard.press("Enter")
    table = page.locator("figure.chart details.chart-numbers table").first
    table.wait_for()
    assert table.locator("th").nth(1).text_content() == "Left (cm)"
    assert "8.5 cm" in table.inner_text()
    context.close()
