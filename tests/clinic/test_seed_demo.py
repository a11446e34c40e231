import pytest
from django.core.management import call_command

from clinic.models import Clinic, Patient, Role, User
from neural.models import NeuralExam
from questionnaires.models import QuestionnaireRequest, QuestionnaireResponse

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_clinic_and_is_safe_to_run_twice(capsys):
    call_command("seed_demo")
    first_output = capsys.readouterr().out
    call_command("seed_demo")
    second_output = capsys.readouterr().out

    clinic = Clinic.objects.get()
    assert Patient.objects.filter(clinic=clinic).count() == 30
    assert User.objects.filter(clinic=clinic, role=Role.THERAPIST).count() == 3
    assert User.objects.filter(clinic=clinic, role=Role.FRONT_DESK).count() == 1
    assert User.objects.filter(clinic=clinic, role=Role.CLINIC_ADMIN).count() == 1
    for output in (first_output, second_output):
        assert "maya" in output
        assert "frontdesk" in output
        assert "dorsi-demo" in output
        assert "/p/" in output
    assert "30 patients created" in first_output
    assert "0 patients created" in second_output
    # Questionnaires before each clinic test, scored by the engine, once; one open request
    # and one overdue (the dashboard's flag, the patient's card).
    answered = QuestionnaireResponse.objects.filter(patient__clinic=clinic)
    assert answered.filter(score_valid=True).count() == answered.count() > 100
    assert "0 questionnaires answered" in second_output
    open_requests = QuestionnaireRequest.objects.filter(clinic=clinic, status="open")
    assert open_requests.count() == 2
    assert open_requests.filter(due_on__lt=clinic.local_today()).count() == 1


def test_the_demo_logins_work(client):
    call_command("seed_demo")
    assert client.login(username="frontdesk", password="dorsi-demo")
    assert client.get("/patients/").status_code == 200


def test_seed_demo_gives_two_patients_neural_tests_over_time(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert "0 sittings of neural tests" in capsys.readouterr().out.split("Demo clinic")[-1]
    exams = NeuralExam.objects.all()
    assert exams.values("patient").distinct().count() == 2
    assert exams.count() >= 4
    assert all(exam.assessment_id for exam in exams)


def test_the_demos_retests_fall_due_over_weeks_not_all_on_one_day():
    """A believable clinic (issue 17, item 12): some re-tests overdue, most coming up, on
    different days, as the due-list and the dashboard read them."""
    from exercises.retest import retest_due_dates

    call_command("seed_demo")
    clinic = Clinic.objects.get()
    due = retest_due_dates(Patient.objects.filter(clinic=clinic).select_related("clinic"))
    today = clinic.local_today()
    assert len(set(due.values())) >= 10
    assert any(day < today for day in due.values())
    assert sum(day >= today for day in due.values()) > len(due) / 2
