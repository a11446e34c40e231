"""The outcomes page's filters: each bad value is an error on its own field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dashboard.outcomes import CELLS, VERSUS


class OutcomesFilterForm(forms.Form):
    therapist = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=_("Therapist")
    )
    since = forms.DateField(
        required=False,
        label=_("Last measured from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, such as 2026-09-01.")},
    )
    until = forms.DateField(
        required=False,
        label=pgettext_lazy("end of a period", "to"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, such as 2026-11-30.")},
    )
    versus = forms.ChoiceField(
        required=False,
        label=_("Ankle against"),
        choices=list(VERSUS.items()),
        error_messages={"invalid_choice": _("Choose back pain, leg pain or function.")},
    )

    cell = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(cell, cell) for cell in CELLS],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose a cell of the cross-table.")},
    )

    def __init__(self, *args, therapists, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["therapist"].choices = [("", gettext("Everyone"))] + [
            (therapist.pk, str(therapist)) for therapist in therapists
        ]
        self.fields["therapist"].error_messages["invalid_choice"] = gettext(
            "Choose one of your clinic's therapists."
        )

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", gettext("The end of the period is before its start."))
        return data
