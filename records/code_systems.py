"""Dorsi's own FHIR code systems as CodeSystem resources: what docs/fhir/ holds, written from
the codes the apps define (so the documents cannot say something the exports do not).

`manage.py fhir_code_systems` rewrites docs/fhir/; tests/records/test_fhir_code_systems.py
fails when a committed document differs from what this module makes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import TextChoices

from assessments.fhir import (
    INTERPRETATION_DEFINITIONS,
    KNEE_TO_WALL_CONCEPTS,
    interpretation_display,
)
from assessments.fhir_codes import (
    APPOINTMENT_KIND,
    CODE_SYSTEM_BASE,
    EXERCISE,
    EXERCISE_STATUS,
    KNEE_TO_WALL,
    KNEE_TO_WALL_INTERPRETATION,
    NEURAL_TEST,
    NEURAL_TEST_INTERPRETATION,
    QUESTIONNAIRE_CHANGE,
    QUESTIONNAIRE_SCORE,
    REMINDER_KIND,
)
from assessments.interpretation import ChangeClass, Standing
from exercises.models import Exercise, ExerciseStatus
from neural.fhir import INTERPRETATION_DEFINITIONS as NEURAL_INTERPRETATION_DEFINITIONS
from neural.fhir import NEURAL_CONCEPTS, finding_display
from questionnaires.interpretation import ChangeClass as QuestionnaireChange
from questionnaires.models import Instrument
from records.questionnaire_fhir import CHANGE_DEFINITIONS, change_display
from reminders.models import ReminderKind
from scheduling.models import AppointmentKind

DOCS = Path(__file__).resolve().parent.parent / "docs" / "fhir"


def _concept(code: str, display: str, definition: str = "") -> dict[str, str]:
    concept = {"code": code, "display": display}
    if definition:
        concept["definition"] = definition
    return concept


def _choices(choices: type[TextChoices]) -> list[dict[str, str]]:
    return [_concept(value, str(label)) for value, label in choices.choices]


def _code_system(url: str, title: str, description: str, concepts: list[dict]) -> dict[str, Any]:
    slug = url.removeprefix(f"{CODE_SYSTEM_BASE}/")
    return {
        "resourceType": "CodeSystem",
        "id": f"dorsi-{slug}",
        "url": url,
        "name": "Dorsi" + "".join(part.capitalize() for part in slug.split("-")),
        "title": title,
        "status": "active",
        "experimental": False,
        "publisher": "Dorsi",
        "description": description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


def code_systems() -> list[dict[str, Any]]:
    """Every code system Dorsi's exports use (the shared exercise library is read from the
    database, where its migration put it)."""
    library = Exercise.objects.filter(clinic__isnull=True).order_by("slug")
    # Every version of an instrument has its slug: the code is the instrument's, the version is
    # the Questionnaire's. The name of the latest version is the display.
    instruments = {
        instrument.slug: instrument
        for instrument in Instrument.objects.filter(clinic__isnull=True).order_by("slug", "id")
    }
    return [
        _code_system(
            KNEE_TO_WALL,
            "Dorsi knee-to-wall test",
            "The knee-to-wall (weight-bearing lunge) test of ankle dorsiflexion, which has no "
            "LOINC code: the Observation code and its components. Distances are UCUM cm.",
            [
                _concept(code, display, definition)
                for code, (display, definition) in KNEE_TO_WALL_CONCEPTS.items()
            ],
        ),
        _code_system(
            KNEE_TO_WALL_INTERPRETATION,
            "Dorsi knee-to-wall interpretation",
            "What Dorsi concluded from a knee-to-wall distance (Observation.interpretation): "
            "where it stands against the clinic's target, and how it changed since the "
            "baseline against the minimal detectable change. The same codes as Dorsi's API and "
            "CSV files. Where HL7 ObservationInterpretation has the same meaning its code is "
            "sent beside this one (N, L, B, W).",
            [
                _concept(str(code), interpretation_display(code), INTERPRETATION_DEFINITIONS[code])
                for code in [*Standing, *ChangeClass]
            ],
        ),
        _code_system(
            NEURAL_TEST,
            "Dorsi neural tests",
            "Neural tests of the chain, local to Dorsi (no LOINC code fits them as recorded): "
            "the straight-leg raise (hip-flexion angle at symptom onset, UCUM deg) and the "
            "slump test, per side; their components (where the symptoms reached, structural "
            "differentiation, crossed SLR, neck extension), the answers those take and how the "
            "angle was measured (Observation.method).",
            [
                _concept(code, display, definition)
                for code, (display, definition) in NEURAL_CONCEPTS.items()
            ],
        ),
        _code_system(
            NEURAL_TEST_INTERPRETATION,
            "Dorsi neural test interpretation",
            "What Dorsi concluded from a straight-leg raise or a slump test "
            "(Observation.interpretation), by the clinical brief's rules. The same codes as "
            "Dorsi's API and CSV files. Where HL7 ObservationInterpretation has the same "
            "meaning its code is sent beside this one (POS, NEG, IND).",
            [
                _concept(str(code), finding_display(code), definition)
                for code, definition in NEURAL_INTERPRETATION_DEFINITIONS.items()
            ],
        ),
        _code_system(
            APPOINTMENT_KIND,
            "Dorsi appointment kind",
            "The kind of a clinic's appointment type (Appointment.appointmentType, beside the "
            "HL7 v2-0276 code).",
            _choices(AppointmentKind),
        ),
        _code_system(
            EXERCISE,
            "Dorsi exercise library",
            "The exercises of Dorsi's shared library, by slug (CarePlan.activity.detail.code). "
            "Exercises a clinic writes itself are named in text only.",
            [_concept(e.slug, e.name, e.purpose) for e in library],
        ),
        _code_system(
            EXERCISE_STATUS,
            "Dorsi exercise status",
            "How much of one exercise the patient did in a logged session "
            "(QuestionnaireResponse answers).",
            _choices(ExerciseStatus),
        ),
        _code_system(
            REMINDER_KIND,
            "Dorsi reminder kind",
            "What a reminder sent to the patient was about (Communication.category).",
            _choices(ReminderKind),
        ),
        _code_system(
            QUESTIONNAIRE_SCORE,
            "Dorsi outcome questionnaire score",
            "The total score of an outcome questionnaire Dorsi ships, by the instrument's slug "
            "(Observation.code), beside LOINC's code where one exists (the 0-10 numeric pain "
            "rating, 72514-3). A clinic's own licensed instruments are named in text only.",
            [_concept(slug, i.name, i.measures) for slug, i in instruments.items()],
        ),
        _code_system(
            QUESTIONNAIRE_CHANGE,
            "Dorsi questionnaire change against the MCID",
            "How an outcome questionnaire's score changed since the first valid score, judged "
            "by the minimal clinically important difference (Observation.interpretation). The "
            "same codes as Dorsi's API and CSV files. Where HL7 ObservationInterpretation has "
            "the same meaning its code is sent beside this one (B, W).",
            [
                _concept(str(code), change_display(code), CHANGE_DEFINITIONS[code])
                for code in QuestionnaireChange
            ],
        ),
    ]


def code_system_path(code_system: dict[str, Any]) -> Path:
    return DOCS / f"CodeSystem-{code_system['id']}.json"
