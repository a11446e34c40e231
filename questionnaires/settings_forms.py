"""The form of a clinic's choices for one instrument (the settings page). It reads the values;
the rules (the MCID fits its rule and the score's range, a reason is given, N is sensible) are
the service's, questionnaires.clinic_settings, whose errors land on these fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from questionnaires.clinic_settings import InstrumentChoice
from questionnaires.interpretation import McidRule

MCID_RULE_CHOICES = [
    (McidRule.ABSOLUTE.value, _("In points")),
    (McidRule.RELATIVE.value, _("In per cent of the earlier score")),
    (McidRule.EITHER.value, _("Points or per cent, whichever is reached")),
    (McidRule.BOTH.value, _("Points and per cent, both reached")),
]


class InstrumentSettingForm(forms.Form):
    SECTIONS = (
        (pgettext_lazy("settings section", "Use"), ("enabled",)),
        (_("Asked automatically"), ("ask_at_intake", "ask_before_retest", "ask_every_n_visits")),
        (
            _("Your clinic's MCID"),
            ("mcid_rule", "mcid_absolute", "mcid_relative_percent", "mcid_source"),
        ),
    )

    enabled = forms.BooleanField(
        required=False,
        label=_("Therapists may ask for it"),
        help_text=_(
            "Off: nobody can ask for it, the schedule below stops, and the open requests "
            "of it are cancelled (patients no longer see them). Answers already given stay."
        ),
    )
    ask_at_intake = forms.BooleanField(
        required=False,
        label=_("At intake"),
        help_text=_("Each new patient, once, in their first two weeks."),
    )
    ask_before_retest = forms.BooleanField(
        required=False,
        label=_("Before each knee-to-wall re-test"),
        help_text=_(
            "In the week before the re-test falls due, so the answers are in when the "
            "patient comes."
        ),
    )
    ask_every_n_visits = forms.IntegerField(
        required=False,
        label=_("Every N visits"),
        help_text=_(
            "After this many attended visits since it was last asked (Medicare asks for "
            "a progress report at least every 10). Empty: not by visits."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "step": 1}),
    )
    mcid_rule = forms.ChoiceField(required=False, label=_("How change is judged"))
    mcid_absolute = forms.DecimalField(
        required=False, max_digits=6, decimal_places=2, label=_("MCID in points")
    )
    mcid_relative_percent = forms.DecimalField(
        required=False, max_digits=5, decimal_places=2, label=_("MCID in per cent")
    )
    mcid_source = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Why your clinic uses its own MCID"),
        help_text=_("The study or consensus it comes from; shown with every change judged by it."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, choice: InstrumentChoice, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        own = choice.instrument
        self.fields["mcid_rule"].choices = [
            (
                "",
                gettext("The questionnaire's own: %(mcid)s")
                % {"mcid": choice.instrument_mcid_text},
            ),
            *MCID_RULE_CHOICES,
        ]
        self.fields["mcid_absolute"].help_text = gettext(
            "The score runs from %(low)s to %(high)s."
        ) % {"low": f"{own.score_min.normalize():f}", "high": f"{own.score_max.normalize():f}"}

    @staticmethod
    def initial_from(choice: InstrumentChoice) -> dict:
        setting = choice.setting
        if setting is None:
            return {"enabled": True}
        return {
            "enabled": setting.enabled,
            "ask_at_intake": setting.ask_at_intake,
            "ask_before_retest": setting.ask_before_retest,
            "ask_every_n_visits": setting.ask_every_n_visits,
            "mcid_rule": setting.mcid_rule,
            "mcid_absolute": setting.mcid_absolute,
            "mcid_relative_percent": setting.mcid_relative_percent,
            "mcid_source": setting.mcid_source,
        }

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]
