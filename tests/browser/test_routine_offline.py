"""The routine with no network (issue 20 §1): the page opens offline from the service worker's
copy, a session logged offline waits on the phone and is recorded exactly once when the network
is back, a changed routine shows up with the reason an old log is refused, the worker keeps no
staff page and no other patient's page, and signing out clears what it kept. Playwright's
offline mode; the timer runs 200 times faster (?speed=200). Screenshots in test-artifacts/."""

import re
import time

import pytest

from clinic import services
from exercises import services as exercise_services
from exercises.models import SessionLog
from tests.browser.test_patient_journeys import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROUTINE = "/me/routine/?speed=200"

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push([name, request.url]);
  }
  return urls;
}"""

CACHED_PAGES_TEXT = """async () => {
  const texts = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      if (!new URL(request.url).pathname.startsWith('/static/')) {
        texts.push(await (await cache.match(request)).text());
      }
    }
  }
  return texts;
}"""


def eventually(page, script: str, *, timeout: float = 15) -> None:
    """Waits until the async `script` resolves to true (wait_for_function takes a promise for a
    true value)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            state = page.evaluate(
                "async () => [await caches.keys(),"
                " (await navigator.serviceWorker.getRegistrations())"
                ".map(r => [r.scope, r.active && r.active.scriptURL])]"
            )
            raise AssertionError(f"timed out waiting for {script}: {state}")
        page.wait_for_timeout(200)


def open_link(context, live_server, patient, therapist):
    link = services.patient_link_issue(patient=patient, issued_by=therapist)
    page = context.new_page()
    page.goto(services.patient_link_url(link))
    page.wait_for_url(re.compile(r"/me/$"))
    return page


def open_routine_with_its_worker(page, live_server):
    """Opens the routine until the worker controls it and keeps a copy of it."""
    page.goto(f"{live_server.url}{ROUTINE}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    # The first visit installed the worker; this one goes through it and is kept.
    page.reload()
    eventually(page, "async () => !!(await caches.match(location.href, {ignoreVary: true}))")


def run_timer_and_log(page, pain: str) -> None:
    page.get_by_role("button", name="Start").click()
    page.get_by_text("Well done!").wait_for(timeout=30_000)
    page.get_by_label("Pain afterwards (0 none – 10 worst)").fill(pain)
    page.get_by_role("button", name="Save my session").click()


def test_a_session_logged_offline_is_sent_once_when_the_network_is_back(
    browser, live_server, settings, patient, therapist, prescribed, artifacts_dir
):
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_link(context, live_server, patient, therapist)
    open_routine_with_its_worker(page, live_server)

    context.set_offline(True)
    page.reload()  # from the worker's copy: no network at all
    page.get_by_role("heading", name="Log this session").wait_for()
    assert page.locator("[data-timer]").is_visible()
    assert page.locator(".exercise-step img").first.evaluate("img => img.naturalWidth > 0")
    run_timer_and_log(page, "3")
    status = page.locator("[data-offline-status]")
    status.get_by_text("One session is waiting to be sent.").wait_for()
    assert not SessionLog.objects.exists()
    page.screenshot(path=artifacts_dir / "routine-offline-waiting-phone.png", full_page=True)
    page.screenshot(path=artifacts_dir / "routine-offline-waiting-phone-view.png")
    stored = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.endsWith('.queue'))"
        ".map(k => [k, localStorage.getItem(k)])[0]"
    )

    context.set_offline(False)
    status.get_by_text(re.compile(r"Sent at \d\d:\d\d: your session is logged\.")).wait_for(
        timeout=15_000
    )
    assert status.get_attribute("data-waiting") == "0"
    page.screenshot(path=artifacts_dir / "routine-offline-sent-phone.png")
    log = SessionLog.objects.get()
    assert log.patient == patient
    assert log.pain == 3
    assert sorted(log.entries.values_list("status", flat=True)) == ["done", "done", "done"]

    # Replaying the queue (the same stored request sent again, at a page load) changes nothing.
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", stored)
    page.reload()
    status.get_by_text(re.compile(r"Sent at \d\d:\d\d")).wait_for(timeout=15_000)
    page.wait_for_function(
        "() => document.querySelector('[data-offline-status]').dataset.waiting === '0'"
    )
    assert SessionLog.objects.count() == 1
    context.close()


