"""The core's one way of saying "this patient's data changed": listeners hear of it once per
transaction, after it commits, and never of a transaction that rolled back."""

import pytest
from django.db import transaction

from clinic import changes


@pytest.fixture
def heard(monkeypatch) -> list[list[int]]:
    calls: list[list[int]] = []
    monkeypatch.setattr(changes, "_listeners", [calls.append])
    return calls


@pytest.mark.django_db(transaction=True)
def test_listeners_hear_once_per_transaction_after_it_commits(heard):
    with transaction.atomic():
        changes.patient_data_changed(7)
        changes.patient_data_changed(3)
        with transaction.atomic():
            changes.patient_data_changed(7)
        assert heard == []  # not before the commit
    assert heard == [[3, 7]]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_is_not_heard_and_the_next_one_is(heard):
    def failing_write() -> None:
        with transaction.atomic():
            changes.patient_data_changed(5)
            raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        failing_write()
    assert heard == []
    with transaction.atomic():
        changes.patient_data_changed(6)
    assert heard == [[6]]


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_listens(patient, therapist):
    from dashboard.models import PatientSummary
    from tests.factories import record_knee_to_wall

    record_knee_to_wall(patient, therapist, left="11", right="12")
    assert PatientSummary.objects.get(patient=patient).left_um == 110_000
