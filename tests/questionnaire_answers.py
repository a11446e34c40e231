"""Questionnaire answers over time, through the real services, for the tests of the pages and
counts built on them (the dashboard's flags, the page beside the ankle, the outcomes page)."""

from __future__ import annotations

import importlib
import uuid
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from questionnaires import services
from questionnaires.models import Instrument, QuestionnaireResponse


def shipped(slug: str) -> Instrument:
    """A shipped instrument; seeded again after a transactional test flushed the tables."""
    instrument = Instrument.objects.filter(clinic=None, slug=slug, is_active=True).first()
    if instrument is None:
        importlib.import_module("questionnaires.migrations.0002_shipped_instruments").seed(
            apps, None
        )
        instrument = Instrument.objects.get(clinic=None, slug=slug, is_active=True)
    return instrument


def answers_for(slug: str, value: int) -> tuple[dict[str, int], dict[str, str]]:
    """Answers giving `value` as every item's answer (the NPRS's one, the LEFS's twenty, three
    PSFS activities)."""
    if slug.startswith("nprs"):
        return {"worst-24h": value}, {}
    if slug == "lefs":
        return {f"lefs-{n}": value for n in range(1, 21)}, {}
    if slug == "psfs":
        activities = ("Walking the dog", "Gardening", "Climbing stairs")
        answers = {f"activity-{n}": value for n in range(1, 4)}
        return answers, {f"activity-{n}": name for n, name in enumerate(activities, start=1)}
    raise ValueError(slug)


def answer_on_paper(
    patient, therapist, slug: str, value: int, *, days_ago: float = 0
) -> QuestionnaireResponse:
    """A completed questionnaire, entered from paper `days_ago` days ago (the services'
    one way to give answers a time in the past)."""
    answers, labels = answers_for(slug, value)
    response, _ = services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=shipped(slug),
        answers=answers,
        item_labels=labels,
        submission_key=uuid.uuid4(),
        completed_at=timezone.now() - timedelta(days=days_ago),
    )
    return response
