import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic.access import (
    Action,
    actor_for,
    can_manage_clinic,
    can_view_clinical_data,
    own_patient,
    patient_for,
)
from clinic.decorators import patient_required, staff_required
from clinic.forms import form_add_service_errors
from exercises import offline, selectors, services
from exercises.adherence import describe_days
from exercises.charts import pain_chart
from exercises.forms import (
    ExerciseForm,
    ItemFormSet,
    RoutineItemFormSet,
    ScheduleForm,
    SessionLogForm,
)
from exercises.models import DOSE_FIELDS, Exercise, Prescription, RoutineTemplate
from exercises.timer_words import timer_words

# --- Library ----------------------------------------------------------------------------------


@staff_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    search = request.GET.get("q", "")
    return render(
        request,
        "exercises/library.html",
        {
            "exercises": selectors.exercise_library(clinic_id=actor.clinic.pk, search=search),
            "search": search,
            "can_manage": can_manage_clinic(actor),
        },
    )


def _exercise_for(actor, exercise_id: int) -> Exercise:
    exercise = Exercise.objects.for_clinic(actor.clinic.pk).filter(pk=exercise_id).first()
    if exercise is None:
        raise Http404("No such exercise.")
    return exercise


@staff_required
@require_GET
def exercise_detail(request: HttpRequest, exercise_id: int) -> HttpResponse:
    actor = actor_for(request)
    return render(
        request,
        "exercises/exercise_detail.html",
        {"exercise": _exercise_for(actor, exercise_id), "can_manage": can_manage_clinic(actor)},
    )


@staff_required
def exercise_edit(request: HttpRequest, exercise_id: int | None = None) -> HttpResponse:
    """A clinic admin adds an exercise, or adapts a copy of one (the original is untouched)."""
    actor = actor_for(request)
    if not can_manage_clinic(actor):
        raise PermissionDenied(gettext("Only a clinic admin changes the clinic's library."))
    original = _exercise_for(actor, exercise_id) if exercise_id else None
    initial = ExerciseForm.initial_from(original) if original else {}
    form = ExerciseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if original is None:
                exercise = services.exercise_create(clinic=actor.clinic, fields=form.cleaned_data)
            elif original.is_shared or original.clinic_id != actor.clinic.pk:
                exercise = services.exercise_adapt(
                    exercise=original, clinic=actor.clinic, fields=form.cleaned_data
                )
            else:
                exercise = services.exercise_update(exercise=original, fields=form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("%(name)s is in your clinic's library.") % {"name": exercise.name},
            )
            return redirect("exercise-detail", exercise_id=exercise.pk)
    return render(request, "exercises/exercise_form.html", {"form": form, "original": original})


# --- Routines ---------------------------------------------------------------------------------


def _require_clinician(actor) -> None:
    if not can_view_clinical_data(actor):
        raise PermissionDenied(gettext("Routines are for the clinic's therapists."))


@staff_required
@require_GET
def routine_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    _require_clinician(actor)
    return render(
        request,
        "exercises/routine_list.html",
        {"templates": selectors.routine_templates(clinic_id=actor.clinic.pk)},
    )


