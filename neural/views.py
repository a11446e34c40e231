"""The neural-test pages: record (alone or from a knee-to-wall visit), one sitting, a patient's
history with the SLR chart per side; and marking a record entered in error. Staff only:
therapists and clinic admins (the front desk sees no clinical data)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic import selectors as clinic_selectors
from clinic.access import Action, actor_for, patient_for
from clinic.decorators import staff_required
from clinic.forms import form_add_service_errors
from neural import services
from neural.charts import slr_chart
from neural.forms import EnteredInErrorForm, NeuralTestsForm
from neural.interpretation import NO_MDC_NOTE
from neural.models import NeuralExam
from neural.selectors import (
    exam_reading,
    latest_by_side,
    patient_neural_history,
    slr_points,
    visit_for_entry,
)


@staff_required
@require_GET
def history(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for(actor_for(request), patient_id, Action.VIEW_CLINICAL)
    readings = patient_neural_history(patient=patient)
    return render(
        request,
        "neural/history.html",
        {
            "patient": patient,
            "readings": list(reversed(readings)),
            "latest": latest_by_side(readings),
            "charts": [
                chart
                for side in ("left", "right")
                if (chart := slr_chart(slr_points(readings, side), side)) is not None
            ],
            "no_mdc_note": NO_MDC_NOTE,
        },
    )


@staff_required
def record(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.CHANGE_CLINICAL)
    visit_id = request.POST.get("assessment") or request.GET.get("assessment")
    visit = visit_for_entry(patient=patient, assessment_id=visit_id)
    initial: dict = {"assessment": visit_id or ""}
    if actor.user.is_clinician:
        initial["measured_by"] = actor.user.pk
    if visit is not None:
        current = visit.current_revision
        initial["measured_at"] = timezone.localtime(current.measured_at).replace(
            second=0, microsecond=0
        )
        if current.measured_by_id:
            initial["measured_by"] = current.measured_by_id
    form = NeuralTestsForm(
        request.POST or None,
        therapists=clinic_selectors.clinic_therapists(clinic_id=actor.clinic.pk),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        # The visit as posted: the service refuses another patient's, or a self-test, by name.
        data = form.service_data()
        try:
            exam = services.neural_exam_record(
                patient=patient,
                measured_by=data.pop("measured_by"),
                recorded_by=actor.user,
                data=data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Neural tests saved."))
            return redirect("neural-detail", exam_id=exam.pk)
    return render(
        request,
        "neural/entry.html",
        {"form": form, "patient": patient, "visit": visit},
    )


def _exam_for(actor, exam_id: int, action: Action) -> NeuralExam:
    exam = NeuralExam.objects.select_related("patient__clinic").filter(pk=exam_id).first()
    if exam is None:
        raise Http404("No such record of neural tests.")
    patient_for(actor, exam.patient_id, action)  # 404 outside the scope, 403 for the role
    return exam


@staff_required
@require_GET
def detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam_for(actor_for(request), exam_id, Action.VIEW_CLINICAL)
    return render(
        request,
        "neural/detail.html",
        {
            "patient": exam.patient,
            "exam": exam,
            "reading": exam_reading(exam=exam),
            "error_form": EnteredInErrorForm(),
            "no_mdc_note": NO_MDC_NOTE,
        },
    )


@staff_required
@require_POST
def entered_in_error(request: HttpRequest, exam_id: int) -> HttpResponse:
    actor = actor_for(request)
    exam = _exam_for(actor, exam_id, Action.CHANGE_CLINICAL)
    form = EnteredInErrorForm(request.POST)
    if form.is_valid():
        try:
            services.neural_exam_mark_entered_in_error(
                exam=exam, by=actor.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Marked entered in error; it stays on record."))
            return redirect("neural-detail", exam_id=exam.pk)
    return render(
        request,
        "neural/detail.html",
        {
            "patient": exam.patient,
            "exam": exam,
            "reading": exam_reading(exam=exam),
            "error_form": form,
            "no_mdc_note": NO_MDC_NOTE,
        },
        status=400,
    )
