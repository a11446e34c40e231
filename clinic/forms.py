from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.models import ReminderChannel, Side, User
from clinic.services import PATIENT_CLINICAL_FIELDS


def form_add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form fields it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def language_choices() -> list[tuple[str, str]]:
    """The installation's languages, each in its own name, after "" (the installation's)."""
    default = dict(settings.LANGUAGES)[settings.LANGUAGE_CODE]
    return [
        ("", gettext("%(language)s (the clinic's)") % {"language": default}),
        *settings.LANGUAGES,
    ]


class TherapistChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class PatientForm(forms.Form):
    SECTIONS = (
        (_("Who"), ("first_name", "last_name", "date_of_birth")),
        (
            _("Contact and reminders"),
            (
                "email",
                "phone",
                "reminder_channel",
                "exercise_reminder_time",
                "reminder_consent",
                "preferred_language",
            ),
        ),
        (_("Care"), ("primary_therapist", "symptomatic_side")),
    )

    first_name = forms.CharField(
        max_length=100, label=_("First name"), widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        max_length=100, label=_("Last name"), widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    email = forms.EmailField(required=False, label=_("Email"))
    phone = forms.CharField(
        required=False,
        label=_("Phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
        help_text=_("With the country code, or as dialled in the clinic's country."),
    )
    reminder_channel = forms.ChoiceField(
        choices=ReminderChannel.choices, initial=ReminderChannel.EMAIL, label=_("Reminders by")
    )
    exercise_reminder_time = forms.TimeField(
        required=False,
        initial="18:00",
        label=_("Exercise reminder at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("The patient's local time, on the days their routine is due."),
    )
    reminder_consent = forms.BooleanField(
        required=False, label=_("The patient agrees to receive reminders")
    )
    preferred_language = forms.ChoiceField(
        required=False,
        label=_("Language"),
        help_text=_("Of the patient's pages, reminders and handout; the patient can change it."),
    )
    primary_therapist = TherapistChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Primary therapist"),
        empty_label=_("— not assigned —"),
    )
    symptomatic_side = forms.ChoiceField(
        choices=Side.choices, initial=Side.NONE, label=_("Side of sciatic symptoms")
    )

    def __init__(self, *args, therapists: list[User], show_clinical: bool, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["primary_therapist"].queryset = User.objects.filter(
            pk__in=[therapist.pk for therapist in therapists]
        ).order_by("last_name", "first_name")
        self.fields["preferred_language"].choices = language_choices()
        if not show_clinical:
            for name in PATIENT_CLINICAL_FIELDS:
                del self.fields[name]

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.SECTIONS
        ]
