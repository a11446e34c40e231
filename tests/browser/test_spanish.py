"""A Spanish-speaking patient on a phone (390 × 844): their page, a questionnaire (the NPRS,
translated, and the LEFS, kept as validated with a note) and the self-test read in Spanish.
Screenshots go to test-artifacts/ to be looked at."""

import pytest

from tests.browser.test_patient_journeys import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_spanish_patient_reads_their_page_and_a_questionnaire_in_spanish(
    browser, live_server, settings, patient, therapist, prescribed, artifacts_dir
):
    from clinic import services as clinic_services
    from questionnaires import services
    from questionnaires.models import Instrument
    from tests.factories import record_knee_to_wall, shipped_instruments_seed

    assert PHONE == {"width": 390, "height": 844}
    settings.SITE_URL = live_server.url
    patient.preferred_language = "es"
    patient.save()
    shipped_instruments_seed()
    record_knee_to_wall(patient, therapist, left="9.5", right="11.8", days_ago=10)
    nprs = Instrument.objects.get(clinic=None, slug="nprs-back")
    lefs = Instrument.objects.get(clinic=None, slug="lefs")
    for instrument in (nprs, lefs):
        services.request_create(patient=patient, instrument=instrument, requested_by=therapist)
    link = clinic_services.patient_link_issue(patient=patient, issued_by=therapist)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(clinic_services.patient_link_url(link))
    page.get_by_role("heading", name="Hola, Alex").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("heading", name="Cuestionarios por responder").wait_for()
    page.get_by_role("heading", name="La movilidad de su tobillo").wait_for()
    assert "11,8 cm" in page.content()
    page.screenshot(path=artifacts_dir / "spanish-me-phone.png", full_page=True)

    page.get_by_role("link", name="Empezar Escala numérica del dolor — dolor lumbar").click()
    page.get_by_text("Pregunta 1 de 1").wait_for()
    page.get_by_text("¿Cuánto le dolió la zona lumbar en el peor momento").wait_for()
    page.get_by_text("0 = Sin dolor").wait_for()
    page.screenshot(path=artifacts_dir / "spanish-questionnaire-phone.png", full_page=True)
    page.get_by_role("button", name="Revisar mis respuestas").click()
    page.get_by_text("Elija una respuesta para continuar.").wait_for()

    page.goto(f"{live_server.url}/me/")
    page.get_by_role("link", name="Empezar Lower Extremity Functional Scale").click()
    page.get_by_text("Este cuestionario se muestra en inglés, tal como fue validado").wait_for()
    page.screenshot(path=artifacts_dir / "spanish-lefs-phone.png", full_page=True)

    page.goto(f"{live_server.url}/me/self-test/")
    page.get_by_role("heading", name="Autoprueba rodilla-pared").wait_for()
    # The inclinometer's script speaks Spanish too (its words come with the page).
    page.get_by_role("button", name="Medir con este teléfono").first.wait_for()
    page.screenshot(path=artifacts_dir / "spanish-self-test-phone.png", full_page=True)

    # The patient switches to English on their page; the page answers in it at once.
    page.goto(f"{live_server.url}/me/")
    page.get_by_label("Leer sus páginas, recordatorios y hoja de ejercicios en").select_option("en")
    page.get_by_role("button", name="Guardar").click()
    page.get_by_role("heading", name="Hello, Alex").wait_for()
    phone.close()
