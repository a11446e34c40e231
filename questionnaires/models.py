"""Outcome questionnaires: instruments as data, the requests to answer one, the answers.

An Instrument is one version of a questionnaire. Its questions live in one JSON document
(`items`), checked by the scoring engine (questionnaires/scoring.py) when the instrument is
saved through a form or the admin, and copied whole into every response that uses it: an
instrument is read, versioned and snapshotted as a unit, never queried item by item, and a
clinic loads a licensed one by pasting one document, so rows per item would buy nothing.

A request asks one patient to answer one instrument; its response holds the answers as given
(progress first, then the completed answers) with the score. Nothing here is deleted.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.querysets import AuditedQuerySet
from clinic.fields import NameField
from clinic.models import Clinic, Patient, User
from questionnaires.interpretation import Mcid, McidError, McidRule
from questionnaires.scoring import Better, Definition, ScoringMethod, definition_parse


def _mcid_constraints(prefix: str, *, optional: bool) -> list[models.CheckConstraint]:
    """The MCID's numbers fit its rule; `optional`: a blank rule (use the instrument's) has
    none."""
    points = Q(mcid_absolute__isnull=False, mcid_absolute__gt=0)
    percent = Q(
        mcid_relative_percent__isnull=False,
        mcid_relative_percent__gt=0,
        mcid_relative_percent__lte=100,
    )
    no_points = Q(mcid_absolute__isnull=True)
    no_percent = Q(mcid_relative_percent__isnull=True)
    # Plain strings: the migrations keep the values, never a reference to the enum.
    fits = (
        (Q(mcid_rule=McidRule.ABSOLUTE.value) & points & no_percent)
        | (Q(mcid_rule=McidRule.RELATIVE.value) & no_points & percent)
        | (Q(mcid_rule__in=[McidRule.EITHER.value, McidRule.BOTH.value]) & points & percent)
    )
    if optional:
        fits |= Q(mcid_rule="") & no_points & no_percent
    return [models.CheckConstraint(condition=fits, name=f"{prefix}_mcid_fits_its_rule")]


class McidFields(models.Model):
    mcid_rule = models.CharField(
        max_length=10,
        choices=[(rule.value, rule.value) for rule in McidRule],
        help_text=_(
            "absolute (points), relative (per cent of the earlier score), either "
            "(whichever is reached) or both."
        ),
    )
    mcid_absolute = models.DecimalField(
        "MCID in points", max_digits=6, decimal_places=2, null=True, blank=True
    )
    mcid_relative_percent = models.DecimalField(
        "MCID in per cent", max_digits=5, decimal_places=2, null=True, blank=True
    )
    mcid_source = models.TextField("source of the MCID", blank=True)

    class Meta:
        abstract = True

    def mcid_errors(self) -> dict[str, list[str]]:
        if not self.mcid_rule:
            return {}
        try:
            Mcid.of(self.mcid_rule, self.mcid_absolute, self.mcid_relative_percent)
        except (McidError, ValueError) as exc:
            return {"mcid_rule": [str(exc)]}
        return {}


class InstrumentQuerySet(models.QuerySet):
    def for_clinic(self, clinic_id: int | None) -> "InstrumentQuerySet":
        """The instruments Dorsi ships and the clinic's own, current versions only."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic_id=clinic_id), is_active=True)


class Domain(models.TextChoices):
    """What an instrument's score is about, which decides where its changes count: the
    dashboard's pain or function flag, the outcomes page's pain rows or its "disability or
    function" row. Every instrument is judged by an MCID, so each is one or the other."""

    PAIN = "pain", _("Pain intensity")
    FUNCTION = "function", _("Disability or function")


