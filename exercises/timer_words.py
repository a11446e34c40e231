"""The words the guided timer (static/js/routine-timer.js) shows and announces, translated on
the server for the patient's language: the script has no catalogue of its own. The script fills
in the `%(name)s` placeholders."""

from django.utils.translation import gettext


def timer_words() -> dict[str, str]:
    return {
        "leftSide": gettext("Left side"),
        "rightSide": gettext("Right side"),
        "into": gettext("Into tension"),
        "ease": gettext("Ease off"),
        "keepGoing": gettext("Keep going"),
        "exerciseOf": gettext("Exercise %(n)s of %(total)s"),
        "boutOf": gettext("bout %(n)s of %(total)s"),
        "boutOfSaid": gettext("Bout %(n)s of %(total)s."),
        "switchSides": gettext("Switch sides: %(side)s."),
        "second": gettext("%(n)s second"),
        "seconds": gettext("%(n)s seconds"),
        "wellDone": gettext("Well done!"),
        "complete": gettext("Routine complete"),
        "logBelow": gettext("Log your session below"),
        "paused": gettext("Paused"),
        "pause": gettext("Pause"),
        "resume": gettext("Resume"),
        "doneSaid": gettext("Done. Log your session below."),
    }
