"""Writes of progress reports and the PDFs made from them and from the routine.

A report is drafted by Dorsi (`report_draft`), edited by a therapist while it is a draft
(`report_update`), and signed (`report_sign`), after which nothing changes it: the service
refuses, and so does the database (migration 0002). An amendment (`report_amend`) is a new
draft version that keeps the signed one. Every PDF that leaves the clinic is an export in the
audit trail.
"""

from __future__ import annotations

from datetime import date

import segno
from celery import current_app as current_celery_app
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditAction
from audit.services import audit_record
from clinic import services as clinic_services
from clinic.changes import patient_data_changed
from clinic.models import Patient, PatientAccessLink, User
from exercises.adherence import describe_days
from exercises.models import DoseStyle
from exercises.selectors import current_versions
from exercises.templatetags.routines import dose_text
from reports.draft import report_facts
from reports.due import report_count
from reports.models import ProgressReport, ReportStatus
from reports.pdf import pdf_from_html

SIGNED_IS_LOCKED = gettext_lazy(
    "This report is signed and cannot be changed; amend it to make a new version."
)
TEXT_FIELDS = ("goals", "assessment", "plan")


def _check_period(start: date, end: date, today: date) -> None:
    if end < start:
        raise ValidationError({"period_end": _("The period must end on or after its first day.")})
    if end > today:
        raise ValidationError({"period_end": _("A report cannot cover days still to come.")})


def default_period(patient: Patient) -> tuple[date, date]:
    """Since the count last restarted (intake, re-activation, the last signed report)."""
    clinic = patient.clinic
    return clinic.local_date(report_count(patient).since), clinic.local_today()


@transaction.atomic
def report_draft(
    *,
    patient: Patient,
    by: User,
    period_start: date | None = None,
    period_end: date | None = None,
) -> ProgressReport:
    start, end = default_period(patient)
    start, end = period_start or start, period_end or end
    _check_period(start, end, patient.clinic.local_today())
    return ProgressReport.objects.create(
        clinic=patient.clinic,
        patient=patient,
        period_start=start,
        period_end=end,
        facts=report_facts(patient=patient, period_start=start, period_end=end),
        created_by=by,
    )


def _locked_draft(report: ProgressReport) -> ProgressReport:
    locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_signed:
        raise ValidationError({"status": SIGNED_IS_LOCKED})
    return locked


@transaction.atomic
def report_update(
    *,
    report: ProgressReport,
    by: User,
    goals: str | None = None,
    assessment: str | None = None,
    plan: str | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> ProgressReport:
    """Change a draft's own words or its period (which drafts the record's part again)."""
    locked = _locked_draft(report)
    for name, value in (("goals", goals), ("assessment", assessment), ("plan", plan)):
        if value is not None:
            setattr(locked, name, value.strip())
    start = period_start or locked.period_start
    end = period_end or locked.period_end
    if (start, end) != (locked.period_start, locked.period_end):
        _check_period(start, end, locked.patient.clinic.local_today())
        locked.period_start, locked.period_end = start, end
        locked.facts = report_facts(patient=locked.patient, period_start=start, period_end=end)
    locked.save()
    return locked


@transaction.atomic
def report_redraft(*, report: ProgressReport) -> ProgressReport:
    """Read the record again for a draft (a test corrected, a visit marked since)."""
    locked = _locked_draft(report)
    locked.facts = report_facts(
        patient=locked.patient, period_start=locked.period_start, period_end=locked.period_end
    )
    locked.save(update_fields=["facts", "updated_at"])
    return locked


@transaction.atomic
def report_sign(*, report: ProgressReport, by: User) -> ProgressReport:
    locked = _locked_draft(report)
    if not locked.assessment.strip() or not locked.plan.strip():
        raise ValidationError(
            {"assessment": _("Write your assessment and plan before signing the report.")}
        )
    locked.status = ReportStatus.SIGNED
    locked.signed_by = by
    locked.signed_at = timezone.now()
    locked.save()
    # A signed report restarts the count of visits: the dashboard's flag goes.
    patient_data_changed(locked.patient_id)
    return locked


@transaction.atomic
def report_amend(*, report: ProgressReport, by: User, reason: str) -> ProgressReport:
    """A new draft version of a signed report, which stays as it was signed."""
    signed = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if not signed.is_signed:
        raise ValidationError({"status": _("A draft is edited, not amended.")})
    if not reason.strip():
        raise ValidationError({"amendment_reason": _("Say why the report is amended.")})
    if ProgressReport.objects.filter(amends=signed).exists():
        raise ValidationError({"status": _("This version is amended already: amend the latest.")})
    return ProgressReport.objects.create(
        clinic=signed.clinic,
        patient=signed.patient,
        version=signed.version + 1,
        amends=signed,
        amendment_reason=reason.strip()[:300],
        period_start=signed.period_start,
        period_end=signed.period_end,
        facts=report_facts(
            patient=signed.patient, period_start=signed.period_start, period_end=signed.period_end
        ),
        goals=signed.goals,
        assessment=signed.assessment,
        plan=signed.plan,
        created_by=by,
    )


def reports_anonymise(*, patient_id: int, reason: str) -> None:
    """Empty the therapist's words of every report of an anonymised patient, signed ones too:
    they may name the patient. The record's part holds no identity (the name and birth date are
    read from the patient's row), and nothing else changes (the database lets only this
    through on a signed report)."""
    reports = ProgressReport.objects.filter(patient_id=patient_id)
    reports.exclude(goals="", assessment="", plan="").update(goals="", assessment="", plan="")
    reports.exclude(amendment_reason="").update(amendment_reason=reason)


# --- Documents --------------------------------------------------------------------------------


def report_document_html(report: ProgressReport, *, for_print: bool = False) -> str:
    return render_to_string(
        "reports/report_document.html",
        {
            "report": report,
            "facts": report.facts,
            "for_print": for_print,
            "page_size": page_size(report.patient),
        },
    )


def report_pdf(*, report: ProgressReport) -> bytes:
    """The report as a PDF, recorded in the audit trail as an export."""
    pdf = pdf_from_html(report_document_html(report))
    state = "signed" if report.is_signed else "draft"
    audit_record(
        AuditAction.EXPORT,
        patient=report.patient,
        target=report,
        note=f"progress report PDF, version {report.version} ({state})",
    )
    return pdf


def page_size(patient: Patient) -> str:
    """Letter where clinics print on it (the US and Canada), A4 elsewhere."""
    return "letter" if patient.clinic.phone_region in ("US", "CA") else "A4"


def handout_items(patient: Patient) -> list[dict]:
    """The patient's current routine as the handout shows it, one entry per exercise."""
    items = []
    for version in current_versions(patient=patient):
        schedule = _("%(times)s× a day, %(days)s") % {
            "times": version.times_per_day,
            "days": describe_days(version.days_of_week),
        }
        for item in version.items.all():
            exercise = item.exercise
            if item.style == DoseStyle.IN_AND_OUT:
                rhythm = _(
                    "In and out of tension: %(into)s s easing into the stretch, %(off)s s "
                    "easing off, for the whole bout."
                ) % {"into": item.into_tension_seconds, "off": item.ease_off_seconds}
            else:
                rhythm = _("Static hold: ease into tension and stay there for the whole bout.")
            items.append(
                {
                    "name": exercise.name,
                    "purpose": exercise.purpose,
                    "picture": exercise.picture,
                    "steps": [line for line in exercise.instructions.splitlines() if line.strip()],
                    "cues": [line for line in exercise.cues.splitlines() if line.strip()],
                    "dose": dose_text(item),
                    "sides": _("each side in turn") if item.per_side else _("both legs together"),
                    "rhythm": rhythm,
                    "schedule": schedule,
                    "notes": version.notes,
                }
            )
    return items


HANDOUT_EMAIL_TASK = "reports.tasks.handout_email"


def _handout_document(patient: Patient, link: PatientAccessLink, items: list[dict]) -> bytes:
    url = clinic_services.patient_link_url(link)
    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=4, dark="#000000")
    html = render_to_string(
        "reports/handout_document.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "items": items,
            "qr": qr,
            "link_expires": link.expires_at,
            "page_size": page_size(patient),
            "made_on": patient.clinic.local_today(),
        },
    )
    return pdf_from_html(html)


