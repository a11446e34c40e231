"""What every channel shares: the message it sends, the error for "cannot tell", and how a key
names a message."""

import re
from dataclasses import dataclass, field


class DeliveryUnknown(Exception):
    """The provider cannot tell whether a message was delivered."""


def safe_key(key: str) -> str:
    """The reminder's key as a file name or a Message-ID part."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", key)


@dataclass(frozen=True)
class Outgoing:
    """One message as a channel sends it."""

    to: str
    subject: str
    text: str
    html: str = ""
    from_email: str = ""
    reply_to: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
