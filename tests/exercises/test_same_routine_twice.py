"""Prescribing a routine the patient already has active: refused, naming the active one, unless
the therapist says to change that one (a new version) or to end it (issue 17, item 2)."""

import threading

import pytest
from django.db import connection

from exercises import services
from exercises.models import Prescription, PrescriptionVersion
from tests.exercises.test_pages import template_to_patient

pytestmark = pytest.mark.django_db

PRESCRIPTIONS = "/api/v1/prescriptions/"


def again(patient, therapist, template, **extra):
    return services.routine_assign(
        patient=patient,
        prescribed_by=therapist,
        items=services.template_items(template),
        title="Calf routine, again",
        template=template,
        **extra,
    )


def counts() -> tuple[int, int]:
    return Prescription.objects.count(), PrescriptionVersion.objects.count()


# --- The rule, in the service ------------------------------------------------------------------


def test_the_same_template_twice_is_refused_naming_the_field_and_the_active_one(
    prescribed, patient, therapist, exercise_library
):
    before = counts()
    with pytest.raises(services.RoutineAlreadyActive) as refused:
        again(patient, therapist, exercise_library)
    active = prescribed.prescription
    assert refused.value.active == active
    assert refused.value.field == "template"
    (message,) = refused.value.message_dict["template"]
    assert f"prescription {active.pk}" in message
    assert "Alex Anders already has" in message
    assert counts() == before  # nothing half-saved


def test_the_same_exercises_without_a_template_are_the_same_routine(
    prescribed, patient, therapist, exercise_library
):
    items = list(reversed(services.template_items(exercise_library)))  # order does not matter
    for item in items:
        item["seconds_per_bout"] = 45  # nor do the doses: that is a change of the routine
    with pytest.raises(services.RoutineAlreadyActive) as refused:
        services.routine_assign(
            patient=patient, prescribed_by=therapist, items=items, title="Hand-made"
        )
    assert refused.value.field == "items"
    assert refused.value.active == prescribed.prescription


def test_another_routine_an_ended_one_or_another_patient_is_not_the_same(
    prescribed, patient, other_patient, therapist, exercise_library
):
    fewer = services.template_items(exercise_library)[:2]
    services.routine_assign(patient=patient, prescribed_by=therapist, items=fewer, title="Two")
    again(other_patient, therapist, exercise_library)
    services.prescription_end(prescription=prescribed.prescription, ended_by=therapist)
    again(patient, therapist, exercise_library)
    assert Prescription.objects.filter(patient=patient, ended_on__isnull=True).count() == 2


def test_end_it_ends_the_active_one_and_prescribes_in_the_same_transaction(
    prescribed, patient, therapist, exercise_library, clinic
):
    version = again(patient, therapist, exercise_library, if_already_active="end_it")
    old = Prescription.objects.get(pk=prescribed.prescription_id)
    assert old.ended_on == clinic.local_today()
    assert version.prescription != old
    assert list(Prescription.objects.filter(patient=patient, ended_on__isnull=True)) == [
        version.prescription
    ]


def test_new_version_changes_the_active_one_instead_of_adding_a_second(
    prescribed, patient, therapist, exercise_library
):
    before = Prescription.objects.count()
    version = services.routine_assign(
        patient=patient,
        prescribed_by=therapist,
        items=services.template_items(exercise_library),
        title="Calf routine, again",
        template=exercise_library,
        times_per_day=2,
        if_already_active="new_version",
    )
    assert version.prescription_id == prescribed.prescription_id
    assert (version.number, version.times_per_day) == (2, 2)
    assert Prescription.objects.count() == before
    assert version.prescription.title == "Calf routine, again"  # the title typed is kept


