"""Reads of the clinic core that more than one view needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import current_app as current_celery_app
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from clinic.access import Actor, patients_visible_to
from clinic.models import (
    Heartbeat,
    Patient,
    PatientAccessLink,
    PatientQuerySet,
    Role,
    TaskProgress,
    User,
)


def patient_list(*, actor: Actor, search: str = "") -> PatientQuerySet:
    patients = patients_visible_to(actor).select_related("primary_therapist")
    search = search.strip()
    if search:
        for term in search.split():
            patients = patients.filter(
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
                | Q(phone__icontains=term)
            )
    return patients


# The patient list's total, kept by a layer above (the dashboard counts its summary rows, one
# per patient) so that a page does not count the whole clinic; registered from its ready().
PatientCounter = Callable[..., int]
_patient_counters: list[PatientCounter] = []


def on_patient_count(counter: PatientCounter) -> None:
    """Register the function that answers patient_count (keyword arguments as below)."""
    if counter not in _patient_counters:
        _patient_counters.append(counter)


def patient_count(*, clinic_id: int, therapist_id: int | None, status: str | None) -> int | None:
    """How many of the clinic's patients (of this therapist, in this status; None: any) the
    maintained counts hold, or None when nothing keeps them (then the list counts its rows)."""
    for counter in _patient_counters:
        return counter(clinic_id=clinic_id, therapist_id=therapist_id, status=status)
    return None


def _clinicians(clinic_id: int):
    return User.objects.filter(
        clinic_id=clinic_id, role__in=[Role.THERAPIST, Role.CLINIC_ADMIN], is_active=True
    )


def clinic_therapists(*, clinic_id: int) -> list[User]:
    return list(_clinicians(clinic_id).order_by("last_name", "first_name", "username"))


def clinic_staff(*, clinic_id: int) -> list[User]:
    """Everyone who works at the clinic, former staff included (the audit trail names them)."""
    return list(User.objects.filter(clinic_id=clinic_id).order_by("last_name", "first_name"))


def clinic_therapist(*, clinic_id: int, therapist_id) -> User | None:
    """An active therapist (or clinic admin) of the clinic, or None.

    None alike for an unknown id and another clinic's: callers answer with one message, so
    other clinics' staff ids cannot be confirmed.
    """
    if isinstance(therapist_id, User):
        therapist_id = therapist_id.pk
    if not str(therapist_id or "").isdigit():
        return None
    return _clinicians(clinic_id).filter(pk=int(therapist_id)).first()


def patient_links(*, patient: Patient) -> list[PatientAccessLink]:
    links = list(
        PatientAccessLink.objects.filter(patient_id=patient.pk).select_related(
            "created_by", "revoked_by"
        )[:20]
    )
    for link in links:
        # is_usable() asks whether the patient is active: answer from the patient in hand,
        # not with a query per link.
        link.patient = patient
    return links


def tasks_out_of_time() -> list[TaskProgress]:
    """Tasks whose last run ran out of time and that have not completed their work since."""
    rows = TaskProgress.objects.filter(timed_out_at__isnull=False).order_by("name")
    return [row for row in rows if row.out_of_time]


def health_report() -> dict[str, Any]:
    """The state of the database, the broker and the last Celery heartbeat, and the
    periodic tasks that ran out of time."""
    # The app the project package configured, without importing the project package (it
    # sits above every app).
    app = current_celery_app

    report: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure means unhealthy; the message helps the operator
        report["database"] = {"ok": False, "error": str(exc)[:200]}

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            # Connections are lazy; opening a channel talks to the broker (Redis: a PING).
            conn.default_channel  # noqa: B018
            transport = conn.transport_cls
        report["broker"] = {"ok": True, "transport": str(transport)}
    except Exception as exc:
        report["broker"] = {"ok": False, "error": str(exc)[:200]}

    heartbeat = None
    if report["database"]["ok"]:
        heartbeat = Heartbeat.objects.filter(name="celery").first()
    if heartbeat is None:
        report["heartbeat"] = {"ok": False, "last_seen": None, "error": "no heartbeat yet"}
    else:
        age = timezone.now() - heartbeat.seen_at
        report["heartbeat"] = {
            "ok": age <= settings.HEARTBEAT_MAX_AGE,
            "last_seen": heartbeat.seen_at.isoformat(),
            "age_seconds": round(age.total_seconds(), 1),
            "worker": heartbeat.hostname,
        }
    report["ok"] = all(part["ok"] for part in report.values() if isinstance(part, dict))
    if report["database"]["ok"]:
        # Shown, not counted in "ok": a planner that needs a second run must not take the web
        # processes out of a load balancer.
        late = tasks_out_of_time()
        report["tasks"] = {
            "ok": not late,
            "out_of_time": [{"task": t.name, "at": t.timed_out_at.isoformat()} for t in late],
        }
    return report
