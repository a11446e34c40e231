"""FHIR R4 export of a patient's knee-to-wall results: a Bundle of Observations, one per side,
with the Patient and the Practitioners they reference, so the Bundle stands alone.

No LOINC code for the knee-to-wall test exists, so the Observation code comes from Dorsi's local
code system (fhir_codes.KNEE_TO_WALL, documented in docs/fhir/). Distances are UCUM centimetres;
a knee that could not reach the wall has a negative value (the gap) and a `could-not-reach`
component. When the gap was not measured there is no value: the Observation carries
`dataAbsentReason` (not-performed), never a 0 cm that a receiving system would read as a
measurement. Laterality is a component with SNOMED CT's Left/Right qualifiers, beside the
bodySite "Ankle joint". What Dorsi concluded (standing against the clinic's target, change
against the MDC) is the Observation's `interpretation` and `note`, from the readings of
assessments.selectors, never recomputed here.

`collection_bundle` names every resource `urn:uuid:<uuid5>` of its type and Dorsi id (stable:
the same resource has the same fullUrl in every export of an installation) and points every
reference at those names; Dorsi has no FHIR endpoint for an http fullUrl to answer at.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from assessments.fhir_codes import (
    DATA_ABSENT_REASON,
    KNEE_TO_WALL,
    KNEE_TO_WALL_INTERPRETATION,
    OBSERVATION_CATEGORY,
    OBSERVATION_INTERPRETATION,
    SNOMED,
    UCUM,
    URI_IDENTIFIER,
)
from assessments.interpretation import (
    CHANGE_LABELS,
    STANDING_LABELS,
    Change,
    ChangeClass,
    Standing,
    Thresholds,
    describe_angle_change,
    describe_change,
    display,
    from_micrometres,
)
from assessments.models import AngleMethod, AssessmentKind
from assessments.selectors import Reading
from clinic.models import Patient, User
from clinic.times import export_datetime

ANKLE_JOINT = {"system": SNOMED, "code": "70258002", "display": "Ankle joint"}
LATERALITY_ATTRIBUTE = {"system": SNOMED, "code": "272741003", "display": "Laterality"}
LATERALITY = {
    "left": {"system": SNOMED, "code": "7771000", "display": "Left"},
    "right": {"system": SNOMED, "code": "24028007", "display": "Right"},
}
# The test was done, but the one measurement that gives the value (the gap) was not taken.
GAP_NOT_MEASURED = {
    "coding": [{"system": DATA_ABSENT_REASON, "code": "not-performed", "display": "Not Performed"}],
    "text": "The knee could not reach the wall with the toe against it; the gap was not measured.",
}

# Dorsi's knee-to-wall code system: code -> (display, definition).
KNEE_TO_WALL_CONCEPTS: dict[str, tuple[str, str]] = {
    "knee-to-wall-distance": (
        "Knee-to-wall test, toe-to-wall distance",
        "Weight-bearing lunge (knee-to-wall) test of ankle dorsiflexion: the greatest distance "
        "from the big toe to the wall at which the knee still touches the wall with the heel "
        "down; negative when the knee could not reach the wall with the toe against it (the "
        "remaining knee-to-wall gap).",
    ),
    "could-not-reach": (
        "Knee could not reach the wall",
        "True when the knee could not touch the wall even with the toe against it.",
    ),
    "heel-down": ("Heel stayed down", "True when the heel stayed on the floor during the test."),
    "tibia-angle": (
        "Tibia angle from vertical, weight-bearing lunge",
        "Inclination of the tibia from vertical at the end of the weight-bearing lunge (knee-to-"
        "wall) test, in degrees; below 0 when the shin leaned back from vertical.",
    ),
    # How the angle was measured (Observation.method of a tibia-angle Observation).
    "phone-tilt-sensor": (
        "Phone tilt sensor",
        "Measured with a phone's orientation sensor held on the shin, read in the browser.",
    ),
    "inclinometer": ("Inclinometer", "Measured with an inclinometer on the shin."),
    "goniometer": ("Goniometer", "Measured with a goniometer."),
    "method-not-recorded": (
        "Method not recorded",
        "Recorded before Dorsi kept how an angle was measured.",
    ),
    "pain-during-test": (
        "Pain during the test (0-10)",
        "The patient's pain during the test on a 0 (none) to 10 (worst) numeric scale.",
    ),
    "self-test": (
        "Self-test by the patient at home",
        "The patient did and recorded the test themselves, without a therapist.",
    ),
}

# Dorsi's interpretation code system: its codes are the values of Standing and ChangeClass, the
# ones the API and the CSV files use; displays are the labels the pages show.
INTERPRETATION_DEFINITIONS: dict[str, str] = {
    Standing.AT_TARGET: "The distance reaches the clinic's target.",
    Standing.BELOW_TARGET: "The distance is below the clinic's target but not in the needs-work "
    "range.",
    Standing.NEEDS_WORK: "The distance is below the clinic's needs-work threshold, or the knee "
    "could not reach the wall.",
    ChangeClass.IMPROVED: "Since the baseline (the first clinic test), the distance grew by at "
    "least the minimal detectable change (MDC; clinic settings, by default 1.9 cm when the same "
    "therapist measured both tests, 1.6 cm otherwise, Powden 2015).",
    ChangeClass.NO_REAL_CHANGE: "Since the baseline, the distance changed by less than the "
    "minimal detectable change: not a real change either way.",
    ChangeClass.WORSE: "Since the baseline, the distance shrank by at least the minimal "
    "detectable change.",
    ChangeClass.NOT_COMPARABLE: "The gap was not measured at the baseline or at this test, so "
    "there is no number to compare.",
}


def interpretation_display(code: Standing | ChangeClass) -> str:
    label = STANDING_LABELS[code] if isinstance(code, Standing) else CHANGE_LABELS[code]
    return label[0].upper() + label[1:]


# Where HL7's ObservationInterpretation has the same meaning. Both "needs work" and "below
# target" are Low; "no real change" and "not comparable" have no HL7 code, only Dorsi's.
HL7_STANDING = {
    Standing.AT_TARGET: ("N", "Normal"),
    Standing.BELOW_TARGET: ("L", "Low"),
    Standing.NEEDS_WORK: ("L", "Low"),
}
# B and W are "better / worse than the previous value, the change being significant as the
# test procedure defines it": here, at least the MDC.
HL7_CHANGE = {ChangeClass.IMPROVED: ("B", "Better"), ChangeClass.WORSE: ("W", "Worse")}


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _centimetres(micrometres: int) -> dict[str, Any]:
    return {
        "value": _number(from_micrometres(micrometres, "cm")),
        "unit": "cm",
        "system": UCUM,
        "code": "cm",
    }


def _local(code: str) -> dict[str, Any]:
    display_text = KNEE_TO_WALL_CONCEPTS[code][0]
    return {"coding": [{"system": KNEE_TO_WALL, "code": code, "display": display_text}]}


def _interpretation(
    code: Standing | ChangeClass, hl7: tuple[str, str] | None, text: str
) -> dict[str, Any]:
    coding = []
    if hl7 is not None:
        coding.append({"system": OBSERVATION_INTERPRETATION, "code": hl7[0], "display": hl7[1]})
    coding.append(
        {
            "system": KNEE_TO_WALL_INTERPRETATION,
            "code": str(code),
            "display": interpretation_display(code),
        }
    )
    return {"coding": coding, "text": text}


def _target_text(thresholds: Thresholds) -> str:
    target = display(thresholds.target_um, "cm")
    needs_work = display(thresholds.needs_work_below_um, "cm")
    return f"Clinic target: {target} or more; under {needs_work} needs work."


def _mdc_text(change: Change) -> str:
    return f"minimal detectable change {display(change.mdc_um, 'cm')}"


def _change_note(when: str, change: Change) -> str:
    if change.classification == ChangeClass.NOT_COMPARABLE:
        return f"{when}: {describe_change(change, 'cm')}"
    return f"{when}: {describe_change(change, 'cm')} ({_mdc_text(change)})."


def observation(reading: Reading, side: str, thresholds: Thresholds) -> dict[str, Any]:
    """One side of one test (the reading's current revision), with what Dorsi concluded."""
    revision = reading.revision
    values = revision.side(side)
    side_reading = getattr(reading, side)
    value = side_reading.value
    assessment = revision.assessment
    components: list[dict[str, Any]] = [
        {
            "code": {"coding": [LATERALITY_ATTRIBUTE]},
            "valueCodeableConcept": {"coding": [LATERALITY[side]]},
        },
        {"code": _local("could-not-reach"), "valueBoolean": not value.reached},
        {"code": _local("heel-down"), "valueBoolean": bool(values["heel_down"])},
    ]
    if values["pain"] is not None:
        components.append({"code": _local("pain-during-test"), "valueInteger": values["pain"]})
    standing = side_reading.standing
    interpretation = [
        _interpretation(
            standing,
            HL7_STANDING[standing],
            f"{interpretation_display(standing)}. {_target_text(thresholds)}",
        )
    ]
    notes = []
    change = side_reading.since_baseline
    if change is not None:
        interpretation.append(
            _interpretation(
                change.classification,
                HL7_CHANGE.get(change.classification),
                f"Since the baseline: {CHANGE_LABELS[change.classification]}",
            )
        )
        notes.append(_change_note("Since the baseline (the first clinic test)", change))
    elif reading.is_baseline:
        notes.append("Baseline: the first clinic test, which later clinic tests are compared with.")
    elif reading.is_self_test:
        notes.append("Self-test: shown beside the clinic's tests, never compared with the MDC.")
    previous = side_reading.since_previous
    if previous is not None and reading.previous is not None and not reading.previous.is_baseline:
        notes.append(_change_note("Since the previous clinic test", previous))
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"ktw-{assessment.pk}-{side}",
        "meta": {"versionId": str(revision.number)},
        "status": "amended" if revision.number > 1 else "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}
        ],
        "code": {
            **_local("knee-to-wall-distance"),
            "text": "Knee-to-wall (weight-bearing lunge) test",
        },
        "subject": {"reference": f"Patient/{assessment.patient_id}"},
        "effectiveDateTime": export_datetime(revision.measured_at),
        "bodySite": {"coding": [ANKLE_JOINT], "text": f"{side.capitalize()} ankle joint"},
        "interpretation": interpretation,
        "referenceRange": [
            {"low": _centimetres(thresholds.target_um), "text": _target_text(thresholds)}
        ],
        "component": components,
    }
    if value.um is None:
        resource["dataAbsentReason"] = GAP_NOT_MEASURED
    else:
        resource["valueQuantity"] = _centimetres(value.um)
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    if assessment.kind == AssessmentKind.SELF_TEST:
        resource["performer"] = [{"reference": f"Patient/{assessment.patient_id}"}]
        resource["method"] = _local("self-test")
    elif revision.measured_by_id:
        resource["performer"] = [
            {
                "reference": f"Practitioner/{revision.measured_by_id}",
                "display": str(revision.measured_by),
            }
        ]
    return resource