def test_a_session_whose_post_is_lost_on_the_way_waits_and_is_sent_once(
    browser, live_server, settings, patient, therapist, prescribed
):
    """The phone thinks it is online but the request never arrives (a signal that comes and
    goes): the session is kept as if offline. No worker here, so that page.route sees the POST."""
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport=PHONE, service_workers="block")
    page = open_link(context, live_server, patient, therapist)
    page.goto(f"{live_server.url}{ROUTINE}")
    page.route(
        "**/me/routine/**",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    for fieldset in page.locator("fieldset.status").all():
        fieldset.get_by_label("Done").check()
    page.get_by_role("button", name="Save my session").click()
    page.get_by_text("One session is waiting to be sent.").wait_for()
    assert not SessionLog.objects.exists()
    page.unroute("**/me/routine/**")
    page.reload()
    page.get_by_text(re.compile(r"Sent at \d\d:\d\d")).wait_for(timeout=15_000)
    assert SessionLog.objects.count() == 1
    context.close()


def test_a_copy_kept_from_yesterday_proposes_todays_date(
    browser, live_server, settings, patient, therapist, prescribed
):
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport=PHONE, service_workers="block")
    page = open_link(context, live_server, patient, therapist)
    rendered_on = patient.clinic.local_today()
    # The phone's clock a day on: as if the page came from the worker's copy the next morning.
    page.clock.set_system_time(time.time() + 24 * 3600)
    page.goto(f"{live_server.url}{ROUTINE}")
    field = page.get_by_label("Date of the session")
    assert field.input_value() > rendered_on.isoformat()
    context.close()


def test_a_routine_changed_while_offline_shows_and_the_old_log_is_refused_with_the_reason(
    browser, live_server, settings, patient, therapist, prescribed, artifacts_dir
):
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_link(context, live_server, patient, therapist)
    open_routine_with_its_worker(page, live_server)
    context.set_offline(True)
    page.reload()
    run_timer_and_log(page, "2")
    page.get_by_text("One session is waiting to be sent.").wait_for()

    # Meanwhile the therapist changes the routine from today: twice a day.
    new = exercise_services.prescription_change(
        prescription=prescribed.prescription,
        changed_by=therapist,
        items=exercise_services.template_items(prescribed.prescription.template),
        times_per_day=2,
        days_of_week=prescribed.days_of_week,
    )
    context.set_offline(False)
    # The page reloads with the new version; the log made against the old one is refused by
    # today's rules, and the patient reads why.
    page.get_by_text("2× a day").wait_for(timeout=15_000)
    page.get_by_text("Your therapist has changed your routine: this is the new one.").wait_for()
    assert page.locator("input[name=version]").input_value() == str(new.pk)
    page.get_by_text("Not logged: Your routine had changed or ended by that date.").wait_for(
        timeout=15_000
    )
    page.locator("[data-offline-status]").scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "routine-offline-refused-phone.png")
    assert not SessionLog.objects.exists()
    context.close()


def test_the_worker_keeps_no_staff_page_nor_another_patients_and_sign_out_clears_it(
    browser, live_server, settings, patient, other_patient, therapist, prescribed
):
    settings.SITE_URL = live_server.url
    exercise_services.routine_assign(
        patient=other_patient,
        prescribed_by=therapist,
        items=exercise_services.template_items(prescribed.prescription.template),
        title="Routine of Bianca",
    )
    context = browser.new_context(viewport=DESKTOP)
    page = open_link(context, live_server, patient, therapist)
    open_routine_with_its_worker(page, live_server)

    # A therapist signs in on the same browser and opens staff pages, a patient's among them.
    sign_in(page, live_server.url, "maya")
    for path in ("/patients/", f"/patients/{patient.pk}/", f"/patients/{patient.pk}/routine/"):
        page.goto(f"{live_server.url}{path}")
    # Then another patient opens their link: the worker is theirs now, Alex's copy is gone.
    page = open_link(context, live_server, other_patient, therapist)
    page.goto(f"{live_server.url}{ROUTINE}")
    # Bianca's worker takes over (the old one deleted Alex's copy), then keeps her page.
    key = "document.querySelector('[data-offline-status]').dataset.key"
    mine = f"'dorsi-pages-' + {key}"
    eventually(
        page,
        "async () => navigator.serviceWorker.controller"
        f" && navigator.serviceWorker.controller.scriptURL.includes('for=' + {key})"
        " && (await caches.keys()).every(n => !n.startsWith('dorsi-pages-') || n === "
        f"{mine})",
    )
    page.reload()
    eventually(page, f"async () => !!(await (await caches.open({mine})).match(location.href))")
    cached = page.evaluate(CACHED_URLS)
    paths = {re.sub(r"^https?://[^/]+", "", url) for _, url in cached}
    assert {path for path in paths if not path.startswith("/static/")} == {ROUTINE}
    texts = page.evaluate(CACHED_PAGES_TEXT)
    assert texts
    assert all("Routine of Bianca" in text for text in texts)
    assert not any("Calf routine" in text for text in texts)

    # Signing out takes the worker, its caches and the queue with it.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="You are signed out").wait_for()
    eventually(
        page,
        "async () => (await caches.keys()).length === 0"
        " && (await navigator.serviceWorker.getRegistrations()).length === 0"
        " && !Object.keys(localStorage).some(k => k.startsWith('dorsi.offline.'))",
    )
    context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(f"{live_server.url}{ROUTINE}")
    context.close()
