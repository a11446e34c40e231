"""The phone as an inclinometer (static/js/tilt-measure.js) in Chromium: the tilt sensor is
driven through the DevTools protocol (DeviceOrientation.setDeviceOrientationOverride), which
fires real `deviceorientation` events in headless Chromium. Without an override headless
Chromium sends one event with null angles, as a desktop without a sensor does.

Screenshots at phone size land in test-artifacts/tilt-*.png."""

import re
import time

import pytest

from assessments.models import AngleMethod, Assessment
from tests.browser.test_patient_journeys import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shin(theta: float, *, zero: tuple[float, float] = (0, 0)) -> dict:
    """The orientation of a phone on the front of the shin, portrait, top toward the knee,
    screen facing forward, with the tibia `theta` degrees from vertical: beta = 90° + theta
    (tests/js/tilt-angle.test.mjs derives it). `zero` is a bias the phone reads when flat."""
    return {"alpha": 0, "beta": 90 + theta + zero[0], "gamma": zero[1]}


def phone_page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    return context, page


def panel_state(page) -> dict:
    return page.evaluate(
        """() => {
            const panel = document.querySelector("[data-tilt-panel]");
            return {
                open: panel.open,
                status: panel.querySelector("[data-tilt-status]").textContent,
                live: panel.querySelector("[data-tilt-live]").textContent,
                captured: panel.querySelector("[data-tilt-result]").hidden
                    ? null : panel.querySelector("[data-tilt-captured]").textContent,
            };
        }"""
    )


def wait_captured(page, *, timeout: float = 8000) -> str:
    page.locator("[data-tilt-result]").wait_for(state="visible", timeout=timeout)
    return page.locator("[data-tilt-captured]").inner_text()


def measure(page, cdp, side: str, theta: float, *, shots=None, name: str = "") -> str:
    """Opens the panel for a side, moves the phone a little, then holds it at theta."""
    page.get_by_role("button", name=f"Measure with this phone ({side})").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    for wobble in (theta - 6, theta + 3, theta - 2):
        cdp.send("DeviceOrientation.setDeviceOrientationOverride", shin(wobble))
        time.sleep(0.2)
    if shots:
        page.screenshot(path=shots / f"tilt-{name}-live.png")
    cdp.send("DeviceOrientation.setDeviceOrientationOverride", shin(theta))
    if shots:
        time.sleep(1.0)  # half-way to a capture: the indicator fills
        page.screenshot(path=shots / f"tilt-{name}-steady.png")
    value = wait_captured(page)
    if shots:
        page.screenshot(path=shots / f"tilt-{name}-captured.png")
    return value


