"""Each kind of reminder is a handler registered by the app that owns it; the outbox itself
knows none of them.

A handler says, for its kinds:
- which rows to plan for a chunk of patients (or staff) when the periodic planner runs; kinds
  planned by an event instead (a booking) plan in that app's services and plan nothing here;
- whether a due row is still wanted (`why_not`: a reason to cancel it, or None; `why_not_many`
  for a batch at once);
- its message (`message`: subject, text, links and the text message's shorter wording; the
  outbox adds the sender, the recipient and the opt-out, reminders/composing.py).

An app declares its handlers in its own `reminders` module, with the `@reminder_handler`
decorator; the reminders app imports every installed app's `reminders` module when Django is
ready (as the admin finds `admin` modules):

    scheduling/reminders.py: appointment, booking, retest
    exercises/reminders.py:  exercise
    questionnaires/reminders.py:  questionnaire
    dashboard/reminders.py:  digest

so "when does an X reminder go out, and what does it say" lives next to X, and the outbox
imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from clinic.models import Patient, User
    from reminders.models import Reminder


@dataclass(frozen=True)
class Link:
    """A link a message offers: the words on it in an email (never the bare URL), and the
    shorter words before it in a text message."""

    label: str
    url: str
    sms_label: str = ""


@dataclass(frozen=True)
class Message:
    """What a kind says. `text` carries no URLs: the outbox writes the links after it (as
    labelled links in HTML, as URLs in the plain text) and adds the sender, the clinic's name
    and the opt-out. `sms` is the text message's wording, shorter where `text` is long."""

    subject: str
    text: str
    links: tuple[Link, ...] = ()
    sms: str = ""


class ReminderHandler:
    """The defaults plan nothing and always send; a handler overrides what its kind needs."""

    kinds: ClassVar[tuple[str, ...]] = ()

    def plan_for_patients(
        self, patients: list[tuple[Patient, str]], *, now: datetime, days_ahead: int
    ) -> int:
        """Plan rows for these (patient, channel) pairs, who agreed to reminders and can be
        reached; returns how many rows it planned or re-timed."""
        return 0

    def plan_for_staff(self, staff: list[User], *, now: datetime) -> int:
        return 0

    def why_not(self, reminder: Reminder, now: datetime) -> str | None:
        return None

    def why_not_many(self, reminders: list[Reminder], now: datetime) -> dict[int, str]:
        """`why_not` for a batch of the sweep, as {id: reason} for the rows not to send. A
        handler whose rule reads the database overrides it with one query for the batch."""
        return {r.pk: reason for r in reminders if (reason := self.why_not(r, now))}

    def message(self, reminder: Reminder) -> Message:
        raise NotImplementedError


_HANDLERS: dict[str, ReminderHandler] = {}


def reminder_handler_register(handler: ReminderHandler) -> None:
    for kind in handler.kinds:
        existing = _HANDLERS.get(kind)
        if existing is not None and type(existing) is not type(handler):
            raise RuntimeError(f"Two handlers for reminders of kind {kind!r}.")
        _HANDLERS[kind] = handler


def reminder_handler(handler_class: type[ReminderHandler]) -> type[ReminderHandler]:
    """Class decorator: register one instance of the handler for its kinds."""
    reminder_handler_register(handler_class())
    return handler_class


def reminder_handler_for(kind: str) -> ReminderHandler | None:
    return _HANDLERS.get(kind)


def reminder_handlers() -> list[ReminderHandler]:
    """Each registered handler once, in the order the apps registered them."""
    return list(dict.fromkeys(_HANDLERS.values()))
