"""The clinic core's pages: the start page and health check, the patient list, registering,
editing and discharging a patient, personal links and the patient's link session.

The pages that show a patient's record as a whole (/patients/<id>/, /me/) compose the other
apps' data and live above them, in records/patient_pages.py.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.services import client_ip, note_listed
from clinic import selectors, services
from clinic.access import (
    Action,
    actor_for,
    can,
    can_register_patients,
    can_view_clinical_data,
    own_patient,
    patient_for,
)
from clinic.decorators import patient_required, staff_required
from clinic.forms import PatientForm, form_add_service_errors
from clinic.link_throttle import link_open_failed, link_opens_blocked
from clinic.middleware import PATIENT_LINK_SESSION_KEY
from clinic.models import PatientAccessLink, PatientStatus
from clinic.paging import CountedPaginator
from clinic.redirects import redirect_to_next

PATIENTS_PER_PAGE = 25


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    if actor.is_staff_member:
        return redirect("patient-list")
    if actor.is_patient:
        return redirect("patient-home")
    return redirect("login")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = selectors.health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)


# --- Staff: patients --------------------------------------------------------------------------


@staff_required
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    search = request.GET.get("q", "")
    status = request.GET.get("status", PatientStatus.ACTIVE)
    therapist = request.GET.get("therapist", "")
    patients = selectors.patient_list(actor=actor, search=search)
    if status in PatientStatus.values:
        patients = patients.filter(status=status)
    therapist_id = None
    if therapist.isdigit():
        therapist_id = int(therapist)
    elif therapist == "mine":
        therapist_id = actor.user.pk
    if therapist_id is not None:
        patients = patients.filter(primary_therapist_id=therapist_id)
    count = (
        None
        if search.split() or therapist_id == 0
        else selectors.patient_count(
            clinic_id=actor.clinic.pk,
            therapist_id=therapist_id,
            status=status if status in PatientStatus.values else None,
        )
    )
    paginator = (
        Paginator(patients, PATIENTS_PER_PAGE)
        if count is None
        else CountedPaginator(patients, PATIENTS_PER_PAGE, count=count)
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    note_listed("patient", [patient.pk for patient in page.object_list])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinic/patient_list.html",
        {
            "page": page,
            "search": search,
            "status": status,
            "therapist": therapist,
            "therapists": selectors.clinic_therapists(clinic_id=actor.clinic.pk),
            "statuses": PatientStatus.choices,
            "can_register": can_register_patients(actor),
            "show_clinical": can_view_clinical_data(actor),
            "query_without_page": query.urlencode(),
        },
    )


@staff_required
def patient_create(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    if not can_register_patients(actor):
        raise PermissionDenied(_("Your role may not register patients."))
    therapists = selectors.clinic_therapists(clinic_id=actor.clinic.pk)
    show_clinical = can_view_clinical_data(actor)
    initial = {"primary_therapist": actor.user.pk} if actor.user.is_clinician else {}
    form = PatientForm(
        request.POST or None, therapists=therapists, show_clinical=show_clinical, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(
                clinic=actor.clinic, created_by=actor.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": patient.full_name})
            return redirect("patient-detail", patient_id=patient.pk)
    return render(request, "clinic/patient_form.html", {"form": form, "patient": None})


@staff_required
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.CHANGE)
    show_clinical = can(actor, Action.CHANGE_CLINICAL, patient)
    therapists = selectors.clinic_therapists(clinic_id=actor.clinic.pk)
    initial = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth,
        "email": patient.email,
        "phone": patient.phone,
        "reminder_channel": patient.reminder_channel,
        "reminder_consent": patient.reminder_consent,
        "exercise_reminder_time": patient.exercise_reminder_time,
        "primary_therapist": patient.primary_therapist_id,
        "symptomatic_side": patient.symptomatic_side,
        "preferred_language": patient.preferred_language,
    }
    form = PatientForm(
        request.POST or None, therapists=therapists, show_clinical=show_clinical, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("patient-detail", patient_id=patient.pk)
    return render(request, "clinic/patient_form.html", {"form": form, "patient": patient})


@staff_required
@require_POST
def patient_discharge(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.DISCHARGE)
    cancel = request.POST.get("cancel_future_appointments") == "on"
    try:
        services.patient_discharge(
            patient=patient, by=actor.user, cancel_future_appointments=cancel
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if cancel:
            text = _(
                "%(name)s is discharged; their future appointments are cancelled and their "
                "personal links are revoked."
            )
        else:
            text = _("%(name)s is discharged; their personal links are revoked.")
        messages.success(request, text % {"name": patient.full_name})
    return redirect("patient-detail", patient_id=patient.pk)


@staff_required
@require_POST
def patient_reactivate(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for(actor_for(request), patient_id, Action.DISCHARGE)
    try:
        services.patient_reactivate(patient=patient)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is active again.") % {"name": patient.full_name})
    return redirect("patient-detail", patient_id=patient.pk)


@staff_required
@require_POST
def patient_link_issue(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.ISSUE_LINK)
    send = request.POST.get("send") == "email"
    try:
        services.patient_link_issue(patient=patient, issued_by=actor.user, email_to_patient=send)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if send:
            messages.success(
                request,
                _("A new personal link is on its way to %(email)s.") % {"email": patient.email},
            )
        else:
            messages.success(request, _("A new personal link is ready: copy it below."))
    return redirect("patient-detail", patient_id=patient.pk)


@staff_required
@require_POST
def patient_link_revoke(request: HttpRequest, patient_id: int, link_id: str) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.ISSUE_LINK)
    link = get_object_or_404(PatientAccessLink, pk=link_id, patient=patient)
    services.patient_link_revoke(link=link, revoked_by=actor.user)
    messages.success(request, _("The link is revoked; anyone using it is signed out."))
    return redirect("patient-detail", patient_id=patient.pk)


# --- Patients ---------------------------------------------------------------------------------


@never_cache
@require_GET
def patient_link_open(request: HttpRequest, token: str) -> HttpResponse:
    ip = client_ip(request)
    if link_opens_blocked(ip=ip):
        return render(request, "clinic/patient_link_rate_limited.html", status=429)
    link = services.patient_link_resolve(token)
    if link is None:
        link_open_failed(ip=ip)
        return render(request, "clinic/patient_link_invalid.html", status=403)
    # One person per browser session: opening a link signs out whoever was signed in.
    logout(request)
    request.session[PATIENT_LINK_SESSION_KEY] = str(link.pk)
    request.session.set_expiry(services.patient_link_session_expiry(link))
    services.patient_link_mark_opened(link=link)
    # Redirect so that the token does not stay in the address bar, history or Referer.
    return redirect("patient-home")


@patient_required
@require_POST
def patient_language(request: HttpRequest) -> HttpResponse:
    """The patient's own choice of language, from the chooser on their pages."""
    patient = own_patient(actor_for(request), Action.VIEW)
    try:
        patient = services.patient_language_set(
            patient=patient, language=request.POST.get("language", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        # The confirmation reads in the language just chosen.
        with translation.override(patient.language):
            messages.success(request, _("Your language is saved."))
    return redirect_to_next(request, "patient-home")


@require_POST
def patient_sign_out(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    response = render(request, "clinic/patient_signed_out.html")
    # What the phone kept for the routine offline (the service worker, its caches, the queue of
    # sessions to send) goes with the session; patient-sign-out.js repeats it where a browser
    # ignores the header.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
