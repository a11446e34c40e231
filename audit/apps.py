from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Imported here: importing the receivers connects them, once the models are ready.
        from audit import receivers  # noqa: F401
