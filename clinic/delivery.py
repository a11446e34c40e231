"""Channels that deliver reminders: email and SMS behind one small interface.

    channel.send(key=..., to=..., subject=..., text=..., html=...) -> provider id
    channel.lookup(key) -> provider id, None (not delivered) or raises DeliveryUnknown

`lookup` is what lets the sweep reconcile a reminder whose worker died while sending: a
provider that can say whether a message with that key went out is asked; one that cannot
(plain SMTP) makes the reminder fail visibly instead of being sent a second time.

Backends:
- Email: any Django email backend (EMAIL_URL). `LedgerEmailBackend` files each message under
  DELIVERY_LEDGER_DIR by key and answers lookups: for tests and for demonstrating exactly-once.
- SMS: SMS_BACKEND names a class. `FileSmsBackend` (default) files messages under var/sms/ and
  answers lookups; `ConsoleSmsBackend` prints; `WebhookSmsBackend` is the adapter for a real
  provider: it POSTs {to, text, idempotency_key} as JSON to SMS_WEBHOOK_URL with a bearer token
  (SMS_WEBHOOK_TOKEN), the shape most SMS APIs take; point it at the provider or at a small
  relay that translates.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.html import linebreaks, urlize
from django.utils.module_loading import import_string


class DeliveryUnknown(Exception):
    """The provider cannot tell whether a message was delivered."""


def _as_html(text: str) -> str:
    """The text part as simple HTML, with its links clickable."""
    body = linebreaks(urlize(text))
    return f"<html><body style='font-family: system-ui, sans-serif'>{body}</body></html>"


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", key)


class Ledger:
    """One file per delivered message, named by its key; a repeat gets a numbered twin.

    Creating the file is the delivery, atomic on every POSIX file system (O_EXCL), so a crash
    cannot leave a message half-delivered, and duplicates stay countable.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def record(self, key: str, content: str) -> str:
        base = _safe(key)
        for copy in range(1, 1000):
            path = self.directory / f"{base}.{copy}"
            try:
                descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(content)
            return path.name
        raise RuntimeError(f"{key} delivered a thousand times")

    def lookup(self, key: str) -> str | None:
        path = self.directory / f"{_safe(key)}.1"
        return path.name if path.exists() else None

    def deliveries(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for path in self.directory.iterdir():
            name, _, _copy = path.name.rpartition(".")
            counts[name] = counts.get(name, 0) + 1
        return counts


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


class EmailChannel:
    name = "email"

    def send(self, *, key: str, to: str, subject: str, text: str, html: str = "") -> str:
        connection = get_connection()
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[to],
            connection=connection,
            headers={"X-Dorsi-Key": key, "Message-ID": f"<{_safe(key)}@dorsi>"},
        )
        message.attach_alternative(html or _as_html(text), "text/html")
        message.send()
        return message.extra_headers.get("X-Ledger-Id", f"<{_safe(key)}@dorsi>")

    def lookup(self, key: str) -> str | None:
        backend = import_string(settings.EMAIL_BACKEND)
        if hasattr(backend, "lookup"):
            return backend.lookup(key)
        raise DeliveryUnknown("The email backend cannot say whether it delivered a message.")


class FileSmsBackend:
    def __init__(self) -> None:
        self.ledger = Ledger(Path(settings.VAR_DIR) / "sms")

    def send(self, *, key: str, to: str, text: str) -> str:
        return self.ledger.record(key, f"To: {to}\n\n{text}\n")

    def lookup(self, key: str) -> str | None:
        return self.ledger.lookup(key)


class ConsoleSmsBackend:
    def send(self, *, key: str, to: str, text: str) -> str:
        print(f"SMS to {to} [{key}]: {text}")
        return key

    def lookup(self, key: str) -> str | None:
        raise DeliveryUnknown("The console cannot say what it printed.")


class WebhookSmsBackend:
    def send(self, *, key: str, to: str, text: str) -> str:
        body = json.dumps({"to": to, "text": text, "idempotency_key": key}).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator's configured https URL
            settings.SMS_WEBHOOK_URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_WEBHOOK_TOKEN}",
                "Idempotency-Key": key,
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
        return str(answer.get("id", key))

    def lookup(self, key: str) -> str | None:
        raise DeliveryUnknown(
            "The webhook offers no lookup; the provider's idempotency key guards."
        )


class SmsChannel:
    name = "sms"

    def __init__(self) -> None:
        self.backend = import_string(settings.SMS_BACKEND)()

    def send(self, *, key: str, to: str, subject: str, text: str, html: str = "") -> str:
        return self.backend.send(key=key, to=to, text=text)

    def lookup(self, key: str) -> str | None:
        return self.backend.lookup(key)


def channel_for(name: str):
    return {"email": EmailChannel, "sms": SmsChannel}[name]()
