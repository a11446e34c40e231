"""The form where a clinic admin adds a licensed instrument: the items pasted as one JSON
document, the rules and the terms in fields. Only the shapes are read here; the instrument is
checked whole by questionnaires.instrument_services.instrument_create (the model's full_clean),
whose messages land on these fields."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from questionnaires.interpretation import McidRule
from questionnaires.models import Domain
from questionnaires.scoring import Better, ScoringMethod

ITEMS_EXAMPLE = """[
  {"id": "section-1", "text": "Pain intensity",
   "options": [{"value": 0, "label": "..."}, {"value": 1, "label": "..."}]},
  {"id": "section-2", "text": "Personal care",
   "options": [{"value": 0, "label": "..."}, {"value": 1, "label": "..."}]}
]"""

SCORING_LABELS = {
    ScoringMethod.SUM: _("Sum (prorated when some are missing)"),
    ScoringMethod.MEAN: _("Mean of the answered items"),
    ScoringMethod.PERCENT_OF_MAX: _("Per cent of the maximum"),
}
MCID_LABELS = {
    McidRule.ABSOLUTE: _("Points"),
    McidRule.RELATIVE: _("Per cent"),
    McidRule.EITHER: _("Points or per cent"),
    McidRule.BOTH: _("Points and per cent"),
}


class InstrumentForm(forms.Form):
    SECTIONS = (
        (_("The questionnaire"), ("name", "short_name", "slug", "version", "measures", "domain")),
        (_("What the patient sees"), ("instructions", "items")),
        (
            _("Scoring"),
            (
                "scoring_method",
                "score_min",
                "score_max",
                "better",
                "missing_items_allowed",
                "scoring_source",
            ),
        ),
        (
            _("Minimal clinically important difference"),
            ("mcid_rule", "mcid_absolute", "mcid_relative_percent", "mcid_source"),
        ),
        (_("Source and licence"), ("source", "licence_terms")),
    )

    name = forms.CharField(
        max_length=200, help_text=_("As the licence holder names it."), label=_("Name")
    )
    short_name = forms.CharField(
        max_length=40, help_text=_("For tables and charts: “ODI”."), label=_("Short name")
    )
    slug = forms.SlugField(
        max_length=60,
        help_text=_("A short code, the same for every version: “odi”. Lower case, digits, dashes."),
        label=_("Slug"),
    )
    version = forms.CharField(
        max_length=20, initial="1", help_text=_("The licensed version."), label=_("Version")
    )
    measures = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What it measures, for staff."),
        label=_("Measures"),
    )
    domain = forms.ChoiceField(
        label=_("It rates"),
        # No answer chosen for the admin: a pain scale counted as function (or the reverse)
        # would put its changes in the wrong place on the dashboard and the outcomes page.
        choices=[("", _("Choose one")), *Domain.choices],
        help_text=_(
            "Pain intensity (counted with the pain scales on the dashboard and the "
            "outcomes page), or disability and function (the Oswestry, say)."
        ),
        error_messages={"required": _("Say whether it rates pain, or disability and function.")},
    )
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the patient first: what it is for and how to answer."),
        label=_("Instructions"),
    )
    items = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "class": "code", "spellcheck": "false"}),
        help_text=_(
            "Paste the questions as licensed, as JSON: a list of items, each with an "
            "“id”, its “text” and its “options” (whole-number “value” and “label”); add "
            "“asks_for_label”: true where the patient names what they rate."
        ),
        label=_("Items"),
    )
    scoring_method = forms.ChoiceField(
        choices=[(method.value, SCORING_LABELS[method]) for method in ScoringMethod],
        help_text=_(
            "Per cent of the maximum: the points scored over the points possible on the "
            "answered items (the Oswestry's rule)."
        ),
        label=_("Scoring method"),
    )
    score_min = forms.DecimalField(
        max_digits=7, decimal_places=2, label=_("Lowest total"), help_text=_("0 for most.")
    )
    score_max = forms.DecimalField(
        max_digits=7,
        decimal_places=2,
        label=_("Highest total"),
        help_text=_(
            "It must be what the items give under the scoring method (100 for a percentage)."
        ),
    )
    better = forms.ChoiceField(
        label=_("Better is"),
        choices=[
            (Better.LOWER.value, _("Lower (pain, disability)")),
            (Better.HIGHER.value, _("Higher")),
        ],
    )
    missing_items_allowed = forms.IntegerField(
        min_value=0,
        initial=0,
        label=_("Items that may be unanswered"),
        help_text=_("The total is then computed over the answered ones; more missing: no score."),
    )
    scoring_source = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the scoring and missing-item rules come from (the manual)."),
        label=_("Scoring source"),
    )
    mcid_rule = forms.ChoiceField(
        label=_("MCID in"),
        choices=[(rule.value, MCID_LABELS[rule]) for rule in McidRule],
        help_text=_("Either: whichever is reached first; both: both must be reached."),
    )
    mcid_absolute = forms.DecimalField(
        max_digits=6, decimal_places=2, required=False, label=_("MCID in points")
    )
    mcid_relative_percent = forms.DecimalField(
        max_digits=5, decimal_places=2, required=False, label=_("MCID in per cent")
    )
    mcid_source = forms.CharField(
        required=False, label=_("Source of the MCID"), help_text=_("“Ostelo 2008”.")
    )
    source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The citation of the instrument."),
        error_messages={"required": _("Give the citation of the instrument.")},
        label=_("Source"),
    )
    licence_terms = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The terms under which your clinic uses it. They are shown wherever it is "
            "used: to staff, with the API's answers and in the patient's questionnaire."
        ),
        error_messages={
            "required": _(
                "Give the terms under which your clinic uses it: they are shown "
                "wherever it is used."
            )
        },
        label=_("Licence terms"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["items"].widget.attrs["placeholder"] = ITEMS_EXAMPLE

    def clean_items(self) -> Any:
        text = self.cleaned_data["items"]
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                gettext("This is not valid JSON: %(error)s (line %(line)s, column %(column)s).")
                % {"error": exc.msg, "line": exc.lineno, "column": exc.colno}
            ) from None

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]
