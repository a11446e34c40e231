"""The authorization matrix: every page and every API operation against every role.

The endpoints come from the URLconf and from the OpenAPI schema, so a new page or API operation
without a row here fails `test_every_endpoint_has_a_row`: whoever adds one decides, in this
table, who may use it.

Answers are compared by meaning, not exact status:
- ok:    the role got through the access policy (2xx, a redirect other than to sign-in, or a
         400/409 about the empty body this test sends to writes);
- login: not signed in (a redirect to the sign-in page, or 401 from the API);
- deny:  403, the role may not do this;
- hide:  404, the record is outside the role's scope, so its existence is not revealed.
Each role's request runs in a savepoint that is rolled back, so one role's write cannot change
what the next one sees.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts import api_tokens
from clinic import services
from clinic.access import Actor
from clinic.times import at_local
from exercises import services as exercise_services
from exercises.models import Exercise
from questionnaires import services as questionnaire_services
from questionnaires.models import Instrument
from reminders.services import opt_out_url, short_link_create
from reports import services as report_services
from scheduling import services as scheduling_services
from scheduling.reminders import response_url
from tests.conftest import sign_in_patient
from tests.factories import LicensedInstrumentFactory, record_knee_to_wall, shipped_instruments_seed
from tests.neural.recording import record_neural

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "patient",  # Alex, whose records the rows below ask for
    "other_patient",  # Bianca, same clinic: a patient on another patient's data
    "front_desk",  # no clinical data
    "therapist",
    "clinic_admin",
    "other_clinic_therapist",
)
OK, LOGIN, DENY, HIDE = "ok", "login", "deny", "hide"


def row(anonymous, patient, other_patient, front_desk, therapist, clinic_admin, other_clinic):
    return dict(
        zip(
            ROLES,
            (anonymous, patient, other_patient, front_desk, therapist, clinic_admin, other_clinic),
            strict=True,
        )
    )


# Shapes that recur. "Patient-scoped" rows are about Alex, of the first clinic.
EVERYONE = row(OK, OK, OK, OK, OK, OK, OK)
STAFF = row(LOGIN, DENY, DENY, OK, OK, OK, OK)  # any clinic's staff, on their own clinic
CLINICIANS = row(LOGIN, DENY, DENY, DENY, OK, OK, OK)  # clinical pages without a patient
ADMINS = row(LOGIN, DENY, DENY, DENY, DENY, OK, DENY)
STAFF_ON_PATIENT = row(LOGIN, DENY, DENY, OK, OK, OK, HIDE)
CLINICIANS_ON_PATIENT = row(LOGIN, DENY, DENY, DENY, OK, OK, HIDE)
PATIENT_PAGES = row(DENY, OK, OK, DENY, DENY, DENY, DENY)  # /me/...: one's own page
# The API: patients reach their own records; staff lists are scoped to their clinic.
API_STAFF = row(LOGIN, DENY, DENY, OK, OK, OK, OK)
API_CLINICIANS = row(LOGIN, DENY, DENY, DENY, OK, OK, OK)
API_LIST_SCOPED = row(LOGIN, OK, OK, OK, OK, OK, OK)
API_CLINICAL_LIST = row(LOGIN, OK, OK, DENY, OK, OK, OK)
API_OWN_OR_STAFF = row(LOGIN, OK, HIDE, OK, OK, OK, HIDE)
API_OWN_CLINICAL = row(LOGIN, OK, HIDE, DENY, OK, OK, HIDE)
API_CHANGE_PATIENT = row(LOGIN, DENY, HIDE, OK, OK, OK, HIDE)
API_CLINICAL_CHANGE = row(LOGIN, DENY, HIDE, DENY, OK, OK, HIDE)
API_ADMINS = row(LOGIN, DENY, DENY, DENY, DENY, OK, DENY)
API_ANONYMISE = row(LOGIN, DENY, HIDE, DENY, DENY, OK, HIDE)  # a clinic admin, own clinic
NOBODY = row(LOGIN, DENY, DENY, DENY, DENY, DENY, DENY)
# Refused by role before the record is looked up: the same 403 whether or not it exists.
API_STAFF_CHANGE = row(LOGIN, DENY, DENY, OK, OK, OK, HIDE)
API_PATIENTS_OWN = row(LOGIN, OK, OK, DENY, DENY, DENY, DENY)
API_CLINICAL_ON_REPORT = row(LOGIN, DENY, DENY, DENY, OK, OK, HIDE)

PAGES: dict[tuple[str, str], dict[str, str]] = {
    ("home", "GET"): row(LOGIN, OK, OK, OK, OK, OK, OK),
    ("healthz", "GET"): EVERYONE,
    ("favicon.ico", "GET"): EVERYONE,
    ("login", "GET"): EVERYONE,
    ("login", "POST"): EVERYONE,  # the form answers every visitor alike
    ("logout", "POST"): row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),  # to sign-in
    ("password_change", "GET"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    ("password_change", "POST"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    ("password_change_done", "GET"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    # Two-factor sign-in and the Security page: one's own account only.
    ("two-factor-verify", "GET"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    ("two-factor-verify", "POST"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    ("two-factor-setup", "GET"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    ("two-factor-setup", "POST"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    ("two-factor-disable", "POST"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    ("security", "GET"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    # API tokens: staff issue their own; {token_id} is the therapist's, which only they and
    # their clinic admin may revoke (404 to anyone else, as for a record outside one's scope).
    ("api-token-issue", "POST"): row(LOGIN, LOGIN, LOGIN, OK, OK, OK, OK),
    ("api-token-revoke", "POST"): row(LOGIN, LOGIN, LOGIN, HIDE, OK, OK, HIDE),
    # Patients
    ("patient-list", "GET"): STAFF,
    ("patient-create", "GET"): STAFF,
    ("patient-create", "POST"): STAFF,
    ("patient-detail", "GET"): STAFF_ON_PATIENT,
    ("patient-edit", "GET"): STAFF_ON_PATIENT,
    ("patient-edit", "POST"): STAFF_ON_PATIENT,
    ("patient-discharge", "POST"): CLINICIANS_ON_PATIENT,
    ("patient-reactivate", "POST"): CLINICIANS_ON_PATIENT,
    ("patient-link-issue", "POST"): STAFF_ON_PATIENT,
    # Data rights: export for the clinicians (and the patient, below); anonymise for admins
    ("patient-export-fhir", "GET"): CLINICIANS_ON_PATIENT,
    ("patient-export-csv", "GET"): CLINICIANS_ON_PATIENT,
    ("patient-anonymise", "POST"): row(LOGIN, DENY, DENY, DENY, DENY, OK, HIDE),
    ("own-export-fhir", "GET"): PATIENT_PAGES,
    ("own-export-csv", "GET"): PATIENT_PAGES,
    ("patient-link-revoke", "POST"): STAFF_ON_PATIENT,
    # Capability addresses: the signed token in the address is the permission.
    ("patient-link-open", "GET"): EVERYONE,
    ("calendar-feed", "GET"): EVERYONE,
    ("calendar-feed", "HEAD"): EVERYONE,  # calendar apps probe with HEAD
    ("reminders-opt-out", "GET"): EVERYONE,
    ("reminders-opt-out", "POST"): EVERYONE,
    ("short-link", "GET"): EVERYONE,  # the signed link it stands for guards what it opens
    ("appointment-respond", "GET"): EVERYONE,
    ("appointment-respond", "POST"): EVERYONE,
    # The patient's own pages
    ("patient-home", "GET"): PATIENT_PAGES,
    ("patient-routine-page", "GET"): PATIENT_PAGES,
    ("patient-routine-page", "POST"): PATIENT_PAGES,
    ("patient-service-worker", "GET"): PATIENT_PAGES,  # rendered for the signed-in patient
    # The home-screen manifest names the app and its icons, nothing of a patient; a browser
    # fetches it without cookies, so it may not ask who is asking.
    ("patient-web-app-manifest", "GET"): EVERYONE,
    ("patient-self-test", "GET"): PATIENT_PAGES,
    ("patient-self-test", "POST"): PATIENT_PAGES,
    ("patient-sign-out", "POST"): EVERYONE,
    ("patient-language", "POST"): PATIENT_PAGES,
    # Outcome questionnaires: {request_id} is Alex's open request; another patient's is a 404.
    ("questionnaire-answer", "GET"): row(DENY, OK, HIDE, DENY, DENY, DENY, DENY),
    ("questionnaire-answer", "POST"): row(DENY, OK, HIDE, DENY, DENY, DENY, DENY),
    ("questionnaire-done", "GET"): row(DENY, OK, HIDE, DENY, DENY, DENY, DENY),
    ("questionnaire-ask", "GET"): CLINICIANS_ON_PATIENT,
    ("questionnaire-ask", "POST"): CLINICIANS_ON_PATIENT,
    ("questionnaire-paper", "GET"): CLINICIANS_ON_PATIENT,
    ("questionnaire-paper", "POST"): CLINICIANS_ON_PATIENT,
    ("questionnaire-cancel", "POST"): CLINICIANS_ON_PATIENT,
    # Knee-to-wall
    ("assessment-history", "GET"): CLINICIANS_ON_PATIENT,
    ("assessment-record", "GET"): CLINICIANS_ON_PATIENT,
    ("assessment-record", "POST"): CLINICIANS_ON_PATIENT,
    ("assessment-history-csv", "GET"): CLINICIANS_ON_PATIENT,
    ("assessment-history-fhir", "GET"): CLINICIANS_ON_PATIENT,
    ("assessment-detail", "GET"): CLINICIANS_ON_PATIENT,
    ("assessment-correct", "GET"): CLINICIANS_ON_PATIENT,
    ("assessment-correct", "POST"): CLINICIANS_ON_PATIENT,
    # Neural tests (SLR, slump): {exam_id} is Alex's record
    ("neural-history", "GET"): CLINICIANS_ON_PATIENT,
    ("neural-record", "GET"): CLINICIANS_ON_PATIENT,
    ("neural-record", "POST"): CLINICIANS_ON_PATIENT,
    ("neural-detail", "GET"): CLINICIANS_ON_PATIENT,
    ("neural-entered-in-error", "POST"): CLINICIANS_ON_PATIENT,
    # Exercises and routines (the shared library is every clinic's)
    ("exercise-library", "GET"): STAFF,
    ("exercise-detail", "GET"): STAFF,
    ("exercise-new", "GET"): ADMINS,
    ("exercise-new", "POST"): ADMINS,
    ("exercise-edit", "GET"): ADMINS,
    ("exercise-edit", "POST"): ADMINS,
    ("routine-list", "GET"): CLINICIANS,
    ("routine-new", "GET"): CLINICIANS,
    ("routine-new", "POST"): CLINICIANS,
    ("patient-routine", "GET"): CLINICIANS_ON_PATIENT,
    ("routine-prescribe", "GET"): CLINICIANS_ON_PATIENT,
    ("routine-prescribe", "POST"): CLINICIANS_ON_PATIENT,
    ("prescription-change", "GET"): CLINICIANS_ON_PATIENT,
    ("prescription-change", "POST"): CLINICIANS_ON_PATIENT,
    ("prescription-end", "POST"): CLINICIANS_ON_PATIENT,
    # Outcome questionnaires: the clinic's instruments ({instrument_id} is the clinic's own
    # licensed one, which another clinic does not see); a clinic admin adds a licensed one.
    ("instrument-list", "GET"): STAFF,
    ("instrument-detail", "GET"): row(LOGIN, DENY, DENY, OK, OK, OK, HIDE),
    ("instrument-new", "GET"): ADMINS,
    ("instrument-new", "POST"): ADMINS,
    # A clinic admin retires a version of the clinic's own instrument.
    ("instrument-retire", "POST"): row(LOGIN, DENY, DENY, DENY, DENY, OK, HIDE),
    # Dashboard, scheduling, reminders
    ("dashboard", "GET"): CLINICIANS,
    ("clinic-outcomes", "GET"): CLINICIANS,
    ("schedule", "GET"): STAFF,
    ("book", "GET"): STAFF,
    ("book", "POST"): STAFF,
    ("due-list", "GET"): STAFF,
    ("waitlist", "GET"): STAFF,
    ("waitlist", "POST"): STAFF,
    ("working-hours", "GET"): STAFF,
    ("working-hours", "POST"): CLINICIANS,  # the therapist's own hours, or an admin
    ("appointment-detail", "GET"): STAFF_ON_PATIENT,
    ("appointment-detail", "POST"): STAFF_ON_PATIENT,
    ("calendar-feed-issue", "POST"): STAFF,
    ("calendar-feed-revoke", "POST"): STAFF_ON_PATIENT,
    ("reminders-failed", "GET"): STAFF,
    # The clinic's questionnaire settings: its clinic admin's alone
    ("questionnaire-settings", "GET"): ADMINS,
    ("questionnaire-setting-edit", "GET"): ADMINS,
    ("questionnaire-setting-edit", "POST"): ADMINS,
    # Progress reports and handouts (issue 18): {report_id} is Alex's draft. The front desk
    # sees who is due one on the due-list, never a report; a patient gets their own handout.
    ("report-list", "GET"): CLINICIANS_ON_PATIENT,
    ("report-draft", "POST"): CLINICIANS_ON_PATIENT,
    ("report-detail", "GET"): CLINICIANS_ON_PATIENT,
    ("report-detail", "POST"): CLINICIANS_ON_PATIENT,
    ("report-sign", "POST"): CLINICIANS_ON_PATIENT,
    ("report-redraft", "POST"): CLINICIANS_ON_PATIENT,
    ("report-amend", "POST"): CLINICIANS_ON_PATIENT,
    ("report-pdf", "GET"): CLINICIANS_ON_PATIENT,
    ("report-print", "GET"): CLINICIANS_ON_PATIENT,
    ("patient-handout", "POST"): CLINICIANS_ON_PATIENT,
    ("patient-handout-email", "POST"): CLINICIANS_ON_PATIENT,
    ("own-handout", "POST"): PATIENT_PAGES,
    # Audit trail
    ("audit-events", "GET"): ADMINS,
    ("audit-events-export", "GET"): ADMINS,
    # The API's own pages (not operations of the schema)
    ("api:api-root", "GET"): API_LIST_SCOPED,
    ("api:schema", "GET"): EVERYONE,
    ("api:docs", "GET"): EVERYONE,
    ("api:not-found", "GET"): row(HIDE, HIDE, HIDE, HIDE, HIDE, HIDE, HIDE),  # JSON 404
}

API: dict[tuple[str, str], dict[str, str]] = {
    ("/api/v1/patients/", "GET"): API_LIST_SCOPED,
    ("/api/v1/patients/", "POST"): API_STAFF,
    ("/api/v1/patients/{id}/", "GET"): API_OWN_OR_STAFF,
    ("/api/v1/patients/{id}/", "PUT"): API_CHANGE_PATIENT,
    ("/api/v1/patients/{id}/", "PATCH"): API_CHANGE_PATIENT,
    ("/api/v1/patients/{id}/discharge/", "POST"): API_CLINICAL_CHANGE,
    ("/api/v1/patients/{id}/reactivate/", "POST"): API_CLINICAL_CHANGE,
    ("/api/v1/patients/{patient_id}/knee-to-wall/fhir/", "GET"): API_OWN_CLINICAL,
    ("/api/v1/patients/{patient_id}/export/", "GET"): API_OWN_CLINICAL,
    ("/api/v1/patients/{patient_id}/anonymise/", "POST"): API_ANONYMISE,
    ("/api/v1/assessments/", "GET"): API_CLINICAL_LIST,
    ("/api/v1/assessments/", "POST"): API_CLINICIANS,
    ("/api/v1/assessments/{id}/", "GET"): API_OWN_CLINICAL,
    ("/api/v1/assessments/{id}/", "PUT"): API_CLINICAL_CHANGE,
    ("/api/v1/neural-tests/", "GET"): API_CLINICAL_LIST,
    ("/api/v1/neural-tests/", "POST"): API_CLINICIANS,
    ("/api/v1/neural-tests/{id}/", "GET"): API_OWN_CLINICAL,
    ("/api/v1/neural-tests/{id}/entered-in-error/", "POST"): API_CLINICAL_CHANGE,
    ("/api/v1/exercises/", "GET"): API_STAFF,
    ("/api/v1/exercises/", "POST"): API_ADMINS,
    ("/api/v1/exercises/{id}/", "GET"): API_STAFF,
    # {id} is an exercise of the shared library: no clinic changes it, an admin adapts a copy.
    ("/api/v1/exercises/{id}/", "PUT"): NOBODY,
    ("/api/v1/exercises/{id}/", "PATCH"): NOBODY,
    ("/api/v1/exercises/{id}/adapt/", "POST"): API_ADMINS,
    ("/api/v1/routines/", "GET"): API_CLINICIANS,
    ("/api/v1/routines/", "POST"): API_CLINICIANS,
    ("/api/v1/routines/{id}/", "GET"): API_CLINICIANS,
    ("/api/v1/prescriptions/", "GET"): API_CLINICAL_LIST,
    ("/api/v1/prescriptions/", "POST"): API_CLINICIANS,
    ("/api/v1/prescriptions/{id}/", "GET"): API_OWN_CLINICAL,
    ("/api/v1/prescriptions/{id}/", "PUT"): API_CLINICAL_CHANGE,
    ("/api/v1/prescriptions/{id}/end/", "POST"): API_CLINICAL_CHANGE,
    ("/api/v1/session-logs/", "GET"): API_CLINICAL_LIST,
    ("/api/v1/session-logs/", "POST"): API_PATIENTS_OWN,  # patients log what they did
    ("/api/v1/session-logs/{id}/", "GET"): API_OWN_CLINICAL,
    ("/api/v1/appointments/", "GET"): API_LIST_SCOPED,
    ("/api/v1/appointments/", "POST"): API_STAFF,
    ("/api/v1/appointments/{id}/", "GET"): API_OWN_OR_STAFF,
    ("/api/v1/appointments/{id}/cancel/", "POST"): API_STAFF_CHANGE,
    ("/api/v1/appointments/{id}/mark/", "POST"): API_STAFF_CHANGE,
    ("/api/v1/appointments/{id}/reschedule/", "POST"): API_STAFF_CHANGE,
    ("/api/v1/appointment-types/", "GET"): API_STAFF,
    ("/api/v1/free-slots/", "GET"): API_STAFF,
    # Outcome questionnaires. {id} of an instrument is the clinic's own licensed one: its staff
    # and patients read it, another clinic does not know it exists.
    ("/api/v1/instruments/", "GET"): API_LIST_SCOPED,
    ("/api/v1/instruments/", "POST"): API_ADMINS,
    ("/api/v1/instruments/{id}/", "GET"): row(LOGIN, OK, OK, OK, OK, OK, HIDE),
    ("/api/v1/questionnaire-requests/", "GET"): API_CLINICAL_LIST,
    ("/api/v1/questionnaire-requests/", "POST"): API_CLINICIANS,
    ("/api/v1/questionnaire-requests/{id}/", "GET"): API_OWN_CLINICAL,
    ("/api/v1/questionnaire-requests/{id}/cancel/", "POST"): API_CLINICAL_CHANGE,
    ("/api/v1/questionnaire-responses/", "GET"): API_CLINICAL_LIST,
    ("/api/v1/questionnaire-responses/", "POST"): API_PATIENTS_OWN,  # the patient's own answers
    ("/api/v1/questionnaire-responses/{id}/", "GET"): API_OWN_CLINICAL,
    ("/api/v1/questionnaire-responses/paper/", "POST"): API_CLINICIANS,
    # Progress reports: the clinic's therapists and admins; refused by role before the lookup.
    ("/api/v1/progress-reports/", "GET"): API_CLINICIANS,
    ("/api/v1/progress-reports/", "POST"): API_CLINICIANS,
    ("/api/v1/progress-reports/{id}/", "GET"): API_CLINICAL_ON_REPORT,
    ("/api/v1/progress-reports/{id}/", "PATCH"): API_CLINICAL_ON_REPORT,
    ("/api/v1/progress-reports/{id}/sign/", "POST"): API_CLINICAL_ON_REPORT,
}


# --- What exists: the URLconf and the schema --------------------------------------------------


def url_names() -> set[str]:
    """Every named URL outside the Django admin, with its namespace."""

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue  # the Django admin: superusers only, Django's own checks
                inner = f"{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                yield f"{namespace}{pattern.name or str(pattern.pattern).rstrip('/')}"

    return set(walk(get_resolver().url_patterns))


def schema_operations() -> set[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (path, method.upper())
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_endpoint_has_a_row():
    api_names = {name for name in url_names() if name.startswith("api:")}
    covered_by_schema = set()
    for path, _method in schema_operations():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        covered_by_schema.add(f"api:{resolve(concrete).url_name}")
    page_names = {name for name, _ in PAGES}
    missing_pages = (url_names() - api_names) - page_names
    missing_api_names = api_names - covered_by_schema - page_names
    missing_operations = schema_operations() - set(API)
    assert not missing_pages, f"pages without a row in PAGES: {sorted(missing_pages)}"
    assert not missing_api_names, f"API addresses without a row: {sorted(missing_api_names)}"
    assert not missing_operations, f"API operations without a row: {sorted(missing_operations)}"
    assert not set(API) - schema_operations(), "rows for operations that no longer exist"
    assert not page_names - url_names(), "rows for pages that no longer exist"


# --- The records the rows ask about -----------------------------------------------------------


@dataclass
class World:
    patient: object
    assessment: object
    prescription: object
    session: object
    appointment: object
    link: object
    feed: object
    exercise: object
    template: object
    api_token: object
    questionnaire_request: object
    instrument: object  # the clinic's own licensed one
    questionnaire_response: object
    neural_exam: object
    progress_report: object


@pytest.fixture
def world(clinic, therapist, front_desk, patient, prescribed, exercise_library) -> World:
    for weekday in range(7):
        therapist.working_hours.create(weekday=weekday, starts=time(0, 0), ends=time(23, 59))
    (follow_up,) = [
        kind
        for kind in scheduling_services.appointment_types_ensure(clinic=clinic)
        if kind.kind == "follow_up"
    ]
    starts = at_local(clinic.local_now().date() + timedelta(days=2), time(10), clinic.zone)
    appointment = scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up,
        starts_at=starts,
        booked_by=front_desk,
    )
    session, _ = exercise_services.session_log_record(
        patient=patient,
        version=prescribed,
        client_token=uuid.uuid4(),
        statuses={item.pk: "done" for item in prescribed.items.all()},
        pain=3,
    )
    services.heartbeat_record(name="celery")  # /healthz answers 200 once a worker was heard
    # The shipped instruments, put back if a transactional test flushed them.
    shipped_instruments_seed()
    answered = questionnaire_services.request_create(
        patient=patient,
        instrument=Instrument.objects.get(clinic=None, slug="nprs-leg"),
        requested_by=therapist,
    )
    questionnaire_response, _ = questionnaire_services.response_submit(
        actor=Actor(patient=patient),
        request=answered,
        answers={"worst-24h": 4},
        submission_key=uuid.uuid4(),
    )
    return World(
        patient=patient,
        assessment=record_knee_to_wall(patient, therapist).assessment,
        prescription=prescribed.prescription,
        session=session,
        appointment=appointment,
        link=services.patient_link_issue(patient=patient, issued_by=front_desk),
        feed=scheduling_services.calendar_feed_issue(created_by=therapist, patient=patient),
        exercise=Exercise.objects.filter(clinic__isnull=True).order_by("pk").first(),
        template=exercise_library,
        api_token=api_tokens.api_token_issue(
            user=therapist, name="Matrix", days=7, second_factor_passed=True
        )[0],
        questionnaire_request=questionnaire_services.request_create(
            patient=patient,
            instrument=Instrument.objects.get(clinic=None, slug="lefs"),
            requested_by=therapist,
        ),
        instrument=LicensedInstrumentFactory(clinic=clinic),
        questionnaire_response=questionnaire_response,
        neural_exam=record_neural(patient, therapist),
        progress_report=report_services.report_draft(patient=patient, by=therapist),
    )


def page_url(name: str, world: World) -> str:
    if name == "favicon.ico":
        return "/favicon.ico"
    tokens = {
        "patient-link-open": lambda: services.patient_link_url(world.link),
        "calendar-feed": lambda: scheduling_services.calendar_feed_url(world.feed),
        "reminders-opt-out": lambda: opt_out_url(world.patient),
        "short-link": lambda: short_link_create(url=response_url(world.appointment, "confirmed")),
        "appointment-respond": lambda: response_url(world.appointment, "confirmed"),
    }
    if name in tokens:
        return "/" + tokens[name]().split("://", 1)[-1].split("/", 1)[1]
    values = {
        "patient_id": world.patient.pk,
        "link_id": world.link.pk,
        "assessment_id": world.assessment.pk,
        "exercise_id": world.exercise.pk,
        "prescription_id": world.prescription.pk,
        "appointment_id": world.appointment.pk,
        "feed_id": world.feed.pk,
        "token_id": world.api_token.pk,
        "request_id": world.questionnaire_request.pk,
        "instrument_id": world.instrument.pk,
        "exam_id": world.neural_exam.pk,
        "report_id": world.progress_report.pk,
        "language": "es",
    }
    if name == "api:not-found":
        return "/api/v1/no-such-thing/"
    if ":" in name:
        return reverse(name)  # the API's pages take no arguments
    [(possibilities, *_)] = get_resolver().reverse_dict.getlist(name)
    params = possibilities[0][1]
    return reverse(name, kwargs={param: values[param] for param in params})


def api_url(path: str, world: World) -> str:
    ids = {
        "patients": world.patient.pk,
        "assessments": world.assessment.pk,
        "exercises": world.exercise.pk,
        "routines": world.template.pk,
        "prescriptions": world.prescription.pk,
        "session-logs": world.session.pk,
        "appointments": world.appointment.pk,
        "instruments": world.instrument.pk,
        "questionnaire-requests": world.questionnaire_request.pk,
        "questionnaire-responses": world.questionnaire_response.pk,
        "neural-tests": world.neural_exam.pk,
        "progress-reports": world.progress_report.pk,
    }
    path = path.replace("{patient_id}", str(world.patient.pk))
    if "{id}" in path:
        path = path.replace("{id}", str(ids[path.split("/")[3]]))
    return path


# --- The requests -----------------------------------------------------------------------------


def outcome(response) -> str:
    status = response.status_code
    if status in (301, 302, 303) and "/accounts/login/" in response.get("Location", ""):
        return LOGIN
    if status == 401:
        return LOGIN
    if status == 403:
        return DENY
    if status == 404:
        return HIDE
    if status < 400 or status in (400, 409):
        return OK
    return f"HTTP {status}"


@pytest.fixture
def clients(client_as, patient, other_patient):
    from django.test import Client

    made = {role: client_as(role) for role in ROLES if role not in ("patient", "other_patient")}
    made["patient"] = Client()
    sign_in_patient(made["patient"], patient)
    made["other_patient"] = Client()
    sign_in_patient(made["other_patient"], other_patient)
    return made


def differences(actual: dict[str, str], expected: dict[str, str]) -> str:
    return ", ".join(
        f"{role}: got {actual[role]}, expected {expected[role]}"
        for role in ROLES
        if actual[role] != expected[role]
    )


def answers(clients, method: str, url: str, *, json: bool) -> dict[str, str]:
    results = {}
    for role in ROLES:
        savepoint = transaction.savepoint()
        try:
            send = getattr(clients[role], method.lower())
            if method in ("GET", "HEAD"):
                response = send(url)
            elif json:
                response = send(url, data={}, content_type="application/json")
            else:
                response = send(url, data={})
            results[role] = outcome(response)
        finally:
            transaction.savepoint_rollback(savepoint)
    return results


@pytest.mark.parametrize(("name", "method"), sorted(PAGES), ids=lambda value: str(value))
def test_each_page_answers_each_role_as_the_matrix_says(clients, world, name, method):
    url = page_url(name, world)
    actual = answers(clients, method, url, json=name.startswith("api:"))
    assert actual == PAGES[(name, method)], differences(actual, PAGES[(name, method)])


@pytest.mark.parametrize(("path", "method"), sorted(API), ids=lambda value: str(value))
def test_each_api_operation_answers_each_role_as_the_matrix_says(clients, world, path, method):
    url = api_url(path, world)
    actual = answers(clients, method, url, json=True)
    assert actual == API[(path, method)], differences(actual, API[(path, method)])
