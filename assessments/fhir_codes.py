"""Every code system URL Dorsi's FHIR exports name: Dorsi's own and the external ones.

Dorsi's own code systems live under CODE_SYSTEM_BASE, a canonical URL of the project's (a name,
not an address anything answers at). Each is documented by a CodeSystem resource committed in
docs/fhir/ (written by `manage.py fhir_code_systems` from the codes the apps define, and
checked against them by tests/records/test_fhir_code_systems.py). A receiving system looks a
code up there.

This module lives in the lowest app whose export needs a code system (assessments); the apps
above import it from here, so each URL is written once.
"""

from __future__ import annotations

CODE_SYSTEM_BASE = "https://dorsi.dev/fhir/CodeSystem"

# --- Dorsi's own ---------------------------------------------------------------------------------
# The knee-to-wall test (no LOINC code exists): its Observation code and components.
KNEE_TO_WALL = f"{CODE_SYSTEM_BASE}/knee-to-wall"
# What Dorsi concluded from a knee-to-wall value: standing against the clinic's target, and
# change against the minimal detectable change (assessments/interpretation.py).
KNEE_TO_WALL_INTERPRETATION = f"{CODE_SYSTEM_BASE}/knee-to-wall-interpretation"
# Neural tests of the chain (neural/fhir.py): the straight-leg raise and the slump test, their
# components and methods (no LOINC code fits), and what Dorsi concluded from them.
NEURAL_TEST = f"{CODE_SYSTEM_BASE}/neural-test"
NEURAL_TEST_INTERPRETATION = f"{CODE_SYSTEM_BASE}/neural-test-interpretation"
APPOINTMENT_KIND = f"{CODE_SYSTEM_BASE}/appointment-kind"
# The shared exercise library (a clinic's own exercises are named in text, not coded: their
# slugs are unique within one clinic only).
EXERCISE = f"{CODE_SYSTEM_BASE}/exercise"
EXERCISE_STATUS = f"{CODE_SYSTEM_BASE}/exercise-status"
REMINDER_KIND = f"{CODE_SYSTEM_BASE}/reminder-kind"
# Outcome questionnaires (exported by records/questionnaire_fhir.py; the questionnaires app, a
# sibling of this one, cannot import this module): the total score of each instrument Dorsi
# ships, by slug, where LOINC has no code; and the change against the MCID.
QUESTIONNAIRE_SCORE = f"{CODE_SYSTEM_BASE}/questionnaire-score"
QUESTIONNAIRE_CHANGE = f"{CODE_SYSTEM_BASE}/questionnaire-change"
# Canonical URLs of the Questionnaire resources of the instruments Dorsi ships (names, not
# addresses anything answers at); a clinic's own are under its installation's SITE_URL.
QUESTIONNAIRE_BASE = "https://dorsi.dev/fhir/Questionnaire"

DORSI_CODE_SYSTEMS = (
    KNEE_TO_WALL,
    KNEE_TO_WALL_INTERPRETATION,
    NEURAL_TEST,
    NEURAL_TEST_INTERPRETATION,
    APPOINTMENT_KIND,
    EXERCISE,
    EXERCISE_STATUS,
    REMINDER_KIND,
    QUESTIONNAIRE_SCORE,
    QUESTIONNAIRE_CHANGE,
)

# --- External ------------------------------------------------------------------------------------
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
OBSERVATION_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
APPOINTMENT_REASON = "http://terminology.hl7.org/CodeSystem/v2-0276"
# The identifier system for a value that is itself a URI (here a urn:uuid).
URI_IDENTIFIER = "urn:ietf:rfc:3986"
