"""A clinic admin adds a licensed instrument as data on a page, without code; staff see each
instrument with its licence terms. Who may open each page is the authorization matrix's."""

import json

import pytest

from questionnaires.models import ClinicInstrumentSetting, Instrument
from tests.factories import LicensedInstrumentFactory, licensed_items

pytestmark = pytest.mark.django_db

NEW = "/questionnaires/instruments/new/"
LIST = "/questionnaires/instruments/"
TERMS = "Licensed to our clinic by its owner, 2026; not for redistribution."


def form(**changes) -> dict:
    data = {
        "name": "Oswestry Disability Index",
        "short_name": "ODI",
        "slug": "odi",
        "version": "2.1a",
        "measures": "Disability from low-back pain.",
        "domain": "function",
        "instructions": "Choose the statement that fits you best in each section.",
        "items": json.dumps(licensed_items(10)),
        "scoring_method": "percent_of_max",
        "score_min": "0",
        "score_max": "100",
        "better": "lower",
        "missing_items_allowed": "1",
        "scoring_source": "The licence holder's manual: percentage of the answered sections.",
        "mcid_rule": "either",
        "mcid_absolute": "10",
        "mcid_relative_percent": "30",
        "mcid_source": "Ostelo 2008",
        "source": "Fairbank JC, Pynsent PB. Spine 2000;25(22):2940-52.",
        "licence_terms": TERMS,
    }
    data.update(changes)
    return data


def test_a_clinic_admin_adds_a_licensed_instrument_and_its_terms_are_shown(client_as, clinic):
    client = client_as("clinic_admin")
    assert "Paste the questions as licensed" in client.get(NEW).content.decode()
    response = client.post(NEW, form())
    instrument = Instrument.objects.get(slug="odi")
    assert response.status_code == 302
    assert response["Location"] == f"/questionnaires/instruments/{instrument.pk}/"
    assert (instrument.clinic_id, instrument.licence_terms) == (clinic.pk, TERMS)
    assert instrument.definition().score_max == 100
    detail = client_as("therapist").get(response["Location"]).content.decode()
    assert TERMS in detail
    assert "10 points or 30 %" in detail
    assert instrument.domain == "function"
    assert "<dt>Rates</dt><dd>Disability or function</dd>" in detail
    listed = client_as("front_desk").get(LIST).content.decode()
    assert TERMS in listed
    assert "your clinic's licence" in listed


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"items": "[{'id': 1}"}, "items", "This is not valid JSON"),
        ({"items": json.dumps([{"id": "a", "text": "A"}])}, "items", ""),
        ({"licence_terms": ""}, "licence_terms", "shown wherever it is used"),
        ({"score_max": "50"}, "score_min", "give totals from 0 to 100"),
        ({"mcid_rule": "absolute"}, "mcid_rule", "percentage"),
        ({"domain": ""}, "domain", "Say whether it rates pain"),
        ({"domain": "mood"}, "domain", "not one of the available choices"),
    ],
)
def test_a_bad_instrument_is_shown_its_errors_by_field_and_nothing_is_saved(
    client_as, changes, field, message
):
    response = client_as("clinic_admin").post(NEW, form(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert "Nothing was saved" in response.content.decode()
    assert not Instrument.objects.filter(slug="odi").exists()


def test_the_same_slug_and_version_again_is_refused(client_as):
    client = client_as("clinic_admin")
    client.post(NEW, form())
    response = client.post(NEW, form())
    assert response.status_code == 200
    assert "already has this questionnaire" in " ".join(response.context["form"].errors["slug"])
    assert Instrument.objects.filter(slug="odi").count() == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_add_page_answers_only_get_and_post(client_as, method):
    response = getattr(client_as("clinic_admin"), method)(NEW)
    assert response.status_code == 405
    assert Instrument.objects.filter(clinic__isnull=False).count() == 0


def test_the_list_marks_what_the_clinic_turned_off_and_hides_other_clinics(
    client_as, clinic, other_clinic, instruments
):
    lefs = instruments["lefs"]
    ClinicInstrumentSetting.objects.create(clinic=clinic, instrument=lefs, enabled=False)
    theirs = LicensedInstrumentFactory(clinic=other_clinic, name="Their own index")
    client = client_as("therapist")
    page = client.get(LIST).content.decode()
    assert "turned off" in page
    assert "Their own index" not in page
    assert client.get(f"/questionnaires/instruments/{theirs.pk}/").status_code == 404


def test_a_shipped_instrument_shows_its_questions_and_terms(client_as, instruments):
    nprs = instruments["nprs-back"]
    page = client_as("therapist").get(f"/questionnaires/instruments/{nprs.pk}/").content.decode()
    assert "at its worst in the last 24 hours" in page
    assert "Licence terms" in page
    assert "ships with Dorsi" in page