@staff_required
def routine_new(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    _require_clinician(actor)
    library_qs = selectors.exercise_library(clinic_id=actor.clinic.pk)
    formset = RoutineItemFormSet(request.POST or None, form_kwargs={"library": library_qs})
    name = request.POST.get("name", "")
    description = request.POST.get("description", "")
    errors: dict = {}
    if request.method == "POST" and formset.is_valid():
        try:
            template = services.routine_template_create(
                clinic=actor.clinic,
                created_by=actor.user,
                name=name,
                description=description,
                items=formset.items(),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(
                request, gettext("Routine “%(name)s” saved.") % {"name": template.name}
            )
            return redirect("routine-list")
    return render(
        request,
        "exercises/routine_form.html",
        {"formset": formset, "name": name, "description": description, "errors": errors},
    )


# --- Prescriptions ----------------------------------------------------------------------------


@staff_required
@require_GET
def patient_routine(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.VIEW_CLINICAL)
    versions = selectors.current_versions(patient=patient)
    history = selectors.session_history(patient=patient)
    return render(
        request,
        "exercises/staff_patient_routine.html",
        {
            "patient": patient,
            "versions": [(v, describe_days(v.days_of_week)) for v in versions],
            "adherence": selectors.patient_adherence(patient=patient),
            "sessions": history,
            "pain_chart": pain_chart([s for s in reversed(history) if s.pain is not None][-30:]),
            "can_prescribe": patient.is_active,
        },
    )


def _items_from_template(template: RoutineTemplate) -> list[dict]:
    return [
        {"exercise": item["exercise"].pk, **{f: item[f] for f in DOSE_FIELDS}}
        for item in services.template_items(template)
    ]


@staff_required
def prescribe(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Template to patient in two clicks: pick a routine, check the doses, save."""
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.CHANGE_CLINICAL)
    templates = selectors.routine_templates(clinic_id=actor.clinic.pk)
    library_qs = selectors.exercise_library(clinic_id=actor.clinic.pk)
    template = None
    template_id = request.POST.get("template") or request.GET.get("template")
    if template_id and str(template_id).isdigit():
        template = templates.filter(pk=template_id).first()
    today = patient.clinic.local_today()
    schedule = ScheduleForm(
        request.POST or None,
        initial={
            "title": template.name if template else gettext("Calf routine"),
            "start_date": today,
        },
    )
    initial_items = _items_from_template(template) if template else []
    formset = ItemFormSet(
        request.POST or None,
        initial=initial_items,
        form_kwargs={"library": library_qs},
    )
    already_active = None
    if request.method == "POST" and schedule.is_valid() and formset.is_valid():
        try:
            version = services.routine_assign(
                patient=patient,
                prescribed_by=actor.user,
                items=formset.items(),
                title=schedule.cleaned_data["title"],
                start_date=schedule.cleaned_data["start_date"],
                template=template,
                if_already_active=request.POST.get(
                    "if_already_active", services.IfAlreadyActive.REFUSE
                ),
                **schedule.schedule(),
            )
        except services.RoutineAlreadyActive as exc:
            already_active = exc  # the page asks: change the active one, or end it
        except ValidationError as exc:
            form_add_service_errors(schedule, exc)
        else:
            ended = request.POST.get("if_already_active") == services.IfAlreadyActive.END_IT
            messages.success(request, _prescribed_message(version, patient, ended=ended))
            return redirect("patient-routine", patient_id=patient.pk)
    return render(
        request,
        "exercises/prescribe.html",
        {
            "patient": patient,
            "schedule": schedule,
            "formset": formset,
            "templates": templates,
            "template": template,
            "changing": None,
            "already_active": already_active,
        },
        status=409 if already_active else 200,
    )


def _prescribed_message(version, patient, *, ended: bool) -> str:
    if version.number > 1:
        return gettext("“%(title)s” changed: version %(number)s is in force from %(date)s.") % {
            "title": version.prescription.title,
            "number": version.number,
            "date": date_format(version.effective_from, "j M Y"),
        }
    if ended:
        return gettext("Routine prescribed to %(name)s; the one it replaces has ended.") % {
            "name": patient.full_name
        }
    return gettext("Routine prescribed to %(name)s.") % {"name": patient.full_name}


def _prescription_for(actor, prescription_id: int, action: Action) -> Prescription:
    prescription = (
        Prescription.objects.select_related("patient__clinic").filter(pk=prescription_id).first()
    )
    if prescription is None:
        raise Http404("No such prescription.")
    patient_for(actor, prescription.patient_id, action)
    return prescription


@staff_required
def prescription_change(request: HttpRequest, prescription_id: int) -> HttpResponse:
    actor = actor_for(request)
    prescription = _prescription_for(actor, prescription_id, Action.CHANGE_CLINICAL)
    current = prescription.versions.prefetch_related("items").get(is_current=True)
    library_qs = selectors.exercise_library(clinic_id=actor.clinic.pk)
    today = prescription.patient.clinic.local_today()
    schedule = ScheduleForm(
        request.POST or None,
        initial={**ScheduleForm.initial_from(current), "start_date": today},
    )
    formset = ItemFormSet(
        request.POST or None,
        initial=[{"exercise": i.exercise_id, **i.dose_fields()} for i in current.items.all()],
        form_kwargs={"library": library_qs},
    )
    if request.method == "POST" and schedule.is_valid() and formset.is_valid():
        try:
            services.prescription_change(
                prescription=prescription,
                changed_by=actor.user,
                items=formset.items(),
                effective_from=schedule.cleaned_data["start_date"],
                **schedule.schedule(),
            )
        except ValidationError as exc:
            form_add_service_errors(schedule, exc)
        else:
            messages.success(request, gettext("Prescription changed: a new version is in force."))
            return redirect("patient-routine", patient_id=prescription.patient_id)
    return render(
        request,
        "exercises/prescribe.html",
        {
            "patient": prescription.patient,
            "schedule": schedule,
            "formset": formset,
            "templates": [],
            "template": None,
            "changing": prescription,
        },
    )


@staff_required
@require_POST
def prescription_end(request: HttpRequest, prescription_id: int) -> HttpResponse:
    actor = actor_for(request)
    prescription = _prescription_for(actor, prescription_id, Action.CHANGE_CLINICAL)
    try:
        services.prescription_end(prescription=prescription, ended_by=actor.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("“%(title)s” has ended.") % {"title": prescription.title})
    return redirect("patient-routine", patient_id=prescription.patient_id)


# --- Patients ---------------------------------------------------------------------------------


def _routine_payload(version) -> list[dict]:
    """What the timer needs, embedded in the page as JSON."""
    return [
        {
            "item": item.pk,
            "name": item.exercise.name,
            "seconds": item.seconds_per_bout,
            "bouts": item.bouts,
            "perSide": item.per_side,
            "style": item.style,
            "into": item.into_tension_seconds,
            "ease": item.ease_off_seconds,
            "cues": item.exercise.cue_list,
        }
        for item in version.items.all()
    ]


@never_cache
@patient_required
def patient_routine_page(request: HttpRequest) -> HttpResponse:
    """Today's routine with the guided timer, and the log form at its end."""
    actor = actor_for(request)
    patient = own_patient(actor, Action.VIEW_CLINICAL)
    versions = selectors.current_versions(patient=patient)
    version_id = request.POST.get("version") or request.GET.get("version")
    version = next((v for v in versions if str(v.pk) == str(version_id)), None)
    version = version or (versions[0] if versions else None)
    if version is None:
        return render(request, "exercises/patient_routine_none.html", {"patient": patient})
    today = patient.clinic.local_today()
    form = SessionLogForm(
        request.POST or None,
        version=version,
        initial={"client_token": uuid.uuid4(), "session_date": today},
    )
    if request.method == "POST" and form.is_valid():
        try:
            _, created = services.session_log_record(
                patient=patient,
                version=version,
                client_token=form.cleaned_data["client_token"],
                statuses=form.statuses(),
                session_date=form.cleaned_data["session_date"],
                pain=form.cleaned_data["pain"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("Well done: your session is logged.")
                if created
                else gettext("This session was already logged; it counts once."),
            )
            return redirect("patient-home")
    response = render(
        request,
        "exercises/patient_routine.html",
        {
            "patient": patient,
            "version": version,
            "versions": versions,
            "days": describe_days(version.days_of_week),
            "payload": _routine_payload(version),
            "timer_words": timer_words(),
            "form": form,
            "logged_today": selectors.sessions_logged_on(version=version, day=today),
            "today": today,
            "offline_key": offline.offline_key(patient),
            "routine_fingerprint": offline.routine_fingerprint(versions),
        },
    )
    # The service worker keeps a routine page only when it is its own patient's.
    response[offline.KEY_HEADER] = offline.offline_key(patient)
    return response


@require_GET
def web_app_manifest(request: HttpRequest, language: str) -> HttpResponse:
    """The home-screen manifest in one of the installation's languages. Anyone may read it: it
    names the app and its icons, nothing of a patient."""
    if language not in dict(settings.LANGUAGES):
        raise Http404(gettext("No such language."))
    with translation.override(language):
        manifest = offline.web_app_manifest(language)
    response = JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


@patient_required
@require_GET
def patient_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that opens the routine with no network, rendered for this patient."""
    patient = own_patient(actor_for(request), Action.VIEW_CLINICAL)
    context = offline.service_worker_context(
        patient=patient, versions=selectors.current_versions(patient=patient)
    )
    body = render_to_string(
        "exercises/service_worker.js",
        {
            **context,
            "routine_path": reverse("patient-routine-page"),
            "static_prefix": settings.STATIC_URL,
            "key_header": offline.KEY_HEADER,
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Checked on every visit: a new prescription's pictures, or another patient, mean a new worker.
    response["Cache-Control"] = "no-cache, private"
    return response
