from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ProgressReport

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportDraftForm(forms.Form):
    period_start = forms.DateField(
        required=False, widget=DATE, help_text=_("Empty: since the last signed report or intake.")
    )
    period_end = forms.DateField(required=False, widget=DATE, help_text=_("Empty: today."))


class ReportEditForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = ["period_start", "period_end", "goals", "assessment", "plan"]
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            "goals": forms.Textarea(attrs={"rows": 3}),
            "assessment": forms.Textarea(attrs={"rows": 6}),
            "plan": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "period_start": _("Period start"),
            "period_end": _("Period end"),
            "goals": _("Goals"),
            "assessment": _("Assessment"),
            "plan": _("Plan"),
        }
        help_texts = {
            "goals": _("What the patient wants to be able to do, and by when."),
            "assessment": _("Your reading of the period, in your own words."),
            "plan": _("What happens next: visits, routine, re-test, discharge."),
        }


class ReportAmendForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("Why amend the signed report?"))
