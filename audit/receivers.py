"""Every write to a patient's data is recorded, whatever path it takes: services, the admin,
a shell. Saves and deletes come through signals, bulk updates through AuditedQuerySet."""

from axes.signals import user_locked_out
from celery.signals import task_postrun, task_prerun
from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from audit.context import set_system_label
from audit.models import AuditAction
from audit.services import audit_record

# Model -> the lookup from one of its rows to the patient's id. Child rows written with their
# parent (prescription items, exercise entries) are covered by the parent's event.
AUDITED_MODELS = {
    "clinic.Patient": "id",
    "clinic.PatientAccessLink": "patient_id",
    "scheduling.Appointment": "patient_id",
    "scheduling.WaitlistEntry": "patient_id",
    "scheduling.CalendarFeed": "patient_id",
    "assessments.Assessment": "patient_id",
    "assessments.AssessmentRevision": "assessment__patient_id",
    "exercises.Prescription": "patient_id",
    "exercises.PrescriptionVersion": "prescription__patient_id",
    "exercises.SessionLog": "patient_id",
    "questionnaires.QuestionnaireRequest": "patient_id",
    "questionnaires.QuestionnaireResponse": "patient_id",
    "neural.NeuralExam": "patient_id",
    "reports.ProgressReport": "patient_id",
}
# Models that hold patient data but are not audited row by row, and why. A test fails when a
# model with a path to a patient is in neither list.
AUDIT_EXEMPT = {
    "audit.AuditEvent": "The trail itself: append-only, a row cannot be changed or deleted.",
    "dashboard.PatientSummary": (
        "The dashboard's summary, derived from audited rows and recomputed by the system; "
        "it holds nothing a person wrote."
    ),
    "reminders.Reminder": (
        "The outbox, written only by the planner and the sender; each row keeps its own "
        "timeline (planned, claimed, sent, cancelled) and the patient's export lists them."
    ),
    "exercises.PrescriptionItem": (
        "Written only with its PrescriptionVersion, in the same transaction, and never "
        "changed after; the version's create event covers it."
    ),
    "neural.NeuralTestResult": (
        "Written only with its NeuralExam, in the same transaction, and never changed after "
        "(a wrong record is marked on the exam); the exam's create event covers it."
    ),
    "exercises.ExerciseLog": (
        "Written only with its SessionLog, in the same transaction; the session's event covers it."
    ),
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
    # Named as a save names them: the fields set, less timestamps kept current on every write.
    named = {field.name for field in _compared_fields(model, None)} | {
        field.attname for field in _compared_fields(model, None)
    }
    fields = [name for name in fields if name in named]
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


def _compared_fields(model, update_fields) -> list:
    """The fields whose change is worth naming: not the key, not a timestamp the database
    keeps current on every save (it would be named in every event and tell nothing)."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not getattr(field, "auto_now", False)
    ]
    if update_fields is not None:
        wanted = set(update_fields)
        fields = [field for field in fields if field.name in wanted or field.attname in wanted]
    return fields


def _normalised(field, value):
    try:
        return field.to_python(value)
    except Exception:  # a value the field would refuse is still a change to report
        return value


def changed_field_names(instance, update_fields=None) -> list[str]:
    """The names (never the values) of the fields whose stored value this save will change.

    Read from the row as stored, not from what the caller says it touched: a plain save()
    passes no update_fields, and update_fields may list fields whose value is unchanged.
    """
    model = type(instance)
    fields = _compared_fields(model, update_fields)
    if not fields:
        return []
    stored = (
        model._base_manager.using(instance._state.db or "default")
        .filter(pk=instance.pk)
        .values(*(field.attname for field in fields))
        .first()
    )
    if stored is None:
        return []
    return sorted(
        field.name
        for field in fields
        if _normalised(field, getattr(instance, field.attname)) != stored[field.attname]
    )


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    instance._audit_changed_fields = changed_field_names(instance, update_fields)


def _on_save(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:  # loading fixtures
        return
    changed = () if created else instance.__dict__.pop("_audit_changed_fields", ())
    _record_write(instance, AuditAction.CREATE if created else AuditAction.UPDATE, changed)


def _on_delete(sender, instance, **kwargs):
    _record_write(instance, AuditAction.DELETE)


def connect_audited_models() -> None:
    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"audit-before-save-{label}")
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