def _routine_to_print(patient: Patient) -> list[dict]:
    items = handout_items(patient)
    if not items:
        raise ValidationError({"routine": _("This patient has no routine to print.")})
    return items


@transaction.atomic
def handout_pdf(*, patient: Patient, issued_by: User | None) -> bytes:
    """The home-exercise handout with a QR code for a fresh personal link, issued now (and so
    audited, as every link is) and named in the handout's own export row. In the patient's
    language, whoever prints it."""
    with translation.override(patient.language):
        items = _routine_to_print(patient)
        link = clinic_services.patient_link_issue(patient=patient, issued_by=issued_by)
        pdf = _handout_document(patient, link, items)
    audit_record(
        AuditAction.EXPORT,
        patient=patient,
        object_type="handout",
        note=f"home-exercise handout PDF with personal link {link.pk}",
    )
    return pdf


@transaction.atomic
def handout_email(*, patient: Patient, issued_by: User) -> PatientAccessLink:
    """Email the handout to the patient: the link is issued and the export recorded now, the
    PDF made and sent by a worker once this transaction commits."""
    _routine_to_print(patient)
    if not patient.email:
        raise ValidationError({"email": _("This patient has no email address to send it to.")})
    link = clinic_services.patient_link_issue(patient=patient, issued_by=issued_by)
    audit_record(
        AuditAction.EXPORT,
        patient=patient,
        object_type="handout",
        note=f"home-exercise handout PDF emailed to the patient, personal link {link.pk}",
    )
    # By the task's name: the task module calls these services, so they do not import it.
    transaction.on_commit(
        lambda: current_celery_app.send_task(HANDOUT_EMAIL_TASK, kwargs={"link_id": str(link.pk)})
    )
    return link


def handout_email_send(*, link_id: str) -> bool:
    """The worker's part: the handout for the link's patient, sent as a PDF attachment. A link
    revoked or expired before the worker got to it, or a routine ended, is not sent."""
    link = PatientAccessLink.objects.select_related("patient__clinic").filter(pk=link_id).first()
    if link is None or not link.is_usable() or not link.patient.email:
        return False
    patient = link.patient
    with translation.override(patient.language):
        items = handout_items(patient)
        if not items:
            return False
        message = EmailMessage(
            subject=_("Your calf routine from %(clinic)s") % {"clinic": patient.clinic.name},
            body=render_to_string(
                "reports/email/handout.txt",
                {"patient": patient, "clinic": patient.clinic, "expires_at": link.expires_at},
            ),
            to=[patient.email],
        )
        document = _handout_document(patient, link, items)
    message.attach("calf-routine.pdf", document, "application/pdf")
    message.send()
    return True
