"""The shapes of the questionnaires API. The rules are the services' and the selectors'; these
only give the form (a score and its interpretation come from questionnaires/selectors.py, never
recomputed here)."""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from questionnaires.interpretation import (
    CHANGE_LABELS,
    Change,
    ChangeClass,
    Interpreted,
    McidRule,
    describe_change,
)
from questionnaires.models import (
    Domain,
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
    RequestReason,
    RequestStatus,
)
from questionnaires.scoring import Better, ScoringMethod
from questionnaires.selectors import ClinicMcid

# One choice set, named once in the schema (settings.SPECTACULAR_SETTINGS).
MCID_RULES = [(rule.value, rule.value) for rule in McidRule]

ITEMS_SCHEMA = {
    "type": "array",
    "description": 'The questions: `{"id", "text", "options": [{"value", "label"}], '
    '"asks_for_label"}`; values are whole numbers. `asks_for_label`: the patient names what '
    "they rate (the PSFS's activities).",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$"},
            "text": {"type": "string"},
            "options": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"value": {"type": "integer"}, "label": {"type": "string"}},
                    "required": ["value", "label"],
                },
            },
            "asks_for_label": {"type": "boolean"},
        },
        "required": ["id", "text", "options"],
    },
    "example": [
        {
            "id": "walking",
            "text": "Pain when walking",
            "options": [
                {"value": 0, "label": "None"},
                {"value": 1, "label": "Some"},
                {"value": 2, "label": "A lot"},
            ],
        }
    ],
}

ANSWERS_SCHEMA = {
    "type": "object",
    "description": "{item id: the value chosen}; an item left out, or null, is unanswered.",
    "additionalProperties": {"type": ["integer", "null"]},
    "example": {"nprs-back": 4},
}

LABELS_SCHEMA = {
    "type": "object",
    "description": "{item id: what the patient named} for items that ask for a name (PSFS).",
    "additionalProperties": {"type": ["string", "null"]},
    "example": {"psfs-1": "Climbing stairs"},
}


@extend_schema_field(ITEMS_SCHEMA)
class ItemsField(serializers.JSONField):
    """The items as given: the model (the scoring engine) checks them, per field."""


@extend_schema_field(ANSWERS_SCHEMA)
class AnswersField(serializers.JSONField):
    """Answers as given: the scoring engine checks each one (`answers.<item id>`)."""


@extend_schema_field(LABELS_SCHEMA)
class LabelsField(serializers.JSONField):
    pass


# --- Instruments ------------------------------------------------------------------------------


class McidSerializer(serializers.Serializer):
    """A ClinicMcid."""

    rule = serializers.ChoiceField(
        source="mcid.rule",
        choices=MCID_RULES,
        help_text="absolute (points), relative (per cent of the earlier score), either "
        "(whichever is reached) or both.",
    )
    points = serializers.DecimalField(
        source="mcid.points", max_digits=6, decimal_places=2, allow_null=True
    )
    percent = serializers.DecimalField(
        source="mcid.percent", max_digits=5, decimal_places=2, allow_null=True
    )
    description = serializers.CharField(source="mcid.describe", help_text="'2 points or 30 %'.")
    source = serializers.CharField()
    is_clinic_own = serializers.BooleanField(
        help_text="The clinic set its own MCID for this instrument (else the instrument's)."
    )


@dataclass(frozen=True)
class InstrumentRow:
    instrument: Instrument
    mcid: ClinicMcid


