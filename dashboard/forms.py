"""The outcomes page's filters: each bad value is an error on its own field."""

from __future__ import annotations

from django import forms

from dashboard.outcomes import CELLS, VERSUS


class OutcomesFilterForm(forms.Form):
    therapist = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Therapist"
    )
    since = forms.DateField(
        required=False,
        label="Last measured from",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date, such as 2026-09-01."},
    )
    until = forms.DateField(
        required=False,
        label="to",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date, such as 2026-11-30."},
    )
    versus = forms.ChoiceField(
        required=False,
        label="Ankle against",
        choices=list(VERSUS.items()),
        error_messages={"invalid_choice": "Choose back pain, leg pain or function."},
    )

    cell = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(cell, cell) for cell in CELLS],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choose a cell of the cross-table."},
    )

    def __init__(self, *args, therapists, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["therapist"].choices = [("", "Everyone")] + [
            (therapist.pk, str(therapist)) for therapist in therapists
        ]
        self.fields["therapist"].error_messages["invalid_choice"] = (
            "Choose one of your clinic's therapists."
        )

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the period is before its start.")
        return data
