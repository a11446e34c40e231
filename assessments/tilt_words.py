"""The words the phone inclinometer's script (static/js/tilt-measure.js) shows, translated on
the server for the reader's language (a patient's self-test is in theirs): the script has no
catalogue of its own. `{name}` is filled in by the script."""

from django.utils.translation import gettext, pgettext


def tilt_words() -> dict:
    return {
        "button": gettext("Measure with this phone"),
        "side": {
            "left": pgettext("side, in a sentence", "left"),
            "right": pgettext("side, in a sentence", "right"),
        },
        "title": {"lunge": gettext("Shin angle, {side}"), "slr": gettext("Leg raise, {side}")},
        "waiting": gettext("Waiting for the tilt sensor…"),
        "place": gettext("Place the phone and hold still."),
        "moving": gettext("Hold still…"),
        "outOfRange": gettext(
            "{angle}° is outside {min}° to {max}°: is the phone placed as shown?"
        ),
        "captured": gettext("Captured: {angle}°."),
        "capturedNote": gettext("The readings stayed within {spread}° over 2 seconds."),
        "used": gettext("Measured with the phone: {angle}° (readings within {spread}°)."),
        "insecure": gettext(
            "This page is not on a secure connection (https), so the browser does not share "
            "the tilt sensor."
        ),
        "noApi": gettext("This browser has no tilt sensor."),
        "noSensor": gettext("No tilt sensor answered on this device."),
        "denied": gettext("The tilt sensor was not allowed: allow motion access and try again."),
        "typeInstead": gettext("Type the angle instead."),
        "phoneOnly": gettext(
            "The angle needs a phone's tilt sensor; your distances save without it."
        ),
        "zeroPlace": gettext("Lay the phone flat on the floor, screen up, and let go of it…"),
        "zeroSet": gettext("Zero set from the floor ({beta}°, {gamma}°): kept in this browser."),
        "zeroNotFlat": gettext("The phone is not lying flat: put it on a level floor, screen up."),
        "zeroNone": gettext("No zero set: the phone's own level is used."),
        "zeroCleared": gettext("Zero cleared: the phone's own level is used."),
    }
