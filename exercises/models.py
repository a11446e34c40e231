"""The exercise library, routine templates, prescriptions and what patients did.

Doses are copied into each prescription when it is made, so later changes to the library never
change what a patient was told to do. A prescription changes by adding a version; every log
points at the version the patient followed.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy, pgettext_lazy

from audit.querysets import AuditedQuerySet
from clinic.fields import NameField
from clinic.models import Clinic, Patient, User

MAX_BOUT_SECONDS = 30 * 60


class DoseStyle(models.TextChoices):
    STATIC = "static", gettext_lazy("Static hold")
    IN_AND_OUT = "in_and_out", gettext_lazy("In and out of tension")


class Dose(models.Model):
    """How long and how: seconds per bout, bouts, per side or not, static or in-and-out."""

    seconds_per_bout = models.PositiveIntegerField(default=90)
    bouts = models.PositiveSmallIntegerField(default=1)
    per_side = models.BooleanField(default=True)
    style = models.CharField(max_length=12, choices=DoseStyle.choices, default=DoseStyle.STATIC)
    into_tension_seconds = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("In-and-out style: seconds moving into tension."),
    )
    ease_off_seconds = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=gettext_lazy("In-and-out style: seconds easing off.")
    )

    class Meta:
        abstract = True

    @classmethod
    def dose_constraints(cls, prefix: str) -> list[models.CheckConstraint]:
        return [
            models.CheckConstraint(
                condition=Q(seconds_per_bout__gte=1, seconds_per_bout__lte=MAX_BOUT_SECONDS),
                name=f"{prefix}_bout_1s_to_30min",
            ),
            models.CheckConstraint(
                condition=Q(bouts__gte=1, bouts__lte=20), name=f"{prefix}_bouts_1_to_20"
            ),
            models.CheckConstraint(
                condition=Q(style=DoseStyle.STATIC)
                | Q(into_tension_seconds__gte=1, ease_off_seconds__gte=1),
                name=f"{prefix}_in_and_out_has_rhythm",
            ),
        ]

    def dose_fields(self) -> dict:
        return {field: getattr(self, field) for field in DOSE_FIELDS}

    @property
    def total_seconds(self) -> int:
        return self.seconds_per_bout * self.bouts * (2 if self.per_side else 1)


DOSE_FIELDS = (
    "seconds_per_bout",
    "bouts",
    "per_side",
    "style",
    "into_tension_seconds",
    "ease_off_seconds",
)


class ExerciseQuerySet(models.QuerySet):
    def for_clinic(self, clinic_id: int | None) -> "ExerciseQuerySet":
        """The shared library and the clinic's own exercises."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic_id=clinic_id), is_active=True)


class Exercise(Dose):
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercises",
        help_text=gettext_lazy("Empty for the shared library; a clinic's own exercises otherwise."),
        db_index=False,
    )
    slug = models.SlugField(max_length=80)
    name = NameField(max_length=120)
    purpose = models.TextField()
    instructions = models.TextField(help_text=gettext_lazy("One step per line."))
    cues = models.TextField(blank=True, help_text=gettext_lazy("One cue per line."))
    picture = models.CharField(
        max_length=200,
        blank=True,
        help_text=gettext_lazy("A path under static/, e.g. img/exercises/x.svg."),
    )
    video_url = models.URLField(blank=True)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="adaptations"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(clinic__isnull=True), name="exercise_shared_slug"
            ),
            models.UniqueConstraint(fields=["clinic", "slug"], name="exercise_clinic_slug"),
            *Dose.dose_constraints("exercise"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.clinic_id is None

    @property
    def steps(self) -> list[str]:
        return [line.strip() for line in self.instructions.splitlines() if line.strip()]

    @property
    def cue_list(self) -> list[str]:
        return [line.strip() for line in self.cues.splitlines() if line.strip()]


class RoutineTemplate(models.Model):
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="routine_templates"
    )
    name = NameField(max_length=120)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RoutineTemplateItem(Dose):
    template = models.ForeignKey(
        RoutineTemplate, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["template_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="template_item_position"),
            *Dose.dose_constraints("template_item"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id}.{self.position}: exercise {self.exercise_id}"


class Prescription(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="prescriptions", db_index=False
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    title = NameField(max_length=120)
    template = models.ForeignKey(
        RoutineTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.title} for patient {self.patient_id}"


class PrescriptionVersion(models.Model):
    """What the patient was told to do from `effective_from` until the next version."""

    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, related_name="versions", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    is_current = models.BooleanField(default=True)
    effective_from = models.DateField()
    times_per_day = models.PositiveSmallIntegerField(default=1)
    days_of_week = models.PositiveSmallIntegerField(
        default=0b1111111, help_text=gettext_lazy("Bit 0 is Monday, bit 6 Sunday.")
    )
    retest_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["prescription_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["prescription", "number"], name="prescription_version_number"
            ),
            models.UniqueConstraint(
                fields=["prescription"],
                condition=Q(is_current=True),
                name="prescription_one_current_version",
            ),
            models.CheckConstraint(
                condition=Q(times_per_day__gte=1, times_per_day__lte=6),
                name="prescription_times_per_day_1_to_6",
            ),
            models.CheckConstraint(
                condition=Q(days_of_week__gte=1, days_of_week__lte=127),
                name="prescription_some_days",
            ),
            models.CheckConstraint(
                condition=Q(retest_on__isnull=True) | Q(retest_on__gt=F("effective_from")),
                name="prescription_retest_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prescription} v{self.number}"


class PrescriptionItem(Dose):
    version = models.ForeignKey(
        PrescriptionVersion, on_delete=models.PROTECT, related_name="items", db_index=False
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="prescription_item_pos"),
            *Dose.dose_constraints("prescription_item"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}.{self.position}: exercise {self.exercise_id}"


class ExerciseStatus(models.TextChoices):
    DONE = "done", pgettext_lazy("exercise status", "Done")
    PARTLY = "partly", pgettext_lazy("exercise status", "Partly")
    SKIPPED = "skipped", pgettext_lazy("exercise status", "Skipped")


class SessionLog(models.Model):
    """One routine session as the patient reported it."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="session_logs", db_index=False
    )
    version = models.ForeignKey(
        PrescriptionVersion, on_delete=models.PROTECT, related_name="session_logs", db_index=False
    )
    session_date = models.DateField(help_text=gettext_lazy("In the clinic's time zone."))
    slot = models.PositiveSmallIntegerField(
        default=1, help_text=gettext_lazy("Which session of the day.")
    )
    pain = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    client_token = models.UUIDField(
        unique=True,
        help_text=gettext_lazy("Sent with the form: a repeated submission records once."),
    )
    logged_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Empty when the patient logged it themselves."),
    )
    logged_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-session_date", "-slot"]
        indexes = [models.Index(fields=["patient", "session_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "session_date", "slot"], name="session_once_per_slot"
            ),
            models.CheckConstraint(
                condition=Q(pain__isnull=True) | Q(pain__gte=0, pain__lte=10),
                name="session_pain_0_to_10",
            ),
            models.CheckConstraint(condition=Q(slot__gte=1, slot__lte=6), name="session_slot"),
        ]

    def __str__(self) -> str:
        return f"Session of patient {self.patient_id} on {self.session_date}"


class ExerciseLog(models.Model):
    session = models.ForeignKey(
        SessionLog, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    item = models.ForeignKey(PrescriptionItem, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=ExerciseStatus.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "item"], name="exercise_log_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} (session {self.session_id})"
