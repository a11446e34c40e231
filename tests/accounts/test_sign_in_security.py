"""Staff sign-in security: two-factor codes, lockout, session expiry, passwords, patient links.

These tests sign in through the real pages (password, then code), not with force_login, which
the shared fixtures treat as a completed sign-in.
"""

import time
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import signing
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sessions as staff_sessions
from audit.models import AuditAction, AuditEvent
from clinic import services
from clinic.models import PatientAccessLink
from tests.conftest import api_token_for
from tests.factories import TEST_PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
SETUP = "/accounts/two-factor/setup/"
SECURITY = "/accounts/security/"


def code_for(device: TOTPDevice) -> str:
    """The code the person's app shows now. Each test code stands for a new 30-second step:
    django-otp refuses a code for a step it has already accepted (replays)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    right = code_for(device)
    return f"{(int(right) + 1) % 1_000_000:06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def sign_in(client: Client, user, password: str = TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"username": user.username, "password": password}, **extra)


@pytest.fixture
def no_otp_delay(settings):
    # django-otp also slows guessing with a growing delay after each wrong code (its own tested
    # feature); these tests type the next code at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


# --- Two-factor sign-in -----------------------------------------------------------------------


def test_a_clinic_admin_sets_up_an_app_before_reaching_the_dashboard(
    client, clinic_admin, no_otp_delay
):
    assert sign_in(client, clinic_admin).status_code == 302

    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.url == f"{SETUP}?next=%2Fdashboard%2F"

    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html  # the QR code, drawn inline
    assert page.context["secret"].replace(" ", "") in html.replace(" ", "")
    device = TOTPDevice.objects.get(user=clinic_admin)
    assert not device.confirmed

    refused = client.post(SETUP, {"code": wrong_code_for(device), "next": "/dashboard/"})
    assert refused.status_code == 200
    assert "That code does not match" in refused.content.decode()
    assert client.get("/dashboard/").status_code == 302

    accepted = client.post(SETUP, {"code": code_for(device), "next": "/dashboard/"})
    assert accepted.status_code == 302
    assert accepted.url == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE,
        actor_user=clinic_admin,
        note__contains="two-factor sign-in set up",
    ).exists()


def test_a_clinic_admin_with_an_app_enters_a_code_after_the_password(
    client, clinic_admin, no_otp_delay
):
    device = confirmed_device(clinic_admin)
    sign_in(client, clinic_admin)

    response = client.get("/patients/")
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next=%2Fpatients%2F"

    code_page = client.get(VERIFY).content.decode()
    assert 'href="/dashboard/"' not in code_page  # no navigation that leads back here

    refused = client.post(VERIFY, {"code": wrong_code_for(device), "next": "/patients/"})
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGN_IN_FAILED, note="wrong two-factor code, username: jordan"
    ).exists()

    accepted = client.post(VERIFY, {"code": code_for(device), "next": "/patients/"})
    assert accepted.status_code == 302
    assert accepted.url == "/patients/"
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert 'href="/dashboard/"' in dashboard.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGN_IN, actor_user=clinic_admin, note="two-factor code accepted"
    ).exists()


def test_a_code_that_is_not_six_digits_is_refused_naming_the_field(client, clinic_admin):
    confirmed_device(clinic_admin)
    sign_in(client, clinic_admin)
    response = client.post(VERIFY, {"code": "12ab"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "Enter the 6 digits your authenticator app shows."
    ]


@pytest.mark.parametrize(
    "path", ["/patients/", "/dashboard/", SECURITY, "/accounts/password/", "/admin/", "/me/"]
)
def test_before_the_code_only_the_two_factor_pages_and_sign_out_are_reachable(
    client, clinic_admin, path
):
    confirmed_device(clinic_admin)
    sign_in(client, clinic_admin)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    # Nor can a second app be added without the first one's code.
    assert client.get(SETUP).url.startswith(VERIFY)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/patients/").url.startswith(LOGIN)


def test_the_api_refuses_an_unverified_session_but_accepts_a_token(client, clinic_admin, patient):
    confirmed_device(clinic_admin)
    sign_in(client, clinic_admin)
    response = client.get("/api/v1/patients/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]

    # A token is its own credential: it was issued from a session past two-factor
    # (tests/clinic/test_api_tokens.py), so it is not held up by this one's pending code.
    token = api_token_for(clinic_admin)
    with_token = client.get("/api/v1/patients/", headers={"Authorization": f"Token {token}"})
    assert with_token.status_code == 200


def test_therapists_need_a_code_only_when_their_clinic_asks_for_one(clinic, therapist, front_desk):
    free = Client()
    sign_in(free, therapist)
    assert free.get("/patients/").status_code == 200

    clinic.staff_two_factor_required = True
    clinic.save()
    # The policy applies to sessions already open, at their next request.
    assert free.get("/patients/").url.startswith(SETUP)
    desk = Client()
    sign_in(desk, front_desk)
    assert desk.get("/patients/").url.startswith(SETUP)
    # A member of staff the policy requires it of cannot turn it off.
    device = confirmed_device(therapist)
    verified = Client()
    sign_in(verified, therapist)
    verified.post(VERIFY, {"code": code_for(device)})
    refused = verified.post("/accounts/two-factor/off/", {"code": code_for(device)})
    assert refused.status_code == 400
    assert "requires two-factor sign-in" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=therapist, confirmed=True).exists()


def test_a_superuser_needs_a_code_before_the_admin(client):
    root = StaffFactory(clinic=None, role="", is_superuser=True, is_staff=True, username="root")
    sign_in(client, root)
    assert client.get("/admin/").url == f"{SETUP}?next=%2Fadmin%2F"


def test_a_member_of_staff_opts_in_from_the_security_page_and_can_opt_out(
    client, front_desk, no_otp_delay
):
    sign_in(client, front_desk)
    page = client.get(SECURITY).content.decode()
    assert "Off: you sign in with your password only" in page

    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=front_desk)
    response = client.post(SETUP, {"code": code_for(device), "next": SECURITY})
    assert response.url == SECURITY
    assert "On: you sign in with your password and a code" in client.get(SECURITY).content.decode()

    # From now on this person's sign-in asks for a code too.
    again = Client()
    sign_in(again, front_desk)
    assert again.get("/patients/").url.startswith(VERIFY)
    again.post(VERIFY, {"code": code_for(device)})
    assert again.get("/patients/").status_code == 200

    refused = again.post("/accounts/two-factor/off/", {"code": "000000"})
    assert refused.status_code == 400
    assert "two-factor sign-in stays on" in refused.content.decode()
    assert again.post("/accounts/two-factor/off/", {"code": code_for(device)}).url == SECURITY
    assert not TOTPDevice.objects.filter(user=front_desk).exists()
    later = Client()
    sign_in(later, front_desk)
    assert later.get("/patients/").status_code == 200


# --- Lockout ----------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_out_the_username_from_that_address(client, therapist):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, therapist, password="not-the-password").status_code == 200
    locked = sign_in(client, therapist, password="not-the-password")
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    assert "Try again after" in locked.content.decode()

    # The right password does not help while the lockout lasts...
    assert sign_in(client, therapist).status_code == 429
    assert client.get("/patients/").url.startswith(LOGIN)
    # ...from this address: a colleague elsewhere on the account's name is not locked out.
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert sign_in(elsewhere, therapist).status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGN_IN_FAILED, note="locked out: username: maya"
    ).exists()


def test_the_lockout_ends_after_the_cool_off(client, therapist):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, therapist, password="not-the-password")
    assert sign_in(client, therapist).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert sign_in(client, therapist).status_code == 302
    assert client.get("/patients/").status_code == 200


def test_wrong_codes_count_towards_the_lockout_and_end_the_half_signed_in_session(
    client, clinic_admin
):
    device = confirmed_device(clinic_admin)
    sign_in(client, clinic_admin)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(VERIFY, {"code": wrong_code_for(device)}).status_code == 200
    locked = client.post(VERIFY, {"code": wrong_code_for(device)})
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()

    assert client.get("/patients/").url.startswith(LOGIN)
    assert sign_in(client, clinic_admin).status_code == 429


# --- Session expiry ---------------------------------------------------------------------------


def age_session(client: Client, *, started_ago: timedelta, seen_ago: timedelta) -> None:
    session = client.session
    record = session[staff_sessions.SESSION_KEY]
    now = time.time()
    record["started"] = now - started_ago.total_seconds()
    record["seen"] = now - seen_ago.total_seconds()
    session[staff_sessions.SESSION_KEY] = record
    session.save()


def test_a_staff_session_ends_after_15_minutes_without_activity(client, therapist):
    sign_in(client, therapist)
    assert client.get("/patients/").status_code == 200
    age_session(client, started_ago=timedelta(minutes=20), seen_ago=timedelta(minutes=16))

    response = client.get("/patients/")
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/patients/"
    notices = [str(message) for message in get_messages(response.wsgi_request)]
    assert notices == ["You were signed out after 15 minutes without activity."]
    assert client.get("/patients/").url.startswith(LOGIN)
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_OUT, actor_user=therapist).exists()


def test_the_message_shows_on_the_sign_in_page(client, therapist):
    sign_in(client, therapist)
    client.get("/patients/")
    age_session(client, started_ago=timedelta(minutes=20), seen_ago=timedelta(minutes=16))
    page = client.get("/patients/", follow=True)
    assert "signed out after 15 minutes without activity" in page.content.decode()


def test_activity_keeps_the_session_open(client, therapist):
    sign_in(client, therapist)
    client.get("/patients/")
    age_session(client, started_ago=timedelta(hours=2), seen_ago=timedelta(minutes=14))
    assert client.get("/patients/").status_code == 200
    seen = client.session[staff_sessions.SESSION_KEY]["seen"]
    assert time.time() - seen < 5


def test_a_staff_session_ends_10_hours_after_signing_in_however_busy(client, therapist):
    sign_in(client, therapist)
    client.get("/patients/")
    age_session(client, started_ago=timedelta(hours=10, minutes=1), seen_ago=timedelta(0))
    response = client.get("/patients/")
    assert response.url.startswith(LOGIN)
    notices = [str(message) for message in get_messages(response.wsgi_request)]
    assert notices == ["You were signed out 10 hours after signing in; please sign in again."]


def test_an_expired_session_is_anonymous_to_the_api(client, therapist):
    sign_in(client, therapist)
    assert client.get("/api/v1/patients/").status_code == 200
    age_session(client, started_ago=timedelta(minutes=20), seen_ago=timedelta(minutes=16))
    assert client.get("/api/v1/patients/").status_code in (401, 403)


# --- Passwords --------------------------------------------------------------------------------


def test_a_weak_new_password_is_refused_with_the_reason(client, therapist):
    sign_in(client, therapist)
    response = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "Short-pw1", "new_password2": "Short-pw1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"] == [
        "This password is too short. It must contain at least 12 characters."
    ]
    common = client.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "qwertyuiop123",
            "new_password2": "qwertyuiop123",
        },
    )
    assert "This password is too common." in common.context["form"].errors["new_password2"]

    good = "calf raises at dawn"
    accepted = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": good, "new_password2": good},
    )
    assert accepted.status_code == 302
    therapist.refresh_from_db()
    assert therapist.check_password(good)


# --- Patient links ----------------------------------------------------------------------------


@pytest.fixture
def link(patient, front_desk) -> PatientAccessLink:
    return services.patient_link_issue(patient=patient, issued_by=front_desk)


def link_path(token: str) -> str:
    return f"/p/{token}/"


def test_an_address_that_opens_10_invalid_links_is_refused_for_a_while(client, link):
    for attempt in range(settings.PATIENT_LINK_FAILURE_LIMIT):
        bad = signing.dumps(str(uuid.uuid4()), salt=services.PATIENT_LINK_SALT)  # no such link
        assert client.get(link_path(bad if attempt % 2 else "guess")).status_code == 403
    refused = client.get(link_path("another-guess"))
    assert refused.status_code == 429
    assert "Too many links that do not work" in refused.content.decode()
    # Even a valid link waits, or guessing would go on between real links.
    assert client.get(link_path(services.patient_link_token(link))).status_code == 429
    assert (
        AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="patient_link").count()
        == 1
    )

    patient_elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    response = patient_elsewhere.get(link_path(services.patient_link_token(link)))
    assert response.status_code == 302
    assert response.url == "/me/"


def test_valid_links_do_not_count_towards_the_limit(client, link):
    for _ in range(settings.PATIENT_LINK_FAILURE_LIMIT + 2):
        assert Client().get(link_path(services.patient_link_token(link))).status_code == 302


def test_link_tokens_are_long_signed_and_cannot_be_made_for_another_link(
    client, link, patient, front_desk
):
    token = services.patient_link_token(link)
    assert len(token) >= 40
    other = services.patient_link_issue(patient=patient, issued_by=front_desk)
    other_token = services.patient_link_token(other)
    payload, signature = token.split(":", 1)
    other_payload, other_signature = other_token.split(":", 1)

    # Another link's id with this link's signature, and a token signed with another key.
    assert client.get(link_path(f"{other_payload}:{signature}")).status_code == 403
    assert client.get(link_path(f"{payload}:{other_signature}")).status_code == 403
    forged = signing.dumps(str(other.pk), salt=services.PATIENT_LINK_SALT, key="not-our-key")
    assert client.get(link_path(forged)).status_code == 403
    # The genuine tokens still work.
    assert Client().get(link_path(other_token)).status_code == 302


# --- Configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CACHE_URL": "pigeon://coop"}, "CACHE_URL scheme 'pigeon'"),
        ({"STAFF_IDLE_TIMEOUT_MINUTES": "a while"}, "STAFF_IDLE_TIMEOUT_MINUTES must be"),
        ({"STAFF_SESSION_MAX_HOURS": "0"}, "STAFF_SESSION_MAX_HOURS must be at least 1"),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT must be at least 1"),
        ({"PASSWORD_MIN_LENGTH": "6"}, "PASSWORD_MIN_LENGTH must be at least 8"),
    ],
)
def test_bad_sign_in_settings_stop_start_up_naming_the_variable(tmp_path, env, message):
    from tests.clinic.test_settings import PRODUCTION, start

    result = start(tmp_path, **PRODUCTION, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_clinic_admin_is_not_told_to_ask_the_clinic_admin(client, clinic_admin, no_otp_delay):
    """Issue 17 §9: a lost phone is reset by whoever runs the installation (a superuser, in
    Admin → TOTP devices), which the page says, to a clinic admin as to anyone."""
    device = confirmed_device(clinic_admin)
    sign_in(client, clinic_admin)
    client.post(VERIFY, {"code": code_for(device), "next": SECURITY})
    page = client.get(SECURITY).content.decode()
    assert "Ask your clinic admin" not in page
    assert "Ask whoever runs Dorsi for your clinic" in page