class Instrument(McidFields):
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Empty for the instruments Dorsi ships; the clinic that holds the licence of "
            "its own otherwise."
        ),
        db_index=False,
    )
    slug = models.SlugField(max_length=60, help_text=_("The same for every version."))
    version = models.CharField(max_length=20, default="1")
    name = NameField(max_length=200)
    short_name = NameField(max_length=40, help_text=_("For tables and charts: 'NPRS back'."))
    measures = models.TextField(help_text=_("What it measures, for staff."))
    domain = models.CharField(
        max_length=10,
        choices=Domain.choices,
        help_text=_(
            "Pain intensity, or disability and function: where its changes count on the "
            "dashboard and the outcomes page."
        ),
    )
    instructions = models.TextField(
        help_text=_("Shown to the patient first: what it is for and how to answer.")
    )
    items = models.JSONField(
        help_text=_(
            'A list of {"id", "text", "options": [{"value", "label"}], '
            '"asks_for_label"}: see the README, "Outcome questionnaires".'
        )
    )
    scoring_method = models.CharField(
        max_length=20, choices=[(method.value, method.value) for method in ScoringMethod]
    )
    score_min = models.DecimalField(max_digits=7, decimal_places=2)
    score_max = models.DecimalField(max_digits=7, decimal_places=2)
    better = models.CharField(
        "better is", max_length=6, choices=[(better.value, better.value) for better in Better]
    )
    missing_items_allowed = models.PositiveSmallIntegerField(
        default=0,
        help_text=_(
            "How many items may be unanswered; the total is then prorated over the "
            "answered ones. More missing: no valid score."
        ),
    )
    scoring_source = models.TextField(
        blank=True, help_text=_("Where the scoring and missing-item rules come from.")
    )
    source = models.TextField(help_text=_("The citation of the instrument."))
    licence_terms = models.TextField(
        help_text=_("The terms under which it is reproduced here; shown wherever it is used.")
    )
    is_active = models.BooleanField(
        default=True, help_text=_("Off for an earlier version: it can no longer be requested.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "version", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "version"],
                condition=Q(clinic__isnull=True),
                name="instrument_shipped_slug_version",
            ),
            models.UniqueConstraint(
                fields=["clinic", "slug", "version"], name="instrument_clinic_slug_version"
            ),
            models.CheckConstraint(
                condition=Q(score_min__lt=F("score_max")), name="instrument_range_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(better__in=[b.value for b in Better]), name="instrument_better_valid"
            ),
            models.CheckConstraint(
                condition=Q(scoring_method__in=[m.value for m in ScoringMethod]),
                name="instrument_scoring_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(domain__in=[d.value for d in Domain]), name="instrument_domain_valid"
            ),
            # A clinic's own instrument is licensed to it: its terms are kept with it.
            models.CheckConstraint(
                condition=~Q(licence_terms="") & ~Q(source=""),
                name="instrument_has_source_and_terms",
            ),
            *_mcid_constraints("instrument", optional=False),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    @property
    def is_shipped(self) -> bool:
        return self.clinic_id is None

    def definition(self) -> Definition:
        """What the scoring engine reads; raises ValidationError when the data is not a valid
        instrument (a form shows each message on its field)."""
        return definition_parse(
            items=self.items,
            scoring_method=self.scoring_method,
            score_min=self.score_min,
            score_max=self.score_max,
            better=self.better,
            missing_items_allowed=self.missing_items_allowed,
        )

    def clean(self) -> None:
        errors = self.mcid_errors()
        try:
            self.definition()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)


# "Every N visits": Medicare asks for a progress report at least every 10 visits; a year of
# weekly visits is the most a schedule could sensibly wait.
MAX_VISITS_BETWEEN_ASKS = 52


