from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from clinic.staff_sessions import staff_session_signed_in

        user_logged_in.connect(staff_session_signed_in, dispatch_uid="staff-session-start")
