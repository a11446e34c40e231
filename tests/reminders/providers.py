"""Delivery backends for tests with real workers (imported by the worker processes)."""

import os
import time

from reminders.channels import DeliveryUnknown
from reminders.channels.ledger import Ledger


class SlowBlindSmsBackend:
    """A slow SMS provider that cannot say what it delivered (like the webhook): it files each
    message in a ledger under SLOW_SMS_DIR, so a test counts duplicates, after
    SLOW_SMS_DELAY seconds."""

    def __init__(self) -> None:
        self.ledger = Ledger(os.environ["SLOW_SMS_DIR"])

    def send(self, *, key: str, to: str, text: str) -> str:
        time.sleep(float(os.environ.get("SLOW_SMS_DELAY", "0")))
        return self.ledger.record(key, f"To: {to}\n\n{text}\n")

    def lookup(self, key: str) -> str | None:
        raise DeliveryUnknown("This provider offers no lookup.")
