"""A Spanish-speaking patient reads Dorsi in Spanish: their pages, the pages their messages
open, their emails, text messages and handout, with dates and numbers as Spanish writes them.
Staff pages stay in the installation's language; the list of languages is the environment's.
"""

from __future__ import annotations

import re
from datetime import date, time
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from assessments.interpretation import display
from clinic import services
from clinic.models import Patient
from clinic.tasks import patient_link_email
from clinic.times import at_local, local_datetime_text
from config.settings import env_languages
from reminders.models import Reminder
from reminders.services import opt_out_url
from reports import services as report_services
from tests.conftest import sign_in_patient, sqlite_reader
from tests.factories import record_knee_to_wall
from tests.reminders.test_messages import parts, plan_every_kind, send_all, texts
from tests.reports.helpers import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish(patient) -> Patient:
    patient.preferred_language = "es"
    patient.save()
    return patient


# --- The language list and the patient's record ------------------------------------------------


def test_the_languages_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LANGUAGES", "en, es, pt-br")
    assert env_languages("LANGUAGES", ["en"]) == [
        ("en", "English"),
        ("es", "español"),
        ("pt-br", "Português Brasileiro"),
    ]
    monkeypatch.setenv("LANGUAGES", "en,klingon")
    with pytest.raises(ImproperlyConfigured, match="klingon"):
        env_languages("LANGUAGES", ["en"])


