"""What a message carries besides its kind's words: who it is from, the clinic's name, the
links, the opt-out, and its form for each channel.

- Email, to a patient: from the clinic's name at the sending address (Reply-To the clinic's
  own address when it has one), a plain-text part with the URLs and an HTML part with labelled
  links, and RFC 8058 one-click unsubscribe headers whose URL is the signed opt-out link.
- Text message: "<clinic>: <words> <short links> Reply STOP to opt out" (or "STOP to end"),
  kept to one GSM-7 segment where the words allow (reminders/channels/sms.py counts them).
- Email to staff (the digest): from the clinic too; staff have no opt-out link.

A patient's message is written in the patient's language (`Patient.language`), a staff
member's in the installation's: the worker has no request, so the language is set here.
"""

from __future__ import annotations

import functools
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy, pgettext

from clinic.models import ReminderChannel
from reminders.channels.base import Outgoing
from reminders.channels.sms import sms_segments
from reminders.handlers import Message, reminder_handler_for
from reminders.models import Reminder
from reminders.services import opt_out_url, short_link_create

# How a text says it can be stopped (US carriers require one of these), the clearer first; the
# shorter one only where it keeps the text to one segment. The keyword STOP stays as it is in
# every language: it is what the carrier acts on.
SMS_STOP_WORDINGS = (gettext_lazy("Reply STOP to opt out"), gettext_lazy("STOP to end"))


def sender_for(clinic_name: str) -> str:
    """The clinic's name at the installation's sending address; the name is quoted and, if
    need be, encoded when the message is written."""
    return formataddr((clinic_name, _address_of(settings.DEFAULT_FROM_EMAIL)))


@functools.lru_cache(maxsize=8)
def _address_of(sender: str) -> str:
    # Parsing the setting took a tenth of composing a reminder, once per message of a batch.
    return parseaddr(sender)[1]


def reminder_message(reminder: Reminder) -> Outgoing:
    """The reminder as its channel sends it, to the row's recipient, in their language."""
    patient = reminder.patient
    language = patient.language if patient is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        return _reminder_message(reminder)


def _reminder_message(reminder: Reminder) -> Outgoing:
    message = reminder_handler_for(reminder.kind).message(reminder)
    clinic = reminder.clinic
    patient = reminder.patient
    if patient is None:
        return Outgoing(
            to=reminder.staff.email,
            subject=message.subject,
            text=_email_text(message, clinic.name, opt_out=""),
            html=_email_html(message, clinic.name, opt_out=""),
            from_email=sender_for(clinic.name),
            reply_to=(clinic.email,) if clinic.email else (),
        )
    opt_out = opt_out_url(patient)
    if reminder.channel == ReminderChannel.SMS:
        return Outgoing(
            to=patient.phone, subject=message.subject, text=sms_text(message, clinic.name)
        )
    return Outgoing(
        to=patient.email,
        subject=message.subject,
        text=_email_text(message, clinic.name, opt_out=opt_out),
        html=_email_html(message, clinic.name, opt_out=opt_out),
        from_email=sender_for(clinic.name),
        reply_to=(clinic.email,) if clinic.email else (),
        headers={
            # RFC 8058: the mail app's own "Unsubscribe" POSTs List-Unsubscribe=One-Click to
            # this URL, without cookies; the signed token in it is the credential.
            "List-Unsubscribe": f"<{opt_out}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _email_text(message: Message, clinic_name: str, *, opt_out: str) -> str:
    parts = [message.text]
    if message.links:
        parts.append("\n".join(f"{link.label}: {link.url}" for link in message.links))
    footer = f"{clinic_name}"
    if opt_out:
        footer += "\n" + pgettext("email footer", "To stop these reminders: %(url)s") % {
            "url": opt_out
        }
    parts.append(f"-- \n{footer}")
    return "\n\n".join(parts)


def _email_html(message: Message, clinic_name: str, *, opt_out: str) -> str:
    return render_to_string(
        "reminders/email.html",
        {
            "language": get_language() or settings.LANGUAGE_CODE,
            "subject": message.subject,
            "text": message.text,
            "links": message.links,
            "clinic_name": clinic_name,
            "opt_out": opt_out,
        },
    )


def sms_text(message: Message, clinic_name: str) -> str:
    """`<clinic>: <words> <label>: <short link> … Reply STOP to opt out`: one GSM-7 segment
    where the words allow, with each link long enough to matter through a short link (an
    appointment's two answers then fit) and the shorter "STOP to end" if that is what fits.
    A text that fits no way is sent whole, in the clearer wording: correct over short."""
    links = " ".join(
        f"{link.sms_label or link.label}: {_short(link.url)}" for link in message.links
    )
    words = message.sms or message.text
    texts = [
        " ".join(part for part in (f"{clinic_name}: {words}", links, str(stop)) if part)
        for stop in SMS_STOP_WORDINGS
    ]
    return next((text for text in texts if sms_segments(text) == 1), texts[0])


def _short(url: str) -> str:
    # A short link is SITE_URL + "/s/" + 8 characters; a link about that short stays as it is.
    return url if len(url) <= len(settings.SITE_URL) + 16 else short_link_create(url=url)
