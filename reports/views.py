"""Pages of progress reports and the home-exercise handout.

Who may do what is the access policy's: a report is clinical data (Action.VIEW_CLINICAL to read,
Action.CHANGE_CLINICAL to draft, edit, sign and amend), so the front desk, who sees who is due
one on the due-list, never opens one; a patient gets only their own handout, from /me/.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.access import Action, Actor, actor_for, own_patient, patient_for
from clinic.decorators import patient_required, staff_required
from clinic.models import User
from reports import services
from reports.due import report_count
from reports.forms import ReportAmendForm, ReportDraftForm, ReportEditForm
from reports.models import ProgressReport


def report_for(actor: Actor, report_id: int, action: Action) -> ProgressReport:
    """The report, if the actor may do `action` to its patient: 404 outside the actor's clinic
    (its existence is not revealed), 403 for a role that may not (the front desk)."""
    report = (
        ProgressReport.objects.filter(pk=report_id, clinic_id=actor.user.clinic_id)
        .select_related("patient", "clinic", "signed_by", "amends__signed_by")
        .first()
    )
    if report is None:
        raise Http404("No such report.")
    report.patient = patient_for(actor, report.patient_id, action)
    return report


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _errors_to_messages(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@staff_required
@require_GET
def report_list(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.VIEW_CLINICAL)
    reports = patient.progress_reports.select_related("signed_by", "created_by")
    count = report_count(patient)
    return render(
        request,
        "reports/report_list.html",
        {
            "patient": patient,
            "reports": reports,
            "count": count,
            "since_on": patient.clinic.local_date(count.since),
            "form": ReportDraftForm(),
        },
    )


@staff_required
@require_POST
def report_draft(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.CHANGE_CLINICAL)
    form = ReportDraftForm(request.POST)
    if form.is_valid():
        try:
            report = services.report_draft(
                patient=patient,
                by=actor.user,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _("Dorsi drafted the report: add your words, then sign it."))
            return redirect("report-detail", report.pk)
    else:
        messages.error(request, _("Check the period's dates."))
    return redirect("report-list", patient.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    actor = actor_for(request)
    action = Action.CHANGE_CLINICAL if request.method == "POST" else Action.VIEW_CLINICAL
    report = report_for(actor, report_id, action)
    form = None
    if not report.is_signed:
        form = ReportEditForm(request.POST or None, instance=report)
        if request.method == "POST" and form.is_valid():
            try:
                services.report_update(report=report, by=actor.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("report-detail", report.pk)
    elif request.method == "POST":
        messages.error(request, services.SIGNED_IS_LOCKED)
        return redirect("report-detail", report.pk)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "patient": report.patient,
            "facts": report.facts,
            "form": form,
            "amend_form": ReportAmendForm() if report.is_signed else None,
            "amended_by": ProgressReport.objects.filter(amends=report).first(),
        },
    )


@staff_required
@require_POST
def report_sign(request: HttpRequest, report_id: int) -> HttpResponse:
    return _report_step(
        request,
        report_id,
        lambda report, user: services.report_sign(report=report, by=user),
        "Report signed. It can no longer be changed, only amended.",
    )


@staff_required
@require_POST
def report_redraft(request: HttpRequest, report_id: int) -> HttpResponse:
    return _report_step(
        request,
        report_id,
        lambda report, user: services.report_redraft(report=report),
        "The record's part was drafted again from today's record.",
    )


def _report_step(
    request: HttpRequest,
    report_id: int,
    step: Callable[[ProgressReport, User], object],
    done: str,
) -> HttpResponse:
    """A button on the report's page: the step, its refusal or `done` as a message, back."""
    actor = actor_for(request)
    report = report_for(actor, report_id, Action.CHANGE_CLINICAL)
    try:
        step(report, actor.user)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, done)
    return redirect("report-detail", report.pk)


@staff_required
@require_POST
def report_amend(request: HttpRequest, report_id: int) -> HttpResponse:
    actor = actor_for(request)
    report = report_for(actor, report_id, Action.CHANGE_CLINICAL)
    form = ReportAmendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the report is amended."))
        return redirect("report-detail", report.pk)
    try:
        amendment = services.report_amend(
            report=report, by=actor.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
        return redirect("report-detail", report.pk)
    messages.success(
        request,
        _("Version %(new)s drafted; version %(old)s stays.")
        % {"new": amendment.version, "old": report.version},
    )
    return redirect("report-detail", amendment.pk)


@never_cache
@staff_required
@require_GET
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_for(actor_for(request), report_id, Action.VIEW_CLINICAL)
    pdf = services.report_pdf(report=report)
    return _pdf_response(pdf, f"progress-report-{report.patient_id}-v{report.version}.pdf")


@never_cache
@staff_required
@require_GET
def report_print(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_for(actor_for(request), report_id, Action.VIEW_CLINICAL)
    return HttpResponse(services.report_document_html(report, for_print=True))


@never_cache
@staff_required
@require_POST
def patient_handout(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    # The handout shows the routine (clinical) and issues a personal link.
    patient = patient_for(actor, patient_id, Action.VIEW_CLINICAL)
    if not patient.is_active:
        messages.error(request, _("A discharged patient cannot be given a link, nor a handout."))
        return redirect("patient-detail", patient.pk)
    try:
        pdf = services.handout_pdf(patient=patient, issued_by=actor.user)
    except ValidationError as error:
        _errors_to_messages(request, error)
        return redirect("patient-detail", patient.pk)
    return _pdf_response(pdf, f"calf-routine-{patient.pk}.pdf")


@staff_required
@require_POST
def patient_handout_email(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.VIEW_CLINICAL)
    try:
        services.handout_email(patient=patient, issued_by=actor.user)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(
            request, _("The handout is on its way to %(email)s.") % {"email": patient.email}
        )
    return redirect("patient-detail", patient.pk)


@never_cache
@patient_required
@require_POST
def own_handout(request: HttpRequest) -> HttpResponse:
    patient = own_patient(actor_for(request), Action.VIEW_CLINICAL)
    try:
        pdf = services.handout_pdf(patient=patient, issued_by=None)
    except ValidationError as error:
        _errors_to_messages(request, error)
        return redirect("patient-home")
    return _pdf_response(pdf, "my-calf-routine.pdf")
