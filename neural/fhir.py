"""FHIR R4 Observations of the neural tests: one per test and side.

No LOINC code fits the straight-leg raise or the slump test as Dorsi records them, so the codes
come from Dorsi's local code system (fhir_codes.NEURAL_TEST, documented in docs/fhir/), and what
Dorsi concluded from Dorsi's interpretation code system (NEURAL_TEST_INTERPRETATION) beside
HL7's POS / NEG / IND where the meaning is the same. Angles are UCUM `deg`. The side is the
bodySite (SNOMED CT lower limb structure, left or right) and a laterality component, as the
knee-to-wall's. A record marked entered in error is exported with status `entered-in-error`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assessments.fhir import LATERALITY, LATERALITY_ATTRIBUTE
from assessments.fhir_codes import (
    DATA_ABSENT_REASON,
    NEURAL_TEST,
    NEURAL_TEST_INTERPRETATION,
    OBSERVATION_CATEGORY,
    OBSERVATION_INTERPRETATION,
    SNOMED,
    UCUM,
)
from clinic.times import export_datetime
from neural.interpretation import FINDING_LABELS, SlrFinding, SlumpFinding
from neural.models import NeuralExam, NeuralTest
from neural.selectors import ExamReading, ResultReading

LOWER_LIMB = {
    "left": {"system": SNOMED, "code": "32153003", "display": "Left lower limb structure"},
    "right": {"system": SNOMED, "code": "62175007", "display": "Right lower limb structure"},
}

# Dorsi's neural-test code system: code -> (display, definition).
NEURAL_CONCEPTS: dict[str, tuple[str, str]] = {
    "straight-leg-raise": (
        "Straight-leg raise, hip flexion at symptom onset",
        "Supine straight-leg raise of one leg: the hip-flexion angle at which the patient's "
        "symptoms came on, in degrees (0-110). No value when no symptoms came on up to the end "
        "of range.",
    ),
    "slump-test": (
        "Slump test, symptoms reproduced",
        "Seated slump test of one side: whether the patient's symptoms were reproduced.",
    ),
    "symptoms-provoked": (
        "Symptoms came on",
        "True when the straight-leg raise brought on symptoms before the end of range.",
    ),
    "greatest-angle": (
        "Greatest angle reached without symptoms",
        "The greatest hip-flexion angle reached when no symptoms came on, in degrees.",
    ),
    "phone-spread": (
        "Spread of the phone's readings",
        "The spread (greatest minus least) of a phone tilt sensor's readings over its capture "
        "window, in degrees; Dorsi refuses a reading that moved more than 1.0°.",
    ),
    "symptom-location": (
        "Furthest the symptoms reached",
        "Where the symptoms were felt: the furthest from the spine they reached.",
    ),
    "location-back": ("Back", "Symptoms in the back only."),
    "location-buttock": ("Buttock", "Symptoms reached the buttock."),
    "location-thigh": ("Thigh", "Symptoms reached the thigh, not below the knee."),
    "location-below-knee": ("Below the knee", "Symptoms radiated below the knee."),
    "bragard": (
        "Ankle dorsiflexion (Bragard) at the onset angle",
        "Structural differentiation: whether dorsiflexing the ankle at the onset angle changed "
        "the symptoms (if so they are neural, not hamstring).",
    ),
    "hip-internal-rotation": (
        "Hip internal rotation at the onset angle",
        "Structural differentiation: whether internally rotating the hip at the onset angle "
        "changed the symptoms.",
    ),
    "crossed-slr": (
        "Crossed straight-leg raise",
        "Whether raising this leg reproduced the symptoms in the other leg.",
    ),
    "neck-extension-eased": (
        "Eased by neck extension",
        "Slump test: whether extending the neck eased the reproduced symptoms.",
    ),
    "changed": ("Changed the symptoms", "The differentiation changed the symptoms."),
    "unchanged": ("Did not change the symptoms", "The differentiation did not change them."),
    "yes": ("Yes", "Yes."),
    "no": ("No", "No."),
    "not-tested": ("Not tested", "Not tested."),
    "phone-tilt-sensor": ("Phone tilt sensor", "Measured with a phone's tilt sensor."),
    "inclinometer": ("Inclinometer", "Measured with an inclinometer."),
    "goniometer": ("Goniometer", "Measured with a goniometer."),
    "estimated-by-eye": (
        "Estimated by eye (approximate)",
        "Estimated by eye, without an instrument: approximate.",
    ),
}
_ANSWER_CODES = {
    "changed": "changed",
    "unchanged": "unchanged",
    "yes": "yes",
    "no": "no",
    "not_tested": "not-tested",
}
_METHOD_CODES = {
    "phone": "phone-tilt-sensor",
    "inclinometer": "inclinometer",
    "goniometer": "goniometer",
    "estimated": "estimated-by-eye",
}

INTERPRETATION_DEFINITIONS: dict[str, str] = {
    SlrFinding.POSITIVE: "SLR: radiating pain below the knee came on between 30° and 70° and "
    "a structural differentiation (Bragard, hip internal rotation) changed it. Slump: the "
    "symptoms were reproduced and eased by neck extension.",
    SlrFinding.NEURAL_ATYPICAL: "SLR: a differentiation changed the symptoms (neural), but "
    "they stayed above the knee or came on outside the classic 30-70° range.",
    SlrFinding.NOT_NEURAL: "SLR: differentiation did not change the symptoms: not neural by "
    "differentiation (hamstring?).",
    SlrFinding.UNDIFFERENTIATED: "Symptoms came on (SLR) or were reproduced (slump), but no "
    "differentiation was tested: neural cannot be told from hamstring.",
    SlrFinding.NEGATIVE: "SLR: no symptoms came on up to the end of range. Slump: the "
    "symptoms were not reproduced.",
    SlumpFinding.NOT_EASED: "Slump: the symptoms were reproduced but not eased by neck extension.",
}
HL7_FINDING = {
    "positive": ("POS", "Positive"),
    "negative": ("NEG", "Negative"),
    "undifferentiated": ("IND", "Indeterminate"),
}


def finding_display(code: str) -> str:
    label = FINDING_LABELS[code]
    return label[0].upper() + label[1:]


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _degrees(value: Decimal) -> dict[str, Any]:
    return {"value": _number(value), "unit": "deg", "system": UCUM, "code": "deg"}


def _local(code: str) -> dict[str, Any]:
    return {"coding": [{"system": NEURAL_TEST, "code": code, "display": NEURAL_CONCEPTS[code][0]}]}


def _answer(component: str, value: str) -> dict[str, Any]:
    return {"code": _local(component), "valueCodeableConcept": _local(_ANSWER_CODES[value])}


def _components(reading: ResultReading) -> list[dict[str, Any]]:
    result = reading.result
    components: list[dict[str, Any]] = [
        {
            "code": {"coding": [LATERALITY_ATTRIBUTE]},
            "valueCodeableConcept": {"coding": [LATERALITY[result.side]]},
        }
    ]
    if result.test == NeuralTest.SLUMP:
        if result.neck_extension_eased:
            components.append(_answer("neck-extension-eased", result.neck_extension_eased))
        return components
    components.append({"code": _local("symptoms-provoked"), "valueBoolean": result.symptoms})
    if result.location:
        location = "location-" + result.location.replace("_", "-")
        components.append(
            {"code": _local("symptom-location"), "valueCodeableConcept": _local(location)}
        )
    if result.bragard:
        components.append(_answer("bragard", result.bragard))
    if result.hip_internal_rotation:
        components.append(_answer("hip-internal-rotation", result.hip_internal_rotation))
    if result.crossed:
        components.append(_answer("crossed-slr", result.crossed))
    if result.max_angle_deg is not None:
        components.append(
            {"code": _local("greatest-angle"), "valueQuantity": _degrees(result.max_angle_deg)}
        )
    if result.angle_spread_deg is not None:
        components.append(
            {"code": _local("phone-spread"), "valueQuantity": _degrees(result.angle_spread_deg)}
        )
    return components


def _interpretation(reading: ResultReading) -> dict[str, Any]:
    finding = reading.interpretation.finding
    coding = []
    if finding in HL7_FINDING:
        code, display = HL7_FINDING[finding]
        coding.append({"system": OBSERVATION_INTERPRETATION, "code": code, "display": display})
    coding.append(
        {
            "system": NEURAL_TEST_INTERPRETATION,
            "code": str(finding),
            "display": finding_display(finding),
        }
    )
    return {"coding": coding, "text": reading.interpretation.text}


def neural_observation(exam: NeuralExam, reading: ResultReading) -> dict[str, Any]:
    result = reading.result
    slr = result.test == NeuralTest.SLR
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"neural-{exam.pk}-{result.test}-{result.side}",
        "status": "entered-in-error" if exam.entered_in_error else "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}
        ],
        "code": {
            **_local("straight-leg-raise" if slr else "slump-test"),
            "text": "Straight-leg raise (SLR)" if slr else "Slump test",
        },
        "subject": {"reference": f"Patient/{exam.patient_id}"},
        "effectiveDateTime": export_datetime(exam.measured_at),
        "performer": [
            {"reference": f"Practitioner/{exam.measured_by_id}", "display": str(exam.measured_by)}
        ],
        "bodySite": {
            "coding": [LOWER_LIMB[result.side]],
            "text": f"{result.side.capitalize()} lower limb",
        },
        "interpretation": [_interpretation(reading)],
        "component": _components(reading),
    }
    if slr:
        if result.symptoms:
            resource["valueQuantity"] = _degrees(result.onset_angle_deg)
        else:
            resource["dataAbsentReason"] = {
                "coding": [
                    {
                        "system": DATA_ABSENT_REASON,
                        "code": "not-applicable",
                        "display": "Not Applicable",
                    }
                ],
                "text": "No symptoms came on up to the end of range: there is no onset angle.",
            }
        if result.angle_method:
            method = _local(_METHOD_CODES[result.angle_method])
            if result.angle_method == "estimated":
                method["text"] = "Estimated by eye: the angle is approximate."
            resource["method"] = method
    else:
        resource["valueBoolean"] = result.symptoms
    notes = []
    if reading.since_first:
        notes.append(f"SLR onset angle since the first: {reading.since_first}.")
    if exam.entered_in_error:
        notes.append(f"Entered in error: {exam.entered_in_error_reason}")
    if exam.notes:
        notes.append(exam.notes)
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def neural_observations(readings: list[ExamReading]) -> list[dict[str, Any]]:
    return [
        neural_observation(reading.exam, item) for reading in readings for item in reading.results
    ]
