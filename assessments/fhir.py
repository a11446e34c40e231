"""FHIR R4 export of a patient's knee-to-wall results: a Bundle of Observations, one per side,
with the Patient and the Practitioners they reference, so the Bundle stands alone.

No LOINC code for the knee-to-wall test exists, so the Observation code comes from Dorsi's local
code system (CODE_SYSTEM below). Distances are UCUM centimetres; a knee that could not reach the
wall has a negative value (the gap) and a `could-not-reach` component. When the gap was not
measured there is no value: the Observation carries `dataAbsentReason` (not-performed), never a
0 cm that a receiving system would read as a measurement. Laterality is a component with SNOMED
CT's Left/Right qualifiers, beside the bodySite "Ankle joint".
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from assessments.interpretation import SideValue, from_micrometres
from assessments.models import AssessmentKind, AssessmentRevision
from clinic.models import Patient, User

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
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
# The test was done, but the one measurement that gives the value (the gap) was not taken.
GAP_NOT_MEASURED = {
    "coding": [{"system": DATA_ABSENT_REASON, "code": "not-performed", "display": "Not Performed"}],
    "text": "The knee could not reach the wall with the toe against it; the gap was not measured.",
}


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _local(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": CODE_SYSTEM, "code": code, "display": display}]}


def observation(revision: AssessmentRevision, side: str) -> dict[str, Any]:
    values = revision.side(side)
    value = SideValue.of(revision, side)
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
        "bodySite": {"coding": [ANKLE_JOINT], "text": f"{side.capitalize()} ankle joint"},
        "component": components,
    }
    if value.um is None:
        resource["dataAbsentReason"] = GAP_NOT_MEASURED
    else:
        resource["valueQuantity"] = {
            "value": _number(from_micrometres(value.um, "cm")),
            "unit": "cm",
            "system": UCUM,
            "code": "cm",
        }
    if assessment.kind == AssessmentKind.SELF_TEST:
        resource["performer"] = [{"reference": f"Patient/{assessment.patient_id}"}]
        resource["method"] = _local("self-test", "Self-test by the patient at home")
    elif revision.measured_by_id:
        resource["performer"] = [{"reference": f"Practitioner/{revision.measured_by_id}"}]
    return resource


def patient_resource(patient: Patient) -> dict[str, Any]:
    """Who the Observations are about. Contact details are left to the full data export."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "active": patient.is_active,
        "name": [
            {
                "use": "official",
                "text": patient.full_name,
                "family": patient.last_name,
                "given": [patient.first_name],
            }
        ],
        # Dorsi does not record gender; FHIR's answer for that is "unknown".
        "gender": "unknown",
        "birthDate": patient.date_of_birth.isoformat(),
        "managingOrganization": {"display": patient.clinic.name},
    }
    if patient.primary_therapist_id:
        resource["generalPractitioner"] = [
            {
                "reference": f"Practitioner/{patient.primary_therapist_id}",
                "display": str(patient.primary_therapist),
            }
        ]
    return resource


def practitioner_resource(user: User) -> dict[str, Any]:
    """A member of staff named in the Bundle: the name only, no login or contact details."""
    return {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "active": user.is_active,
        "name": [{"text": str(user), "family": user.last_name, "given": [user.first_name]}],
    }


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for child in node.values():
            yield from _references(child)
    elif isinstance(node, list):
        for child in node:
            yield from _references(child)


def collection_bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A Bundle of type "collection" that stands alone: each Practitioner the resources refer
    to is added (one query), so every reference resolves inside the Bundle."""
    present = {f"{r['resourceType']}/{r['id']}" for r in resources}
    wanted = {
        int(reference.removeprefix("Practitioner/"))
        for reference in _references(resources)
        if reference.startswith("Practitioner/") and reference not in present
    }
    practitioners = [
        practitioner_resource(user) for user in User.objects.filter(pk__in=wanted).order_by("pk")
    ]
    base = settings.SITE_URL
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {
                # Relative references ("Patient/7") resolve against this base (FHIR 3.3.1.4.1).
                "fullUrl": f"{base}/fhir/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
            }
            for resource in [*resources, *practitioners]
        ],
    }


def knee_to_wall_bundle(*, patient: Patient, revisions: list[AssessmentRevision]) -> dict:
    observations = [observation(rev, side) for rev in revisions for side in ("left", "right")]
    return collection_bundle([patient_resource(patient), *observations])