def test_a_therapist_measures_both_sides_with_the_phone(
    browser, live_server, therapist, patient, artifacts_dir
):
    context, page = phone_page(browser)
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{patient.pk}/knee-to-wall/new/")
    cdp = context.new_cdp_session(page)
    page.get_by_label("Left toe-to-wall distance").fill("11.5")
    page.get_by_label("Right toe-to-wall distance").fill("9.8")

    assert measure(page, cdp, "left", 38, shots=artifacts_dir, name="therapist") == "38.0"
    assert page.get_by_role("dialog", name="Shin angle, left").is_visible()
    assert "within 0.0°" in page.locator("[data-tilt-captured-note]").inner_text()
    page.get_by_role("button", name="Use this angle").click()
    assert not page.get_by_role("dialog").is_visible()
    left = page.locator("#id_left_tibia_angle_deg")
    assert left.input_value() == "38.0"
    assert page.locator("#id_left_angle_method").input_value() == "phone"
    assert page.locator("#id_left_angle_spread_deg").input_value() == "0.0"
    assert page.evaluate("document.activeElement.id") == "id_left_tibia_angle_deg"
    note = page.locator("#id_left_tibia_angle_deg_tilt_note").inner_text()
    assert "Measured with the phone: 38.0°" in note

    # Retake: the first capture can be thrown away.
    page.get_by_role("button", name="Measure with this phone (right)").click()
    page.get_by_role("dialog", name="Shin angle, right").wait_for()
    cdp.send("DeviceOrientation.setDeviceOrientationOverride", shin(30))
    assert wait_captured(page) == "30.0"
    page.get_by_role("button", name="Retake").click()
    assert page.locator("[data-tilt-result]").is_hidden()
    cdp.send("DeviceOrientation.setDeviceOrientationOverride", shin(33))
    assert wait_captured(page) == "33.0"
    page.get_by_role("button", name="Use this angle").click()
    right = page.locator("#id_right_tibia_angle_deg")
    assert right.input_value() == "33.0"
    assert page.locator("#id_right_angle_spread_deg").input_value() == "0.0"

    # Typed over, the angle is no longer a capture: the spread goes, the method stays.
    right.fill("33.4")
    assert page.locator("#id_right_angle_spread_deg").input_value() == ""
    assert page.locator("#id_right_angle_method").input_value() == "phone"
    right.fill("33.0")
    page.screenshot(path=artifacts_dir / "tilt-therapist-entry.png", full_page=True)
    page.locator(".side-grid").last.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "tilt-therapist-angles.png")
    page.get_by_role("button", name="Save test").click()
    # A typed number is not a phone measurement: refused, naming the side, nothing saved.
    page.get_by_text("A phone angle comes from a capture with the phone on the shin").wait_for()
    assert not Assessment.objects.filter(patient=patient).exists()
    page.get_by_label("Right angle measured with").select_option("inclinometer")
    page.get_by_role("button", name="Save test").click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    # Interpreted beside the distance, with how it was measured.
    page.get_by_text("38.0° (phone tilt sensor)").wait_for()
    assert "33.0° (inclinometer)" in page.content()
    page.screenshot(path=artifacts_dir / "tilt-therapist-detail.png", full_page=True)

    revision = Assessment.objects.get(patient=patient).revisions.get()
    assert str(revision.left_tibia_angle_deg) == "38.0"
    assert revision.left_angle_method == AngleMethod.PHONE
    assert str(revision.left_angle_spread_deg) == "0.0"
    assert str(revision.right_tibia_angle_deg) == "33.0"
    assert revision.right_angle_method == AngleMethod.INCLINOMETER
    assert revision.right_angle_spread_deg is None  # typed over after the capture
    context.close()


def test_a_moving_phone_is_never_captured(browser, live_server, therapist, patient):
    context, page = phone_page(browser)
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{patient.pk}/knee-to-wall/new/")
    cdp = context.new_cdp_session(page)
    page.get_by_role("button", name="Measure with this phone (left)").click()
    page.get_by_role("dialog").wait_for()
    statuses = set()
    for step in range(25):  # 5 s, a new angle every 200 ms: 1.5° apart
        cdp.send("DeviceOrientation.setDeviceOrientationOverride", shin(36 + 1.5 * (step % 2)))
        time.sleep(0.2)
        state = panel_state(page)
        assert state["captured"] is None, state
        statuses.add(state["status"])
    assert "Hold still…" in statuses
    assert page.locator("[data-tilt-steady]").evaluate("bar => bar.value") < 2000
    # Out of the lunge's range (a phone lying on the table): steady, but never captured.
    cdp.send("DeviceOrientation.setDeviceOrientationOverride", {"alpha": 0, "beta": 0, "gamma": 0})
    page.get_by_text("-90.0° is outside -10° to 70°").wait_for(timeout=15000)
    assert panel_state(page)["captured"] is None
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog").is_visible()
    assert page.evaluate("document.activeElement.textContent").startswith("Measure with this phone")
    assert page.locator("#id_left_tibia_angle_deg").input_value() == ""
    context.close()


