"""The forms of the questionnaire pages: the patient's one question a screen, and the staff's
ask and paper-entry forms.

The forms read input; every rule about answers (an option of the item, a PSFS activity named
and rated, the missing-item limit) is the scoring engine's, applied by the services, whose
errors land on the field they name (`answers.<item id>` is the field of that question).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.models import Clinic
from clinic.times import at_local
from questionnaires.models import Instrument
from questionnaires.scoring import Definition, Item, item_labels_parse
from questionnaires.selectors import instruments_available
from questionnaires.services import DEFAULT_DUE_DAYS

# A paper form filled in on an earlier day: noon, since the hour is rarely known.
PAPER_HOUR = time(12, 0)


def answer_field(item: Item) -> str:
    return f"answers.{item.id}"


def label_field(item: Item) -> str:
    return f"item_labels.{item.id}"


def option_choices(item: Item) -> list[tuple[str, str]]:
    return [(str(option.value), option.label) for option in item.options]


def question_number(definition: Definition, key: str) -> int | None:
    """The number (from 1) of the question an error key names (`answers.lefs-3`)."""
    item_id = key.split(".", 1)[-1]
    for number, item in enumerate(definition.items, start=1):
        if item.id == item_id:
            return number
    return None


def error_lines(error: ValidationError, definition: Definition) -> list[str]:
    """A service's errors as sentences, each naming its question where it has one."""
    lines = []
    for key, messages in error.message_dict.items():
        number = question_number(definition, key) if "." in key else None
        for message in messages:
            lines.append(
                _("Question %(number)s: %(message)s") % {"number": number, "message": message}
                if number is not None
                else message
            )
    return lines


def add_answer_errors(
    form: forms.Form, error: ValidationError, definition: Definition, fields: dict[str, str]
) -> None:
    """Attach a service's errors to the form: each on the field of its question, named by its
    number ("Question 3: ..."), so a message read alone still says which question. `fields`
    maps a service key to a field of this form when the names differ."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        number = question_number(definition, key) if "." in key else None
        if number is not None:
            messages = [
                _("Question %(number)s: %(message)s") % {"number": number, "message": message}
                for message in messages
            ]
        field = fields.get(key, key)
        form.add_error(field if field in form.fields else None, messages)


class AnswerForm(forms.Form):
    """One question: the answer, and for the PSFS the activity the patient names."""

    answer = forms.CharField(required=False, widget=forms.RadioSelect, label=_("Answer"))
    label = forms.CharField(
        required=False,
        max_length=200,
        label=_("The activity"),
        help_text=_("For example: walking to the shops, lifting my child, gardening."),
    )

    def __init__(self, *args, item: Item, definition: Definition, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.item = item
        self.definition = definition
        self.fields["answer"].widget.choices = option_choices(item)
        self.fields["answer"].label = item.text
        if not item.asks_for_label:
            del self.fields["label"]

    def clean(self) -> dict:
        """A PSFS activity rated is named, and one named is rated: the scoring engine's rule
        for the answers as sent, checked here for this one question so the patient hears of
        it on its screen, not at the end."""
        data = super().clean()
        if self.item.asks_for_label and not self.errors:
            try:
                item_labels_parse(
                    self.definition,
                    {self.item.id: data.get("label", "").strip() or None},
                    {self.item.id: 0} if data.get("answer") else {},
                    final=True,
                )
            except ValidationError as exc:
                add_answer_errors(self, exc, self.definition, self.service_fields())
        return data

    def answers(self) -> dict[str, str | None]:
        """For the services: an empty answer clears a saved one."""
        return {self.item.id: self.cleaned_data["answer"] or None}

    def item_labels(self) -> dict[str, str | None] | None:
        if not self.item.asks_for_label:
            return None
        return {self.item.id: self.cleaned_data["label"].strip() or None}

    def service_fields(self) -> dict[str, str]:
        return {answer_field(self.item): "answer", label_field(self.item): "label"}


class InstrumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Instrument) -> str:
        return obj.name if obj.version == "1" else f"{obj.name} (version {obj.version})"


class AskForm(forms.Form):
    instrument = InstrumentChoiceField(
        queryset=Instrument.objects.none(), label=_("Questionnaire"), empty_label=None
    )
    due_on = forms.DateField(
        label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        label=_("A word to the patient"),
        widget=forms.TextInput(attrs={"placeholder": _("Optional")}),
    )

    def __init__(self, *args, clinic: Clinic, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments_available(clinic.pk)
        self.fields["due_on"].initial = clinic.local_today() + timedelta(days=DEFAULT_DUE_DAYS)


class PaperForm(forms.Form):
    """Every question of one instrument on one page, as the patient answered it on paper, and
    the day they filled it in. Questions left blank on paper stay blank: the instrument's
    missing-item rule decides whether the answers can be scored."""

    filled_in_on = forms.DateField(
        label=_("Filled in on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        definition: Definition,
        clinic: Clinic,
        activities: dict[str, str] | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        named_before = {
            label_field(item): (activities or {}).get(item.id, "")
            for item in definition.items
            if item.asks_for_label
        }
        kwargs.setdefault(
            "initial",
            {"submission_key": uuid.uuid4(), "filled_in_on": clinic.local_today(), **named_before},
        )
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.clinic = clinic
        for number, item in enumerate(definition.items, start=1):
            if item.asks_for_label:
                self.fields[label_field(item)] = forms.CharField(
                    required=False,
                    max_length=200,
                    label=_("%(number)s. Activity named") % {"number": number},
                )
            self.fields[answer_field(item)] = forms.CharField(
                required=False,
                label=_("%(number)s. %(question)s") % {"number": number, "question": item.text},
                # A first choice left blank: a slip of the mouse can be undone.
                widget=forms.RadioSelect(choices=[("", _("blank")), *option_choices(item)]),
            )

    def questions(self) -> list[dict]:
        """Per question: its number, its answer field and the field naming it (PSFS)."""
        return [
            {
                "number": number,
                "item": item,
                "answer": self[answer_field(item)],
                "label": self[label_field(item)] if item.asks_for_label else None,
            }
            for number, item in enumerate(self.definition.items, start=1)
        ]

    def shared_options(self) -> tuple | None:
        """The answer options when every question has the same (the LEFS's five): shown once
        as a key, each question then offering the numbers only."""
        options = {item.options for item in self.definition.items}
        return next(iter(options)) if len(options) == 1 and len(self.definition.items) > 1 else None

    def answers(self) -> dict[str, str | None]:
        return {
            item.id: self.cleaned_data[answer_field(item)] or None for item in self.definition.items
        }

    def item_labels(self) -> dict[str, str | None]:
        return {
            item.id: self.cleaned_data[label_field(item)].strip() or None
            for item in self.definition.items
            if item.asks_for_label
        }

    def completed_at(self, now: datetime | None = None) -> datetime:
        """Today: now. An earlier day: noon on it, in the clinic's zone. A later day is kept
        as given, for the service to refuse on this field."""
        day: date = self.cleaned_data["filled_in_on"]
        now = now or timezone.now()
        if day == self.clinic.local_today(now):
            return now
        return at_local(day, PAPER_HOUR, self.clinic.zone)
