"""The API's personal tokens (accounts.api_tokens) as DRF authentication."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from accounts import api_tokens
from accounts.models import ApiToken
from audit.services import client_ip


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token dorsi_…`: a member of staff's personal token (accounts.api_tokens).

    The header keyword stays DRF's "Token", so clients need no change beyond a new token, and
    accounts.middleware.TwoFactorMiddleware still recognises token requests. Never falls back to
    the session: a request with a bad token is a 401, whoever's cookie it also carries.
    """

    model = ApiToken  # never rest_framework.authtoken's, which is no longer installed

    def authenticate(self, request: Request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        http_request = request._request
        # The audit rows this request writes (the reads the middleware records at its end, and
        # the first-use row below) name the token as well as its owner (audit.services).
        http_request.user = user
        http_request.audit_credential = token.audit_label
        api_tokens.api_token_mark_used(token=token, ip=client_ip(http_request))
        return result

    def authenticate_credentials(self, key: str):
        try:
            token = api_tokens.api_token_authenticate(secret=key)
        except api_tokens.ApiTokenRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused)) from None
        return (token.user, token)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'A personal API token, sent as "Token dorsi_…". Staff issue their own on the '
                "Security page (/accounts/security/), after two-factor sign-in where it is "
                f"required; a token expires after at most {settings.API_TOKEN_MAX_AGE.days} "
                "days and can be revoked there. An expired, revoked or unknown token answers "
                "401 with the reason."
            ),
        }
