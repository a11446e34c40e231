"""Answering one question a screen: which screen a patient sees, pure functions on values.

A questionnaire is answered screen by screen, each Next saving the answers so far
(services.response_save_progress); a patient who stops and comes back resumes where they left
off. Screens are numbered from 1 (the first question, which also shows what the questionnaire is
for); after the last question comes the review screen, where the answers are sent.
"""

from __future__ import annotations

from collections.abc import Mapping

from questionnaires.scoring import Definition

REVIEW = "review"


def resume_at(definition: Definition, answers: Mapping[str, int]) -> int | str:
    """The screen to open when the patient comes back: the first unanswered question after the
    last one answered (a question they skipped stays skipped), or the review screen when the
    last question has an answer. Nothing answered yet: the first question."""
    last_answered = 0
    for number, item in enumerate(definition.items, start=1):
        if item.id in answers:
            last_answered = number
    if last_answered == len(definition.items):
        return REVIEW
    return last_answered + 1


def screen_from(value: str | None, definition: Definition) -> int | str | None:
    """The screen an address or a form names (`3`, `review`), None when it names none that
    exists."""
    if value == REVIEW:
        return REVIEW
    if value is None or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= len(definition.items) else None


def after(number: int, definition: Definition) -> int | str:
    """The screen after question `number`: the next question, or the review."""
    return number + 1 if number < len(definition.items) else REVIEW


def before(number: int) -> int:
    return max(number - 1, 1)
