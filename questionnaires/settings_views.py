"""The clinic admin's questionnaire settings (/clinic/questionnaires/): which instruments the
clinic uses, when its schedule asks for them, and its own MCID. Clinic admins only; thin views
over questionnaires.clinic_settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import actor_for, can_manage_clinic
from clinic.decorators import staff_required
from clinic.forms import form_add_service_errors
from questionnaires.clinic_settings import (
    clinic_instrument_setting_save,
    instrument_choice,
    instrument_choices,
)
from questionnaires.settings_forms import InstrumentSettingForm


@staff_required
@require_GET
def questionnaire_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    if not can_manage_clinic(actor):
        raise PermissionDenied(_("Only a clinic admin changes the clinic's questionnaires."))
    return render(
        request,
        "questionnaires/settings.html",
        {"choices": instrument_choices(actor.clinic.pk)},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def questionnaire_setting_edit(request: HttpRequest, instrument_id: int) -> HttpResponse:
    actor = actor_for(request)
    choice = instrument_choice(actor.user, instrument_id)
    form = InstrumentSettingForm(
        request.POST or None, initial=InstrumentSettingForm.initial_from(choice), choice=choice
    )
    if request.method == "POST" and form.is_valid():
        try:
            clinic_instrument_setting_save(
                changed_by=actor.user, instrument=choice.instrument, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s: your clinic's choices are saved.") % {"name": choice.instrument.name},
            )
            return redirect("questionnaire-settings")
    return render(request, "questionnaires/setting_form.html", {"choice": choice, "form": form})
