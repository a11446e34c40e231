from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Imported here: importing the receivers connects them, once the models are ready.
        from audit import receivers  # noqa: F401