def test_new_version_ends_copies_made_before_the_guard_existed(
    prescribed, patient, therapist, exercise_library, clinic
):
    """A clinic that prescribed the same routine twice before this guard: changing it leaves
    one routine active, so the weekly target counts it once."""
    # As such a clinic's data has it (the service refuses to make one now).
    copy = Prescription.objects.create(
        patient=patient,
        clinic=patient.clinic,
        title="Copy",
        template=exercise_library,
        created_by=therapist,
    )
    version = again(patient, therapist, exercise_library, if_already_active="new_version")
    active = Prescription.objects.filter(patient=patient, ended_on__isnull=True)
    assert list(active) == [version.prescription]
    assert Prescription.objects.get(pk=copy.pk).ended_on == clinic.local_today()


def test_a_bad_choice_is_refused_naming_the_field(prescribed, patient, therapist, exercise_library):
    before = counts()
    with pytest.raises(services.ValidationError) as refused:
        again(patient, therapist, exercise_library, if_already_active="both")
    assert "if_already_active" in refused.value.message_dict
    assert counts() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_create_one(patient, therapist, exercise_library):
    """The patient's row is locked before the check: the second waits and then is refused."""
    attempts = 4
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            again(patient, therapist, exercise_library)
            outcomes.append("created")
        except services.RoutineAlreadyActive:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    assert Prescription.objects.filter(patient=patient).count() == 1


# --- The page ----------------------------------------------------------------------------------


def test_the_page_warns_and_offers_to_change_or_end_the_active_one(
    client_as, prescribed, patient, exercise_library
):
    client = client_as("therapist")
    before = counts()
    response = template_to_patient(client, patient, exercise_library)
    assert response.status_code == 409
    page = response.content.decode()
    active = prescribed.prescription
    assert "Alex already has this routine" in page
    assert f"(prescription {active.pk})" in page
    assert 'name="if_already_active" value="new_version"' in page
    assert 'name="if_already_active" value="end_it"' in page
    assert counts() == before


def test_the_page_makes_a_new_version_when_asked(client_as, prescribed, patient, exercise_library):
    client = client_as("therapist")
    response = template_to_patient(
        client, patient, exercise_library, if_already_active="new_version", times_per_day="2"
    )
    assert response.status_code == 302
    current = PrescriptionVersion.objects.get(prescription__patient=patient, is_current=True)
    assert (current.prescription_id, current.number, current.times_per_day) == (
        prescribed.prescription_id,
        2,
        2,
    )
    followed = client.get(response["Location"])
    assert "version 2 is in force" in followed.content.decode()


def test_the_page_ends_the_active_one_when_asked(client_as, prescribed, patient, exercise_library):
    client = client_as("therapist")
    response = template_to_patient(client, patient, exercise_library, if_already_active="end_it")
    assert response.status_code == 302
    active = Prescription.objects.filter(patient=patient, ended_on__isnull=True)
    assert active.count() == 1
    assert active.get() != prescribed.prescription


# --- The API -----------------------------------------------------------------------------------


def body(patient, template, **extra) -> dict:
    return {"patient": patient.pk, "title": "Calf routine", "template": template.pk, **extra}


def test_the_api_answers_409_naming_the_field_and_the_active_prescription(
    client_as, prescribed, patient, exercise_library
):
    client = client_as("therapist")
    before = counts()
    response = client.post(
        PRESCRIPTIONS, body(patient, exercise_library), content_type="application/json"
    )
    assert response.status_code == 409
    answer = response.json()
    active = prescribed.prescription
    assert answer["field"] == "template"
    assert answer["active_prescription"] == active.pk
    assert f"prescription {active.pk}" in answer["detail"]
    assert "replace_active" in answer["detail"]
    assert counts() == before


def test_the_api_replaces_the_active_one_when_the_client_means_it(
    client_as, prescribed, patient, exercise_library
):
    client = client_as("therapist")
    response = client.post(
        PRESCRIPTIONS,
        body(patient, exercise_library, replace_active=True),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["id"] != prescribed.prescription_id
    assert Prescription.objects.get(pk=prescribed.prescription_id).ended_on is not None
