from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        # Imported here: the modules need the app registry, ready only now.
        from clinic.changes import on_patient_discharged
        from scheduling.services import scheduling_on_discharge

        on_patient_discharged(scheduling_on_discharge)