def test_without_a_sensor_the_angle_is_typed_with_its_method(
    browser, live_server, therapist, patient
):
    context, page = phone_page(browser)
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{patient.pk}/knee-to-wall/new/")
    page.get_by_label("Left toe-to-wall distance").fill("10")
    page.get_by_label("Right toe-to-wall distance").fill("10")
    # No override: headless Chromium answers with null angles, as a desktop without a sensor.
    page.get_by_role("button", name="Measure with this phone (left)").click()
    page.get_by_text("No tilt sensor answered on this device. Type the angle instead.").wait_for(
        timeout=15000
    )
    assert not page.get_by_role("dialog").is_visible()
    assert page.evaluate("document.activeElement.id") == "id_left_tibia_angle_deg"
    page.keyboard.type("31.5")
    page.get_by_label("Left angle measured with").select_option("goniometer")
    page.get_by_role("button", name="Save test").click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    revision = Assessment.objects.get(patient=patient).revisions.get()
    assert str(revision.left_tibia_angle_deg) == "31.5"
    assert revision.left_angle_method == AngleMethod.GONIOMETER
    assert revision.left_angle_spread_deg is None
    assert revision.right_tibia_angle_deg is None
    context.close()


def _self_test_page(browser, live_server, settings, patient, therapist, *, init_script=None):
    from clinic import services

    settings.SITE_URL = live_server.url
    link = services.patient_link_issue(patient=patient, issued_by=therapist)
    context, page = phone_page(browser)
    if init_script:
        context.add_init_script(init_script)
    page.goto(services.patient_link_url(link))
    page.get_by_role("link", name="Do the self-test").click()
    page.get_by_role("heading", name="Shin angle with your phone").wait_for()
    return context, page


def test_a_patient_measures_the_shin_angle_on_their_phone(
    browser, live_server, settings, patient, therapist, artifacts_dir
):
    context, page = _self_test_page(browser, live_server, settings, patient, therapist)
    cdp = context.new_cdp_session(page)
    page.screenshot(path=artifacts_dir / "tilt-self-test-page.png", full_page=True)
    page.get_by_label("Left toe-to-wall distance").fill("12")
    page.get_by_label("Right toe-to-wall distance").fill("11")

    # This phone reads 1° and -1.5° lying flat: the floor zero takes it off.
    bias = (1.0, -1.5)
    page.get_by_role("button", name="Measure with this phone (left)").click()
    page.get_by_role("dialog", name="Shin angle, left").wait_for()
    page.get_by_role("button", name="Set zero on the floor").click()
    cdp.send(
        "DeviceOrientation.setDeviceOrientationOverride",
        {"alpha": 0, "beta": bias[0], "gamma": bias[1]},
    )
    page.get_by_text("Zero set from the floor (1°, -1.5°)").wait_for(timeout=15000)
    cdp.send("DeviceOrientation.setDeviceOrientationOverride", shin(35, zero=bias))
    assert wait_captured(page) == "35.0"
    page.screenshot(path=artifacts_dir / "tilt-self-test-captured.png")
    page.get_by_role("button", name="Use this angle").click()
    assert page.locator("#id_left_tibia_angle_deg").input_value() == "35.0"
    assert page.locator("#id_left_angle_method").input_value() == "phone"

    # The zero is kept in this browser, and can be cleared.
    page.get_by_role("button", name="Measure with this phone (right)").click()
    page.get_by_text("Zero set from the floor (1°, -1.5°): kept in this browser.").wait_for()
    page.get_by_role("button", name="Clear zero").click()
    assert page.evaluate("localStorage.getItem('dorsi.tilt.zero')") is None
    cdp.send("DeviceOrientation.setDeviceOrientationOverride", shin(31))
    assert wait_captured(page) == "31.0"
    page.get_by_role("button", name="Use this angle").click()
    page.screenshot(path=artifacts_dir / "tilt-self-test-filled.png", full_page=True)
    page.locator(".tilt-self").screenshot(path=artifacts_dir / "tilt-self-test-angles.png")
    page.get_by_role("button", name="Save my self-test").click()
    page.get_by_text("your self-test is saved").wait_for()

    revision = Assessment.objects.get(patient=patient).revisions.get()
    assert str(revision.left_tibia_angle_deg) == "35.0"
    assert revision.left_angle_method == AngleMethod.PHONE
    assert str(revision.left_angle_spread_deg) == "0.0"
    assert str(revision.right_tibia_angle_deg) == "31.0"
    context.close()


