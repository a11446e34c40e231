"""Input forms of the exercise pages. Dose rules are the services' (`dose_errors`), applied
here too so that each item row shows its own errors."""

from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy

from exercises.adherence import days_mask, weekdays_of
from exercises.models import DoseStyle, Exercise, ExerciseStatus, PrescriptionVersion
from exercises.services import dose_errors

PICTURES = [
    ("", gettext_lazy("no picture")),
    *(
        (f"img/exercises/{slug}.svg", slug.replace("-", " "))
        for slug in (
            "runners-calf-stretch",
            "soleus-stretch",
            "calf-roll-foam-roller",
            "calf-roll-lacrosse-ball",
            "hip-stretch",
            "knee-to-wall-mobilisation",
            "knee-to-wall-self-test",
        )
    ),
]


class ExerciseForm(forms.Form):
    """A clinic's own exercise, or its adapted copy of one."""

    name = forms.CharField(max_length=120, label=gettext_lazy("Name"))
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Purpose")
    )
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=gettext_lazy("Instructions"),
        help_text=gettext_lazy("One step per line."),
    )
    cues = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=gettext_lazy("Cues"),
        help_text=gettext_lazy("One cue per line."),
    )
    picture = forms.ChoiceField(choices=PICTURES, required=False, label=gettext_lazy("Picture"))
    video_url = forms.URLField(
        required=False, label=gettext_lazy("Video link"), assume_scheme="https"
    )
    seconds_per_bout = forms.IntegerField(label=gettext_lazy("Seconds per bout"), initial=90)
    bouts = forms.IntegerField(initial=1, label=gettext_lazy("Bouts"))
    per_side = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Each side"))
    style = forms.ChoiceField(choices=DoseStyle.choices, label=gettext_lazy("Style"))
    into_tension_seconds = forms.IntegerField(
        required=False, label=gettext_lazy("Into tension (s)")
    )
    ease_off_seconds = forms.IntegerField(required=False, label=gettext_lazy("Ease off (s)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_from(exercise: Exercise) -> dict[str, Any]:
        return {name: getattr(exercise, name) for name in ExerciseForm.base_fields}


class ItemForm(forms.Form):
    exercise = forms.ModelChoiceField(
        queryset=Exercise.objects.none(), label=gettext_lazy("Exercise")
    )
    seconds_per_bout = forms.IntegerField(
        label=gettext_lazy("Seconds per bout"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    bouts = forms.IntegerField(label=gettext_lazy("Bouts"), initial=1)
    per_side = forms.BooleanField(label=gettext_lazy("Each side"), required=False, initial=True)
    style = forms.ChoiceField(
        choices=DoseStyle.choices, label=gettext_lazy("Style"), initial=DoseStyle.STATIC
    )
    into_tension_seconds = forms.IntegerField(
        label=gettext_lazy("Into tension (s)"), required=False
    )
    ease_off_seconds = forms.IntegerField(label=gettext_lazy("Ease off (s)"), required=False)

    def __init__(self, *args: Any, library=None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if library is not None:
            self.fields["exercise"].queryset = library

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            for field, messages in dose_errors(cleaned).items():
                self.add_error(field, messages)
        return cleaned


class BaseItemFormSet(forms.BaseFormSet):
    """Item rows; build with form_kwargs={"library": <the exercises one may choose>}."""

    def items(self) -> list[dict[str, Any]]:
        """The rows kept (filled and not deleted), in order, as service input."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append({key: value for key, value in data.items() if key != "DELETE"})
        return rows


ItemFormSet = forms.formset_factory(ItemForm, formset=BaseItemFormSet, extra=2, can_delete=True)
RoutineItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=4, can_delete=True
)


class ScheduleForm(forms.Form):
    title = forms.CharField(max_length=120, label=gettext_lazy("Routine title"))
    times_per_day = forms.IntegerField(
        label=gettext_lazy("Times a day"), initial=1, min_value=1, max_value=6
    )
    days_of_week = forms.MultipleChoiceField(
        choices=[(day, WEEKDAYS_ABBR[day]) for day in range(7)],
        widget=forms.CheckboxSelectMultiple,
        initial=list(range(7)),
        label=gettext_lazy("Days"),
    )
    start_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label=gettext_lazy("Start"),
    )
    retest_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
        label=gettext_lazy("Re-test on"),
        help_text=gettext_lazy(
            "Empty: the clinic's interval after the start (3 weeks by default)."
        ),
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=gettext_lazy("Notes")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def schedule(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "times_per_day": data["times_per_day"],
            "days_of_week": days_mask(int(day) for day in data["days_of_week"]),
            "retest_on": data.get("retest_on"),
            "notes": data.get("notes", ""),
        }

    @staticmethod
    def initial_from(version: PrescriptionVersion) -> dict[str, Any]:
        return {
            "title": version.prescription.title,
            "times_per_day": version.times_per_day,
            "days_of_week": weekdays_of(version.days_of_week),
            "retest_on": version.retest_on,
            "notes": version.notes,
        }


class SessionLogForm(forms.Form):
    """What the patient did: one status per exercise, pain and a comment."""

    client_token = forms.UUIDField(widget=forms.HiddenInput)
    session_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label=gettext_lazy("Date of the session"),
    )
    pain = forms.CharField(
        required=False,
        label=gettext_lazy("Pain afterwards (0 none – 10 worst)"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 10, "inputmode": "numeric"}),
    )
    comment = forms.CharField(
        required=False,
        label=gettext_lazy("Anything to tell your therapist?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, version: PrescriptionVersion, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.version = version
        for item in version.items.all():
            self.fields[f"status_{item.pk}"] = forms.ChoiceField(
                choices=ExerciseStatus.choices,
                widget=forms.RadioSelect,
                label=item.exercise.name,
                error_messages={
                    "required": gettext_lazy("Say whether you did it, partly or skipped it.")
                },
            )

    def status_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("status_")]

    def statuses(self) -> dict[int, str]:
        return {
            int(name.removeprefix("status_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("status_")
        }
