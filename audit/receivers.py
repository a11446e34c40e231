"""Every write to a patient's data is recorded, whatever path it takes: services, the admin,
a shell. Saves and deletes come through signals, bulk updates through AuditedQuerySet."""

from axes.signals import user_locked_out
from celery.signals import task_postrun, task_prerun
from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from audit.context import set_system_label
from audit.models import AuditAction
from audit.services import audit_record

# Model -> the lookup from one of its rows to the patient's id. Child rows written with their
# parent (prescription items, exercise entries) are covered by the parent's event.
AUDITED_MODELS = {
    "clinic.Patient": "id",
    "clinic.PatientAccessLink": "patient_id",
    "clinic.Appointment": "patient_id",
    "clinic.WaitlistEntry": "patient_id",
    "clinic.CalendarFeed": "patient_id",
    "assessments.Assessment": "patient_id",
    "assessments.AssessmentRevision": "assessment__patient_id",
    "exercises.Prescription": "patient_id",
    "exercises.PrescriptionVersion": "prescription__patient_id",
    "exercises.SessionLog": "patient_id",
}


def audit_patient_path(model) -> str | None:
    return AUDITED_MODELS.get(model._meta.label)


def _patient_id_of(instance, path: str):
    value = instance
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def record_bulk_update(model, rows: list[tuple], *, fields) -> None:
    audit_record(
        AuditAction.UPDATE,
        object_type=model._meta.model_name,
        object_id=str(rows[0][0]) if len(rows) == 1 else f"{len(rows)} rows",
        patient_ids=[patient_id for _, patient_id in rows if patient_id is not None],
        fields=fields,
        note="bulk update" if len(rows) > 1 else "",
    )


def _record_write(instance, action: str, fields=()) -> None:
    path = audit_patient_path(type(instance))
    patient_id = _patient_id_of(instance, path)
    audit_record(
        action,
        target=instance,
        patient_ids=[patient_id] if patient_id is not None else [],
        fields=fields or (),
    )


def _on_save(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:  # loading fixtures
        return
    _record_write(instance, AuditAction.CREATE if created else AuditAction.UPDATE, update_fields)


def _on_delete(sender, instance, **kwargs):
    _record_write(instance, AuditAction.DELETE)


def connect_audited_models() -> None:
    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        post_save.connect(_on_save, sender=model, dispatch_uid=f"audit-save-{label}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"audit-delete-{label}")


connect_audited_models()


@receiver(user_logged_in, dispatch_uid="audit-sign-in")
def _signed_in(sender, request, user, **kwargs):
    audit_record(AuditAction.SIGN_IN, object_type="user", object_id=str(user.pk))


@receiver(user_logged_out, dispatch_uid="audit-sign-out")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(AuditAction.SIGN_OUT, object_type="user", object_id=str(user.pk))


@receiver(user_login_failed, dispatch_uid="audit-sign-in-failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    what = "wrong two-factor code, " if credentials.get("second_factor") else ""
    audit_record(AuditAction.SIGN_IN_FAILED, object_type="user", note=f"{what}username: {username}")


@receiver(user_locked_out, dispatch_uid="audit-locked-out")
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    # django-axes sends this when the limit is reached and on each try while locked out.
    audit_record(
        AuditAction.SIGN_IN_FAILED,
        object_type="user",
        note=f"locked out: username: {str(username or '')[:150]}",
    )


@task_prerun.connect(dispatch_uid="audit-task-start")
def _task_started(sender=None, task=None, **kwargs):
    set_system_label(f"task {getattr(task, 'name', sender)}")


@task_postrun.connect(dispatch_uid="audit-task-end")
def _task_finished(**kwargs):
    set_system_label("")
