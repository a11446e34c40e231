"""The clinic's questionnaires for staff: the list with each one's terms, one instrument in full,
and the page where a clinic admin adds a licensed one as data (the Oswestry Disability Index,
say), without code. The patient's own questionnaire pages are questionnaires/views.py's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.access import actor_for, can_manage_clinic
from clinic.decorators import staff_required
from clinic.forms import form_add_service_errors
from questionnaires import selectors
from questionnaires.instrument_forms import SCORING_LABELS, InstrumentForm
from questionnaires.instrument_services import instrument_create, instrument_retire
from questionnaires.models import Instrument
from questionnaires.scoring import Definition


@staff_required
@require_GET
def instrument_list(request: HttpRequest) -> HttpResponse:
    """Every current instrument of the clinic (Dorsi's and its own), each with its MCID and
    licence terms; those the clinic turned off are marked."""
    actor = actor_for(request)
    clinic_id = actor.clinic.pk
    instruments = list(Instrument.objects.for_clinic(clinic_id))
    available = set(selectors.instruments_available(clinic_id).values_list("pk", flat=True))
    mcids = selectors.mcids_for(clinic_id, instruments)
    rows = [
        {"instrument": i, "mcid": mcids[i.pk], "enabled": i.pk in available} for i in instruments
    ]
    return render(
        request,
        "questionnaires/instrument_list.html",
        {"rows": rows, "can_manage": can_manage_clinic(actor)},
    )


@staff_required
@require_GET
def instrument_detail(request: HttpRequest, instrument_id: int) -> HttpResponse:
    actor = actor_for(request)
    clinic_id = actor.clinic.pk
    instrument = selectors.instruments_readable(clinic_id).filter(pk=instrument_id).first()
    if instrument is None:
        raise Http404("No such questionnaire.")
    definition: Definition = instrument.definition()
    return render(
        request,
        "questionnaires/instrument_detail.html",
        {
            "instrument": instrument,
            "items": definition.items,
            "mcid": selectors.mcids_for(clinic_id, [instrument])[instrument.pk],
            "method": SCORING_LABELS[definition.scoring_method],
            "can_retire": can_manage_clinic(actor)
            and instrument.clinic_id == clinic_id
            and instrument.is_active,
        },
    )


@staff_required
@require_POST
def instrument_retire_view(request: HttpRequest, instrument_id: int) -> HttpResponse:
    """A clinic admin retires a version of the clinic's own instrument; open requests of it
    stay answerable."""
    actor = actor_for(request)
    instrument = selectors.instruments_readable(actor.clinic.pk).filter(pk=instrument_id).first()
    if instrument is None:
        raise Http404("No such questionnaire.")
    if not can_manage_clinic(actor):
        raise PermissionDenied(_("Only a clinic admin retires the clinic's questionnaires."))
    try:
        instrument_retire(instrument=instrument, retired_by=actor.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "%(name)s version %(version)s is retired: it can no longer be asked for; "
                "requests already open can still be answered."
            )
            % {"name": instrument.name, "version": instrument.version},
        )
    return redirect("instrument-detail", instrument_id=instrument.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def instrument_new(request: HttpRequest) -> HttpResponse:
    """A clinic admin adds a licensed instrument; it is checked whole, and nothing is saved
    while anything is wrong."""
    actor = actor_for(request)
    if not can_manage_clinic(actor):
        raise PermissionDenied(_("Only a clinic admin adds the clinic's questionnaires."))
    form = InstrumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            instrument = instrument_create(clinic=actor.clinic, fields=form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is ready: your therapists can ask for it now.")
                % {"name": instrument.name},
            )
            return redirect("instrument-detail", instrument_id=instrument.pk)
    return render(request, "questionnaires/instrument_form.html", {"form": form})