def test_a_patient_without_the_sensor_saves_the_distances_and_no_typed_angle(
    browser, live_server, settings, patient, therapist
):
    context, page = _self_test_page(
        browser,
        live_server,
        settings,
        patient,
        therapist,
        init_script="delete window.DeviceOrientationEvent;",
    )
    page.get_by_label("Left toe-to-wall distance").fill("12")
    page.get_by_label("Right toe-to-wall distance").fill("11")
    page.get_by_role("button", name="Measure with this phone (right)").click()
    # A self-test's angle is the phone's reading or nothing: a typed number would be stored
    # as a phone measurement that never happened.
    page.get_by_text(
        "This browser has no tilt sensor. The angle needs a phone's tilt sensor; "
        "your distances save without it."
    ).wait_for()
    assert page.evaluate("document.activeElement.id") == "id_right_tibia_angle_deg"
    page.keyboard.type("29")
    assert page.locator("#id_right_tibia_angle_deg").input_value() == ""
    page.get_by_role("button", name="Save my self-test").click()
    page.get_by_text("your self-test is saved").wait_for()
    revision = Assessment.objects.get(patient=patient).revisions.get()
    assert revision.right_tibia_angle_deg is None
    assert revision.right_angle_method == ""
    context.close()


def test_a_page_without_a_secure_connection_says_why_it_cannot_measure(
    browser, live_server, therapist, patient
):
    context, page = phone_page(browser)
    # http:// on another host than localhost: the browser withholds the sensor.
    context.add_init_script("Object.defineProperty(window, 'isSecureContext', {get: () => false});")
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{patient.pk}/knee-to-wall/new/")
    page.get_by_role("button", name="Measure with this phone (left)").click()
    page.get_by_text("This page is not on a secure connection (https)").wait_for()
    assert not page.get_by_role("dialog").is_visible()
    assert page.evaluate("document.activeElement.id") == "id_left_tibia_angle_deg"
    context.close()


def test_an_slr_input_gets_the_straight_leg_raise_panel(
    browser, live_server, therapist, patient, artifacts_dir
):
    """The neural tests' pages mark their inputs data-tilt-measure="slr": here the entry page's
    left input is turned into one on its way to the browser, as those pages will render it."""
    context, page = phone_page(browser)
    sign_in(page, live_server.url, "maya")
    entry = f"{live_server.url}/patients/{patient.pk}/knee-to-wall/new/"

    def as_slr(route):
        response = route.fetch()
        body = response.text().replace(
            'data-tilt-measure="lunge" data-tilt-side="left"',
            'data-tilt-measure="slr" data-tilt-side="left"',
        )
        assert 'data-tilt-measure="slr"' in body
        route.fulfill(response=response, body=body)

    page.route(entry, as_slr)
    page.goto(entry)
    cdp = context.new_cdp_session(page)
    page.get_by_role("button", name="Measure with this phone (left)").click()
    dialog = page.get_by_role("dialog", name="Leg raise, left")
    dialog.wait_for()
    assert dialog.get_by_text("Lie on your back.").is_visible()
    assert not dialog.get_by_text("Where the phone sits").is_visible()
    # Supine, top toward the foot, screen up, the leg raised 45°: beta 45°.
    cdp.send("DeviceOrientation.setDeviceOrientationOverride", {"alpha": 0, "beta": 45, "gamma": 0})
    assert wait_captured(page) == "45.0"
    page.screenshot(path=artifacts_dir / "tilt-slr-captured.png")
    page.get_by_role("button", name="Use this angle").click()
    assert page.locator("#id_left_tibia_angle_deg").input_value() == "45.0"
    assert page.locator("#id_left_angle_method").input_value() == "phone"
    context.close()
