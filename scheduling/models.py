"""Scheduling: working hours and time off, appointment types, appointments (never two at once
for a therapist or a patient: exclusion constraints), the waitlist and calendar feeds."""

import uuid
from datetime import datetime, timedelta

from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.querysets import AuditedQuerySet
from clinic.fields import NameField
from clinic.models import Clinic, Patient, PostgresExclusionConstraint, TsTzRange, User
from clinic.times import local_datetime_text


class WorkingHours(models.Model):
    """A therapist's working time on one weekday, in the clinic's time zone."""

    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(help_text=_("0 is Monday, 6 is Sunday."))
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        # Made in the clinic app before scheduling had an app of its own (migration
        # scheduling 0001 moved it without touching the table).
        db_table = "clinic_workinghours"
        ordering = ["therapist_id", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_hours_weekday"),
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="working_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} day {self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"


class TimeOff(models.Model):
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        # Made in the clinic app before scheduling had an app of its own (migration
        # scheduling 0001 moved it without touching the table).
        db_table = "clinic_timeoff"
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="time_off_order"),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} off {self.starts_at:%Y-%m-%d}"


class AppointmentKind(models.TextChoices):
    INITIAL = "initial", _("Initial assessment")
    FOLLOW_UP = "follow_up", _("Follow-up")
    RETEST = "retest", _("Re-test")


class AppointmentType(models.Model):
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="appointment_types", db_index=False
    )
    kind = models.CharField(max_length=10, choices=AppointmentKind.choices)
    name = NameField(max_length=80)
    default_minutes = models.PositiveSmallIntegerField()

    class Meta:
        # Made in the clinic app before scheduling had an app of its own (migration
        # scheduling 0001 moved it without touching the table).
        db_table = "clinic_appointmenttype"
        ordering = ["clinic_id", "default_minutes", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind"], name="appointment_type_per_kind"),
            models.CheckConstraint(
                condition=Q(default_minutes__gte=5, default_minutes__lte=480),
                name="appointment_type_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")


class AppointmentResponse(models.TextChoices):
    NONE = "", _("No answer")
    CONFIRMED = "confirmed", _("Confirmed")
    RESCHEDULE = "reschedule", _("Asked to reschedule")


# The longest appointment the services book (services._check_slot says so to the front desk).
APPOINTMENT_MAX_LENGTH = timedelta(hours=8)


class AppointmentQuerySet(AuditedQuerySet):
    def active(self) -> "AppointmentQuerySet":
        """Appointments that hold their time: everything but cancelled ones."""
        return self.exclude(status=AppointmentStatus.CANCELLED)

    def overlapping(self, starts_at: datetime, ends_at: datetime) -> "AppointmentQuerySet":
        """Half-open: one ending at 10:00 does not overlap one starting at 10:00.

        Bounded below by the longest an appointment may last, so an index on the start reads
        only the window, not every appointment that ever began before its end."""
        return self.filter(
            starts_at__lt=ends_at,
            starts_at__gt=starts_at - APPOINTMENT_MAX_LENGTH,
            ends_at__gt=starts_at,
        )

    def change(self, *, significant: bool, **fields) -> int:
        """update(**fields) as a change calendar subscribers can see: `updated_at` becomes now
        (the event's DTSTAMP and LAST-MODIFIED) and, when the change is significant in RFC 5545's
        sense (the appointment's time, or its status as a calendar shows it: cancelled), the
        SEQUENCE goes up by one. Every write to an existing appointment goes through here; a new
        one starts with both from the model's defaults."""
        stamp: dict[str, object] = {"updated_at": timezone.now()}
        if significant:
            stamp["sequence"] = F("sequence") + 1
        return self.update(**fields, **stamp)


class Appointment(models.Model):
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    therapist = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    note = models.CharField(max_length=500, blank=True, help_text=_("Front-desk note."))
    series = models.UUIDField(null=True, blank=True, help_text=_("Appointments booked together."))
    booked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    patient_response = models.CharField(
        max_length=10,
        blank=True,
        choices=AppointmentResponse.choices,
        help_text=_("The patient's answer through the reminder link."),
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    # For calendar feeds (scheduling/calendar_feeds.py); written by AppointmentQuerySet.change.
    updated_at = models.DateTimeField(auto_now=True, help_text=_("The last change."))
    sequence = models.PositiveIntegerField(
        default=0, help_text=_("How many times its time or its cancellation changed it (SEQUENCE).")
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        # Made in the clinic app before scheduling had an app of its own (migration
        # scheduling 0001 moved it without touching the table).
        db_table = "clinic_appointment"
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["therapist", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            # The due-list's "asks to reschedule": a handful among the clinic's bookings.
            models.Index(
                fields=["clinic", "starts_at"],
                condition=Q(status="booked", patient_response="reschedule"),
                name="appointment_reschedule_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"
            ),
            PostgresExclusionConstraint(
                name="appointment_no_therapist_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("therapist", RangeOperators.EQUAL),
                ],
                condition=~Q(status=AppointmentStatus.CANCELLED),
            ),
            PostgresExclusionConstraint(
                name="appointment_no_patient_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("patient", RangeOperators.EQUAL),
                ],
                condition=~Q(status=AppointmentStatus.CANCELLED),
            ),
        ]

    def __str__(self) -> str:
        # Read by people (the conflict a booking answers, the admin): the clinic's wall clock.
        when = local_datetime_text(self.starts_at, self.clinic.zone)
        return gettext("%(patient)s with %(therapist)s on %(when)s") % {
            "patient": self.patient,
            "therapist": self.therapist,
            "when": when,
        }


class WaitlistEntry(models.Model):
    """A patient who would take an earlier slot with a therapist, or with anyone."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist")
    therapist = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: any therapist."),
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    booked = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        # Made in the clinic app before scheduling had an app of its own (migration
        # scheduling 0001 moved it without touching the table).
        db_table = "clinic_waitlistentry"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.patient} waiting since {self.created_at:%Y-%m-%d}"


class CalendarFeed(models.Model):
    """A secret .ics address for one therapist's or one patient's appointments."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        # Made in the clinic app before scheduling had an app of its own (migration
        # scheduling 0001 moved it without touching the table).
        db_table = "clinic_calendarfeed"
        constraints = [
            models.CheckConstraint(
                condition=Q(therapist__isnull=True, patient__isnull=False)
                | Q(therapist__isnull=False, patient__isnull=True),
                name="calendar_feed_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.therapist or self.patient}"


# --- Reminders --------------------------------------------------------------------------------
