"""A patient's knee-to-wall history as files that leave Dorsi (CSV, FHIR). Each is an export
in the audit trail, not a read: the data now lives outside the clinic's access control."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assessments.fhir import knee_to_wall_bundle
from assessments.interpretation import from_micrometres
from assessments.selectors import patient_readings
from audit.models import AuditAction
from audit.services import audit_record
from clinic.models import Patient

KNEE_TO_WALL_CSV_COLUMNS = [
    "measured_at",
    "kind",
    "measured_by",
    "revision",
    "left_cm",
    "left_reached",
    "left_tibia_angle_deg",
    "left_angle_method",
    "left_heel_down",
    "left_pain",
    "right_cm",
    "right_reached",
    "right_tibia_angle_deg",
    "right_angle_method",
    "right_heel_down",
    "right_pain",
    "difference_cm",
    "left_since_baseline",
    "right_since_baseline",
    "left_angle_since_first",
    "right_angle_since_first",
    "compensations",
    "symptomatic_side",
    "notes",
]


def _since_baseline(side_reading) -> str:
    change = side_reading.since_baseline
    return change.classification.value if change else ""


def _angle_since_first(side_reading) -> str:
    change = side_reading.angle_since_baseline
    return change.classification.value if change else ""


def _side(side_reading) -> list[Any]:
    return [
        from_micrometres(side_reading.distance_um, "cm"),
        side_reading.reached,
        side_reading.tibia_angle_deg,
        side_reading.angle_method_measured,
        side_reading.heel_down,
        side_reading.pain,
    ]


@transaction.atomic
def knee_to_wall_export_csv(*, patient: Patient) -> list[list[Any]]:
    """The rows of the CSV (columns: KNEE_TO_WALL_CSV_COLUMNS); the export is audited."""
    rows = []
    for reading in patient_readings(patient=patient):
        revision = reading.revision
        rows.append(
            [
                revision.measured_at,
                revision.assessment.kind,
                str(revision.measured_by or ""),
                revision.number,
                *_side(reading.left),
                *_side(reading.right),
                from_micrometres(reading.asymmetry.difference_um, "cm"),
                _since_baseline(reading.left),
                _since_baseline(reading.right),
                _angle_since_first(reading.left),
                _angle_since_first(reading.right),
                "; ".join(revision.compensations),
                revision.symptomatic_side,
                revision.notes,
            ]
        )
    audit_record(
        AuditAction.EXPORT, patient=patient, object_type="patient", note="knee-to-wall CSV"
    )
    return rows


@transaction.atomic
def knee_to_wall_export_fhir(*, patient: Patient) -> dict:
    """The observations as a FHIR R4 Bundle; the export is audited."""
    bundle = knee_to_wall_bundle(patient=patient, readings=patient_readings(patient=patient))
    audit_record(
        AuditAction.EXPORT, patient=patient, object_type="patient", note="knee-to-wall FHIR"
    )
    return bundle
