"""How the core tells the apps above it what happened to a patient, without knowing them.

`patient_data_changed`: derived data (the dashboard's summaries) must be refreshed.
`patient_discharged`: the apps that hold the patient's future (scheduling's appointments) act
in the discharge's own transaction.

Services call `patient_data_changed(patient_id)` inside the transaction that made the change.
Whoever keeps derived data (the dashboard's summaries) registers a listener when its app is
ready; each listener runs once after the transaction commits, with every patient the
transaction changed (a discharge that cancels eight appointments is one call, not nine), and
never for a transaction that rolled back (a patient named only in a rolled-back savepoint may
still be refreshed with the rest: a refresh too many, never one too few). The core knows no
listener by name, so the apps that report changes never import the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

PatientsListener = Callable[[list[int]], object]
_listeners: list[PatientsListener] = []


def on_patient_data_changed(listener: PatientsListener) -> None:
    """Register a listener (from an AppConfig.ready); called with a sorted list of ids."""
    if listener not in _listeners:
        _listeners.append(listener)


class _AfterCommit:
    def __init__(self, patient_id: int) -> None:
        self.patient_ids = {patient_id}

    def __call__(self) -> None:
        ids = sorted(self.patient_ids)
        for listener in _listeners:
            listener(ids)


def patient_data_changed(patient_id: int) -> None:
    """Tell the listeners, once the current transaction commits, that the patient changed."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # A callback still queued belongs to this transaction (rolled-back ones are dropped).
        for _savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _AfterCommit):
                callback.patient_ids.add(patient_id)
                return
    transaction.on_commit(_AfterCommit(patient_id))


DischargeListener = Callable[..., object]
_discharge_listeners: list[DischargeListener] = []


def on_patient_discharged(listener: DischargeListener) -> None:
    """Register a listener (from an AppConfig.ready), called as
    listener(patient_id=..., by=..., now=..., cancel_future_appointments=...)."""
    if listener not in _discharge_listeners:
        _discharge_listeners.append(listener)


def patient_discharged(*, patient_id: int, by, now, cancel_future_appointments: bool) -> None:
    """Called by the discharge inside its transaction, with its moment (so that everything it
    revokes carries one time): a listener that fails rolls it back."""
    for listener in _discharge_listeners:
        listener(
            patient_id=patient_id,
            by=by,
            now=now,
            cancel_future_appointments=cancel_future_appointments,
        )
