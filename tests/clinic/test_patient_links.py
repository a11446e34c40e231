from datetime import timedelta

import pytest
from django.conf import settings
from django.core import signing
from django.utils import timezone

from clinic import services
from clinic.models import PatientAccessLink

pytestmark = pytest.mark.django_db


def path_of(link: PatientAccessLink) -> str:
    return services.patient_link_url(link).removeprefix(settings.SITE_URL)


@pytest.fixture
def link(patient, front_desk) -> PatientAccessLink:
    return services.patient_link_issue(patient=patient, issued_by=front_desk)


def test_a_personal_link_opens_the_patients_own_page(client, link):
    response = client.get(path_of(link))
    assert response.status_code == 302
    assert response.url == "/me/"
    assert "Hello, Alex" in client.get("/me/").content.decode()
    link.refresh_from_db()
    assert link.last_opened_at is not None


def test_the_patient_session_is_private_and_uncached(client, link):
    client.get(path_of(link))
    response = client.get("/me/")
    assert "no-store" in response.headers["Cache-Control"]


def test_an_expired_link_is_refused(client, link):
    PatientAccessLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(days=40),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    response = client.get(path_of(link))
    assert response.status_code == 403
    assert "no longer works" in response.content.decode()
    assert client.get("/me/").status_code == 403


def test_a_token_older_than_the_maximum_age_is_refused_by_its_signature(client, link, settings):
    token = path_of(link)
    settings.PATIENT_LINK_MAX_AGE = timedelta(seconds=-1)
    assert client.get(token).status_code == 403


def test_a_revoked_link_is_refused(client, link, front_desk):
    services.patient_link_revoke(link=link, revoked_by=front_desk)
    assert client.get(path_of(link)).status_code == 403


def test_revoking_a_link_ends_the_session_it_opened(client, link, front_desk):
    client.get(path_of(link))
    assert client.get("/me/").status_code == 200
    services.patient_link_revoke(link=link, revoked_by=front_desk)
    assert client.get("/me/").status_code == 403
    assert client.get("/api/v1/patients/").status_code == 401


def test_discharging_the_patient_ends_their_session(client, link, patient):
    client.get(path_of(link))
    services.patient_discharge(patient=patient)
    assert client.get("/me/").status_code == 403
    assert client.get(path_of(link)).status_code == 403


@pytest.mark.parametrize(
    "tamper",
    [
        lambda path: path[:-2] + ("A" if path[-2] != "A" else "B") + "/",
        lambda path: "/p/" + signing.dumps("00000000-0000-0000-0000-000000000000") + "/",
        lambda path: "/p/not-a-token/",
    ],
)
def test_forged_or_guessed_tokens_are_refused(client, link, tamper):
    assert client.get(tamper(path_of(link))).status_code == 403


def test_a_signed_token_for_an_unknown_link_is_refused(client):
    token = signing.dumps("6f1c1c9e-0000-4000-8000-000000000000", salt=services.PATIENT_LINK_SALT)
    assert client.get(f"/p/{token}/").status_code == 403


def test_opening_a_link_signs_out_the_staff_member_on_that_browser(client, link, therapist):
    client.force_login(therapist)
    client.get(path_of(link))
    assert client.get("/patients/").status_code == 403  # now a patient session
    assert client.get("/me/").status_code == 200


def test_a_patient_signs_out(client, link):
    client.get(path_of(link))
    client.post("/me/sign-out/")
    assert client.get("/me/").status_code == 403


def test_a_discharged_patient_gets_no_new_link(patient, front_desk):
    services.patient_discharge(patient=patient)
    with pytest.raises(services.ValidationError) as error:
        services.patient_link_issue(patient=patient, issued_by=front_desk)
    assert "patient" in error.value.message_dict


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", "login"),
        ("patient", 403),
        ("other_clinic_therapist", 404),
        ("front_desk", 302),
        ("therapist", 302),
        ("clinic_admin", 302),
    ],
)
def test_staff_of_the_clinic_issue_links(client_as, patient, role, status):
    client = client_as(role)
    before = PatientAccessLink.objects.filter(patient=patient).count()
    response = client.post(f"/patients/{patient.pk}/links/")
    if status == "login":
        assert response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == status
    after = PatientAccessLink.objects.filter(patient=patient).count()
    assert after - before == (1 if status == 302 else 0)


def test_the_detail_page_lists_links_and_revokes_them(client_as, patient, link):
    client = client_as("front_desk")
    html = client.get(f"/patients/{patient.pk}/").content.decode()
    assert services.patient_link_token(link).split(":")[0] in html
    client.post(f"/patients/{patient.pk}/links/{link.pk}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert "Revoked" in client.get(f"/patients/{patient.pk}/").content.decode()


def test_a_link_of_another_patient_cannot_be_revoked_through_this_patient(
    client_as, patient, other_patient, front_desk
):
    others = services.patient_link_issue(patient=other_patient, issued_by=front_desk)
    response = client_as("front_desk").post(f"/patients/{patient.pk}/links/{others.pk}/revoke/")
    assert response.status_code == 404
    others.refresh_from_db()
    assert others.revoked_at is None


def test_emailing_a_link_is_enqueued_only_after_commit(
    patient, front_desk, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.patient_link_issue(patient=patient, issued_by=front_desk, email_to_patient=True)
    assert len(callbacks) == 1
    assert mailoutbox == []


def test_a_link_cannot_be_emailed_to_a_patient_without_email(patient, front_desk):
    patient.email = ""
    patient.save()
    with pytest.raises(services.ValidationError) as error:
        services.patient_link_issue(patient=patient, issued_by=front_desk, email_to_patient=True)
    assert "email" in error.value.message_dict
    assert not PatientAccessLink.objects.filter(patient=patient).exists()


def test_the_link_email_task_sends_the_link(patient, front_desk, mailoutbox):
    from clinic.tasks import patient_link_email

    link = services.patient_link_issue(patient=patient, issued_by=front_desk)
    patient_link_email.run(link_id=str(link.pk))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [patient.email]
    assert "/p/" in mailoutbox[0].body


def test_the_link_email_task_skips_a_revoked_link(patient, front_desk, mailoutbox):
    from clinic.tasks import patient_link_email

    link = services.patient_link_issue(patient=patient, issued_by=front_desk)
    services.patient_link_revoke(link=link, revoked_by=front_desk)
    patient_link_email.run(link_id=str(link.pk))
    assert mailoutbox == []
