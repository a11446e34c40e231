import uuid
import zoneinfo
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.querysets import AuditedQuerySet
from clinic.fields import NameField


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone such as Europe/Berlin.") % {"value": repr(value)}
        )


class LengthUnit(models.TextChoices):
    CM = "cm", _("centimetres")
    IN = "in", _("inches")


class Clinic(models.Model):
    """A clinic and its clinical settings.

    The thresholds default to the clinical brief's reference values; they are a clinic's choice,
    not constants, so each clinic can adjust them. Lengths are stored in millimetres as decimals
    so that both 12.7 cm and 3 in (76.2 mm) are exact.
    """

    name = NameField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone], help_text=_("IANA name.")
    )
    display_unit = models.CharField(max_length=2, choices=LengthUnit.choices, default=LengthUnit.CM)
    phone_region = models.CharField(
        max_length=2,
        default="US",
        help_text=_("ISO country code used to read phone numbers written without a +country code."),
    )
    email = models.EmailField(
        blank=True,
        help_text=_("The clinic's own address: a patient's reply to a reminder goes here."),
    )
    # Knee-to-wall reference values (clinical brief): targets are clinic settings.
    target_distance_mm = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("127.00"),
        help_text=_("Knee-to-wall distance considered optimal (source clinic: 5 in / 12.7 cm)."),
    )
    needs_work_below_mm = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("76.20"),
        help_text=_("Below this distance the ankle needs work (3 in / 7.6 cm)."),
    )
    asymmetry_over_mm = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("15.00"),
        help_text=_("Flag a side-to-side difference over this (1.5 cm)."),
    )
    mdc_same_therapist_mm = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("19.00"),
        help_text=_("Minimal detectable change, same therapist (Powden 2015: 1.9 cm)."),
    )
    mdc_other_therapist_mm = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("16.00"),
        help_text=_("Minimal detectable change, different therapists (Powden 2015: 1.6 cm)."),
    )
    angle_mdc_same_therapist_deg = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("4.7"),
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text=_(
            "Minimal detectable change of the lunge angle, same therapist (Powden 2015: 4.7°)."
        ),
    )
    angle_mdc_other_therapist_deg = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("4.6"),
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text=_(
            "Minimal detectable change of the lunge angle, different therapists "
            "(Powden 2015: 4.6°)."
        ),
    )
    retest_interval_days = models.PositiveSmallIntegerField(
        default=21,
        validators=[MinValueValidator(1)],
        help_text=_("Days after an assessment that a re-test falls due."),
    )
    appointment_reminder_hours = models.CharField(
        max_length=50,
        default="24,2",
        help_text=_("Hours before an appointment to remind the patient, comma-separated."),
    )
    quiet_hours_start = models.TimeField(default=time(21), help_text=_("No patient messages from…"))
    quiet_hours_end = models.TimeField(default=time(8), help_text=_("…until."))
    digest_time = models.TimeField(default=time(7), help_text=_("The therapists' daily digest."))
    staff_two_factor_required = models.BooleanField(
        default=False,
        help_text=_(
            "Therapists and front desk sign in with a one-time code too (clinic admins always do)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_distance_mm__gt=0)
                & Q(needs_work_below_mm__gt=0)
                & Q(asymmetry_over_mm__gt=0)
                & Q(mdc_same_therapist_mm__gt=0)
                & Q(mdc_other_therapist_mm__gt=0),
                name="clinic_thresholds_positive",
            ),
            models.CheckConstraint(
                condition=Q(angle_mdc_same_therapist_deg__gt=0)
                & Q(angle_mdc_other_therapist_deg__gt=0),
                name="clinic_angle_mdc_positive",
            ),
            models.CheckConstraint(
                condition=Q(retest_interval_days__gte=1), name="clinic_retest_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_now(self) -> datetime:
        return timezone.now().astimezone(self.zone)

    def local_date(self, moment: datetime) -> date:
        """The clinic's calendar day at this moment: what its staff and patients call the date."""
        return moment.astimezone(self.zone).date()

    def local_today(self, now: datetime | None = None) -> date:
        """The clinic's calendar day now (or at `now`, for a caller that holds one moment)."""
        return self.local_date(now or timezone.now())


class Role(models.TextChoices):
    THERAPIST = "therapist", _("Therapist")
    FRONT_DESK = "front_desk", _("Front desk")
    CLINIC_ADMIN = "clinic_admin", _("Clinic admin")


class User(AbstractUser):
    """A member of staff. Patients are not users: they sign in with a personal link."""

    # AbstractUser's own fields (same arguments), as names people read.
    first_name = NameField(_("first name"), max_length=150, blank=True)
    last_name = NameField(_("last name"), max_length=150, blank=True)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    length_unit = models.CharField(
        max_length=2,
        choices=LengthUnit.choices,
        blank=True,
        help_text=_("The unit this person last entered measurements in; blank: the clinic's."),
    )

    objects = UserManager()

    class Meta:
        constraints = [
            # Staff of a clinic always have a role; a role always belongs to a clinic.
            models.CheckConstraint(
                condition=(Q(clinic__isnull=True) & Q(role=""))
                | (Q(clinic__isnull=False) & Q(role__in=Role.values)),
                name="user_clinic_and_role_together",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_clinician(self) -> bool:
        return self.role in {Role.THERAPIST, Role.CLINIC_ADMIN}

    def is_active_clinician_of(self, clinic_id: int | None) -> bool:
        """Whether this person may measure, treat and be booked at the clinic."""
        return self.is_active and self.is_clinician and self.clinic_id == clinic_id

    @property
    def preferred_unit(self) -> str:
        if self.length_unit:
            return self.length_unit
        return self.clinic.display_unit if self.clinic_id else LengthUnit.CM


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    NONE = "none", _("No reminders")


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BOTH = "both", _("Both")
    NONE = "none", _("None")


class PatientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISCHARGED = "discharged", _("Discharged")


class PatientQuerySet(AuditedQuerySet):
    def active(self) -> "PatientQuerySet":
        return self.filter(status=PatientStatus.ACTIVE)


class Patient(models.Model):
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="patients", db_index=False
    )
    first_name = NameField(max_length=100)
    last_name = NameField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text=_("E.164, e.g. +15551234567."))
    reminder_channel = models.CharField(
        max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.EMAIL
    )
    reminder_consent = models.BooleanField(default=False)
    reminder_consent_at = models.DateTimeField(null=True, blank=True)
    primary_therapist = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="primary_patients",
        db_index=False,
    )
    symptomatic_side = models.CharField(max_length=5, choices=Side.choices, default=Side.NONE)
    exercise_reminder_time = models.TimeField(
        default=time(18), help_text=_("Local time of the home-exercise reminder.")
    )
    # A code from settings.LANGUAGES, or "" for the installation's LANGUAGE_CODE. No choices
    # here: the list is the environment's, and a migration must not change with it.
    preferred_language = models.CharField(
        max_length=10,
        blank=True,
        default="",
        help_text=_("The language of the patient's pages, messages and handout."),
    )
    status = models.CharField(
        max_length=12, choices=PatientStatus.choices, default=PatientStatus.ACTIVE
    )
    discharged_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Identity removed; measurements kept for statistics.")
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by scheduling (services.patient_appointments_refresh) wherever an appointment is
    # written, so the due-list finds who has nothing booked, or enough visits for a progress
    # report, from an index instead of scanning every booking of the clinic (issue 19).
    booked_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("Start of the latest booked appointment."),
    )
    completed_visits = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("Appointments marked completed, all episodes.")
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # The patient list of one status and the dashboard's name sort, read in order.
            models.Index(
                fields=["clinic", "status", "last_name", "first_name", "id"],
                name="patient_by_status_and_name",
            ),
            # The patient list's default order, so a page is read from the index.
            models.Index(fields=["clinic", "last_name", "first_name", "id"]),
            models.Index(fields=["primary_therapist", "status"]),
            # The due-list's candidates: patients in care with nothing booked ahead...
            models.Index(
                fields=["clinic", "booked_until"],
                condition=Q(status=PatientStatus.ACTIVE),
                name="patient_booked_until_idx",
            ),
            # ... and those with visits enough to be due a progress report.
            models.Index(
                fields=["clinic", "completed_visits"],
                condition=Q(status=PatientStatus.ACTIVE),
                name="patient_completed_visits_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=PatientStatus.DISCHARGED) & Q(discharged_at__isnull=False))
                | (Q(status=PatientStatus.ACTIVE) & Q(discharged_at__isnull=True)),
                name="patient_discharged_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(reminder_consent=False) | Q(reminder_consent_at__isnull=False),
                name="patient_consent_has_timestamp",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return Patient.name_of(self.first_name, self.last_name)

    @staticmethod
    def name_of(first_name: str, last_name: str) -> str:
        """The name as people read it, from its parts: for a list read without the rows."""
        return f"{first_name} {last_name}"

    @property
    def is_active(self) -> bool:
        return self.status == PatientStatus.ACTIVE

    @property
    def language(self) -> str:
        """The language to address the patient in: their choice while the installation still
        offers it, else the installation's own."""
        offered = {code for code, _name in settings.LANGUAGES}
        if self.preferred_language in offered:
            return self.preferred_language
        return settings.LANGUAGE_CODE


class PatientAccessLinkQuerySet(AuditedQuerySet):
    def usable(self, at: datetime | None = None) -> "PatientAccessLinkQuerySet":
        at = at or timezone.now()
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=at, patient__status=PatientStatus.ACTIVE
        )


