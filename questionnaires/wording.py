"""The shipped instruments a patient may read in their own language, and the words of each.

Only an instrument whose wording Dorsi may translate is translated: the NPRS (back and leg)
and the PSFS, whose question, instructions and anchors are Dorsi's own (see migration 0002),
on a generic 0-10 format that is used and validated in Spanish. The stored rows keep their
English; the translations are in the catalogues (locale/<language>/), keyed by that English.

Not translated: the LEFS (a validated Spanish version exists, Cruz-Díaz et al. 2014, but its
wording belongs to its authors and its terms were not confirmed: a retranslation would not be
the validated instrument), and every clinic's own (licensed) instrument, whose text is the
licensed text: both are shown as stored, with a note in the patient's language.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

TRANSLATED_SLUGS = frozenset({"nprs-back", "nprs-leg", "psfs"})

# Each text exactly as migration 0002 stores it.
_WORDS = frozenset(
    {
        gettext_noop("Numeric Pain Rating Scale — low-back pain"),
        gettext_noop("NPRS back"),
        gettext_noop(
            "One question about your back pain. Your answers show you and your therapist "
            "whether your back pain changes as your treatment goes on. Think of the last 24 "
            "hours and choose one number."
        ),
        gettext_noop("How bad was your low-back pain at its worst in the last 24 hours?"),
        gettext_noop("Numeric Pain Rating Scale — leg pain"),
        gettext_noop("NPRS leg"),
        gettext_noop(
            "One question about the pain in your leg. Your answers show you and your therapist "
            "whether your leg pain changes as your treatment goes on. Think of the last 24 hours "
            "and choose one number."
        ),
        gettext_noop(
            "How bad was the pain in your leg (sciatic pain) at its worst in the last 24 hours?"
        ),
        gettext_noop("No pain"),
        gettext_noop("Worst pain imaginable"),
        gettext_noop("Patient-Specific Functional Scale"),
        gettext_noop("PSFS"),
        gettext_noop(
            "Name three to five important activities that you cannot do, or find hard to do, "
            "because of your back or leg problem, and rate how well you can do each one today. "
            "Next time you will rate the same activities, so that you and your therapist can "
            "see what has changed."
        ),
        gettext_noop("Activity 1: name it, then rate how well you can do it today."),
        gettext_noop("Activity 2: name it, then rate how well you can do it today."),
        gettext_noop("Activity 3: name it, then rate how well you can do it today."),
        gettext_noop("Activity 4: name it, then rate how well you can do it today."),
        gettext_noop("Activity 5: name it, then rate how well you can do it today."),
        gettext_noop("Unable to perform the activity"),
        gettext_noop("Able to perform the activity at the same level as before the problem"),
    }
)


def is_translated(instrument) -> bool:
    return instrument.is_shipped and instrument.slug in TRANSLATED_SLUGS


def instrument_words(text: str, instrument) -> str:
    """`text` (a name, the instructions, a question or an answer's label) in the active
    language where the instrument may be translated; as stored otherwise."""
    if text and is_translated(instrument) and text in _WORDS:
        return gettext(text)
    return text
