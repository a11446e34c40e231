"""Personal API tokens (accounts.api_tokens): issued only by their owner from a session that passed
two-factor where it is required, expiring, listed and revocable on the Security page, audited;
and the upgrade that withdrew rest_framework.authtoken's unexpiring tokens.

Every role is tried: anonymous, the two patients, therapist, front desk, clinic admin, another
clinic's therapist and a superuser without a clinic.
"""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from accounts import api_tokens
from accounts.models import ApiToken
from audit.models import AuditAction, AuditEvent
from tests.accounts.test_sign_in_security import code_for, confirmed_device, sign_in
from tests.clinic.test_settings import PRODUCTION, start
from tests.conftest import api_token_for
from tests.factories import TEST_PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

SECURITY = "/accounts/security/"
ISSUE = "/accounts/security/tokens/"
PATIENTS = "/api/v1/patients/"
STAFF = ["therapist", "front_desk", "clinic_admin", "other_clinic_therapist"]


def revoke_url(token: ApiToken) -> str:
    return f"/accounts/security/tokens/{token.pk}/revoke/"


def api_get(secret: str, path: str = PATIENTS, **headers):
    return Client().get(path, headers={"Authorization": f"Token {secret}", **headers})


def issue(client: Client, name: str = "Lab import", days: int = 30):
    return client.post(ISSUE, {"name": name, "days": days})


def token_of(user, name: str = "Lab import") -> ApiToken:
    return ApiToken.objects.get(user=user, name=name)


def api_tokens_issue(user, *, second_factor_passed: bool = True) -> ApiToken:
    token, _ = api_tokens.api_token_issue(
        user=user, name="Lab import", days=30, second_factor_passed=second_factor_passed
    )
    return token


@pytest.fixture
def superuser(db):
    return StaffFactory(
        clinic=None, role="", is_superuser=True, is_staff=True, username="root", first_name="Ro"
    )


@pytest.fixture
def no_otp_delay(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


# --- Who may issue ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_staff_issue_their_own_token_and_see_its_secret_once(client_as, request, role):
    client = client_as(role)
    owner = request.getfixturevalue(role)
    response = issue(client)
    assert response.status_code == 201
    token = token_of(owner)
    secret = response.context["new_token"][1]
    assert secret.startswith("dorsi_")
    assert len(secret) > 40
    assert secret in response.content.decode()
    # Only a digest is stored: no column of the row holds the secret.
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.digest == api_tokens.token_digest(secret)
    assert token.second_factor is (role == "clinic_admin")  # force_login verified the admin
    assert token.expires_at - token.created_at == timedelta(days=30)
    # The list shows the token by name and prefix, never the secret again.
    page = client.get(SECURITY).content.decode()
    assert "Lab import" in page
    assert token.prefix in page
    assert secret not in page
    # The token signs in to the API with its owner's access.
    assert api_get(secret).status_code == 200
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="api_token")
    assert (created.actor_user_id, created.clinic_id) == (owner.pk, owner.clinic_id)
    assert created.object_id == str(token.pk)


@pytest.mark.parametrize("role", ["anonymous", "patient", "other_patient"])
def test_visitors_and_patients_cannot_issue_or_list_tokens(client_as, role):
    client = client_as(role)
    response = issue(client)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert client.get(SECURITY).url.startswith("/accounts/login/")
    assert not ApiToken.objects.exists()


def test_a_superuser_without_a_clinic_holds_no_token(client, superuser):
    client.force_login(superuser)
    assert issue(client).status_code == 403
    page = client.get(SECURITY).content.decode()
    assert "API tokens belong to clinic staff" in page
    assert "Create token" not in page
    with pytest.raises(PermissionDenied):
        api_tokens.api_token_issue(user=superuser, name="x", days=1, second_factor_passed=True)
    assert not ApiToken.objects.exists()