class PatientAccessLink(models.Model):
    """A personal link that lets a patient in without a password.

    The URL carries this row's random id signed with SECRET_KEY; the row makes the link
    expiring and revocable. Neither a leaked database (no key) nor a guessed id (no signature)
    is enough to open a patient's pages.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="access_links")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_opened_at = models.DateTimeField(null=True, blank=True)

    objects = PatientAccessLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="access_link_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"Link for patient {self.patient_id} until {self.expires_at:%Y-%m-%d}"

    def is_usable(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at and self.patient.is_active


class Heartbeat(models.Model):
    """The last time a periodic task scheduled by beat actually ran on a worker."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


# --- Database helpers for time ranges (the scheduling app's exclusion constraints; old
# migrations refer to them here) ---------------------------------------------------------


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that PostgreSQL enforces.

    Other databases (the SQLite demo) have no exclusion constraints; there the booking service's
    own check is the only guard, which is why production and CI run on PostgreSQL.
    """

    @staticmethod
    def _enforced(schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return (
            super().constraint_sql(model, schema_editor) if self._enforced(schema_editor) else None
        )

    def create_sql(self, model, schema_editor):
        if not self._enforced(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._enforced(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


class TaskProgress(models.Model):
    """A periodic task's place in its work, and the last time it ran out of time.

    The reminder planner commits each chunk together with its `cursor`, so a run that a time
    limit cuts short keeps what it planned and the next run goes on from there. Any task that
    hits a Celery time limit gets `timed_out_at`; it stays shown (health check, failed
    deliveries) until the task next completes its work (`completed_at`).
    """

    name = models.CharField(max_length=100, unique=True)
    cursor = models.JSONField(default=dict, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    timed_out_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    @property
    def out_of_time(self) -> bool:
        """It ran out of time and has not completed its work since."""
        return self.timed_out_at is not None and (
            self.completed_at is None or self.completed_at < self.timed_out_at
        )
