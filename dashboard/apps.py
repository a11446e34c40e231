from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        # Imported here: the modules need the app registry, ready only now.
        from clinic.changes import on_patient_data_changed
        from clinic.selectors import on_patient_count
        from dashboard.counts import patient_count
        from dashboard.summaries import patient_summaries_refresh

        # Every app's services report their changes to the core; the dashboard listens.
        on_patient_data_changed(lambda ids: patient_summaries_refresh(patient_ids=ids))
        # The patient list's total: one summary row per patient, counted as it changes.
        on_patient_count(patient_count)
