import pytest
from django.core.management import call_command
from django.db.models import Count, F

from clinic.models import Clinic, Patient
from dashboard.models import PatientSummary
from scheduling.models import Appointment


@pytest.mark.postgres
@pytest.mark.django_db
def test_bench_data_writes_a_consistent_clinic(exercise_library, capsys):
    from assessments.models import AssessmentRevision
    from exercises.models import ExerciseLog, SessionLog

    call_command("bench_data", "--patients", "30", "--therapists", "3")
    clinic = Clinic.objects.get(name="Bench 30")
    assert AssessmentRevision.objects.filter(assessment__clinic=clinic).count() == 600
    assert Appointment.objects.filter(clinic=clinic).count() == 300
    assert ExerciseLog.objects.filter(session__patient__clinic=clinic).count() > 2000
    assert PatientSummary.objects.filter(clinic=clinic).count() == 30
    out = capsys.readouterr().out
    assert "exercise logs:" in out  # time per table

    # The ids are computed, not read back: every row must point at its own patient's rows.
    assert not (
        AssessmentRevision.objects.filter(assessment__clinic=clinic)
        .exclude(measured_by=F("assessment__patient__primary_therapist"))
        .exists()
    )
    assert (
        not SessionLog.objects.filter(patient__clinic=clinic)
        .exclude(version__prescription__patient=F("patient"))
        .exists()
    )
    assert (
        not ExerciseLog.objects.filter(session__patient__clinic=clinic)
        .exclude(item__version=F("session__version"))
        .exists()
    )
    per_patient = set(
        Patient.objects.filter(clinic=clinic)
        .annotate(n=Count("assessments", distinct=True), a=Count("appointments", distinct=True))
        .values_list("n", "a")
    )
    assert per_patient == {(20, 10)}

    call_command("bench_data", "--patients", "30")  # safe to run twice
    assert "exists already" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_data_refreshes_the_summaries_in_worker_processes(exercise_library):
    # Outside a test's transaction the data is committed first, then each worker process
    # refreshes its slice of the patients on a connection of its own.
    call_command("bench_data", "--patients", "12", "--therapists", "2", "--jobs", "2")
    clinic = Clinic.objects.get(name="Bench 12")
    assert PatientSummary.objects.filter(clinic=clinic).count() == 12
    assert Patient.objects.filter(clinic=clinic).count() == 12
