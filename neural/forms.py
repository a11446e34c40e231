"""Input forms for the neural-test pages. They carry the shape and the browser-side limits; the
rules (ranges, what goes with what, the visit) are the service's, shared with the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinic.forms import TherapistChoiceField
from clinic.models import User
from neural.models import YesNoNotTested

SIDES = ("left", "right")
# Short labels: two selects side by side on a phone are about 100 px wide each.
SLR_STATUS = [("", _("Not tested")), ("symptoms", _("Yes")), ("no_symptoms", _("No"))]
SLUMP_STATUS = [("", _("Not tested")), ("reproduced", _("Yes")), ("not_reproduced", _("No"))]
METHODS = [
    ("phone", _("Phone")),
    ("inclinometer", _("Inclinometer")),
    ("goniometer", _("Goniometer")),
    ("estimated", _("By eye (≈)")),
]
LOCATIONS = [
    ("back", pgettext_lazy("body region", "Back")),
    ("buttock", _("Buttock")),
    ("thigh", _("Thigh")),
    ("below_knee", _("Below knee")),
]
DIFFERENTIATIONS = [
    ("changed", _("Changed")),
    ("unchanged", _("No change")),
    ("not_tested", _("Not tested")),
]


def _angle(label: str) -> forms.CharField:
    # A CharField: the service checks the range, so every error shows at once.
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.NumberInput(
            attrs={
                "inputmode": "decimal",
                "step": "0.1",
                "min": 0,
                "max": 110,
                "autocomplete": "off",
            }
        ),
    )


def _choices(choices, empty: str) -> list[tuple[str, str]]:
    return [("", empty), *choices]


class NeuralTestsForm(forms.Form):
    """Both sides of both tests on one screen, in the order a therapist does them."""

    measured_at = forms.DateTimeField(
        label=_("Tested at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, therapists: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("measured_at", timezone.localtime().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        # The knee-to-wall visit the page was opened from (its detail page's link), if any.
        self.fields["assessment"] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields["measured_by"] = TherapistChoiceField(
            queryset=User.objects.filter(pk__in=[t.pk for t in therapists]),
            label=_("Measured by"),
            empty_label=None,
        )
        for side in SIDES:
            prefix = f"{side}_slr"
            self.fields[prefix] = forms.ChoiceField(
                choices=SLR_STATUS, required=False, label=_("Straight-leg raise: symptoms?")
            )
            onset = _angle(_("Hip flexion at symptom onset (°)"))
            # The phone-measurement widget turns this input into "Measure with this phone": it
            # writes the angle, sets the method to phone and the spread of its readings.
            onset.widget.attrs.update(
                {
                    "data-tilt-measure": "slr",
                    "data-tilt-method-input": f"id_{prefix}_angle_method",
                    "data-tilt-spread-input": f"id_{prefix}_angle_spread_deg",
                }
            )
            self.fields[f"{prefix}_onset_angle_deg"] = onset
            greatest = _angle(_("No symptoms: greatest angle (°)"))
            greatest.widget.attrs.update(
                {key: value for key, value in onset.widget.attrs.items() if key.startswith("data-")}
            )
            self.fields[f"{prefix}_max_angle_deg"] = greatest
            self.fields[f"{prefix}_angle_method"] = forms.ChoiceField(
                choices=_choices(METHODS, "—"), required=False, label=_("Measured with")
            )
            self.fields[f"{prefix}_angle_spread_deg"] = forms.CharField(
                required=False, widget=forms.HiddenInput
            )
            self.fields[f"{prefix}_location"] = forms.ChoiceField(
                choices=_choices(LOCATIONS, "—"),
                required=False,
                label=_("Furthest the symptoms reached"),
            )
            self.fields[f"{prefix}_bragard"] = forms.ChoiceField(
                choices=_choices(DIFFERENTIATIONS, "—"),
                required=False,
                label=_("Ankle dorsiflexion (Bragard)"),
            )
            self.fields[f"{prefix}_hip_internal_rotation"] = forms.ChoiceField(
                choices=_choices(DIFFERENTIATIONS, "—"),
                required=False,
                label=_("Hip internal rotation"),
            )
            self.fields[f"{prefix}_crossed"] = forms.ChoiceField(
                choices=_choices(YesNoNotTested.choices, "—"),
                required=False,
                label=_("Crossed SLR (symptoms in the other leg)"),
            )
        for side in SIDES:
            prefix = f"{side}_slump"
            self.fields[prefix] = forms.ChoiceField(
                choices=SLUMP_STATUS, required=False, label=_("Slump test: symptoms reproduced?")
            )
            self.fields[f"{prefix}_neck_extension_eased"] = forms.ChoiceField(
                choices=_choices(YesNoNotTested.choices, "—"),
                required=False,
                label=_("Eased by neck extension"),
            )
        self.fields["notes"] = forms.CharField(
            required=False, label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3})
        )

    SLR_ROWS = (
        "",
        "_onset_angle_deg",
        "_max_angle_deg",
        "_angle_method",
        "_location",
        "_bragard",
        "_hip_internal_rotation",
        "_crossed",
    )
    SLUMP_ROWS = ("", "_neck_extension_eased")

    def _rows(self, test: str, suffixes: tuple[str, ...]) -> list[tuple[str, list]]:
        return [
            (
                self.fields[f"left_{test}{suffix}"].label,
                [self[f"{side}_{test}{suffix}"] for side in SIDES],
            )
            for suffix in suffixes
        ]

    def slr_rows(self) -> list[tuple[str, list]]:
        return self._rows("slr", self.SLR_ROWS)

    def slump_rows(self) -> list[tuple[str, list]]:
        return self._rows("slump", self.SLUMP_ROWS)

    def hidden_spreads(self) -> list:
        return [self[f"{side}_slr_angle_spread_deg"] for side in SIDES]

    def clean(self) -> dict[str, Any]:
        """A value typed under a test marked "not tested" would be lost: say so instead."""
        data = super().clean()
        for side in SIDES:
            for test, suffixes in (("slr", self.SLR_ROWS), ("slump", self.SLUMP_ROWS)):
                if data.get(f"{side}_{test}"):
                    continue
                filled = [s for s in suffixes[1:] if data.get(f"{side}_{test}{s}")]
                if filled:
                    self.add_error(
                        f"{side}_{test}",
                        _("Values are filled in for this test: say what it showed, or clear them."),
                    )
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned input in the shape neural_exam_record takes: one result per test and
        side that was done."""
        data = self.cleaned_data
        results = []
        for side in SIDES:
            status = data.get(f"{side}_slr")
            if status:
                results.append(
                    {
                        "test": "slr",
                        "side": side,
                        "symptoms": status == "symptoms",
                        **{
                            field: data.get(f"{side}_slr_{field}")
                            for field in (
                                "onset_angle_deg",
                                "max_angle_deg",
                                "angle_method",
                                "angle_spread_deg",
                                "location",
                                "bragard",
                                "hip_internal_rotation",
                                "crossed",
                            )
                        },
                    }
                )
            status = data.get(f"{side}_slump")
            if status:
                results.append(
                    {
                        "test": "slump",
                        "side": side,
                        "symptoms": status == "reproduced",
                        "neck_extension_eased": data.get(f"{side}_slump_neck_extension_eased"),
                    }
                )
        return {
            "assessment": data.get("assessment") or None,
            "measured_at": data.get("measured_at"),
            "measured_by": data.get("measured_by"),
            "notes": data.get("notes", ""),
            "results": results,
        }


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this record entered in error?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