def test_a_patient_without_a_choice_reads_the_installations_language(patient, settings):
    assert patient.preferred_language == ""
    assert patient.language == "en"
    patient.preferred_language = "es"
    assert patient.language == "es"
    settings.LANGUAGES = [("en", "English")]  # a language the installation no longer offers
    assert patient.language == "en"


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_patient_as_they_were(patient, other_patient, foreign_patient):
    """clinic 0021 on a database holding patients: every row as it was, each patient in the
    installation's language ("")."""
    columns = [f.attname for f in Patient._meta.concrete_fields if f.name != "preferred_language"]

    def rows() -> list[dict]:
        return list(Patient.objects.order_by("pk").values(*columns))

    before = rows()
    executor = MigrationExecutor(connection)
    executor.migrate([("clinic", "0019_drop_duplicate_indexes")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert rows() == before
    assert set(Patient.objects.values_list("preferred_language", flat=True)) == {""}


def test_the_migration_runs_on_sqlite(migrated_sqlite_file):
    with sqlite_reader(migrated_sqlite_file) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(clinic_patient)")}
    assert "preferred_language" in columns


def test_staff_set_the_language_on_the_patient_form(client, therapist, patient):
    client.force_login(therapist)
    form = client.get(reverse("patient-edit", args=[patient.pk])).content.decode()
    assert '<option value="es">español</option>' in form
    data = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "email": patient.email,
        "reminder_channel": patient.reminder_channel,
        "exercise_reminder_time": "18:00",
        "primary_therapist": therapist.pk,
        "symptomatic_side": patient.symptomatic_side,
        "preferred_language": "es",
    }
    response = client.post(reverse("patient-edit", args=[patient.pk]), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.preferred_language == "es"
    # The staff member's own pages stay in the installation's language.
    page = client.get(reverse("patient-detail", args=[patient.pk]))
    assert page.headers["Content-Language"] == "en"


def test_the_service_refuses_a_language_not_offered(patient):
    with pytest.raises(Exception, match="languages offered"):
        services.patient_update(patient=patient, preferred_language="fr")
    patient.refresh_from_db()
    assert patient.preferred_language == ""


# --- The patient's pages ------------------------------------------------------------------------


def test_a_spanish_patients_page_is_in_spanish(client, spanish):
    sign_in_patient(client, spanish)
    response = client.get(reverse("patient-home"))
    page = response.content.decode()
    assert response.headers["Content-Language"] == "es"
    assert '<html lang="es">' in page
    assert "Hola, Alex" in page
    assert "Cerrar sesión" in page
    assert "Mi página" in page  # the navigation
    assert "Sign out" not in page
    assert "Your page" not in page
    # Each language named in its own words, so a patient finds theirs.
    assert '<option value="en" lang="en">English</option>' in page
    assert '<option value="es" lang="es" selected>Español</option>' in page


def test_the_patient_chooses_their_language_on_their_page(client, patient):
    sign_in_patient(client, patient)
    assert "Your care" in client.get(reverse("patient-home")).content.decode()
    response = client.post(
        reverse("patient-language"), {"language": "es", "next": "/me/"}, follow=True
    )
    page = response.content.decode()
    assert "Se ha guardado su idioma." in page
    assert "Su atención" in page
    patient.refresh_from_db()
    assert patient.preferred_language == "es"
    # The language stays with the browser after the session: the signed-out page reads it.
    assert client.cookies["django_language"].value == "es"
    signed_out = client.post(reverse("patient-sign-out")).content.decode()
    assert "Ha cerrado la sesión" in signed_out


def test_a_language_not_offered_is_refused_and_nothing_changes(client, patient):
    sign_in_patient(client, patient)
    response = client.post(reverse("patient-language"), {"language": "xx"}, follow=True)
    assert "Choose one of the languages offered." in response.content.decode()
    patient.refresh_from_db()
    assert patient.preferred_language == ""


def test_only_a_patient_may_choose_a_patients_language(client, therapist, patient):
    assert client.post(reverse("patient-language"), {"language": "es"}).status_code == 403
    client.force_login(therapist)
    assert client.post(reverse("patient-language"), {"language": "es"}).status_code == 403
    patient.refresh_from_db()
    assert patient.preferred_language == ""


def test_a_link_that_no_longer_works_answers_in_the_browsers_language(client):
    response = client.get("/p/not-a-token/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert "Este enlace ya no funciona" in response.content.decode()
    assert "Accept-Language" in response.headers["Vary"]


def test_staff_pages_stay_in_the_installations_language(client, therapist):
    client.force_login(therapist)
    response = client.get(reverse("patient-list"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.headers["Content-Language"] == "en"
    assert "Sign out" in response.content.decode()


def test_numbers_and_dates_are_written_the_spanish_way():
    with translation.override("es"):
        assert display(118_000, "cm") == "11,8 cm"
    with translation.override("en"):
        assert display(118_000, "cm") == "11.8 cm"


# --- Messages -----------------------------------------------------------------------------------


def test_a_spanish_patients_emails_are_in_spanish(
    smtp, lakeside, spanish, other_patient, therapist, front_desk
):
    plan_every_kind(lakeside, spanish, other_patient, therapist, front_desk)
    send_all()
    to_alex = [m for m in smtp.messages() if m["To"] == spanish.email]
    subjects = {m["Subject"] for m in to_alex}
    assert "Es hora de su rutina de pantorrillas" in subjects
    assert "Un breve cuestionario para usted" in subjects
    # US clinic, Spanish reader: day first, "de", a 12-hour clock as the clinic writes it.
    assert any(
        re.fullmatch(r"Recordatorio: su cita el \w+ \d+ de \w+ a las \d+:\d\d [AP]M", s)
        for s in subjects
    ), subjects
    for message in to_alex:
        text, html = parts(message)
        assert "Para dejar de recibir estos recordatorios:" in text
        assert '<html lang="es">' in html
        assert "Dejar de recibir estos recordatorios" in html
    # Bianca chose nothing: English, as before; the therapist's digest too.
    to_bianca = [m for m in smtp.messages() if m["To"] == other_patient.email]
    assert all(re.search(r"[Tt]ime for|re-test", m["Subject"]) for m in to_bianca)


def test_a_spanish_patients_texts_are_in_spanish(
    smtp, lakeside, spanish, other_patient, therapist, front_desk, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    plan_every_kind(lakeside, spanish, other_patient, therapist, front_desk, channel="sms")
    Reminder.objects.exclude(patient=spanish).delete()
    send_all()
    sent = texts(tmp_path / "sms")
    assert sent["exercise"].startswith(
        "Lakeside Physio: hora de su rutina de pantorrillas, unos diez minutos. Abrir: "
    )
    for kind, text in sent.items():
        # The keyword the carrier acts on stays STOP.
        assert text.endswith(("Responda STOP para darse de baja", "STOP para terminar")), kind


def test_the_message_date_formats_are_spanish(clinic):
    moment = at_local(date(2026, 12, 1), time(14, 30), clinic.zone)
    with translation.override("es"):
        assert (
            local_datetime_text(moment, clinic.zone, region="GB")
            == "martes 1 de diciembre a las 14:30"
        )
        assert (
            local_datetime_text(moment, clinic.zone, region="US")
            == "martes 1 de diciembre a las 2:30 PM"
        )
    with translation.override("en"):
        assert (
            local_datetime_text(moment, clinic.zone, region="US")
            == "Tuesday, December 1 at 2:30 PM"
        )


def test_the_pages_a_message_opens_speak_its_language(client, spanish):
    page = client.get(urlsplit(opt_out_url(spanish)).path).content.decode()
    assert "¿Dejar de recibir recordatorios?" in page


def test_the_personal_link_email_is_in_spanish(spanish, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    link = services.patient_link_issue(patient=spanish, issued_by=spanish.primary_therapist)
    patient_link_email(link_id=str(link.pk))
    (message,) = mail.outbox
    assert message.subject.startswith("Su página de ejercicios en ")
    assert "Hola, Alex:" in message.body
    assert re.search(r"El enlace funciona hasta el \d+ de \w+ de \d{4}\.", message.body)


def test_the_handout_is_in_the_patients_language_whoever_prints_it(prescribed, spanish, therapist):
    pdf = report_services.handout_pdf(patient=spanish, issued_by=therapist)
    text = pdf_text(pdf)
    assert "Su rutina de pantorrillas" in text
    assert "impreso el" in text
    assert "por lado" in text or "las dos piernas a la vez" in text


# --- Staff pages in a Spanish-speaking clinic (LANGUAGE_CODE=es) ---------------------------------


def _english_sentences() -> set[str]:
    """The catalogue's English sentences (three words or more, no placeholder) whose Spanish
    differs: on a page in Spanish, none of them may show."""
    from tests.i18n.catalogue import read_catalogue
    from tests.i18n.test_catalogue import CATALOGUE

    return {
        entry.msgid
        for entry in read_catalogue(CATALOGUE)
        if entry.msgid_plural is None
        and len(entry.msgid.split()) >= 3
        and "%" not in entry.msgid
        and "{" not in entry.msgid
        and "<" not in entry.msgid
        and entry.msgstr[0] != entry.msgid
        # A questionnaire's name is the instrument's own (stored with it, shown as stored).
        and not all(ref.startswith("questionnaires/wording.py") for ref in entry.references)
    }


_GEOMETRY = re.compile(
    r'\b(?:x|y|x1|x2|y1|y2|cx|cy|r|width|height|d|points|viewBox|transform)="([^"]*)"'
)


def _decimal_commas_for_the_browser(html: str) -> list[str]:
    """SVG geometry and sizes written with a decimal comma, which a browser cannot read."""
    # Written for the browser, every fractional number has a decimal point; a value with a
    # comma between digits and no point anywhere was localized ("122,2", "72,0,123,1"), while
    # a polyline's "72.0,123.1" keeps its points.
    return [
        value
        for value in _GEOMETRY.findall(html)
        if re.search(r"\d,\d", value) and "." not in value
    ]


def test_a_spanish_patients_charts_keep_the_browsers_numbers(
    client, spanish, therapist, prescribed
):
    record_knee_to_wall(spanish, therapist, left="8.3", right="10.5", days_ago=20)
    record_knee_to_wall(spanish, therapist, left="9.7", right="11.2", days_ago=2)
    sign_in_patient(client, spanish)
    html = client.get(reverse("patient-home")).content.decode()
    assert "<svg" in html
    assert _decimal_commas_for_the_browser(html) == []


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("therapist", "dashboard"),
        ("therapist", "patient-list"),
        ("therapist", "patient-detail"),
        ("therapist", "assessment-history"),
        ("therapist", "assessment-record"),
        ("therapist", "neural-record"),
        ("therapist", "routine-prescribe"),
        ("therapist", "exercise-library"),
        ("therapist", "clinic-outcomes"),
        ("therapist", "security"),
        ("front_desk", "schedule"),
        ("front_desk", "book"),
        ("front_desk", "due-list"),
        ("front_desk", "waitlist"),
    ],
)
def test_a_spanish_clinics_staff_pages_are_in_spanish(
    client, settings, request, role, page, patient, prescribed
):
    settings.LANGUAGE_CODE = "es"
    therapist = request.getfixturevalue("therapist")
    # Two tests a few days apart: the charts have lines and ticks to draw.
    record_knee_to_wall(patient, therapist, left="8.3", right="10.5", days_ago=20)
    record_knee_to_wall(patient, therapist, left="9.7", right="11.2", days_ago=2)
    client.force_login(request.getfixturevalue(role))
    needs_patient = {"patient-detail", "assessment-history", "assessment-record", "neural-record"}
    args = [patient.pk] if page in needs_patient | {"routine-prescribe"} else []
    response = client.get(reverse(page, args=args), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "es"
    text = _visible_text(response.content.decode())
    assert "Cerrar sesión" in text
    english = sorted(sentence for sentence in _english_sentences() if sentence in text)
    assert english == []
    assert _decimal_commas_for_the_browser(response.content.decode()) == []


def test_a_spanish_clinics_form_errors_are_in_spanish(client, settings, therapist, patient):
    settings.LANGUAGE_CODE = "es"
    client.force_login(therapist)
    response = client.post(
        reverse("assessment-record", args=[patient.pk]),
        {"unit": "cm", "left_distance": "abc", "right_distance": ""},
    )
    assert response.status_code == 200
    text = _visible_text(response.content.decode())
    assert "No se ha guardado nada: revise los campos marcados abajo." in text
    assert "Este campo es obligatorio." in text
