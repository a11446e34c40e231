"""What every channel shares: the error for "cannot tell", and how a key names a message."""

import re


class DeliveryUnknown(Exception):
    """The provider cannot tell whether a message was delivered."""


def safe_key(key: str) -> str:
    """The reminder's key as a file name or a Message-ID part."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", key)
