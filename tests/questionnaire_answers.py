"""Questionnaire answers over time, through the real services, for the tests of the pages and
counts built on them (the dashboard's flags, the page beside the ankle, the outcomes page)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from questionnaires import services
from questionnaires.models import Instrument, QuestionnaireResponse
from tests.factories import LicensedInstrumentFactory, licensed_items, shipped_instruments_seed


def shipped(slug: str) -> Instrument:
    """A shipped instrument; seeded again after a transactional test flushed the tables."""
    instrument = Instrument.objects.filter(clinic=None, slug=slug, is_active=True).first()
    if instrument is None:
        shipped_instruments_seed()
        instrument = Instrument.objects.get(clinic=None, slug=slug, is_active=True)
    return instrument


def own_pain_scale(clinic) -> Instrument:
    """A clinic's own licensed pain scale: one item rated 0-10, lower is better, 2 points."""
    return LicensedInstrumentFactory(
        clinic=clinic,
        slug="own-pain",
        name="Licensed pain scale",
        short_name="Own pain",
        measures="Pain intensity.",
        domain="pain",
        items=licensed_items(1, high=10),
        scoring_method="sum",
        score_max=10,
        missing_items_allowed=0,
        mcid_rule="absolute",
        mcid_absolute=2,
        mcid_relative_percent=None,
    )


def answer_own_on_paper(
    patient, therapist, instrument: Instrument, value: int, *, days_ago: float = 0
) -> QuestionnaireResponse:
    """Every item of a clinic's own instrument answered `value`, from paper."""
    response, _ = services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=instrument,
        answers={item["id"]: value for item in instrument.items},
        submission_key=uuid.uuid4(),
        completed_at=timezone.now() - timedelta(days=days_ago),
    )
    return response


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
