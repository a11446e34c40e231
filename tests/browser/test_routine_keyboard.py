"""The patient's routine and self-test with the keyboard alone, a screen reader's live region
and no JavaScript (issue 17 §10 and §13). The timer runs 50 times faster (?speed=50)."""

from __future__ import annotations

import re

import pytest

from clinic import services
from tests.browser.test_patient_journeys import PHONE
from tests.factories import record_knee_to_wall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}

# Every text the live region and the visible cue are given, in order, from the first paint.
RECORD = """
window.__said = []; window.__cues = []; window.__clock = 0;
document.addEventListener('DOMContentLoaded', () => {
  const watch = (selector, into) => {
    const node = document.querySelector(selector);
    if (node) new MutationObserver(() => into(node.textContent)).observe(node, {childList: true});
  };
  watch('[data-announce]', text => window.__said.push(text));
  watch('[data-cue]', text => window.__cues.push(text));
  watch('[data-clock]', () => { window.__clock += 1; });
});
"""


def open_as_patient(browser, live_server, settings, patient, therapist, *, javascript=True):
    settings.SITE_URL = live_server.url
    link = services.patient_link_issue(patient=patient, issued_by=therapist)
    context = browser.new_context(viewport=TABLET, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(services.patient_link_url(link))
    return context, page


def tab_to(page, selector: str, *, most: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focus_is_visible(page) -> bool:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"
    )


def test_without_javascript_the_timer_is_hidden_and_the_log_still_works(
    browser, live_server, settings, patient, therapist, prescribed, artifacts_dir
):
    context, page = open_as_patient(
        browser, live_server, settings, patient, therapist, javascript=False
    )
    page.goto(f"{live_server.url}/me/routine/")
    assert page.locator("[data-timer]").is_hidden()
    assert page.get_by_role("button", name="Start").count() == 0
    page.get_by_role("heading", name="Doing it with a clock").wait_for()
    assert "your phone's timer" in page.locator("[data-no-timer]").inner_text()
    page.screenshot(path=artifacts_dir / "routine-no-javascript-tablet.png", full_page=True)
    for fieldset in page.locator("fieldset.status").all():
        fieldset.get_by_label("Done").check()
    page.get_by_label("Pain afterwards (0 none – 10 worst)").fill("2")
    page.get_by_role("button", name="Save my session").click()
    page.get_by_text("Well done: your session is logged.").wait_for()
    context.close()


def test_with_javascript_the_clock_words_give_way_to_the_timer(
    browser, live_server, settings, patient, therapist, prescribed
):
    context, page = open_as_patient(browser, live_server, settings, patient, therapist)
    page.goto(f"{live_server.url}/me/routine/")
    page.get_by_role("button", name="Start").wait_for()
    assert page.locator("[data-no-timer]").is_hidden()
    context.close()


def test_the_routine_runs_and_is_logged_with_the_keyboard_alone_and_each_phase_is_said_once(
    browser, live_server, settings, patient, therapist, prescribed, artifacts_dir
):
    from exercises.models import SessionLog

    context, page = open_as_patient(browser, live_server, settings, patient, therapist)
    page.add_init_script(RECORD)
    page.goto(f"{live_server.url}/me/routine/?speed=50")
    region = page.locator("[data-announce]")
    assert region.get_attribute("role") == "status"
    assert region.get_attribute("aria-live") == "polite"
    assert page.locator("[data-cue]").get_attribute("aria-live") is None

    tab_to(page, "[data-start]")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    # Start is gone: the focus is on Pause, not lost at the top of the page.
    page.wait_for_function("() => document.activeElement.matches('[data-pause]')")
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    page.get_by_role("button", name="Resume").wait_for()
    assert region.text_content() == "Paused"
    page.keyboard.press("Space")
    page.get_by_role("button", name="Pause").wait_for()
    # Skip the rolling: Next exercise is the next stop of the keyboard.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('[data-next]')")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => window.__said.some(t => t.startsWith('Switch sides: right side.'))",
        timeout=20_000,
    )
    page.keyboard.press("Enter")  # cut the right side short
    page.wait_for_function("() => window.__said.some(t => t.startsWith('Done'))", timeout=20_000)
    # Pause and Next are gone: the focus moved on to the log.
    assert page.evaluate("() => document.activeElement.id") == "log-h"

    said = page.evaluate("() => window.__said")
    cues = page.evaluate("() => window.__cues")
    # Each phase said once as it began ("Into tension, 10 seconds"), not each second.
    phases = [cue for cue in cues if cue in ("Into tension", "Ease off")]
    phases_said = [
        text for text in said if re.search(r"(Into tension|Ease off), \d+ seconds?$", text)
    ]
    assert len(phases) > 10
    assert [re.search("Into tension|Ease off", text).group() for text in phases_said] == phases
    assert said.count("Paused") == cues.count("Paused") == 1
    assert any(text.startswith("Exercise 2 of 3: Runner's calf stretch") for text in said)
    assert any(text.startswith("Exercise 3 of 3") for text in said)
    assert said[-1] == "Done. Log your session below."
    assert len(said) < page.evaluate("() => window.__clock") / 3

    # The log, by keyboard: the timer chose each exercise's status (the rolling, cut short:
    # partly); the patient says it was done with an arrow key, and types the rest.
    tab_to(page, "fieldset.status input:checked")
    assert page.evaluate("() => document.activeElement.value") == "partly"
    assert focus_is_visible(page)
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => document.activeElement.value") == "done"
    tab_to(page, "#id_pain")
    page.keyboard.type("4")
    tab_to(page, "#id_comment")
    page.keyboard.type("Done by keyboard")
    tab_to(page, "form#log button[type=submit]")
    assert focus_is_visible(page)
    page.screenshot(path=artifacts_dir / "routine-keyboard-tablet.png", full_page=True)
    page.keyboard.press("Enter")
    page.get_by_text("Well done: your session is logged.").wait_for()
    session = SessionLog.objects.get(patient=patient)
    assert (session.pain, session.comment) == (4, "Done by keyboard")
    # The stretch was cut short; the hip stretch ran to its end; the rolling, said done.
    statuses = dict(session.entries.values_list("item__exercise__name", "status"))
    assert sorted(statuses.values()) == ["done", "done", "partly"]
    context.close()


def test_the_self_test_is_done_with_the_keyboard_alone(
    browser, live_server, settings, patient, therapist
):
    from assessments.models import AssessmentRevision

    record_knee_to_wall(patient, therapist, left="9.5", right="10", days_ago=21)
    context, page = open_as_patient(browser, live_server, settings, patient, therapist)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/me/self-test/")
    tab_to(page, "#id_left_distance")
    assert focus_is_visible(page)
    page.keyboard.type("11")
    tab_to(page, "#id_right_distance")
    page.keyboard.type("10.5")
    tab_to(page, "form[data-entry-form] button[type=submit]")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.get_by_text("your self-test is saved").wait_for()
    revision = AssessmentRevision.objects.get(assessment__kind="self_test")
    assert (revision.left_distance_um, revision.right_distance_um) == (110_000, 105_000)
    context.close()
