from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from clinic.api_tokens import api_tokens_revoke_of_inactive
        from clinic.models import User
        from clinic.staff_sessions import staff_session_signed_in

        user_logged_in.connect(staff_session_signed_in, dispatch_uid="staff-session-start")
        # Deactivation (in the admin) revokes the account's API tokens.
        post_save.connect(
            api_tokens_revoke_of_inactive, sender=User, dispatch_uid="api-tokens-of-inactive"
        )
