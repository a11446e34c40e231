"""Email: any Django email backend (EMAIL_URL, or EMAIL_BACKEND as a dotted path).

`LedgerEmailBackend` files each message under DELIVERY_LEDGER_DIR by key and answers lookups;
plain SMTP cannot, so a reminder interrupted mid-send over SMTP fails visibly instead of going
out twice.
"""

import os
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.html import linebreaks, urlize
from django.utils.module_loading import import_string

from reminders.channels.base import DeliveryUnknown, safe_key
from reminders.channels.ledger import Ledger


def _as_html(text: str) -> str:
    """The text part as simple HTML, with its links clickable."""
    body = linebreaks(urlize(text))
    return f"<html><body style='font-family: system-ui, sans-serif'>{body}</body></html>"


class EmailChannel:
    name = "email"

    def send(self, *, key: str, to: str, subject: str, text: str, html: str = "") -> str:
        connection = get_connection()
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[to],
            connection=connection,
            headers={"X-Dorsi-Key": key, "Message-ID": f"<{safe_key(key)}@dorsi>"},
        )
        message.attach_alternative(html or _as_html(text), "text/html")
        message.send()
        return message.extra_headers.get("X-Ledger-Id", f"<{safe_key(key)}@dorsi>")

    def lookup(self, key: str) -> str | None:
        backend = import_string(settings.EMAIL_BACKEND)
        if hasattr(backend, "lookup"):
            return backend.lookup(key)
        raise DeliveryUnknown("The email backend cannot say whether it delivered a message.")


class LedgerEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        ledger = Ledger(settings.DELIVERY_LEDGER_DIR)
        delay = float(os.environ.get("DELIVERY_LEDGER_DELAY", "0"))
        for message in email_messages:
            if delay:
                time.sleep(delay)  # a slow provider, so that tests can interrupt a sweep
            key = message.extra_headers.get("X-Dorsi-Key", message.subject)
            message.extra_headers["X-Ledger-Id"] = ledger.record(key, message.message().as_string())
        return len(email_messages)

    @staticmethod
    def lookup(key: str) -> str | None:
        return Ledger(settings.DELIVERY_LEDGER_DIR).lookup(key)
