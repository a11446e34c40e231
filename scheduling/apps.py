from django.apps import AppConfig

from clinic.changes import on_patient_discharged


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        # Imported here: the services import the models, loaded only once the registry is.
        from scheduling.services import scheduling_on_discharge

        on_patient_discharged(scheduling_on_discharge)
