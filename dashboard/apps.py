from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        # Imported here: the module needs the app registry, ready only now.
        from dashboard.summaries import dashboard_listen

        dashboard_listen()
