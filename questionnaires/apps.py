from django.apps import AppConfig

from clinic.changes import on_patient_discharged


class QuestionnairesConfig(AppConfig):
    name = "questionnaires"
    verbose_name = "Outcome questionnaires"

    def ready(self) -> None:
        # Imported here: the services import the models, loaded only once the registry is.
        from questionnaires.services import questionnaires_on_discharge

        # A discharge withdraws the patient's open questionnaires, in its own transaction.
        on_patient_discharged(questionnaires_on_discharge)
