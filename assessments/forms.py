"""Input forms for the knee-to-wall pages. They carry the shape and the browser-side limits;
the rules (units, ranges, dates, therapists) are the service's, shared with the API."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.interpretation import MAX_DISTANCE_UM, MAX_GAP_UM, UM_PER_UNIT
from assessments.models import (
    ANGLE_MAX_DEG,
    ANGLE_MIN_DEG,
    AngleMethod,
    AssessmentRevision,
    SpineMotion,
)
from clinic.forms import TherapistChoiceField
from clinic.models import LengthUnit, Side, User

LUMBAR_LABELS = {
    "lumbar_flexion": _("Forward bending"),
    "lumbar_extension": _("Backward bending"),
    "lumbar_side_bend_left": _("Side bending left"),
    "lumbar_side_bend_right": _("Side bending right"),
    "lumbar_rotation_left": _("Rotation left"),
    "lumbar_rotation_right": _("Rotation right"),
}
COMPENSATION_LABELS = {
    "feet_turned_out": _("Feet turned out"),
    "knees_in": _("Knees in / hip internal rotation"),
    "anterior_pelvic_tilt": _("Anterior pelvic tilt"),
    "push_off_turn_out": _("Foot turns out at push-off"),
}


def _number(*, maximum_um: int, unit: str, label: str) -> forms.CharField:
    """A length input: browser-side limits for typing, the service decides."""
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.NumberInput(
            attrs={
                "inputmode": "decimal",
                "step": "any",
                "min": "0",
                "max": f"{maximum_um / UM_PER_UNIT[unit]:g}",
                "data-max-um": str(maximum_um),
                "autocomplete": "off",
            }
        ),
    )


def _angle(*, side: str, self_test: bool) -> forms.CharField:
    """The lunge angle. The data-tilt attributes let the phone measure it (tilt-measure.js):
    it fills the angle, sets the method to the phone, and keeps its readings' spread. A
    patient's angle is only ever the phone's reading: read-only, nothing to type."""
    attrs = {
        "inputmode": "decimal",
        "step": "0.1",
        "min": ANGLE_MIN_DEG,
        "max": ANGLE_MAX_DEG,
        "autocomplete": "off",
        "data-tilt-measure": "lunge",
        "data-tilt-side": side,
        "data-tilt-method-input": f"id_{side}_angle_method",
        "data-tilt-spread-input": f"id_{side}_angle_spread_deg",
    }
    if self_test:
        attrs["readonly"] = True
    return forms.CharField(
        required=False,
        label=_("Shin angle (°)") if self_test else _("Tibia angle (°)"),
        widget=forms.NumberInput(attrs=attrs),
    )


def _angle_method(*, self_test: bool, keeps_unrecorded: bool) -> forms.ChoiceField:
    if self_test:
        # A patient measures with the phone only: the choice is fixed and not shown.
        return forms.ChoiceField(
            choices=[(AngleMethod.PHONE, AngleMethod.PHONE.label)],
            required=False,
            initial=AngleMethod.PHONE,
            widget=forms.HiddenInput,
        )
    # "Not recorded" only where the corrected revision's angle has it (the service keeps it
    # when the angle is unchanged); a new or changed angle always says how it was measured.
    return forms.ChoiceField(
        choices=[
            (method, label)
            for method, label in AngleMethod.choices
            if keeps_unrecorded or method != AngleMethod.UNRECORDED
        ],
        required=False,
        initial=AngleMethod.INCLINOMETER,
        label=_("Angle measured with"),
    )


class KneeToWallForm(forms.Form):
    """Both sides on one screen. Field order is the tab order: the two distances first."""

    unit = forms.ChoiceField(choices=LengthUnit.choices, widget=forms.RadioSelect, label=_("Unit"))
    measured_at = forms.DateTimeField(
        label=_("Tested at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(
        self,
        *args: Any,
        unit: str,
        therapists: list[User] | None = None,
        self_test: bool = False,
        correcting: AssessmentRevision | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("unit", unit)
        initial.setdefault("measured_at", timezone.localtime().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.self_test = self_test
        for side in ("left", "right"):
            self.fields[f"{side}_distance"] = _number(
                maximum_um=MAX_DISTANCE_UM, unit=unit, label=_("Toe-to-wall distance")
            )
        for side in ("left", "right"):
            self.fields[f"{side}_not_reached"] = forms.BooleanField(
                required=False, label=_("Knee could not reach the wall")
            )
        for side in ("left", "right"):
            self.fields[f"{side}_gap"] = _number(
                maximum_um=MAX_GAP_UM, unit=unit, label=_("Gap with the toe at the wall")
            )
        for side in ("left", "right"):
            self.fields[f"{side}_heel_down"] = forms.BooleanField(
                required=False, initial=True, label=_("Heel stayed down")
            )
        for side in ("left", "right"):
            # A CharField: the service checks the range, so every error shows at once.
            self.fields[f"{side}_pain"] = forms.CharField(
                required=False,
                label=_("Pain during the test (0–10)"),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10}),
            )
        for side in ("left", "right"):
            self.fields[f"{side}_tibia_angle_deg"] = _angle(side=side, self_test=self_test)
        for side in ("left", "right"):
            self.fields[f"{side}_angle_method"] = _angle_method(
                self_test=self_test,
                keeps_unrecorded=correcting is not None
                and getattr(correcting, f"{side}_angle_method") == AngleMethod.UNRECORDED,
            )
        for side in ("left", "right"):
            self.fields[f"{side}_angle_spread_deg"] = forms.CharField(
                required=False, widget=forms.HiddenInput
            )
        if not self_test:
            self.fields["measured_by"] = TherapistChoiceField(
                queryset=User.objects.filter(pk__in=[t.pk for t in therapists or []]),
                label=_("Measured by"),
                empty_label=None,
            )
            for field, label in COMPENSATION_LABELS.items():
                self.fields[field] = forms.BooleanField(required=False, label=label)
            self.fields["symptomatic_side"] = forms.ChoiceField(
                choices=Side.choices, label=_("Side of sciatic symptoms")
            )
            motion_choices = [("", _("not tested")), *SpineMotion.choices]
            for field, label in LUMBAR_LABELS.items():
                self.fields[field] = forms.ChoiceField(
                    choices=motion_choices, required=False, label=label
                )
            self.fields["hip_notes"] = forms.CharField(
                required=False, label=_("Hip"), widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields["knee_notes"] = forms.CharField(
                required=False, label=_("Knee"), widget=forms.Textarea(attrs={"rows": 2})
            )
        self.fields["notes"] = forms.CharField(
            required=False, label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3})
        )
        if correcting is not None:
            self.fields["correction_reason"] = forms.CharField(
                label=_("Why are these values corrected?"),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def side_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Rows of the two-column grid: a label, then the left and the right field."""
        names = ["distance", "not_reached", "gap", "heel_down", "pain"]
        if not self.self_test:
            names.append("tibia_angle_deg")
        return [
            (self.fields[f"left_{name}"].label, [self[f"left_{name}"], self[f"right_{name}"]])
            for name in names
        ]

    def compensation_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in COMPENSATION_LABELS]

    def lumbar_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in LUMBAR_LABELS]

    def service_data(self) -> dict[str, Any]:
        """The cleaned input in the shape the assessment services take."""
        data = dict(self.cleaned_data)
        for side in ("left", "right"):
            data[f"{side}_reached"] = not data.pop(f"{side}_not_reached", False)
        return data
