"""The dashboard's own table: one summary row per patient, derived from the other apps' data."""

from django.db import models

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
        null=True, blank=True, help_text="Share of prescribed sessions done, last 14 days."
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
            models.Index(fields=["primary_therapist", "is_active", "-urgency"]),
        ]

    def __str__(self) -> str:
        return f"Summary of patient {self.patient_id}"


# --- API tokens -------------------------------------------------------------------------------
