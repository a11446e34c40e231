from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from clinic.access import actor_for


def staff_required(view: Callable) -> Callable:
    """Staff of a clinic only: anonymous visitors are sent to sign in, patients refused."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        actor = actor_for(request)
        if actor.is_staff_member:
            return view(request, *args, **kwargs)
        if actor.is_patient or request.user.is_authenticated:
            raise PermissionDenied(_("This page is for clinic staff."))
        return redirect_to_login(request.get_full_path())

    return wrapper


def patient_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if actor_for(request).is_patient:
            return view(request, *args, **kwargs)
        return render(request, "clinic/patient_link_needed.html", status=403)

    return wrapper
