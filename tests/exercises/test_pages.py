import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exercises import services
from exercises.models import Exercise, Prescription, PrescriptionVersion, SessionLog
from tests.factories import record_knee_to_wall

pytestmark = pytest.mark.django_db


def status_of(response) -> int | str:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "login"
    return response.status_code


STAFF_PAGES = {
    # role: (library, routines, patient's routine, prescribe, the patient's own routine page)
    "anonymous": ("login", "login", "login", "login", 403),
    "patient": (403, 403, 403, 403, 200),
    "other_patient": (403, 403, 403, 403, 200),
    "therapist": (200, 200, 200, 200, 403),
    "front_desk": (200, 403, 403, 403, 403),
    "clinic_admin": (200, 200, 200, 200, 403),
    "other_clinic_therapist": (200, 200, 404, 404, 403),
}


@pytest.mark.parametrize(("role", "expected"), STAFF_PAGES.items())
def test_pages_answer_each_role_as_the_policy_says(client_as, patient, prescribed, role, expected):
    client = client_as(role)
    urls = [
        "/exercises/",
        "/routines/",
        f"/patients/{patient.pk}/routine/",
        f"/patients/{patient.pk}/routine/prescribe/",
        "/me/routine/",
    ]
    assert tuple(status_of(client.get(url)) for url in urls) == expected


def test_the_other_patient_sees_no_routine_of_the_first(client_as, prescribed):
    html = client_as("other_patient").get("/me/routine/").content.decode()
    assert "No routine yet" in html


@pytest.mark.parametrize(("role", "status"), [("therapist", 403), ("front_desk", 403)])
def test_only_a_clinic_admin_adds_exercises(client_as, exercise_library, role, status):
    assert client_as(role).get("/exercises/new/").status_code == status


def test_a_clinic_admin_adapts_a_shared_exercise(client_as, clinic, exercise_library):
    shared = Exercise.objects.get(slug="soleus-stretch")
    client = client_as("clinic_admin")
    form = client.get(f"/exercises/{shared.pk}/edit/").context["form"]
    data = {
        **form.initial,
        "name": "Soleus stretch, slower",
        "seconds_per_bout": 120,
        "per_side": "on",
    }
    data = {key: value for key, value in data.items() if value not in (None, False)}
    response = client.post(f"/exercises/{shared.pk}/edit/", data)
    copy = Exercise.objects.get(clinic=clinic)
    assert response.url == f"/exercises/{copy.pk}/"
    assert copy.based_on == shared
    shared.refresh_from_db()
    assert shared.seconds_per_bout == 90


