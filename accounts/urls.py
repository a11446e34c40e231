"""Staff sign-in, the two-factor step, password change and the Security page (API tokens)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views as sign_in_views
from accounts.forms import StaffLoginForm, StaffPasswordChangeForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=StaffLoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(form_class=StaffPasswordChangeForm),
        name="password_change",
    ),
    path("two-factor/", sign_in_views.two_factor_verify, name="two-factor-verify"),
    path("two-factor/setup/", sign_in_views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/off/", sign_in_views.two_factor_disable, name="two-factor-disable"),
    path("security/", sign_in_views.security, name="security"),
    path("security/tokens/", sign_in_views.api_token_issue, name="api-token-issue"),
    path(
        "security/tokens/<int:token_id>/revoke/",
        sign_in_views.api_token_revoke,
        name="api-token-revoke",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