ANGLE_METHOD_CODES = {
    AngleMethod.PHONE: "phone-tilt-sensor",
    AngleMethod.INCLINOMETER: "inclinometer",
    AngleMethod.GONIOMETER: "goniometer",
    AngleMethod.UNRECORDED: "method-not-recorded",
}


def angle_observation(reading: Reading, side: str) -> dict[str, Any] | None:
    """A side's measured lunge angle, in its own Observation: a component cannot carry how it
    was measured, an Observation's `method` can. None when no angle was measured (an angle
    estimated from the distance is not a measurement: the distance Observation is exported)."""
    side_reading = getattr(reading, side)
    angle = side_reading.angle
    if not angle.measured:
        return None
    revision = reading.revision
    assessment = revision.assessment
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"ktw-angle-{assessment.pk}-{side}",
        "meta": {"versionId": str(revision.number)},
        "status": "amended" if revision.number > 1 else "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}
        ],
        "code": {**_local("tibia-angle"), "text": "Lunge angle (tibia from vertical)"},
        "subject": {"reference": f"Patient/{assessment.patient_id}"},
        "effectiveDateTime": export_datetime(revision.measured_at),
        "bodySite": {"coding": [ANKLE_JOINT], "text": f"{side.capitalize()} ankle joint"},
        "method": _local(ANGLE_METHOD_CODES[angle.method]),
        "valueQuantity": {
            "value": _number(angle.degrees),
            "unit": "deg",
            "system": UCUM,
            "code": "deg",
        },
        "component": [
            {
                "code": {"coding": [LATERALITY_ATTRIBUTE]},
                "valueCodeableConcept": {"coding": [LATERALITY[side]]},
            }
        ],
    }
    change = side_reading.angle_since_baseline
    if change is not None:
        interpretation: dict[str, Any] = {
            "text": f"Since the first measured angle: {describe_angle_change(change)}"
        }
        hl7 = HL7_CHANGE.get(change.classification)
        if hl7 is not None:
            interpretation["coding"] = [
                {"system": OBSERVATION_INTERPRETATION, "code": hl7[0], "display": hl7[1]}
            ]
        resource["interpretation"] = [interpretation]
    if side_reading.angle_spread_deg is not None:
        resource["note"] = [
            {"text": f"Captured steady: the readings moved {side_reading.angle_spread_deg}°."}
        ]
    if assessment.kind == AssessmentKind.SELF_TEST:
        resource["performer"] = [{"reference": f"Patient/{assessment.patient_id}"}]
    elif revision.measured_by_id:
        resource["performer"] = [
            {
                "reference": f"Practitioner/{revision.measured_by_id}",
                "display": str(revision.measured_by),
            }
        ]
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


