"""Neural tests of the chain: the straight-leg raise (SLR) and the slump test, per side.

A NeuralExam is one sitting, alone or with a knee-to-wall visit; its NeuralTestResults are the
tests done, one row per test and side. Records are never changed: a wrong one is marked
"entered in error" with a reason, and stays on record (shown struck through, left out of the
history, the charts and the exports' interpretation).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessments.models import Assessment
from audit.querysets import AuditedQuerySet
from clinic.models import Clinic, Patient, User
from neural.interpretation import MAX_ANGLE


class NeuralTest(models.TextChoices):
    SLR = "slr", _("Straight-leg raise")
    SLUMP = "slump", _("Slump test")


class TestSide(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")


class AngleMethod(models.TextChoices):
    PHONE = "phone", _("Phone tilt sensor")
    INCLINOMETER = "inclinometer", _("Inclinometer")
    GONIOMETER = "goniometer", _("Goniometer")
    ESTIMATED = "estimated", _("Estimated by eye (approximate)")


class Location(models.TextChoices):
    """Where the symptoms were felt: the furthest from the spine they reached."""

    BACK = "back", pgettext_lazy("body region", "Back")
    BUTTOCK = "buttock", _("Buttock")
    THIGH = "thigh", _("Thigh")
    BELOW_KNEE = "below_knee", _("Below the knee")


class Differentiation(models.TextChoices):
    CHANGED = "changed", _("Changed the symptoms")
    UNCHANGED = "unchanged", _("Did not change them")
    NOT_TESTED = "not_tested", _("Not tested")


class YesNoNotTested(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_TESTED = "not_tested", _("Not tested")


class NeuralExamQuerySet(AuditedQuerySet):
    def valid(self) -> "NeuralExamQuerySet":
        """Not entered in error."""
        return self.filter(entered_in_error_at__isnull=True)


class NeuralExam(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="neural_exams", db_index=False
    )
    # Kept with the row so that clinic scoping needs no join through the patient.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The knee-to-wall visit these tests were done at; empty when alone."),
    )
    measured_at = models.DateTimeField()
    measured_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    notes = models.TextField(blank=True)
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error_reason = models.TextField(blank=True)

    objects = NeuralExamQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["patient", "measured_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(entered_in_error_at__isnull=True, entered_in_error_reason="")
                    | (Q(entered_in_error_at__isnull=False) & ~Q(entered_in_error_reason=""))
                ),
                name="neural_exam_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Neural tests of patient {self.patient_id}"

    @property
    def entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None


def _angle_in_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": MAX_ANGLE})


class NeuralTestResult(models.Model):
    """One test on one side. `symptoms` is, for the SLR, whether symptoms came on before the
    end of range; for the slump test, whether the patient's symptoms were reproduced."""

    exam = models.ForeignKey(
        NeuralExam, on_delete=models.PROTECT, related_name="results", db_index=False
    )
    test = models.CharField(max_length=5, choices=NeuralTest.choices)
    side = models.CharField(max_length=5, choices=TestSide.choices)
    symptoms = models.BooleanField()
    # The SLR
    onset_angle_deg = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    max_angle_deg = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("The greatest angle reached, when no symptoms came on."),
    )
    angle_method = models.CharField(max_length=12, choices=AngleMethod.choices, blank=True)
    angle_spread_deg = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The phone's spread of readings over its capture window (max - min)."),
    )
    location = models.CharField(max_length=10, choices=Location.choices, blank=True)
    bragard = models.CharField(max_length=10, choices=Differentiation.choices, blank=True)
    hip_internal_rotation = models.CharField(
        max_length=10, choices=Differentiation.choices, blank=True
    )
    crossed = models.CharField(max_length=10, choices=YesNoNotTested.choices, blank=True)
    # The slump test
    neck_extension_eased = models.CharField(
        max_length=10, choices=YesNoNotTested.choices, blank=True
    )

    class Meta:
        ordering = ["exam_id", "test", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "test", "side"], name="neural_result_one_per_test_and_side"
            ),
            models.CheckConstraint(
                condition=_angle_in_range("onset_angle_deg"), name="neural_onset_angle_0_to_110"
            ),
            models.CheckConstraint(
                condition=_angle_in_range("max_angle_deg"), name="neural_max_angle_0_to_110"
            ),
            models.CheckConstraint(
                condition=Q(angle_spread_deg__isnull=True) | Q(angle_spread_deg__gte=0),
                name="neural_spread_not_negative",
            ),
            # Symptoms came on at an angle; none came on: no onset and nothing differentiated.
            models.CheckConstraint(
                condition=~Q(test="slr")
                | Q(symptoms=True, onset_angle_deg__isnull=False)
                | Q(
                    symptoms=False,
                    onset_angle_deg__isnull=True,
                    location="",
                    bragard="",
                    hip_internal_rotation="",
                ),
                name="neural_slr_onset_with_symptoms",
            ),
            models.CheckConstraint(
                condition=~Q(test="slump")
                | Q(
                    onset_angle_deg__isnull=True,
                    max_angle_deg__isnull=True,
                    location="",
                    bragard="",
                    hip_internal_rotation="",
                    crossed="",
                ),
                name="neural_slump_has_no_slr_values",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_test_display()}, {self.side}"
