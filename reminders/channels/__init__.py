"""Channels that deliver reminders, one module each, behind one small interface:

    channel.send(key=..., message=Outgoing(...)) -> provider id (reminders/composing.py)
    channel.lookup(key) -> provider id, None (not delivered) or raises DeliveryUnknown

`lookup` is what lets the sweep reconcile a reminder whose worker died while sending: a
provider that can say whether a message with that key went out is asked; one that cannot
(plain SMTP) makes the reminder fail visibly instead of being sent a second time.
"""

from reminders.channels.base import DeliveryUnknown
from reminders.channels.email import EmailChannel
from reminders.channels.sms import SmsChannel

CHANNELS = {EmailChannel.name: EmailChannel, SmsChannel.name: SmsChannel}


def channel_for(name: str):
    return CHANNELS[name]()


__all__ = ["CHANNELS", "DeliveryUnknown", "channel_for"]