class InstrumentSerializer(serializers.Serializer):
    """An instrument (an InstrumentRow) with the MCID the caller's clinic judges it by."""

    id = serializers.IntegerField(source="instrument.pk")
    slug = serializers.CharField(source="instrument.slug")
    version = serializers.CharField(source="instrument.version")
    name = serializers.CharField(source="instrument.name")
    short_name = serializers.CharField(source="instrument.short_name")
    measures = serializers.CharField(source="instrument.measures")
    domain = serializers.ChoiceField(
        source="instrument.domain",
        choices=Domain.choices,
        help_text="What it rates: pain (intensity) or function (disability or function). "
        "Where its changes count on the dashboard and the outcomes page.",
    )
    instructions = serializers.CharField(source="instrument.instructions")
    items = ItemsField(source="instrument.items")
    scoring_method = serializers.ChoiceField(
        source="instrument.scoring_method", choices=[m.value for m in ScoringMethod]
    )
    score_min = serializers.DecimalField(
        source="instrument.score_min", max_digits=7, decimal_places=2
    )
    score_max = serializers.DecimalField(
        source="instrument.score_max", max_digits=7, decimal_places=2
    )
    better = serializers.ChoiceField(source="instrument.better", choices=[b.value for b in Better])
    missing_items_allowed = serializers.IntegerField(source="instrument.missing_items_allowed")
    scoring_source = serializers.CharField(source="instrument.scoring_source")
    mcid = McidSerializer()
    source = serializers.CharField(source="instrument.source")
    licence_terms = serializers.CharField(
        source="instrument.licence_terms",
        help_text="The terms under which it is reproduced: show them wherever it is used.",
    )
    is_shipped = serializers.BooleanField(
        source="instrument.is_shipped", help_text="Shipped with Dorsi (else the clinic's own)."
    )


class InstrumentInputSerializer(serializers.Serializer):
    """A clinic's own licensed instrument. Only the types are read here: the instrument is
    checked whole by the model (each message on its field)."""

    slug = serializers.CharField(max_length=60, help_text="The same for every version.")
    version = serializers.CharField(max_length=20, default="1")
    name = serializers.CharField(max_length=200)
    short_name = serializers.CharField(max_length=40)
    measures = serializers.CharField(help_text="What it measures, for staff.")
    domain = serializers.ChoiceField(
        choices=Domain.choices,
        help_text="What it rates: pain (intensity) or function (disability or function). "
        "Where its changes count on the dashboard and the outcomes page.",
    )
    instructions = serializers.CharField(help_text="Shown to the patient first.")
    items = ItemsField()
    scoring_method = serializers.ChoiceField(choices=[m.value for m in ScoringMethod])
    score_min = serializers.DecimalField(max_digits=7, decimal_places=2)
    score_max = serializers.DecimalField(max_digits=7, decimal_places=2)
    better = serializers.ChoiceField(choices=[b.value for b in Better])
    missing_items_allowed = serializers.IntegerField(min_value=0, max_value=100, default=0)
    scoring_source = serializers.CharField(required=False, allow_blank=True, default="")
    mcid_rule = serializers.ChoiceField(choices=MCID_RULES)
    mcid_absolute = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, default=None
    )
    mcid_relative_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    mcid_source = serializers.CharField(required=False, allow_blank=True, default="")
    source = serializers.CharField(help_text="The citation of the instrument.")
    licence_terms = serializers.CharField(
        help_text="The terms under which your clinic uses it; shown wherever it is used."
    )


# --- Requests ---------------------------------------------------------------------------------


class QuestionnaireRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    instrument = serializers.IntegerField(source="instrument_id")
    instrument_name = serializers.CharField(source="instrument.name")
    instrument_short_name = serializers.CharField(source="instrument.short_name")
    licence_terms = serializers.CharField(source="instrument.licence_terms")
    reason = serializers.ChoiceField(choices=RequestReason.choices)
    requested_by = serializers.IntegerField(
        source="requested_by_id",
        allow_null=True,
        help_text="Null when the clinic's schedule asked.",
    )
    requested_at = serializers.DateTimeField()
    due_on = serializers.DateField(help_text="In the clinic's time zone.")
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    closed_at = serializers.DateTimeField(allow_null=True)
    response = serializers.SerializerMethodField(
        help_text="The id of the answers given so far or completed; null before any."
    )

    def get_response(self, request: QuestionnaireRequest) -> int | None:
        try:
            return request.response.pk
        except QuestionnaireResponse.DoesNotExist:
            return None


class QuestionnaireRequestInputSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    instrument = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=RequestReason.choices, default=RequestReason.AD_HOC)
    due_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: in 7 days."
    )
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# --- Responses --------------------------------------------------------------------------------


