"""FHIR R4 export of a patient's knee-to-wall results: a Bundle of Observations, one per side.

No LOINC code for the knee-to-wall test exists, so the Observation code comes from Dorsi's local
code system (CODE_SYSTEM below). Distances are UCUM centimetres; a knee that could not reach the
wall has a value of 0 or less (the negative gap) and a `could-not-reach` component. Laterality
is a component with SNOMED CT's Left/Right qualifiers, beside the bodySite "Ankle joint".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from assessments.interpretation import from_micrometres
from assessments.models import AssessmentKind, AssessmentRevision
from clinic.models import Patient

CODE_SYSTEM = "https://dorsi.example.org/fhir/CodeSystem/knee-to-wall"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ANKLE_JOINT = {"system": SNOMED, "code": "70258002", "display": "Ankle joint"}
LATERALITY_ATTRIBUTE = {"system": SNOMED, "code": "272741003", "display": "Laterality"}
LATERALITY = {
    "left": {"system": SNOMED, "code": "7771000", "display": "Left"},
    "right": {"system": SNOMED, "code": "24028007", "display": "Right"},
}


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _local(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": CODE_SYSTEM, "code": code, "display": display}]}


def observation(revision: AssessmentRevision, side: str) -> dict[str, Any]:
    values = revision.side(side)
    assessment = revision.assessment
    components: list[dict[str, Any]] = [
        {
            "code": {"coding": [LATERALITY_ATTRIBUTE]},
            "valueCodeableConcept": {"coding": [LATERALITY[side]]},
        },
        {
            "code": _local("could-not-reach", "Knee could not reach the wall"),
            "valueBoolean": not values["reached"],
        },
        {
            "code": _local("heel-down", "Heel stayed down"),
            "valueBoolean": bool(values["heel_down"]),
        },
    ]
    if values["tibia_angle_deg"] is not None:
        components.append(
            {
                "code": _local("tibia-angle", "Tibia angle, inclinometer"),
                "valueQuantity": {
                    "value": _number(values["tibia_angle_deg"]),
                    "unit": "deg",
                    "system": UCUM,
                    "code": "deg",
                },
            }
        )
    if values["pain"] is not None:
        components.append(
            {
                "code": _local("pain-during-test", "Pain during the test (0-10)"),
                "valueInteger": values["pain"],
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"ktw-{assessment.pk}-{side}",
        "meta": {"versionId": str(revision.number)},
        "status": "amended" if revision.number > 1 else "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}
        ],
        "code": {
            **_local("knee-to-wall-distance", "Knee-to-wall test, toe-to-wall distance"),
            "text": "Knee-to-wall (weight-bearing lunge) test",
        },
        "subject": {"reference": f"Patient/{assessment.patient_id}"},
        "effectiveDateTime": revision.measured_at.isoformat(),
        "valueQuantity": {
            "value": _number(from_micrometres(values["distance_um"], "cm")),
            "unit": "cm",
            "system": UCUM,
            "code": "cm",
        },
        "bodySite": {"coding": [ANKLE_JOINT], "text": f"{side.capitalize()} ankle joint"},
        "component": components,
    }
    if assessment.kind == AssessmentKind.SELF_TEST:
        resource["performer"] = [{"reference": f"Patient/{assessment.patient_id}"}]
        resource["method"] = _local("self-test", "Self-test by the patient at home")
    elif revision.measured_by_id:
        resource["performer"] = [{"reference": f"Practitioner/{revision.measured_by_id}"}]
    return resource


def knee_to_wall_bundle(*, patient: Patient, revisions: list[AssessmentRevision]) -> dict:
    base = settings.SITE_URL
    entries = [
        {"fullUrl": f"{base}/fhir/Observation/ktw-{rev.assessment_id}-{side}", "resource": res}
        for rev in revisions
        for side in ("left", "right")
        for res in [observation(rev, side)]
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": entries,
    }
