"""Reads of the clinic core that more than one view needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from clinic.access import Actor, patients_visible_to
from clinic.models import Heartbeat, PatientAccessLink, PatientQuerySet, Role, User


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


def clinic_therapists(*, clinic_id: int) -> list[User]:
    return list(
        User.objects.filter(
            clinic_id=clinic_id, role__in=[Role.THERAPIST, Role.CLINIC_ADMIN], is_active=True
        ).order_by("last_name", "first_name", "username")
    )


def patient_links(*, patient_id: int) -> list[PatientAccessLink]:
    return list(
        PatientAccessLink.objects.filter(patient_id=patient_id).select_related(
            "created_by", "revoked_by"
        )[:20]
    )


def health_report() -> dict[str, Any]:
    """The state of the database, the broker and the last Celery heartbeat."""
    from clinic.celery import app

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
    return report