def template_to_patient(client, patient, template, **overrides):
    """What the prescribe page sends after 'Use this routine': two clicks."""
    page = client.get(f"/patients/{patient.pk}/routine/prescribe/?template={template.pk}")
    formset = page.context["formset"]
    data = {
        "template": template.pk,
        "title": template.name,
        "times_per_day": 1,
        "days_of_week": [str(day) for day in range(7)],
        "start_date": page.context["schedule"].initial["start_date"].isoformat(),
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    # What a browser sends: every row's current values, the empty extra rows included.
    for form in formset.forms:
        for field in form.visible_fields():
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    data.update(overrides)
    return client.post(f"/patients/{patient.pk}/routine/prescribe/", data)


def test_a_therapist_prescribes_the_starter_template(client_as, patient, exercise_library):
    response = template_to_patient(client_as("therapist"), patient, exercise_library)
    assert response.status_code == 302, response.context["formset"].errors
    version = PrescriptionVersion.objects.get()
    assert version.prescription.template == exercise_library
    assert version.items.count() == 3
    assert (version.retest_on - version.effective_from).days == 21


def test_a_zero_second_dose_is_refused_on_the_page(client_as, patient, exercise_library):
    response = template_to_patient(
        client_as("therapist"), patient, exercise_library, **{"form-1-seconds_per_bout": "0"}
    )
    assert response.status_code == 200
    errors = response.context["formset"].forms[1].errors
    assert "A bout lasts from 1 s to 30 min" in errors["seconds_per_bout"][0]
    assert not Prescription.objects.exists()


def log_form(client, version_statuses="done", pain="4"):
    page = client.get("/me/routine/")
    form = page.context["form"]
    data = {
        "version": page.context["version"].pk,
        "client_token": str(form.initial["client_token"]),
        "session_date": form.initial["session_date"].isoformat(),
        "pain": pain,
        "comment": "Calves felt looser",
    }
    for field in form.status_fields():
        data[field.name] = version_statuses
    return data


def test_a_patient_logs_a_session_once_even_if_the_form_is_sent_twice(client_as, prescribed):
    client = client_as("patient")
    data = log_form(client)
    first = client.post("/me/routine/", data)
    second = client.post("/me/routine/", data)  # a double tap or a retry
    assert first.status_code == second.status_code == 302
    log = SessionLog.objects.get()
    assert (log.pain, log.comment, log.version) == (4, "Calves felt looser", prescribed)
    assert log.entries.count() == 3
    home = client.get("/me/").content.decode()
    assert "day in a row" in home


def test_a_log_with_pain_out_of_range_is_refused(client_as, prescribed):
    client = client_as("patient")
    response = client.post("/me/routine/", log_form(client, pain="11"))
    assert response.status_code == 200
    assert "0 (none) to 10" in response.content.decode()
    assert not SessionLog.objects.exists()


def test_the_therapist_sees_the_logged_session_and_pain(client_as, patient, prescribed):
    client = client_as("patient")
    client.post("/me/routine/", log_form(client, pain="6"))
    html = client_as("therapist").get(f"/patients/{patient.pk}/routine/").content.decode()
    assert "6/10" in html
    assert "Calves felt looser" in html
    assert "this week · 1 of" in html


def test_the_patient_page_weighs_under_150_kb_without_pictures(client_as, prescribed):
    """HTML, CSS and JavaScript of the routine page; exercise pictures are not counted."""
    html = client_as("patient").get("/me/routine/").content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    assert assets  # the page's own stylesheet and scripts
    weight = len(html) + sum(Path(finders.find(asset.decode())).stat().st_size for asset in assets)
    assert weight <= 150 * 1024, f"{weight} bytes"
    assert settings.STATIC_URL == "/static/"


def test_a_therapist_builds_a_routine_template(client_as, clinic, exercise_library):
    runner = Exercise.objects.get(slug="runners-calf-stretch")
    soleus = Exercise.objects.get(slug="soleus-stretch")
    client = client_as("therapist")
    formset = client.get("/routines/new/").context["formset"]
    data = {
        "name": "Calf routine — advanced",
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for form in formset.forms:  # the blank rows as a browser sends them
        for field in form.visible_fields():
            value = field.value()
            if value not in (None, False):
                data[field.html_name] = "on" if value is True else value
    data.update(
        {
            "form-0-exercise": runner.pk,
            "form-0-seconds_per_bout": "120",
            "form-0-style": "in_and_out",
            "form-0-into_tension_seconds": "10",
            "form-0-ease_off_seconds": "5",
            "form-1-exercise": soleus.pk,
            "form-1-seconds_per_bout": "90",
        }
    )
    response = client.post("/routines/new/", data)
    assert response.status_code == 302, (
        response.context["formset"].errors,
        response.context["errors"],
    )
    from exercises.models import RoutineTemplate

    template = RoutineTemplate.objects.get(clinic=clinic)
    assert [item.exercise for item in template.items.all()] == [runner, soleus]
    assert "Calf routine — advanced" in client.get("/routines/").content.decode()
    assert (
        "Calf routine — advanced"
        not in client_as("other_clinic_therapist").get("/routines/").content.decode()
    )


def test_the_library_searches(client_as, exercise_library):
    html = client_as("therapist").get("/exercises/", {"q": "lacrosse"}).content.decode()
    assert "Calf rolling with a lacrosse ball" in html
    assert "Hip stretch" not in html


def add_links_appointments_reminders_and_a_routine(patient, therapist, template) -> None:
    from datetime import time

    from clinic import services as clinic_services
    from clinic.models import ReminderChannel
    from clinic.times import at_local
    from scheduling import services as scheduling_services
    from scheduling.models import AppointmentKind
    from tests.scheduling.test_scheduling import all_day_hours

    all_day_hours(therapist)
    clinic_services.patient_update(
        patient=patient, reminder_consent=True, reminder_channel=ReminderChannel.EMAIL
    )
    patient.refresh_from_db()
    follow_up = {
        t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=patient.clinic)
    }[AppointmentKind.FOLLOW_UP]
    today = patient.clinic.local_now().date()
    for days in (2, 6, 13):
        scheduling_services.appointment_book(
            patient=patient,
            therapist=therapist,
            appointment_type=follow_up,
            starts_at=at_local(today + timedelta(days=days), time(11), patient.clinic.zone),
            booked_by=therapist,
        )
    for _ in range(3):
        clinic_services.patient_link_issue(patient=patient, issued_by=therapist)
    services.routine_assign(
        patient=patient,
        prescribed_by=therapist,
        # Not the same exercises as the routine the patient has: that one would be refused.
        items=services.template_items(template)[:2],
        title="Evening calf routine",
    )
    assert patient.reminders.exists()


def test_the_patients_pages_run_a_fixed_number_of_queries_whatever_the_history(
    client_as, patient, prescribed, therapist, exercise_library
):
    """The patient's own pages (home and routine) cost the same with one day of history as
    with weeks of tests and sessions: the figures in bench/ rest on this."""
    client = client_as("patient")

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(path).status_code == 200
        return len(context)

    before = {path: queries(path) for path in ("/me/", "/me/routine/")}
    today = patient.clinic.local_now().date()
    for days_ago in range(0, 8):  # the routine started a week ago
        services.session_log_record(
            patient=patient,
            version=prescribed,
            client_token=uuid.uuid4(),
            statuses={item.pk: "done" for item in prescribed.items.all()},
            pain=3,
            session_date=today - timedelta(days=days_ago),
        )
    for days_ago in range(5):
        record_knee_to_wall(patient, therapist, left="8", right="9", days_ago=days_ago + 1)
    add_links_appointments_reminders_and_a_routine(patient, therapist, exercise_library)
    after = {path: queries(path) for path in ("/me/", "/me/routine/")}
    assert after == before
    assert before["/me/routine/"] <= 5
    # 8, 1 for the questionnaires to answer (tests/questionnaires/test_patient_pages.py) and 1
    # for the scores beside the ankle (3 once there are answers: tests/records/
    # test_beside_the_ankle.py).
    assert before["/me/"] <= 10


def test_the_patients_home_says_when_todays_routine_is_done(client_as, patient, prescribed):
    client = client_as("patient")
    assert "Start today's routine" in client.get("/me/").content.decode()
    skipped = {item.pk: "skipped" for item in prescribed.items.all()}
    log = {"patient": patient, "version": prescribed, "pain": 2}
    services.session_log_record(**log, client_token=uuid.uuid4(), statuses=skipped)
    # A session where everything was skipped is logged, but the routine is not done.
    assert "Today's routine is done" not in client.get("/me/").content.decode()
    SessionLog.objects.all().delete()
    done = {item.pk: "done" for item in prescribed.items.all()}
    services.session_log_record(**log, client_token=uuid.uuid4(), statuses=done)
    assert "Today's routine is done" in client.get("/me/").content.decode()