class ClinicInstrumentSetting(McidFields):
    """A clinic's choices for one instrument: whether its therapists may ask for it, when the
    clinic's schedule asks for it by itself (questionnaires/schedule.py), and its own MCID (the
    brief's values are defaults). No row: enabled, never asked automatically, with the
    instrument's MCID."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+", db_index=False)
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="settings")
    enabled = models.BooleanField(default=True)
    mcid_rule = models.CharField(
        max_length=10,
        blank=True,
        choices=[(rule.value, rule.value) for rule in McidRule],
        help_text=_("Blank: the instrument's own MCID."),
    )
    # The clinic's schedule: off by default, so nothing is asked for without a therapist until
    # a clinic admin says so.
    ask_at_intake = models.BooleanField(
        "ask at intake",
        default=False,
        help_text=_("Ask each new patient once, in their first two weeks."),
    )
    ask_before_retest = models.BooleanField(
        "ask before each knee-to-wall re-test",
        default=False,
        help_text=_("Ask in the week before each re-test falls due."),
    )
    ask_every_n_visits = models.PositiveSmallIntegerField(
        "ask every N visits",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VISITS_BETWEEN_ASKS)],
        help_text=_("Ask again after this many attended visits; empty: not by visits."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument"], name="clinic_instrument_setting_once"
            ),
            models.CheckConstraint(
                condition=Q(ask_every_n_visits__isnull=True)
                | Q(ask_every_n_visits__gte=1, ask_every_n_visits__lte=MAX_VISITS_BETWEEN_ASKS),
                name="clinic_instrument_setting_every_n_visits_in_range",
            ),
            *_mcid_constraints("clinic_instrument_setting", optional=True),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} at clinic {self.clinic_id}"

    @property
    def asks_automatically(self) -> bool:
        return self.enabled and (
            self.ask_at_intake or self.ask_before_retest or self.ask_every_n_visits is not None
        )

    def clean(self) -> None:
        errors = self.mcid_errors()
        if self.instrument_id and self.instrument.clinic_id not in (None, self.clinic_id):
            errors["instrument"] = [_("This questionnaire belongs to another clinic.")]
        if errors:
            raise ValidationError(errors)


class RequestReason(models.TextChoices):
    INTAKE = "intake", _("At intake")
    BEFORE_RETEST = "before_retest", _("Before a knee-to-wall re-test")
    EVERY_N_VISITS = "every_n_visits", _("Every few visits")
    AD_HOC = "ad_hoc", _("Asked by a therapist")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class QuestionnaireRequest(models.Model):
    """A patient is asked to answer an instrument, by a therapist or by the clinic's schedule."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_requests"
    )
    # Kept with the row so that clinic scoping needs no join through the patient.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", db_index=False)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="requests")
    reason = models.CharField(max_length=20, choices=RequestReason.choices)
    requested_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the clinic's schedule asked."),
    )
    requested_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(help_text=_("In the clinic's time zone."))
    message = models.TextField(blank=True, help_text=_("A word from the therapist to the patient."))
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["clinic", "status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=RequestStatus.OPEN) & Q(closed_at__isnull=True))
                | (
                    Q(status__in=[RequestStatus.COMPLETED, RequestStatus.CANCELLED])
                    & Q(closed_at__isnull=False)
                ),
                name="questionnaire_request_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=~Q(reason=RequestReason.AD_HOC) | Q(requested_by__isnull=False),
                name="questionnaire_request_ad_hoc_has_requester",
            ),
            models.CheckConstraint(
                condition=Q(status=RequestStatus.CANCELLED) | Q(cancelled_by__isnull=True),
                name="questionnaire_request_cancelled_by_only_when_cancelled",
            ),
            # One open request per patient and instrument: one reminder, one place to answer.
            models.UniqueConstraint(
                fields=["patient", "instrument"],
                condition=Q(status=RequestStatus.OPEN),
                name="questionnaire_request_one_open_per_instrument",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.short_name} for patient {self.patient_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN


class QuestionnaireResponse(models.Model):
    """The answers to one request: saved as the patient goes, then completed and scored once.

    The instrument's definition is copied in when answering starts (`definition`, with the
    score's range in `score_min`/`score_max`), so a later version of the instrument never
    changes what these answers meant or how they were scored.
    """

    # One response per request, in progress or completed: a second submission finds this one.
    request = models.OneToOneField(
        QuestionnaireRequest, on_delete=models.PROTECT, related_name="response"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_responses", db_index=False
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    instrument_version = models.CharField(max_length=20)
    definition = models.JSONField(help_text=_("The instrument's definition as answered."))
    score_min = models.DecimalField(max_digits=7, decimal_places=2)
    score_max = models.DecimalField(max_digits=7, decimal_places=2)
    answers = models.JSONField(default=dict, blank=True, help_text=_("{item id: value}."))
    item_labels = models.JSONField(
        default=dict, blank=True, help_text=_("{item id: what the patient named (PSFS)}.")
    )
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The staff member who entered paper answers; empty when the patient answered."),
    )
    submission_key = models.UUIDField(
        unique=True,
        null=True,
        blank=True,
        help_text=_("Sent with the completed answers: a repeated submission records once."),
    )
    total = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty when the answers have no valid score."),
    )
    score_valid = models.BooleanField(default=False)
    missing_items = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["completed_at", "id"]
        indexes = [models.Index(fields=["patient", "instrument", "completed_at"])]
        constraints = [
            # In progress: no key, no score. Completed: a key and a count of missing items.
            models.CheckConstraint(
                condition=(
                    Q(completed_at__isnull=True)
                    & Q(submission_key__isnull=True)
                    & Q(missing_items__isnull=True)
                    & Q(total__isnull=True)
                )
                | (
                    Q(completed_at__isnull=False)
                    & Q(submission_key__isnull=False)
                    & Q(missing_items__isnull=False)
                ),
                name="questionnaire_response_completed_has_key_and_count",
            ),
            # A valid score has a total, an invalid one has none: never a silent 0.
            models.CheckConstraint(
                condition=(Q(score_valid=True) & Q(total__isnull=False))
                | (Q(score_valid=False) & Q(total__isnull=True)),
                name="questionnaire_response_total_iff_valid",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True)
                | (Q(total__gte=F("score_min")) & Q(total__lte=F("score_max"))),
                name="questionnaire_response_total_in_range",
            ),
            models.CheckConstraint(
                condition=Q(score_min__lt=F("score_max")),
                name="questionnaire_response_range_not_empty",
            ),
        ]

    def __str__(self) -> str:
        state = "completed" if self.completed_at else "in progress"
        return f"Answers to request {self.request_id} ({state})"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    def answered_definition(self) -> Definition:
        return Definition.from_json(self.definition)