def test_the_admin_issues_no_token_and_the_old_token_app_is_gone(client, superuser, therapist):
    client.force_login(superuser)
    assert not apps.is_installed("rest_framework.authtoken")
    assert client.get("/admin/authtoken/").status_code == 404
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    token = api_tokens_issue(therapist)
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    assert "Lab import" in listing
    assert token.digest not in listing
    change = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.digest not in change
    # The operator may revoke any token, e.g. in an incident.
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == superuser


def test_a_clinic_admin_with_django_admin_access_does_not_see_tokens_there(
    client, clinic_admin, therapist
):
    clinic_admin.is_staff = True
    clinic_admin.save()
    api_tokens_issue(therapist)
    client.force_login(clinic_admin)
    assert client.get("/admin/accounts/apitoken/").status_code == 403


# --- Two-factor -------------------------------------------------------------------------------


def test_an_unverified_session_cannot_issue_a_token(client, clinic_admin):
    confirmed_device(clinic_admin)
    sign_in(client, clinic_admin)  # password only: the code is still to come
    response = issue(client)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/two-factor/")
    assert not ApiToken.objects.exists()
    # The service refuses it too, whatever page might call it.
    with pytest.raises(PermissionDenied, match="two-factor"):
        api_tokens_issue(clinic_admin, second_factor_passed=False)


@pytest.mark.parametrize("role", ["therapist", "front_desk"])
def test_staff_whose_clinic_requires_two_factor_must_pass_it_first(
    client, request, clinic, role, no_otp_delay
):
    clinic.staff_two_factor_required = True
    clinic.save()
    user = request.getfixturevalue(role)
    device = confirmed_device(user)
    sign_in(client, user)
    assert issue(client).url.startswith("/accounts/two-factor/")
    assert not ApiToken.objects.exists()

    client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert issue(client).status_code == 201
    assert token_of(user).second_factor


def test_staff_who_set_up_an_app_themselves_must_use_it_first(client, therapist, no_otp_delay):
    device = confirmed_device(therapist)  # their own choice; the clinic does not require it
    sign_in(client, therapist)
    assert issue(client).url.startswith("/accounts/two-factor/")
    client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert issue(client).status_code == 201


def test_a_token_issued_without_a_code_stops_when_the_clinic_starts_requiring_one(
    client, clinic, therapist
):
    sign_in(client, therapist)  # no policy, no app: the password is the whole sign-in
    response = issue(client)
    assert response.status_code == 201
    secret = response.context["new_token"][1]
    assert not token_of(therapist).second_factor
    assert api_get(secret).status_code == 200

    clinic.staff_two_factor_required = True
    clinic.save()
    refused = api_get(secret)
    assert refused.status_code == 401
    assert "issued without two-factor sign-in" in refused.json()["detail"]
    # One issued after the code keeps working.
    assert api_get(api_token_for(therapist, name="After code")).status_code == 200


# --- Listing and revoking ---------------------------------------------------------------------


def test_staff_list_only_their_own_tokens_and_a_clinic_admin_their_clinics(
    client_as, therapist, front_desk, clinic_admin, other_clinic_therapist
):
    for user in (therapist, front_desk, clinic_admin, other_clinic_therapist):
        api_tokens.api_token_issue(
            user=user, name=f"Tool of {user.username}", days=7, second_factor_passed=True
        )
    pages = {role: client_as(role).get(SECURITY).content.decode() for role in STAFF}
    assert "Tool of maya" in pages["therapist"]
    assert "Tool of sam" not in pages["therapist"]
    assert "Tool of jordan" not in pages["therapist"]
    assert "Tool of sam" in pages["front_desk"]
    assert "Tool of maya" not in pages["front_desk"]
    admin = pages["clinic_admin"]
    assert all(f"Tool of {name}" in admin for name in ("maya", "sam", "jordan"))
    assert "Tool of otto" not in admin
    assert "Tool of otto" in pages["other_clinic_therapist"]
    assert "Tool of maya" not in pages["other_clinic_therapist"]


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("anonymous", "login"),
        ("patient", "login"),
        ("other_patient", "login"),
        ("therapist", "revoked"),  # their own
        ("front_desk", "hidden"),  # a colleague's
        ("clinic_admin", "revoked"),  # their clinic's staff's
        ("other_clinic_therapist", "hidden"),
    ],
)
def test_who_may_revoke_the_therapists_token(client_as, therapist, role, outcome):
    token, secret = api_tokens.api_token_issue(
        user=therapist, name="Lab import", days=30, second_factor_passed=True
    )
    response = client_as(role).post(revoke_url(token))
    token.refresh_from_db()
    if outcome == "login":
        assert response.url.startswith("/accounts/login/")
    elif outcome == "hidden":
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert response.url == f"{SECURITY}#api-tokens"
    assert (token.revoked_at is not None) is (outcome == "revoked")
    assert api_get(secret).status_code == (401 if outcome == "revoked" else 200)


