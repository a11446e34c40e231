"""Text messages: SMS_BACKEND names the backend class.

- `FileSmsBackend` (default) files messages under var/sms/ and answers lookups;
- `ConsoleSmsBackend` prints;
- `WebhookSmsBackend` is the adapter for a real provider: it POSTs {to, text, idempotency_key}
  as JSON to SMS_WEBHOOK_URL with a bearer token (SMS_WEBHOOK_TOKEN), the shape most SMS APIs
  take; point it at the provider or at a small relay that translates.
"""

import json
import math
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from reminders.channels.base import DeliveryUnknown, Outgoing
from reminders.channels.ledger import Ledger

# GSM 03.38: the 7-bit alphabet a text message is sent in when every character is in it; the
# extension characters take an escape and so count twice. Anything else (an emoji, a curly
# quote, most accented capitals) sends the whole message as UCS-2, at 70 characters a segment.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """How many segments a carrier bills for this text: 160 GSM-7 characters fit one, 153 each
    once it is split (the rest carries the join); in UCS-2, 70 and 67."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        units, single, part = sum(2 if c in GSM7_EXTENSION else 1 for c in text), 160, 153
    else:
        units, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)


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

    # A backend instance is the connection: one for a share of a batch.
    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, *, key: str, message: Outgoing) -> str:
        return self.backend.send(key=key, to=message.to, text=message.text)

    def lookup(self, key: str) -> str | None:
        return self.backend.lookup(key)
