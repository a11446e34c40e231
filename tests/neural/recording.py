"""Neural tests recorded through the real service, for the tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from neural import services


def slr(side: str = "left", angle: str | None = "45", **values) -> dict:
    """An SLR result; angle None: no symptoms came on."""
    result = {"test": "slr", "side": side, "symptoms": angle is not None}
    if angle is not None:
        result.update(
            onset_angle_deg=angle,
            angle_method="inclinometer",
            location="below_knee",
            bragard="changed",
            hip_internal_rotation="not_tested",
            crossed="no",
        )
    result.update(values)
    return result


def slump(side: str = "left", reproduced: bool = True, eased: str = "yes") -> dict:
    return {
        "test": "slump",
        "side": side,
        "symptoms": reproduced,
        "neck_extension_eased": eased if reproduced else "",
    }


def record_neural(patient, therapist, results=None, *, days_ago: float = 0, **data):
    return services.neural_exam_record(
        patient=patient,
        measured_by=therapist,
        recorded_by=therapist,
        data={
            "measured_at": timezone.now() - timedelta(days=days_ago),
            "results": results if results is not None else [slr(), slr("right", None)],
            **data,
        },
    )