def test_a_superuser_may_revoke_through_the_service_but_not_the_page(client, superuser, therapist):
    token = api_tokens_issue(therapist)
    client.force_login(superuser)
    assert client.post(revoke_url(token)).status_code == 404  # the page is for clinic staff
    assert api_tokens.api_token_revoke(token=token, revoked_by=superuser)


def test_revoking_takes_effect_on_the_next_request_and_is_audited(client_as, therapist):
    client = client_as("therapist")
    secret = issue(client).context["new_token"][1]
    token = token_of(therapist)
    assert api_get(secret).status_code == 200

    response = client.post(revoke_url(token), follow=True)
    assert "is revoked" in response.content.decode()
    refused = api_get(secret)
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("This API token was revoked.")
    assert refused.headers["WWW-Authenticate"] == "Token"
    [revoked] = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="api_token")
    assert (revoked.actor_user_id, revoked.object_id) == (therapist.pk, str(token.pk))
    # Once is enough: a second revoke changes and records nothing.
    again = client.post(revoke_url(token), follow=True)
    assert "was already revoked" in again.content.decode()
    assert (
        AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="api_token").count() == 1
    )
    # The page still shows it, marked revoked, without a revoke button.
    page = client.get(SECURITY).content.decode()
    assert "Revoked" in page
    assert revoke_url(token) not in page


def test_the_revoke_button_asks_for_confirmation(client_as, therapist):
    token = api_tokens_issue(therapist)
    page = client_as("therapist").get(SECURITY).content.decode()
    assert f'action="{revoke_url(token)}" data-confirm="Revoke “Lab import”?' in page


def test_revoking_needs_a_post(client_as, therapist):
    token = api_tokens_issue(therapist)
    assert client_as("therapist").get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


# --- Using a token ----------------------------------------------------------------------------


def test_an_expired_token_answers_401_saying_so(therapist):
    secret = api_token_for(therapist)
    past = timezone.now() - timedelta(days=1)
    ApiToken.objects.update(created_at=past - timedelta(days=30), expires_at=past)
    response = api_get(secret)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("This API token expired on")
    assert "Security page" in response.json()["detail"]


def test_unknown_and_old_style_tokens_answer_401(therapist):
    assert api_get("dorsi_" + "x" * 43).json()["detail"] == "Invalid token."
    assert api_get("not-even-ours").status_code == 401
    old = api_get("0123456789abcdef0123456789abcdef01234567")
    assert old.status_code == 401
    assert "no longer work" in old.json()["detail"]
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).exists()


def test_a_deactivated_users_token_stops_and_stays_stopped(therapist):
    secret = api_token_for(therapist)
    therapist.is_active = False
    therapist.save()  # as the admin does
    refused = api_get(secret)
    assert refused.status_code == 401
    token = ApiToken.objects.get(user=therapist)
    assert token.revoked_at is not None
    assert token.revoked_by is None
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="api_token", note__endswith="account deactivated"
    ).exists()
    # Coming back from leave does not bring the old credential back.
    therapist.is_active = True
    therapist.save()
    assert api_get(secret).status_code == 401


