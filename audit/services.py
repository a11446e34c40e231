"""Writing the audit trail. Every function here only ever inserts."""

from collections.abc import Iterable

from django.conf import settings
from django.db import models

from audit.context import current_request, request_access, system_label
from audit.models import AuditAction, AuditEvent


def client_ip(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or the address our own proxies saw when
    TRUSTED_PROXY_HOPS says how many of them stand in front of Dorsi."""
    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(addresses) >= hops:
            return addresses[-hops] or None
    return request.META.get("REMOTE_ADDR") or None


def _actor_fields(request) -> dict:
    if request is None:
        return {"actor_kind": "system", "actor_label": system_label()[:200]}
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "patient", None) is not None:
        user = None  # the API's stand-in for a patient's link session: the patient acts
    where = {
        "ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        "method": request.method or "",
        "path": request.get_full_path()[:500],
    }
    if user is not None and user.is_authenticated:
        kind = user.role if getattr(user, "clinic_id", None) else "superuser"
        label = user.get_full_name() or user.get_username()
        # A request signed in with an API token names the token too (clinic.api_auth sets it).
        credential = getattr(request, "audit_credential", "")
        if credential:
            label = f"{label[:110]} · {credential}"
        return {
            **where,
            "actor_kind": kind,
            "actor_user": user,
            "actor_label": label[:200],
            "clinic_id": getattr(user, "clinic_id", None),
        }
    patient = getattr(request, "patient", None)
    if patient is not None:
        return {
            **where,
            "actor_kind": "patient",
            "actor_patient": patient,
            # By number, not name: rows outlive anonymisation and cannot be rewritten.
            "actor_label": f"patient {patient.pk}",
            "clinic_id": patient.clinic_id,
        }
    return {**where, "actor_kind": "anonymous"}


def audit_record(
    action: str,
    *,
    patient=None,
    patient_ids: Iterable[int] = (),
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    fields: Iterable[str] = (),
    note: str = "",
    clinic_id: int | None = None,
) -> AuditEvent:
    """Record one event with the current actor (request or system) as who and from where.

    Call it inside the transaction of the write it describes, so both commit or neither.
    """
    values = _actor_fields(current_request())
    ids = sorted({int(pk) for pk in patient_ids})
    if patient is not None:
        values["patient_id"] = patient.pk
        values["clinic_id"] = patient.clinic_id
    elif len(ids) == 1:
        values["patient_id"] = ids[0]
    if clinic_id is not None:
        values["clinic_id"] = clinic_id
    if target is not None:
        object_type = object_type or target._meta.model_name
        object_id = object_id or str(target.pk)
    return AuditEvent.objects.create(
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_ids=ids,
        fields=sorted(fields),
        note=note[:300],
        **values,
    )


# --- Reads, noted by the access policy and written once at the end of the request -------------


def note_patient_read(patient) -> None:
    access = request_access()
    if access is not None and not _is_own_record(patient):
        access.read[patient.pk] = patient.clinic_id


def note_listed(what: str, patient_ids: Iterable[int] = ()) -> None:
    access = request_access()
    if access is not None:
        access.listed.setdefault(what, []).extend(int(pk) for pk in patient_ids)


def note_denied(patient_id) -> None:
    access = request_access()
    if access is not None:
        access.denied.add(str(patient_id))


def _is_own_record(patient) -> bool:
    """A patient reading their own record is not what the trail is for (and their daily
    routine page stays a read-only request); their writes are recorded like anyone's."""
    request = current_request()
    own = getattr(request, "patient", None) if request is not None else None
    return own is not None and own.pk == patient.pk


def flush_request_access(access, status_code: int) -> None:
    """Write what a finished request read, or was refused."""
    if status_code < 400:
        for patient_id, clinic_id in access.read.items():
            audit_record(
                AuditAction.READ,
                patient_ids=[patient_id],
                object_type="patient",
                object_id=str(patient_id),
                clinic_id=clinic_id,
            )
        if not access.read:
            for what, ids in access.listed.items():
                audit_record(AuditAction.LIST, object_type=what, patient_ids=ids)
    elif access.denied and status_code in (403, 404):
        audit_record(
            AuditAction.DENIED,
            object_type="patient",
            object_id=",".join(sorted(access.denied))[:64],
            note=f"Answered {status_code}.",
        )
