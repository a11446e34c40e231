from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        # Imported here: the modules need the app registry, ready only now.
        from accounts.api_tokens import api_tokens_revoke_of_inactive
        from accounts.sessions import staff_session_signed_in
        from clinic.models import User

        user_logged_in.connect(staff_session_signed_in, dispatch_uid="staff-session-start")
        # Deactivation (in the admin) revokes the account's API tokens.
        post_save.connect(
            api_tokens_revoke_of_inactive, sender=User, dispatch_uid="api-tokens-of-inactive"
        )