def test_an_inactive_owner_is_refused_even_before_the_revocation(therapist):
    secret = api_token_for(therapist)
    type(therapist).objects.filter(pk=therapist.pk).update(is_active=False)  # no signal
    response = api_get(secret)
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_refusals_of_a_real_token_are_audited_at_most_hourly(therapist):
    token, secret = api_tokens.api_token_issue(
        user=therapist, name="Nightly", days=7, second_factor_passed=True
    )
    api_tokens.api_token_revoke(token=token, revoked_by=therapist)
    for _ in range(3):
        assert api_get(secret).status_code == 401
    [refused] = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED)
    assert refused.object_id == str(token.pk)
    assert refused.clinic_id == therapist.clinic_id
    assert refused.note.endswith("refused: revoked")


def test_use_is_recorded_on_the_token_and_in_the_audit_trail(therapist, patient):
    token, secret = api_tokens.api_token_issue(
        user=therapist, name="Lab import", days=7, second_factor_passed=True
    )
    response = api_get(secret, f"{PATIENTS}{patient.pk}/")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_ip == "127.0.0.1"
    [first] = AuditEvent.objects.filter(action=AuditAction.SIGN_IN, object_type="api_token")
    assert first.actor_user_id == therapist.pk
    assert first.note == f"API token {token.pk} “Lab import” used for the first time"
    # The read the audit middleware records names the token as well as its owner.
    [read] = AuditEvent.objects.filter(action=AuditAction.READ)
    assert read.actor_user_id == therapist.pk
    assert read.actor_kind == "therapist"
    assert read.actor_label == f"Maya Okafor · API token {token.pk} “Lab import”"
    # Later uses write no row of their own (the reads are recorded as always).
    assert api_get(secret).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN).count() == 1


def test_a_token_opens_no_page_so_it_cannot_mint_another(therapist):
    secret = api_token_for(therapist)
    client = Client(headers={"Authorization": f"Token {secret}"})
    assert client.get(SECURITY).url.startswith("/accounts/login/")
    assert client.post(ISSUE, {"name": "x", "days": 7}).url.startswith("/accounts/login/")
    assert ApiToken.objects.count() == 1


def test_a_bad_token_is_not_rescued_by_a_session(client_as):
    client = client_as("therapist")
    assert client.get(PATIENTS).status_code == 200
    response = client.get(PATIENTS, headers={"Authorization": "Token dorsi_wrong"})
    assert response.status_code == 401


# --- Limits -----------------------------------------------------------------------------------


def test_names_lifetimes_and_the_number_of_tokens_are_limited(client_as, therapist, settings):
    client = client_as("therapist")
    assert issue(client, name="   ").status_code == 400
    spoofed = issue(client, name="Lab \u202etropmi")
    assert spoofed.status_code == 400
    assert "text-direction" in spoofed.content.decode()
    too_long = issue(client, days=settings.API_TOKEN_MAX_AGE.days + 1)
    assert too_long.status_code == 400
    assert "days" in too_long.context["token_form"].errors
    with pytest.raises(ValidationError):
        api_tokens.api_token_issue(user=therapist, name="x", days=1000, second_factor_passed=True)
    for number in range(api_tokens.MAX_USABLE_PER_USER):
        api_token_for(therapist, name=f"Tool {number}")
    refused = issue(client, name="One more")
    assert refused.status_code == 400
    assert "revoke one first" in refused.content.decode()


def test_the_lifetime_is_configurable_and_capped(tmp_path, settings):
    settings.API_TOKEN_MAX_AGE = timedelta(days=14)
    assert api_tokens.expiry_choices_days() == [7, 14]
    result = start(tmp_path, **PRODUCTION, API_TOKEN_MAX_AGE_DAYS="400")
    assert result.returncode != 0
    assert "API_TOKEN_MAX_AGE_DAYS must be at most 365" in result.stderr
    assert start(tmp_path, **PRODUCTION, API_TOKEN_MAX_AGE_DAYS="30").returncode == 0


def test_the_schema_describes_the_token_scheme():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Security page" in scheme["description"]


# --- The upgrade ------------------------------------------------------------------------------

