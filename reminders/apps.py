from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        # Each app's handlers register as its `reminders` module is imported (handlers.py).
        autodiscover_modules("reminders")
