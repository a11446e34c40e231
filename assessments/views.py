from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assessments import exports, services
from assessments.charts import angle_chart, side_chart
from assessments.forms import KneeToWallForm
from assessments.interpretation import (
    Thresholds,
    from_micrometres,
)
from assessments.models import Assessment, AssessmentKind
from assessments.selectors import assessment_revisions, patient_readings, reading_for
from clinic import selectors as clinic_selectors
from clinic.access import Action, actor_for, patient_for
from clinic.csv_writer import csv_download
from clinic.decorators import patient_required, staff_required
from clinic.forms import form_add_service_errors


def _unit_for(request: HttpRequest, clinic) -> str:
    user = request.user
    if user.is_authenticated and getattr(user, "clinic_id", None):
        return user.preferred_unit
    return clinic.display_unit


@staff_required
@require_GET
def history(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.VIEW_CLINICAL)
    unit = request.GET.get("unit") or _unit_for(request, patient.clinic)
    unit = unit if unit in ("cm", "in") else patient.clinic.display_unit
    readings = patient_readings(patient=patient)
    thresholds = Thresholds.for_clinic(patient.clinic)
    in_degrees = request.GET.get("chart") == "deg"
    if in_degrees:
        charts = [angle_chart(readings, side, thresholds) for side in ("left", "right")]
    else:
        charts = [side_chart(readings, side, thresholds, unit) for side in ("left", "right")]
    return render(
        request,
        "assessments/history.html",
        {
            "patient": patient,
            "readings": list(reversed(readings)),
            "charts": charts,
            "in_degrees": in_degrees,
            "has_angles": any(side.angle.measured for r in readings for side in r.sides),
            "unit": unit,
            "thresholds": thresholds,
            "can_record": patient.is_active,
        },
    )


def _therapist_choices(actor):
    return clinic_selectors.clinic_therapists(clinic_id=actor.clinic.pk)


@staff_required
def record(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.CHANGE_CLINICAL)
    unit = request.POST.get("unit") or _unit_for(request, patient.clinic)
    unit = unit if unit in ("cm", "in") else patient.clinic.display_unit
    initial = {
        "symptomatic_side": patient.symptomatic_side,
        "left_heel_down": True,
        "right_heel_down": True,
    }
    if actor.user.is_clinician:
        initial["measured_by"] = actor.user.pk
    form = KneeToWallForm(
        request.POST or None, unit=unit, therapists=_therapist_choices(actor), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            revision = services.assessment_record(
                patient=patient,
                measured_by=data.pop("measured_by"),
                recorded_by=actor.user,
                unit=data.pop("unit"),
                data=data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Knee-to-wall test saved."))
            return redirect("assessment-detail", assessment_id=revision.assessment_id)
    return render(
        request,
        "assessments/entry.html",
        {"form": form, "patient": patient, "unit": unit, "correcting": None},
    )


def _assessment_for(actor, assessment_id: int, action: Action) -> Assessment:
    """The assessment, if the policy lets the actor do `action` to its patient's data."""
    assessment = (
        Assessment.objects.select_related("patient__clinic").filter(pk=assessment_id).first()
    )
    if assessment is None:
        raise Http404("No such assessment.")
    patient_for(actor, assessment.patient_id, action)  # 404 outside the scope, 403 for the role
    return assessment


@staff_required
@require_GET
def detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = actor_for(request)
    assessment = _assessment_for(actor, assessment_id, Action.VIEW_CLINICAL)
    reading = reading_for(assessment=assessment)
    unit = _unit_for(request, assessment.patient.clinic)
    return render(
        request,
        "assessments/detail.html",
        {
            "patient": assessment.patient,
            "assessment": assessment,
            "reading": reading,
            "revisions": assessment_revisions(assessment=assessment),
            "unit": unit,
            "thresholds": Thresholds.for_clinic(assessment.patient.clinic),
            "can_correct": assessment.kind == AssessmentKind.CLINIC,
        },
    )


def _initial_from(revision) -> dict:
    unit = revision.entry_unit
    initial = {
        "unit": unit,
        "measured_at": timezone.localtime(revision.measured_at).replace(second=0, microsecond=0),
        "measured_by": revision.measured_by_id,
    }
    for side in ("left", "right"):
        values = revision.side(side)
        if values["reached"]:
            initial[f"{side}_distance"] = from_micrometres(values["distance_um"], unit)
        else:
            initial[f"{side}_not_reached"] = True
            if values["distance_um"]:
                initial[f"{side}_gap"] = from_micrometres(-values["distance_um"], unit)
        initial[f"{side}_tibia_angle_deg"] = values["tibia_angle_deg"]
        if values["angle_method"]:
            initial[f"{side}_angle_method"] = values["angle_method"]
        initial[f"{side}_angle_spread_deg"] = values["angle_spread_deg"]
        initial[f"{side}_heel_down"] = values["heel_down"]
        initial[f"{side}_pain"] = values["pain"]
    for field in (
        *services.COMPENSATION_FIELDS,
        *services.LUMBAR_FIELDS,
        *services.NOTE_FIELDS,
        "symptomatic_side",
    ):
        initial[field] = getattr(revision, field)
    return initial


@staff_required
def correct(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = actor_for(request)
    assessment = _assessment_for(actor, assessment_id, Action.CHANGE_CLINICAL)
    current = assessment.revisions.get(is_current=True)
    unit = request.POST.get("unit") or current.entry_unit
    form = KneeToWallForm(
        request.POST or None,
        unit=unit if unit in ("cm", "in") else current.entry_unit,
        therapists=_therapist_choices(actor),
        initial=_initial_from(current),
        correcting=current,
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            services.assessment_correct(
                assessment=assessment,
                corrected_by=actor.user,
                measured_by=data.pop("measured_by"),
                unit=data.pop("unit"),
                reason=data.pop("correction_reason"),
                data=data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Correction saved; the earlier values stay on record."))
            return redirect("assessment-detail", assessment_id=assessment.pk)
    return render(
        request,
        "assessments/entry.html",
        {"form": form, "patient": assessment.patient, "unit": unit, "correcting": assessment},
    )


@staff_required
@require_GET
def history_csv(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for(actor_for(request), patient_id, Action.EXPORT)
    rows = exports.knee_to_wall_export_csv(patient=patient)
    return csv_download(
        exports.KNEE_TO_WALL_CSV_COLUMNS,
        rows,
        filename=f"knee-to-wall-patient-{patient.pk}.csv",
    )


@staff_required
@require_GET
def history_fhir(request: HttpRequest, patient_id: int) -> JsonResponse:
    patient = patient_for(actor_for(request), patient_id, Action.EXPORT)
    response = JsonResponse(
        exports.knee_to_wall_export_fhir(patient=patient), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = f'attachment; filename="knee-to-wall-{patient.pk}.json"'
    return response


# --- Patients ---------------------------------------------------------------------------------


@never_cache
@patient_required
def self_test(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, request.patient.pk, Action.RECORD_SELF_TEST)
    unit = request.POST.get("unit") or patient.clinic.display_unit
    unit = unit if unit in ("cm", "in") else patient.clinic.display_unit
    form = KneeToWallForm(request.POST or None, unit=unit, self_test=True)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            services.self_test_record(patient=patient, unit=data.pop("unit"), data=data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your self-test is saved."))
            return redirect("patient-home")
    return render(
        request, "assessments/self_test.html", {"form": form, "patient": patient, "unit": unit}
    )