DRF_TOKEN_MIGRATIONS = (
    "0001_initial",
    "0002_auto_20160226_1747",
    "0003_tokenproxy",
    "0004_alter_tokenproxy_options",
)


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_withdraws_old_unexpiring_tokens(clinic, therapist, clinic_admin):
    """A clinic upgrading from a Dorsi with rest_framework.authtoken: its table and keys exist,
    created by DRF's own migrations. Migrating must succeed, keep no key, and say so."""
    executor = MigrationExecutor(connection)
    ours = next(
        key
        for key in executor.loader.graph.nodes
        if key[0] == "clinic" and key[1].endswith("_api_tokens")
    )
    before = [
        dep for dep in executor.loader.get_migration(*ours).dependencies if dep[0] == "clinic"
    ]
    executor.migrate(before)
    # The database as the old version left it: DRF's migrations applied and recorded, keys in.
    state = executor.loader.project_state(before)
    recorder = MigrationRecorder(connection)
    for name in DRF_TOKEN_MIGRATIONS:
        module = importlib.import_module(f"rest_framework.authtoken.migrations.{name}")
        with connection.schema_editor() as editor:
            state = module.Migration(name, "authtoken").apply(state, editor)
        recorder.record_applied("authtoken", name)
    Token = state.apps.get_model("authtoken", "Token")
    old_keys = {"a" * 40: therapist, "b" * 40: clinic_admin}
    for key, user in old_keys.items():
        Token.objects.create(key=key, user_id=user.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not recorder.migration_qs.filter(app="authtoken").exists()
    assert not ApiToken.objects.exists()
    withdrawn = AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="api_token")
    assert sorted(withdrawn.values_list("object_id", "clinic_id", "actor_kind")) == sorted(
        (f"user {user.pk}", clinic.pk, "system") for user in old_keys.values()
    )
    assert not any(key in str(list(withdrawn.values())) for key in old_keys)
    for key in old_keys:
        response = api_get(key)
        assert response.status_code == 401
        assert "no longer work" in response.json()["detail"]
    # Staff issue new ones, which work.
    assert api_get(api_token_for(therapist)).status_code == 200


# --- In the browser ---------------------------------------------------------------------------

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_clinic_admin_issues_copies_and_revokes_a_token_in_the_browser(
    browser, live_server, clinic_admin, therapist, front_desk, artifacts_dir, no_otp_delay
):
    api_tokens.api_token_issue(
        user=therapist, name="Spreadsheet export", days=30, second_factor_passed=False
    )
    api_tokens.api_token_issue(
        user=front_desk, name="Reception kiosk", days=7, second_factor_passed=False
    )
    device = confirmed_device(clinic_admin)
    for size, viewport in (("phone", PHONE), ("wide", WIDE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill("jordan")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("6-digit code").fill(code_for(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/patients/$"))  # signed in, code and all
        page.goto(f"{live_server.url}{SECURITY}")
        page.get_by_label("Name").fill(f"Lab import ({size})")
        page.get_by_label("Expires after").select_option("30")
        page.get_by_role("button", name="Create token").click()
        page.get_by_text("it is shown only this once").wait_for()
        secret = page.get_by_label("New API token").input_value()
        assert secret.startswith("dorsi_")
        page.screenshot(path=artifacts_dir / f"api-tokens-issued-{size}.png", full_page=True)
        auth = {"Authorization": f"Token {secret}"}
        assert context.request.get(f"{live_server.url}{PATIENTS}", headers=auth).status == 200

        row = page.locator(".link-row", has_text=f"Lab import ({size})")
        page.once("dialog", lambda dialog: dialog.dismiss())  # "Cancel": nothing happens
        row.get_by_role("button", name="Revoke").click()
        assert context.request.get(f"{live_server.url}{PATIENTS}", headers=auth).status == 200
        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Revoke").click()
        page.get_by_text("is revoked: it no longer works").wait_for()
        assert page.get_by_label("New API token").count() == 0  # the secret is gone for good
        assert context.request.get(f"{live_server.url}{PATIENTS}", headers=auth).status == 401
        page.screenshot(path=artifacts_dir / f"api-tokens-revoked-{size}.png", full_page=True)
        context.close()
