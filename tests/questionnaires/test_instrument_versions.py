"""A new version of a clinic's own instrument takes over from the one in use: the clinic's
setting (on or off, the schedule, its MCID) carries over and the previous version is retired.
A clinic admin can retire a version of the clinic's own; requests already open of a retired
version stay answerable, new ones are refused. Who may POST the retire button is the
authorization matrix's."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from clinic.access import Actor
from questionnaires import services
from questionnaires.instrument_services import instrument_create, instrument_retire
from questionnaires.models import (
    ClinicInstrumentSetting,
    Instrument,
    QuestionnaireRequest,
    RequestReason,
    RequestStatus,
)
from questionnaires.reminders import QuestionnaireReminders, reminder_key
from questionnaires.schedule import schedules_by_clinic
from reminders.models import Reminder, ReminderKind
from reminders.planning import patient_channel
from scheduling.questionnaire_schedule import questionnaires_plan
from tests.factories import LicensedInstrumentFactory, licensed_items

pytestmark = pytest.mark.django_db


def fields(version: str, *, sections: int = 10, **changes) -> dict:
    values = {
        "slug": "odi",
        "version": version,
        "name": "Oswestry Disability Index",
        "short_name": "ODI",
        "measures": "Disability from low-back pain.",
        "domain": "function",
        "instructions": "Choose the statement that fits you best in each section.",
        "items": licensed_items(sections),
        "scoring_method": "percent_of_max",
        "score_min": Decimal(0),
        "score_max": Decimal(100),
        "better": "lower",
        "missing_items_allowed": 1,
        "scoring_source": "The licence holder's manual.",
        "mcid_rule": "either",
        "mcid_absolute": Decimal(10),
        "mcid_relative_percent": Decimal(30),
        "mcid_source": "Ostelo 2008",
        "source": "Fairbank JC, Pynsent PB. Spine 2000;25(22):2940-52.",
        "licence_terms": "Licensed to our clinic by its owner; not for redistribution.",
    }
    values.update(changes)
    return values


def answers(sections: int = 10, value: int = 2) -> dict[str, int]:
    return {f"section-{n}": value for n in range(1, sections + 1)}


@pytest.fixture
def version_1(clinic) -> Instrument:
    return instrument_create(clinic=clinic, fields=fields("2.1a"))


@pytest.fixture
def open_request(patient, therapist, version_1) -> QuestionnaireRequest:
    return services.request_create(patient=patient, instrument=version_1, requested_by=therapist)


def new_version(clinic) -> Instrument:
    """Version 2.1b, with eight sections where 2.1a had ten."""
    return instrument_create(clinic=clinic, fields=fields("2.1b", sections=8))


# --- A new version takes over -----------------------------------------------------------------


def test_a_new_version_keeps_the_clinics_setting_and_retires_the_previous(clinic, version_1):
    ClinicInstrumentSetting.objects.create(
        clinic=clinic,
        instrument=version_1,
        enabled=True,
        ask_at_intake=True,
        ask_every_n_visits=4,
        mcid_rule="absolute",
        mcid_absolute=Decimal(12),
        mcid_source="Our audit, 2025",
    )
    version_2 = new_version(clinic)

    version_1.refresh_from_db()
    assert version_1.is_active is False
    assert version_2.is_active is True
    setting = ClinicInstrumentSetting.objects.get(clinic=clinic, instrument=version_2)
    assert (setting.enabled, setting.ask_at_intake, setting.ask_before_retest) == (
        True,
        True,
        False,
    )
    assert setting.ask_every_n_visits == 4
    assert (setting.mcid_rule, setting.mcid_absolute, setting.mcid_source) == (
        "absolute",
        Decimal(12),
        "Our audit, 2025",
    )
    # The clinic's list and the schedule now hold the new version only.
    assert list(Instrument.objects.for_clinic(clinic.pk).filter(slug="odi")) == [version_2]
    assert [s.instrument for s in schedules_by_clinic([clinic.pk])[clinic.pk]] == [version_2]
    retired = AuditEvent.objects.get(object_type="instrument", object_id=str(version_1.pk))
    assert retired.action == AuditAction.UPDATE
    assert retired.fields == ["is_active"]
    assert retired.clinic_id == clinic.pk


def test_a_version_the_clinic_turned_off_stays_off_in_its_new_version(clinic, version_1):
    ClinicInstrumentSetting.objects.create(clinic=clinic, instrument=version_1, enabled=False)
    version_2 = new_version(clinic)
    assert ClinicInstrumentSetting.objects.get(instrument=version_2).enabled is False
    assert services.instrument_enabled(clinic.pk, version_2) is False


def test_a_new_version_without_a_setting_retires_the_previous_and_adds_none(clinic, version_1):
    version_2 = new_version(clinic)
    version_1.refresh_from_db()
    assert version_1.is_active is False
    assert not ClinicInstrumentSetting.objects.filter(instrument=version_2).exists()


def test_another_slug_or_another_clinics_version_is_left_alone(clinic, other_clinic, version_1):
    instrument_create(clinic=clinic, fields=fields("1", slug="rmdq"))
    instrument_create(clinic=other_clinic, fields=fields("2.1b"))
    version_1.refresh_from_db()
    assert version_1.is_active is True


def test_a_refused_new_version_changes_nothing(clinic, version_1):
    ClinicInstrumentSetting.objects.create(clinic=clinic, instrument=version_1, ask_at_intake=True)
    with pytest.raises(ValidationError) as refused:
        instrument_create(clinic=clinic, fields=fields("2.1b", licence_terms=" "))
    assert "licence_terms" in refused.value.message_dict
    version_1.refresh_from_db()
    assert version_1.is_active is True
    assert ClinicInstrumentSetting.objects.count() == 1


def test_a_new_version_through_the_api_takes_over_too(client_as, clinic, version_1):
    ClinicInstrumentSetting.objects.create(clinic=clinic, instrument=version_1, ask_at_intake=True)
    body = fields("2.1b")
    body.update(
        score_min="0",
        score_max="100",
        mcid_absolute="10",
        mcid_relative_percent="30",
    )
    response = client_as("clinic_admin").post(
        "/api/v1/instruments/", data=body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    version_1.refresh_from_db()
    assert version_1.is_active is False
    new = Instrument.objects.get(clinic=clinic, slug="odi", version="2.1b")
    assert ClinicInstrumentSetting.objects.get(instrument=new).ask_at_intake is True


# --- Requests already open of the retired version ---------------------------------------------


def test_an_open_request_of_the_retired_version_is_saved_and_submitted_with_its_questions(
    clinic, patient, open_request
):
    new_version(clinic)
    actor = Actor(patient=patient)
    services.response_save_progress(actor=actor, request=open_request, answers={"section-9": 1})
    response, created = services.response_submit(
        actor=actor,
        request=open_request,
        answers=answers(10),
        submission_key=uuid.uuid4(),
    )
    assert created
    assert response.instrument_version == "2.1a"
    assert len(response.answered_definition().items) == 10
    assert response.answers["section-9"] == 2
    open_request.refresh_from_db()
    assert open_request.status == RequestStatus.COMPLETED


def test_paper_answers_for_an_open_request_of_the_retired_version_are_taken(
    clinic, patient, therapist, open_request, version_1
):
    new_version(clinic)
    version_1.refresh_from_db()
    # Named by its request, or by its (retired) instrument: the open request is answered.
    response, created = services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=version_1,
        answers=answers(10),
        submission_key=uuid.uuid4(),
    )
    assert created
    assert response.request_id == open_request.pk
    assert response.instrument_version == "2.1a"
    assert QuestionnaireRequest.objects.filter(patient=patient).count() == 1


def test_paper_answers_by_request_of_a_retired_version_are_taken(
    clinic, patient, therapist, open_request
):
    new_version(clinic)
    response, created = services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        request=open_request,
        answers=answers(10),
        submission_key=uuid.uuid4(),
    )
    assert created
    assert response.request_id == open_request.pk


def test_no_new_request_of_a_retired_version(clinic, patient, other_patient, therapist, version_1):
    new_version(clinic)
    version_1.refresh_from_db()
    retired = {
        "instrument": ["This version of the questionnaire is retired; ask for the current one."]
    }
    with pytest.raises(ValidationError) as refused:
        services.request_create(patient=patient, instrument=version_1, requested_by=therapist)
    assert refused.value.message_dict == retired
    # Paper answers with no open request would make a new one: refused the same way.
    with pytest.raises(ValidationError) as refused:
        services.response_enter_from_paper(
            entered_by=therapist,
            patient=other_patient,
            instrument=version_1,
            answers=answers(10),
            submission_key=uuid.uuid4(),
        )
    assert refused.value.message_dict == retired
    assert not QuestionnaireRequest.objects.filter(instrument=version_1).exists()


def test_the_reminder_of_an_open_request_of_a_retired_version_is_still_sent(
    clinic, patient, open_request, version_1
):
    ClinicInstrumentSetting.objects.create(clinic=clinic, instrument=version_1, ask_at_intake=True)
    new_version(clinic)
    channel = patient_channel(patient)
    reminder = Reminder(
        clinic=clinic,
        patient=patient,
        kind=ReminderKind.QUESTIONNAIRE,
        key=reminder_key(patient.pk, open_request.pk, channel),
        channel=channel,
    )
    assert QuestionnaireReminders().why_not(reminder, timezone.now()) is None


def test_the_schedule_asks_the_new_version_and_not_again_what_the_old_one_asked(
    clinic, patient, other_patient, therapist, version_1
):
    ClinicInstrumentSetting.objects.create(clinic=clinic, instrument=version_1, ask_at_intake=True)
    asked = services.request_create(
        patient=patient,
        instrument=version_1,
        requested_by=None,
        reason=RequestReason.INTAKE,
    )
    services.request_cancel(request=asked, cancelled_by=therapist)
    version_2 = new_version(clinic)

    assert questionnaires_plan() == 1
    (request,) = QuestionnaireRequest.objects.filter(status=RequestStatus.OPEN)
    assert (request.patient, request.instrument, request.reason) == (
        other_patient,
        version_2,
        RequestReason.INTAKE,
    )


# --- A clinic admin retires a version ---------------------------------------------------------


def test_a_clinic_admin_retires_a_version_of_the_clinics_own(clinic_admin, version_1, open_request):
    instrument_retire(instrument=version_1, retired_by=clinic_admin)
    version_1.refresh_from_db()
    assert version_1.is_active is False
    event = AuditEvent.objects.get(object_type="instrument", object_id=str(version_1.pk))
    assert (event.action, event.fields, event.clinic_id) == (
        AuditAction.UPDATE,
        ["is_active"],
        version_1.clinic_id,
    )
    open_request.refresh_from_db()
    assert open_request.status == RequestStatus.OPEN
    with pytest.raises(ValidationError) as refused:
        instrument_retire(instrument=version_1, retired_by=clinic_admin)
    assert refused.value.message_dict == {"instrument": ["This version is already retired."]}


def test_only_a_clinic_admin_retires_and_only_the_clinics_own(
    clinic, therapist, front_desk, clinic_admin, other_clinic, instruments, version_1
):
    for user in (therapist, front_desk):
        with pytest.raises(PermissionDenied):
            instrument_retire(instrument=version_1, retired_by=user)
    not_ours = {"instrument": ["No such questionnaire of your clinic's own."]}
    foreign = LicensedInstrumentFactory(clinic=other_clinic)
    for instrument in (instruments["lefs"], foreign):
        with pytest.raises(ValidationError) as refused:
            instrument_retire(instrument=instrument, retired_by=clinic_admin)
        assert refused.value.message_dict == not_ours
    assert Instrument.objects.filter(is_active=False).count() == 0


def test_the_instrument_page_has_the_retire_button_for_a_clinic_admin_only(
    client_as, instruments, version_1
):
    url = f"/questionnaires/instruments/{version_1.pk}/"
    page = client_as("clinic_admin").get(url).content.decode()
    assert f'action="/questionnaires/instruments/{version_1.pk}/retire/"' in page
    assert "data-confirm=" in page
    assert "Requests already open stay answerable" in page
    assert "/retire/" not in client_as("therapist").get(url).content.decode()
    shipped = client_as("clinic_admin").get(
        f"/questionnaires/instruments/{instruments['lefs'].pk}/"
    )
    assert "/retire/" not in shipped.content.decode()


def test_the_retire_button_retires_and_says_open_requests_stay_answerable(client_as, version_1):
    admin = client_as("clinic_admin")
    response = admin.post(f"/questionnaires/instruments/{version_1.pk}/retire/", follow=True)
    assert response.redirect_chain[-1][0] == f"/questionnaires/instruments/{version_1.pk}/"
    page = response.content.decode()
    assert "is retired" in page
    assert "Requests of it already open can still be answered." in page
    assert "/retire/" not in page.split("<main", 1)[-1]
    version_1.refresh_from_db()
    assert version_1.is_active is False


def test_retiring_a_shipped_instrument_on_the_page_is_refused(client_as, instruments):
    lefs = instruments["lefs"]
    response = client_as("clinic_admin").post(
        f"/questionnaires/instruments/{lefs.pk}/retire/", follow=True
    )
    assert "No such questionnaire of your clinic&#x27;s own." in response.content.decode()
    lefs.refresh_from_db()
    assert lefs.is_active is True


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_the_retire_address_answers_only_post(client_as, version_1, method):
    response = getattr(client_as("clinic_admin"), method)(
        f"/questionnaires/instruments/{version_1.pk}/retire/"
    )
    assert response.status_code == 405
    version_1.refresh_from_db()
    assert version_1.is_active is True


def test_the_page_and_the_service_keep_open_requests_open_after_retiring(
    client_as, version_1, open_request, patient
):
    client_as("clinic_admin").post(f"/questionnaires/instruments/{version_1.pk}/retire/")
    response, created = services.response_submit(
        actor=Actor(patient=patient),
        request=open_request,
        answers=answers(10),
        submission_key=uuid.uuid4(),
    )
    assert created
    assert response.score_valid


def test_the_paper_page_opens_for_an_open_request_of_the_retired_version_only(
    client_as, clinic, patient, other_patient, therapist, open_request, version_1
):
    new_version(clinic)
    client = client_as("therapist")
    mine = f"/patients/{patient.pk}/questionnaires/paper/?instrument={version_1.pk}"
    assert client.get(mine).status_code == 200  # the patient page's "From paper" link
    # Nobody asked the other patient: a retired version cannot be started afresh.
    theirs = f"/patients/{other_patient.pk}/questionnaires/paper/?instrument={version_1.pk}"
    assert client.get(theirs).status_code == 404
