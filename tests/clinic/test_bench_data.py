import pytest
from django.core.management import call_command

from clinic.models import Clinic
from dashboard.models import PatientSummary
from scheduling.models import Appointment


@pytest.mark.django_db
def test_bench_data_writes_a_consistent_clinic(exercise_library, capsys):
    from assessments.models import AssessmentRevision
    from exercises.models import ExerciseLog

    call_command("bench_data", "--patients", "30", "--therapists", "3")
    clinic = Clinic.objects.get(name="Bench 30")
    assert AssessmentRevision.objects.filter(assessment__clinic=clinic).count() == 600
    assert Appointment.objects.filter(clinic=clinic).count() == 300
    assert ExerciseLog.objects.filter(session__patient__clinic=clinic).count() > 2000
    assert PatientSummary.objects.filter(clinic=clinic).count() == 30
    call_command("bench_data", "--patients", "30")  # safe to run twice
    assert "exists already" in capsys.readouterr().out
