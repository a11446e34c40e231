"""Bulk changes are audited too: QuerySet.update() sends no signals, so the querysets of
audited models record the rows they change themselves."""

from django.db import connections, models, transaction


class AuditedQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # Imported here: the receivers import the models, whose managers use this queryset.
        from audit.receivers import audit_patient_path, record_bulk_update

        path = audit_patient_path(self.model)
        if path is None:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            locked = self
            if connections[self.db].features.has_select_for_update:
                of = ("self",) if connections[self.db].features.has_select_for_update_of else ()
                locked = self.select_for_update(of=of)
            rows = list(locked.order_by().values_list("pk", path))
            changed = super().update(**kwargs)
            if rows:
                record_bulk_update(self.model, rows, fields=kwargs.keys())
        return changed
