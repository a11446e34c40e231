"""A patient's outcome questionnaires as FHIR R4 resources, for the patient's export Bundle
(records/fhir.py): a `Questionnaire` per instrument version answered, a `QuestionnaireResponse`
per set of answers, and an `Observation` per valid total score.

It lives in records, not in questionnaires: the code system URLs are in assessments/fhir_codes.py
(one place for every URL), which the questionnaires app, a sibling of assessments, cannot import.

- The Questionnaire's canonical URL is Dorsi's for an instrument Dorsi ships
  (`https://dorsi.dev/fhir/Questionnaire/<slug>`) and the installation's for a clinic's own
  (`<SITE_URL>/fhir/Questionnaire/clinic-<id>/<slug>`: its slug is unique within the clinic
  only); `version` is the instrument's version, and a response names `url|version`. The licence
  terms are its `copyright`.
- An item whose every answer has a label is a `choice` (answers as valueCoding: the value as
  code, the label as display); a rating whose middle values have no label (NPRS, PSFS) is an
  `integer` between the lowest and highest value (answers as valueInteger). An item where the
  patient names what they rate (the PSFS's activities) is a group of the name and the rating.
- The Observation's value is the total as stored (never recomputed), UCUM `{score}`; its code
  is LOINC's where one exists and is certain (the 0–10 numeric pain rating: 72514-3), and
  Dorsi's questionnaire-score code system (the shipped instrument's slug) beside or instead; a
  clinic's own instrument is named in text only. Its interpretation is the change since the
  first valid score against the MCID, from questionnaires/selectors.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from assessments.fhir_codes import (
    LOINC,
    OBSERVATION_CATEGORY,
    OBSERVATION_INTERPRETATION,
    QUESTIONNAIRE_BASE,
    QUESTIONNAIRE_CHANGE,
    QUESTIONNAIRE_SCORE,
    UCUM,
)
from clinic.models import Patient
from clinic.times import export_datetime
from questionnaires.interpretation import (
    CHANGE_LABELS,
    ChangeClass,
    Interpreted,
    describe_change,
)
from questionnaires.models import Instrument, QuestionnaireResponse
from questionnaires.scoring import Definition, Item, display_total

MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"

# LOINC codes Dorsi is sure of, by the slug of a shipped instrument.
NUMERIC_PAIN_RATING = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
LOINC_BY_SLUG = {"nprs-back": NUMERIC_PAIN_RATING, "nprs-leg": NUMERIC_PAIN_RATING}

# Dorsi's questionnaire-change code system: the values of ChangeClass, as the API names them.
CHANGE_DEFINITIONS: dict[str, str] = {
    ChangeClass.IMPROVED: "Since the first valid score (the baseline), the score changed in the "
    "instrument's better direction by at least its minimal clinically important difference "
    "(MCID), as the instrument or the clinic sets it (points, per cent, or both).",
    ChangeClass.NO_IMPORTANT_CHANGE: "Since the baseline, the score changed by less than the "
    "MCID: not shown as progress or regression.",
    ChangeClass.WORSE: "Since the baseline, the score changed in the instrument's worse "
    "direction by at least the MCID.",
    ChangeClass.NOT_COMPARABLE: "The answers have no valid score (too many unanswered), or the "
    "baseline was scored on another scale, or a per-cent-only MCID met a baseline at the bottom "
    "of the scale: there is no change to judge.",
}
HL7_CHANGE = {ChangeClass.IMPROVED: ("B", "Better"), ChangeClass.WORSE: ("W", "Worse")}


def change_display(code: ChangeClass) -> str:
    label = CHANGE_LABELS[code]
    return label[0].upper() + label[1:]


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def questionnaire_url(instrument: Instrument) -> str:
    if instrument.is_shipped:
        return f"{QUESTIONNAIRE_BASE}/{instrument.slug}"
    return f"{settings.SITE_URL}/fhir/Questionnaire/clinic-{instrument.clinic_id}/{instrument.slug}"


def _questionnaire_id(instrument: Instrument) -> str:
    return f"questionnaire-{instrument.pk}"


def _is_choice(item: Item) -> bool:
    return all(option.label.strip() for option in item.options)


def _anchors(item: Item) -> str:
    labelled = [f"{o.value} = {o.label}" for o in item.options if o.label.strip()]
    return f" ({'; '.join(labelled)})" if labelled else ""


def _question(item: Item, link_id: str) -> dict[str, Any]:
    if _is_choice(item):
        return {
            "linkId": link_id,
            "text": item.text,
            "type": "choice",
            "answerOption": [
                {"valueCoding": {"code": str(option.value), "display": option.label}}
                for option in item.options
            ],
        }
    return {
        "linkId": link_id,
        "text": item.text + _anchors(item),
        "type": "integer",
        "extension": [
            {"url": MIN_VALUE, "valueInteger": item.low},
            {"url": MAX_VALUE, "valueInteger": item.high},
        ],
    }


def _questionnaire_item(item: Item) -> dict[str, Any]:
    if not item.asks_for_label:
        return _question(item, item.id)
    return {
        "linkId": item.id,
        "text": item.text,
        "type": "group",
        "item": [
            {"linkId": f"{item.id}.name", "text": "The activity named", "type": "string"},
            _question(item, f"{item.id}.rating"),
        ],
    }


def questionnaire_resource(instrument: Instrument) -> dict[str, Any]:
    """One version of an instrument, as answered (its items as they were: a used version never
    changes)."""
    definition = instrument.definition()
    name = "".join(part.capitalize() for part in instrument.slug.replace("_", "-").split("-"))
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _questionnaire_id(instrument),
        "url": questionnaire_url(instrument),
        "version": instrument.version,
        "name": name if name[:1].isalpha() else f"Q{name}",
        "title": instrument.name,
        "status": "active" if instrument.is_active else "retired",
        "subjectType": ["Patient"],
        "description": instrument.measures,
        "purpose": instrument.instructions,
        "copyright": instrument.licence_terms,
        "item": [_questionnaire_item(item) for item in definition.items],
    }
    return resource


def _answer(item: Item, value: int) -> dict[str, Any]:
    if _is_choice(item):
        label = next(option.label for option in item.options if option.value == value)
        return {"valueCoding": {"code": str(value), "display": label}}
    return {"valueInteger": value}


def _response_items(response: QuestionnaireResponse) -> list[dict[str, Any]]:
    definition = Definition.from_json(response.definition)
    items = []
    for item in definition.items:
        value = response.answers.get(item.id)
        if not item.asks_for_label:
            if value is not None:
                items.append(
                    {"linkId": item.id, "text": item.text, "answer": [_answer(item, value)]}
                )
            continue
        name = response.item_labels.get(item.id)
        parts = []
        if name:
            parts.append(
                {
                    "linkId": f"{item.id}.name",
                    "text": "The activity named",
                    "answer": [{"valueString": name}],
                }
            )
        if value is not None:
            parts.append({"linkId": f"{item.id}.rating", "answer": [_answer(item, value)]})
        if parts:
            items.append({"linkId": item.id, "text": item.text, "item": parts})
    return items


def _response_id(response: QuestionnaireResponse) -> str:
    return f"questionnaire-response-{response.pk}"


def questionnaire_response_resource(
    response: QuestionnaireResponse, patient: Patient
) -> dict[str, Any]:
    """The answers as given; paper answers name who entered them (`author`), the patient is
    always the `source`."""

    # A new dict for each reference: the Bundle rewrites each one in place.
    def patient_reference() -> dict[str, str]:
        return {"reference": f"Patient/{patient.pk}"}

    author = patient_reference()
    if response.entered_by_id:
        author = {
            "reference": f"Practitioner/{response.entered_by_id}",
            "display": str(response.entered_by),
        }
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _response_id(response),
        "questionnaire": f"{questionnaire_url(response.instrument)}|{response.instrument_version}",
        "status": "completed" if response.is_completed else "in-progress",
        "subject": patient_reference(),
        "authored": export_datetime(response.completed_at or response.updated_at),
        "author": author,
        "source": patient_reference(),
        "item": _response_items(response),
    }
    if not resource["item"]:
        del resource["item"]
    return resource


def _score_code(instrument: Instrument) -> dict[str, Any]:
    coding = []
    if instrument.is_shipped:
        if instrument.slug in LOINC_BY_SLUG:
            coding.append(dict(LOINC_BY_SLUG[instrument.slug]))
        coding.append(
            {"system": QUESTIONNAIRE_SCORE, "code": instrument.slug, "display": instrument.name}
        )
    code: dict[str, Any] = {"text": f"{instrument.name}: total score"}
    if coding:
        code["coding"] = coding
    return code


def _interpretation(interpreted: Interpreted) -> tuple[list[dict], list[dict]]:
    """The change since the baseline as the Observation's interpretation; both changes (since
    the first, since the previous) in plain words as notes."""
    notes = []
    interpretation = []
    change = interpreted.since_first
    if change is not None:
        coding = []
        if change.classification in HL7_CHANGE:
            code, display = HL7_CHANGE[change.classification]
            coding.append({"system": OBSERVATION_INTERPRETATION, "code": code, "display": display})
        coding.append(
            {
                "system": QUESTIONNAIRE_CHANGE,
                "code": str(change.classification),
                "display": change_display(change.classification),
            }
        )
        interpretation.append(
            {
                "coding": coding,
                "text": f"Since the first score: {CHANGE_LABELS[change.classification]}",
            }
        )
        notes.append({"text": f"Since the first score: {describe_change(change)}"})
    elif interpreted.is_baseline:
        notes.append(
            {"text": "Baseline: the first valid score, which later ones are compared with."}
        )
    previous = interpreted.since_previous
    # Since the previous is worth its own note only when the previous was not the baseline.
    if previous is not None and change is not None and previous.before is not change.before:
        notes.append({"text": f"Since the previous answers: {describe_change(previous)}"})
    return interpretation, notes


def score_observation(
    response: QuestionnaireResponse, patient: Patient, interpreted: Interpreted | None
) -> dict[str, Any]:
    """The valid total of one completed response (the caller skips the others)."""
    performer = {"reference": f"Patient/{patient.pk}"}
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"questionnaire-score-{response.pk}",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": _score_code(response.instrument),
        "subject": {"reference": f"Patient/{patient.pk}"},
        "effectiveDateTime": export_datetime(response.completed_at),
        "performer": [performer],
        "valueQuantity": {
            "value": _number(response.total),
            "unit": "score",
            "system": UCUM,
            "code": "{score}",
        },
        "referenceRange": [
            {
                "low": {"value": _number(response.score_min)},
                "high": {"value": _number(response.score_max)},
                "text": f"Scale {display_total(response.score_min)}–"
                f"{display_total(response.score_max)}; "
                f"{Definition.from_json(response.definition).better} is better.",
            }
        ],
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{_response_id(response)}"}],
    }
    if interpreted is not None:
        interpretation, notes = _interpretation(interpreted)
        if interpretation:
            resource["interpretation"] = interpretation
        if notes:
            resource["note"] = notes
    return resource


def questionnaire_resources(
    responses: list[QuestionnaireResponse],
    patient: Patient,
    interpretations: dict[int, Interpreted],
) -> list[dict[str, Any]]:
    """Every version answered as a Questionnaire, then each response, then each valid total."""
    instruments: dict[int, Instrument] = {}
    for response in responses:
        instruments.setdefault(response.instrument_id, response.instrument)
    return [
        *(questionnaire_resource(instrument) for instrument in instruments.values()),
        *(questionnaire_response_resource(response, patient) for response in responses),
        *(
            score_observation(response, patient, interpretations.get(response.pk))
            for response in responses
            if response.is_completed and response.score_valid
        ),
    ]
