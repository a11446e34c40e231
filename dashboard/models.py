"""The dashboard's own table: one summary row per patient, derived from the other apps' data."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from clinic.models import Clinic, Patient, User


class PatientSummary(models.Model):
    """One row per patient with what the dashboard shows, kept current by the services.

    The dashboard reads only this table, so its cost does not grow with the patient's history:
    services refresh a patient's row after each write (assessments, session logs,
    prescriptions, bookings, reminders), and a periodic task ages the time-based flags.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+", db_index=False)
    primary_therapist = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    is_active = models.BooleanField(default=True)
    left_um = models.IntegerField(null=True, blank=True)
    right_um = models.IntegerField(null=True, blank=True)
    left_reached = models.BooleanField(default=True)
    right_reached = models.BooleanField(default=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    left_change = models.CharField(max_length=16, blank=True)
    right_change = models.CharField(max_length=16, blank=True)
    left_delta_um = models.IntegerField(null=True, blank=True)
    right_delta_um = models.IntegerField(null=True, blank=True)
    asymmetry_um = models.IntegerField(null=True, blank=True)
    adherence_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Share of prescribed sessions done, last 14 days.")
    )
    last_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    last_pain_on = models.DateField(null=True, blank=True)
    next_appointment_at = models.DateTimeField(null=True, blank=True)
    retest_due_on = models.DateField(null=True, blank=True)
    # Outcome questionnaires: which got worse beyond the MCID ('NPRS back 3 → 6'), and when
    # the oldest open request is (or was) due, in the clinic's time zone.
    questionnaire_worse = models.CharField(max_length=200, blank=True, default="")
    questionnaire_due_on = models.DateField(null=True, blank=True)
    flags = models.PositiveIntegerField(default=0)
    urgency = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        # Made in the clinic app before the dashboard had an app of its own (migration
        # dashboard 0001 moved it without touching the table).
        db_table = "clinic_patientsummary"
        indexes = [
            models.Index(fields=["clinic", "is_active", "-urgency", "patient"]),
            # The dashboard's other sorts (dashboard.summaries.SORTS), a page read in order.
            models.Index(
                fields=["clinic", "is_active", "adherence_percent", "-urgency", "patient"],
                name="summary_by_adherence",
            ),
            models.Index(
                fields=["clinic", "is_active", "last_tested_at", "-urgency", "patient"],
                name="summary_by_tested",
            ),
            models.Index(fields=["primary_therapist", "is_active", "-urgency"]),
        ]

    def __str__(self) -> str:
        return f"Summary of patient {self.patient_id}"


class SummaryCount(models.Model):
    """The summary rows counted per clinic and primary therapist, kept in step with them.

    Written in the same transaction as the summary rows they count (dashboard.counts), so the
    dashboard's header and pager read a handful of rows instead of counting the whole clinic.
    The therapist is a plain number (0: no therapist) rather than a foreign key: a summary row
    whose therapist is deleted keeps being counted in the clinic's total.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+", db_index=False)
    therapist_id = models.PositiveIntegerField()
    # The clinic's limits the standing counts were made with: a change of limits recounts.
    target_um = models.IntegerField()
    needs_work_below_um = models.IntegerField()
    patients = models.IntegerField(default=0, help_text=_("Active patients."))
    discharged = models.IntegerField(default=0)
    untested = models.IntegerField(default=0)
    needs_work = models.IntegerField(default=0)
    below_target = models.IntegerField(default=0)
    at_target = models.IntegerField(default=0)
    adherence_none = models.IntegerField(default=0)
    adherence_low = models.IntegerField(default=0)
    adherence_mid = models.IntegerField(default=0)
    adherence_high = models.IntegerField(default=0)
    # Active patients with each flag (dashboard.flags.Flag), for the pager of a flag filter.
    flag_regression = models.IntegerField(default=0)
    flag_high_pain = models.IntegerField(default=0)
    flag_failed_reminder = models.IntegerField(default=0)
    flag_retest_overdue = models.IntegerField(default=0)
    flag_low_adherence = models.IntegerField(default=0)
    flag_no_follow_up = models.IntegerField(default=0)
    flag_asymmetry = models.IntegerField(default=0)
    flag_below_target = models.IntegerField(default=0)
    flag_not_comparable = models.IntegerField(default=0)
    flag_pain_worse = models.IntegerField(default=0)
    flag_function_worse = models.IntegerField(default=0)
    flag_questionnaire_overdue = models.IntegerField(default=0)
    flag_report_due = models.IntegerField(default=0)
    flag_report_due_soon = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "therapist_id"], name="summary_count_one_per_therapist"
            )
        ]

    def __str__(self) -> str:
        return f"Counts of clinic {self.clinic_id}, therapist {self.therapist_id}"


class ImprovedDay(models.Model):
    """Active patients whose latest test (on this local day) improved beyond the MDC, per
    clinic and therapist: "improved in the last 30 days" sums a month of these rows, so time
    passing needs no write. Rows older than the longest window are pruned by the ageing."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    therapist_id = models.PositiveIntegerField()
    improved = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "day", "therapist_id"], name="improved_day_one_per_therapist"
            )
        ]

    def __str__(self) -> str:
        return f"Improved in clinic {self.clinic_id} on {self.day}"


# --- API tokens -------------------------------------------------------------------------------
