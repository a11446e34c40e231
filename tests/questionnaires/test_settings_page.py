"""The clinic admin's questionnaire settings: per instrument on or off, the schedule, the
clinic's own MCID with its reason; clinic admins only; errors name the field, nothing saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from questionnaires import clinic_settings, services
from questionnaires.models import ClinicInstrumentSetting, RequestStatus
from questionnaires.selectors import mcid_for
from tests.factories import LicensedInstrumentFactory, PatientFactory

pytestmark = pytest.mark.django_db

LIST = reverse("questionnaire-settings")


def edit_url(instrument) -> str:
    return reverse("questionnaire-setting-edit", args=[instrument.pk])


def form(**values) -> dict:
    data = {
        "enabled": "on",
        "ask_every_n_visits": "",
        "mcid_rule": "",
        "mcid_absolute": "",
        "mcid_relative_percent": "",
        "mcid_source": "",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("patient", 403),
        ("other_patient", 403),
        ("front_desk", 403),
        ("therapist", 403),
        ("other_clinic_therapist", 403),
        ("clinic_admin", 200),
    ],
)
def test_only_a_clinic_admin_reaches_the_settings(client_as, role, status, instruments):
    client = client_as(role)
    for url in (LIST, edit_url(instruments["lefs"])):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert "/accounts/login/" in response["Location"]
    response = client.post(edit_url(instruments["lefs"]), form(ask_at_intake="on"))
    if role != "clinic_admin":
        assert response.status_code == status
        assert not ClinicInstrumentSetting.objects.exists()


def test_the_list_shows_each_instrument_with_its_source_terms_and_schedule(
    client_as, instruments, clinic
):
    ClinicInstrumentSetting.objects.create(
        clinic=clinic, instrument=instruments["lefs"], ask_at_intake=True, ask_every_n_visits=6
    )
    ClinicInstrumentSetting.objects.create(
        clinic=clinic, instrument=instruments["psfs"], enabled=False
    )
    page = client_as("clinic_admin").get(LIST).content.decode()
    for instrument in instruments.values():
        assert instrument.name in page
        assert instrument.licence_terms.replace("'", "&#x27;") in page
        assert "Binkley JM" in page  # the LEFS's citation
    assert "Automatically at intake, every 6 visits" in page
    assert "Not asked: turned off" in page
    assert "Only when a therapist asks" in page


def test_the_navigation_links_the_settings_for_clinic_admins_only(client_as):
    assert (
        f'href="{LIST}"' in client_as("clinic_admin").get(reverse("patient-list")).content.decode()
    )
    assert (
        f'href="{LIST}"' not in client_as("therapist").get(reverse("patient-list")).content.decode()
    )


def test_a_clinic_admin_sets_the_schedule_and_an_mcid_with_its_reason(
    client_as, clinic, instruments
):
    response = client_as("clinic_admin").post(
        edit_url(instruments["nprs-back"]),
        form(
            ask_at_intake="on",
            ask_before_retest="on",
            ask_every_n_visits="10",
            mcid_rule="absolute",
            mcid_absolute="3",
            mcid_source="Our own audit, 2025.",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == LIST
    setting = ClinicInstrumentSetting.objects.get(clinic=clinic)
    assert (setting.enabled, setting.ask_at_intake, setting.ask_before_retest) == (
        True,
        True,
        True,
    )
    assert setting.ask_every_n_visits == 10
    assert mcid_for(clinic.pk, instruments["nprs-back"]).describe() == "3 points"
    assert setting.mcid_source == "Our own audit, 2025."


def test_turning_an_instrument_off_and_back_on(client_as, clinic, instruments):
    admin = client_as("clinic_admin")
    admin.post(edit_url(instruments["psfs"]), form(enabled=None))
    setting = ClinicInstrumentSetting.objects.get(clinic=clinic)
    assert setting.enabled is False
    admin.post(edit_url(instruments["psfs"]), form())
    setting.refresh_from_db()
    assert setting.enabled is True


def test_turning_an_instrument_off_cancels_the_clinics_open_requests_of_it(
    client_as, clinic, patient, other_patient, therapist, instruments, other_clinic_therapist
):
    psfs, lefs = instruments["psfs"], instruments["lefs"]
    asked = [
        services.request_create(patient=someone, instrument=psfs, requested_by=therapist)
        for someone in (patient, other_patient)
    ]
    other_instrument = services.request_create(
        patient=patient, instrument=lefs, requested_by=therapist
    )
    elsewhere = services.request_create(
        patient=PatientFactory(clinic=other_clinic_therapist.clinic),
        instrument=psfs,
        requested_by=other_clinic_therapist,
    )
    admin = client_as("clinic_admin")
    help_text = admin.get(edit_url(psfs)).content.decode()
    assert "open requests of it are cancelled" in help_text
    assert admin.post(edit_url(psfs), form(enabled=None)).status_code == 302
    for request in asked:
        request.refresh_from_db()
        assert request.status == RequestStatus.CANCELLED
    for untouched in (other_instrument, elsewhere):
        untouched.refresh_from_db()
        assert untouched.status == RequestStatus.OPEN
    # One audited bulk update naming both patients.
    (cancelled,) = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="questionnairerequest", note="bulk update"
    )
    assert (cancelled.patient_ids, cancelled.fields) == (
        sorted([patient.pk, other_patient.pk]),
        ["cancelled_by", "closed_at", "status"],
    )


def test_a_refused_setting_cancels_nothing(clinic_admin, patient, therapist, instruments):
    asked = services.request_create(
        patient=patient, instrument=instruments["psfs"], requested_by=therapist
    )
    with pytest.raises(ValidationError):
        clinic_settings.clinic_instrument_setting_save(
            changed_by=clinic_admin,
            instrument=instruments["psfs"],
            enabled=False,
            ask_every_n_visits=0,
        )
    asked.refresh_from_db()
    assert asked.status == RequestStatus.OPEN


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"ask_every_n_visits": "0"}, "ask_every_n_visits", "from 1 to 52"),
        ({"ask_every_n_visits": "53"}, "ask_every_n_visits", "from 1 to 52"),
        ({"ask_every_n_visits": "many"}, "ask_every_n_visits", "whole number"),
        (
            {"mcid_rule": "absolute", "mcid_source": "Why"},
            "mcid_absolute",
            "Enter the MCID in points.",
        ),
        (
            {"mcid_rule": "absolute", "mcid_absolute": "11", "mcid_source": "Why"},
            "mcid_absolute",
            "at most 10 points",
        ),
        (
            {"mcid_rule": "relative", "mcid_absolute": "2", "mcid_relative_percent": "30"},
            "mcid_absolute",
            "per cent only",
        ),
        (
            {"mcid_rule": "either", "mcid_absolute": "2", "mcid_relative_percent": "130"},
            "mcid_relative_percent",
            "at most 100 per cent",
        ),
        (
            {"mcid_rule": "absolute", "mcid_absolute": "2", "mcid_source": "  "},
            "mcid_source",
            "Say why your clinic",
        ),
        ({"mcid_absolute": "2"}, "mcid_absolute", "Choose how your MCID is judged"),
        ({"mcid_rule": "sometimes"}, "mcid_rule", "Select a valid choice"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    client_as, instruments, values, field, message
):
    response = client_as("clinic_admin").post(edit_url(instruments["nprs-leg"]), form(**values))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors[field]
    assert not ClinicInstrumentSetting.objects.exists()


def test_another_clinics_own_instrument_is_not_found(client_as, other_clinic):
    theirs = LicensedInstrumentFactory(clinic=other_clinic)
    assert client_as("clinic_admin").get(edit_url(theirs)).status_code == 404
    assert client_as("clinic_admin").post(edit_url(theirs), form()).status_code == 404


def test_the_clinics_own_licensed_instrument_is_listed_with_its_terms(
    client_as, clinic, instruments
):
    ours = LicensedInstrumentFactory(clinic=clinic, licence_terms="Licensed to Lakeside, 2026.")
    page = client_as("clinic_admin").get(LIST).content.decode()
    assert ours.name in page
    assert "Licensed to Lakeside, 2026." in page
    assert "Your clinic's licence" in page


def test_the_service_refuses_anyone_but_a_clinic_admin(therapist, instruments):
    with pytest.raises(PermissionDenied):
        clinic_settings.clinic_instrument_setting_save(
            changed_by=therapist, instrument=instruments["lefs"], enabled=False
        )


def test_a_blank_mcid_rule_clears_the_clinics_mcid(clinic_admin, clinic, instruments):
    lefs = instruments["lefs"]
    clinic_settings.clinic_instrument_setting_save(
        changed_by=clinic_admin,
        instrument=lefs,
        enabled=True,
        mcid_rule="absolute",
        mcid_absolute=Decimal("12"),
        mcid_source="Our audit.",
    )
    assert mcid_for(clinic.pk, lefs).describe() == "12 points"
    setting = clinic_settings.clinic_instrument_setting_save(
        changed_by=clinic_admin, instrument=lefs, enabled=True
    )
    assert (setting.mcid_rule, setting.mcid_absolute, setting.mcid_source) == ("", None, "")
    assert mcid_for(clinic.pk, lefs).describe() == "9 points"
    assert ClinicInstrumentSetting.objects.count() == 1


def test_a_retired_version_cannot_be_set(clinic_admin, instruments):
    retired = LicensedInstrumentFactory(clinic=clinic_admin.clinic, is_active=False)
    with pytest.raises(ValidationError) as error:
        clinic_settings.clinic_instrument_setting_save(
            changed_by=clinic_admin, instrument=retired, enabled=True
        )
    assert "instrument" in error.value.message_dict
