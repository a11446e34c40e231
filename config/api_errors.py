from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Services raise Django's ValidationError; the API answers it as a 400 naming the fields."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)


@csrf_exempt  # it changes nothing; a POST deserves the same JSON 404 as a GET
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other URL under /api/v1/ (an id that is not a number, a misspelt collection)
    answers 404 in JSON like the API's own 404s, not with the site's HTML page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