class ScoreChangeSerializer(serializers.Serializer):
    classification = serializers.ChoiceField(
        choices=[c.value for c in ChangeClass],
        help_text="improved / worse only when the change reaches the MCID; "
        "no_important_change otherwise; not_comparable without two valid scores on one scale.",
    )
    label = serializers.SerializerMethodField()
    before = serializers.DecimalField(
        source="before.total", max_digits=7, decimal_places=2, allow_null=True
    )
    after = serializers.DecimalField(
        source="after.total", max_digits=7, decimal_places=2, allow_null=True
    )
    delta = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text="After minus before."
    )
    mcid = serializers.SerializerMethodField(help_text="The MCID it was judged by.")
    words = serializers.SerializerMethodField(
        help_text="'6 → 3, an important improvement (MCID 2 points or 30 %)'."
    )

    def get_label(self, change: Change) -> str:
        return CHANGE_LABELS[change.classification]

    def get_mcid(self, change: Change) -> str:
        return change.mcid.describe()

    def get_words(self, change: Change) -> str:
        return describe_change(change)


class InterpretationSerializer(serializers.Serializer):
    is_baseline = serializers.BooleanField(
        help_text="The first valid score, which later ones are compared with."
    )
    since_first = ScoreChangeSerializer(allow_null=True)
    since_previous = ScoreChangeSerializer(allow_null=True)


@dataclass(frozen=True)
class ResponseRow:
    response: QuestionnaireResponse
    interpretation: Interpreted | None  # None while in progress


class QuestionnaireResponseSerializer(serializers.Serializer):
    """Answers (a ResponseRow) with their score and, once completed, its interpretation."""

    id = serializers.IntegerField(source="response.pk")
    request = serializers.IntegerField(source="response.request_id")
    patient = serializers.IntegerField(source="response.patient_id")
    instrument = serializers.IntegerField(source="response.instrument_id")
    instrument_name = serializers.CharField(source="response.instrument.name")
    instrument_version = serializers.CharField(source="response.instrument_version")
    licence_terms = serializers.CharField(source="response.instrument.licence_terms")
    completed = serializers.BooleanField(source="response.is_completed")
    answers = AnswersField(source="response.answers")
    item_labels = LabelsField(source="response.item_labels")
    started_at = serializers.DateTimeField(source="response.started_at")
    completed_at = serializers.DateTimeField(source="response.completed_at", allow_null=True)
    entered_by = serializers.IntegerField(
        source="response.entered_by_id",
        allow_null=True,
        help_text="The staff member who entered paper answers; null when the patient answered.",
    )
    total = serializers.DecimalField(
        source="response.total",
        max_digits=7,
        decimal_places=2,
        allow_null=True,
        help_text="Null when there is no valid score (never a 0 for missing answers).",
    )
    score_valid = serializers.BooleanField(source="response.score_valid")
    score_min = serializers.DecimalField(
        source="response.score_min", max_digits=7, decimal_places=2
    )
    score_max = serializers.DecimalField(
        source="response.score_max", max_digits=7, decimal_places=2
    )
    better = serializers.SerializerMethodField()
    missing_items = serializers.IntegerField(source="response.missing_items", allow_null=True)
    unanswered_items = serializers.SerializerMethodField(
        help_text="The ids of the items without an answer."
    )
    interpretation = InterpretationSerializer(
        allow_null=True, help_text="Null while the answers are in progress."
    )

    @extend_schema_field({"type": "string", "enum": [b.value for b in Better]})
    def get_better(self, row: ResponseRow) -> str:
        return str(row.response.answered_definition().better)

    def get_unanswered_items(self, row: ResponseRow) -> list[str]:
        definition = row.response.answered_definition()
        return [item.id for item in definition.items if item.id not in row.response.answers]


class ResponseSubmitSerializer(serializers.Serializer):
    request = serializers.IntegerField(help_text="Your open questionnaire request.")
    answers = AnswersField()
    item_labels = LabelsField(required=False, default=None)
    submission_key = serializers.UUIDField(
        help_text="A new uuid per questionnaire filled in: the same key again returns the "
        "answers already recorded (200), never a second copy."
    )


class PaperEntrySerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    request = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The open request answered."
    )
    instrument = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Without a request: the patient's open request of it, or a new one.",
    )
    answers = AnswersField()
    item_labels = LabelsField(required=False, default=None)
    submission_key = serializers.UUIDField()
    completed_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="When the patient filled it in."
    )
