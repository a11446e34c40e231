"""Every model that holds a patient's data is in the audit trail, or says why not."""

from django.apps import apps

from audit.querysets import AuditedQuerySet
from audit.receivers import AUDIT_EXEMPT, AUDITED_MODELS
from clinic.models import Patient


def _leads_to_patient(model, depth: int = 3) -> bool:
    """A foreign key to a patient, directly or through a parent row (an item of a
    prescription version of a prescription of a patient)."""
    if model is Patient:
        return True
    if depth == 0:
        return False
    return any(
        (field.many_to_one or field.one_to_one)
        and _leads_to_patient(field.related_model, depth - 1)
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is not None
    )


def test_every_model_holding_patient_data_is_audited_or_exempt_with_a_reason():
    holding = {model._meta.label for model in apps.get_models() if _leads_to_patient(model)}
    unaccounted = holding - set(AUDITED_MODELS) - set(AUDIT_EXEMPT)
    assert unaccounted == set(), "audit these models, or add them to AUDIT_EXEMPT with why"
    assert all(len(reason) > 20 for reason in AUDIT_EXEMPT.values())
    assert set(AUDITED_MODELS) & set(AUDIT_EXEMPT) == set()


def test_the_lists_name_real_models_with_a_working_path_to_the_patient():
    for label, path in AUDITED_MODELS.items():
        model = apps.get_model(label)
        field = model
        for part in path.split("__"):
            target = field._meta.get_field(part)
            field = target.related_model or field
        assert target.name == "id" or target.many_to_one or target.one_to_one, label
    for label in AUDIT_EXEMPT:
        apps.get_model(label)


def test_bulk_updates_of_every_audited_model_are_recorded():
    for label in AUDITED_MODELS:
        queryset = apps.get_model(label)._default_manager.all()
        assert isinstance(queryset, AuditedQuerySet), label
