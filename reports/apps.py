from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Progress reports and handouts"

    def ready(self) -> None:
        # Imported here: the modules need the app registry, ready only now.
        from reports.due import progress_reports_due_items
        from scheduling.selectors import on_due_list

        # The due-list is scheduling's page; it lists the patients due a report without
        # knowing the reports app (the same hook pattern as the core's change listeners).
        on_due_list(progress_reports_due_items)