# --- The Bundle ---------------------------------------------------------------------------------


def resource_uuid(local_reference: str) -> uuid.UUID:
    """The name of a resource outside Dorsi, from its type and Dorsi id ("Patient/7"): the same
    in every export of this installation (settings.FHIR_NAMESPACE), different between two."""
    return uuid.uuid5(settings.FHIR_NAMESPACE, local_reference)


def _reference_nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node
        for child in node.values():
            yield from _reference_nodes(child)
    elif isinstance(node, list):
        for child in node:
            yield from _reference_nodes(child)


def collection_bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A Bundle of type "collection" that stands alone.

    The resources come with Dorsi ids and relative references ("Practitioner/3"). Each
    Practitioner referred to is added (one query); then every resource is named by its
    urn:uuid (its `id` becomes that uuid) and every reference is rewritten to the name of the
    entry it points at. A reference to a resource that is not in the Bundle is a bug in the
    export and raises, rather than leave another system a reference it cannot follow.
    """
    present = {f"{r['resourceType']}/{r['id']}" for r in resources}
    wanted = {
        int(node["reference"].removeprefix("Practitioner/"))
        for node in _reference_nodes(resources)
        if node["reference"].startswith("Practitioner/") and node["reference"] not in present
    }
    practitioners = [
        practitioner_resource(user) for user in User.objects.filter(pk__in=wanted).order_by("pk")
    ]
    everything = [*resources, *practitioners]
    names = {
        f"{r['resourceType']}/{r['id']}": resource_uuid(f"{r['resourceType']}/{r['id']}")
        for r in everything
    }
    for node in _reference_nodes(everything):
        target = names.get(node["reference"])
        if target is None:
            raise ValueError(f"{node['reference']} is referenced but not in the Bundle.")
        node["reference"] = f"urn:uuid:{target}"
    entries = []
    for resource in everything:
        name = names[f"{resource['resourceType']}/{resource['id']}"]
        resource["id"] = str(name)
        entries.append({"fullUrl": f"urn:uuid:{name}", "resource": resource})
    # Each export is a new Bundle: its own identifier, however often the same record is sent.
    bundle_id = uuid.uuid4()
    now = export_datetime(timezone.now())
    return {
        "resourceType": "Bundle",
        "id": str(bundle_id),
        "meta": {"lastUpdated": now},
        "identifier": {"system": URI_IDENTIFIER, "value": f"urn:uuid:{bundle_id}"},
        "type": "collection",
        "timestamp": now,
        "entry": entries,
    }


def knee_to_wall_bundle(*, patient: Patient, readings: list[Reading]) -> dict:
    thresholds = Thresholds.for_clinic(patient.clinic)
    observations = [
        observation(reading, side, thresholds) for reading in readings for side in ("left", "right")
    ]
    for reading in readings:
        for side in ("left", "right"):
            angle = angle_observation(reading, side)
            if angle is not None:
                observations.append(angle)
    return collection_bundle([patient_resource(patient), *observations])
