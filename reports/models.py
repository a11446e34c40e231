"""Progress reports: drafted by Dorsi, edited and signed by a therapist, then locked.

A signed report is never changed: an amendment is a new version (`amends` points at the one it
replaces), as a knee-to-wall correction keeps every earlier revision. The measured statements
are a snapshot taken when the draft was made (`facts`), so the signed document says what the
record said when the therapist signed it, whatever is corrected later.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit.querysets import AuditedQuerySet
from clinic.models import Clinic, Patient, User


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class ProgressReport(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="progress_reports", db_index=False
    )
    version = models.PositiveSmallIntegerField(default=1)
    amends = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amended_by",
        help_text=_("The signed report this version replaces."),
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=8, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # What Dorsi drafted from the record, in the interpretation's own words (not editable).
    facts = models.JSONField(default=dict)
    # The therapist's own words.
    goals = models.TextField(blank=True)
    assessment = models.TextField(blank=True, help_text=_("The therapist's assessment."))
    plan = models.TextField(blank=True)
    amendment_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "status", "-signed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status=ReportStatus.SIGNED)
                    & Q(signed_at__isnull=False)
                    & Q(signed_by__isnull=False)
                )
                | (Q(status=ReportStatus.DRAFT) & Q(signed_at__isnull=True)),
                name="progress_report_signed_has_signature",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="progress_report_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(amends__isnull=True) | ~Q(amendment_reason=""),
                name="progress_report_amendment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Progress report {self.pk} (v{self.version}) of patient {self.patient_id}"

    @property
    def is_signed(self) -> bool:
        return self.status == ReportStatus.SIGNED


class ReportSettings(models.Model):
    """A clinic's rule for when a progress report is due (US Medicare: at least once every
    10 treatment visits). No row: the defaults."""

    clinic = models.OneToOneField(
        Clinic, on_delete=models.CASCADE, primary_key=True, related_name="report_settings"
    )
    visits_per_report = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Completed visits in an episode of care after which a progress report is due."),
    )
    warn_from_visit = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1)],
        help_text=_("From this completed visit on, the report is shown as due soon."),
    )

    class Meta:
        verbose_name_plural = "report settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(visits_per_report__gte=1)
                & Q(warn_from_visit__gte=1)
                & Q(warn_from_visit__lte=F("visits_per_report")),
                name="report_settings_warning_before_due",
            )
        ]

    def __str__(self) -> str:
        return f"Report settings of clinic {self.clinic_id}"
