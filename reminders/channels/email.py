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
from django.utils.module_loading import import_string

from reminders.channels.base import DeliveryUnknown, Outgoing, safe_key
from reminders.channels.ledger import Ledger


class EmailChannel:
    """Between open() and close(), every message goes over one connection to the backend (one
    SMTP session for a share of a batch); without them, each opens its own."""

    name = "email"

    def __init__(self) -> None:
        self.connection = None

    # A backend need only send_messages (Django's call it without open/close too).
    def open(self) -> None:
        self.connection = get_connection()
        if hasattr(self.connection, "open"):
            self.connection.open()

    def close(self) -> None:
        if hasattr(self.connection, "close"):
            self.connection.close()
        self.connection = None

    def send(self, *, key: str, message: Outgoing) -> str:
        # The Message-ID is the key's, at the site's domain: a retry after a crash carries the
        # same one, so a receiving server that sees both keeps one.
        message_id = f"<{safe_key(key)}@{settings.MAIL_DOMAIN}>"
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=message.from_email or None,
            to=[message.to],
            reply_to=list(message.reply_to),
            connection=self.connection or get_connection(),
            headers={**message.headers, "X-Dorsi-Key": key, "Message-ID": message_id},
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        email.send()
        return email.extra_headers.get("X-Ledger-Id", message_id)

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
