"""The clinic's schedule: which questionnaires are asked for without a therapist, and when.

A clinic admin turns it on per instrument (ClinicInstrumentSetting: at intake, before each
knee-to-wall re-test, every N visits); the periodic planner asks for what is due through
`request_create`, the one way a request is made, so the instrument's and the patient's checks
are the same as when a therapist asks.

The re-test's due date and the attended visits are facts of higher layers (exercises/retest.py,
scheduling's appointments): the planner that reads them (scheduling/questionnaire_schedule.py)
hands them in as `PatientFacts`, and the rules here stay pure.

Each rule asks once for the occasion it names, judged from the patient's earlier requests of
the instrument (any version, any state: an answered or a cancelled request counts as asked),
so the planner can run as often as it likes:
- intake: a patient registered in the last INTAKE_WINDOW_DAYS who was never asked it;
- before a re-test: from RETEST_LEAD_DAYS before the re-test's due date, unless it was asked
  since then (a therapist's own request in that week counts);
- every N visits: once N attended visits have started since it was last asked (or since the
  first visit, if never).
Never while a request of the instrument is open: one open request per patient and instrument.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q

from clinic.models import Patient
from questionnaires.models import (
    ClinicInstrumentSetting,
    QuestionnaireRequest,
    RequestReason,
    RequestStatus,
)
from questionnaires.services import request_create

logger = logging.getLogger(__name__)

# "Intake": the first two weeks after registration. A clinic that turns intake on asks the
# patients it registered in that time too, not every patient it ever had.
INTAKE_WINDOW_DAYS = 14
# Asked a week before the re-test is due, so the answers are in when the patient comes.
RETEST_LEAD_DAYS = 7


@dataclass(frozen=True)
class PatientFacts:
    """What the schedule needs to know about a patient from the layers above."""

    patient: Patient  # with its clinic loaded
    retest_due_on: date | None = None  # exercises.retest.retest_due_dates
    visits: tuple[datetime, ...] = ()  # when each attended visit started


@dataclass(frozen=True)
class PastRequest:
    reason: str
    status: str
    requested_at: datetime


@dataclass(frozen=True)
class Ask:
    reason: str
    due_on: date | None  # None: request_create's default (a week)


def scheduled_ask(
    setting: ClinicInstrumentSetting,
    facts: PatientFacts,
    past: Iterable[PastRequest],
    *,
    now: datetime,
) -> Ask | None:
    """What the clinic's schedule asks this patient for this instrument now, if anything.
    `past`: the patient's requests of the instrument so far. Pure: no query."""
    past = list(past)
    if not setting.asks_automatically or any(p.status == RequestStatus.OPEN for p in past):
        return None
    clinic = facts.patient.clinic
    today = clinic.local_today(now)
    if (
        setting.ask_at_intake
        and not past
        and facts.patient.created_at >= now - timedelta(days=INTAKE_WINDOW_DAYS)
    ):
        return Ask(RequestReason.INTAKE, None)
    if setting.ask_before_retest and facts.retest_due_on is not None:
        window_opens = facts.retest_due_on - timedelta(days=RETEST_LEAD_DAYS)
        asked_in_window = any(clinic.local_date(p.requested_at) >= window_opens for p in past)
        if today >= window_opens and not asked_in_window:
            return Ask(RequestReason.BEFORE_RETEST, max(facts.retest_due_on, today))
    every = setting.ask_every_n_visits
    if every is not None:
        last_asked = max((p.requested_at for p in past), default=None)
        since = [v for v in facts.visits if v <= now and (last_asked is None or v > last_asked)]
        if len(since) >= every:
            return Ask(RequestReason.EVERY_N_VISITS, None)
    return None


def schedules_by_clinic(clinic_ids: Iterable[int]) -> dict[int, list[ClinicInstrumentSetting]]:
    """The settings that ask automatically, by clinic: enabled, on a current instrument that is
    Dorsi's or the clinic's own. One query."""
    settings = (
        ClinicInstrumentSetting.objects.filter(
            clinic_id__in=list(clinic_ids), enabled=True, instrument__is_active=True
        )
        .filter(Q(instrument__clinic__isnull=True) | Q(instrument__clinic_id=F("clinic_id")))
        .filter(
            Q(ask_at_intake=True) | Q(ask_before_retest=True) | Q(ask_every_n_visits__isnull=False)
        )
        .select_related("instrument")
        .order_by("clinic_id", "instrument__name", "instrument_id")
    )
    by_clinic: dict[int, list[ClinicInstrumentSetting]] = defaultdict(list)
    for setting in settings:
        by_clinic[setting.clinic_id].append(setting)
    return dict(by_clinic)


def clinics_with_a_schedule() -> list[int]:
    return list(
        ClinicInstrumentSetting.objects.filter(enabled=True)
        .filter(
            Q(ask_at_intake=True) | Q(ask_before_retest=True) | Q(ask_every_n_visits__isnull=False)
        )
        .values_list("clinic_id", flat=True)
        .distinct()
    )


InstrumentKey = tuple[int, str, int | None]  # patient, slug, owning clinic (None: Dorsi's)


def past_requests(patient_ids: list[int]) -> dict[InstrumentKey, list[PastRequest]]:
    """Every request these patients were ever asked, by patient and instrument (all versions
    of it together). One query."""
    rows = QuestionnaireRequest.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id",
        "instrument__slug",
        "instrument__clinic_id",
        "reason",
        "status",
        "requested_at",
    )
    by_key: dict[InstrumentKey, list[PastRequest]] = defaultdict(list)
    for patient_id, slug, owner, reason, status, requested_at in rows:
        by_key[(patient_id, slug, owner)].append(PastRequest(reason, status, requested_at))
    return by_key


def scheduled_requests_create(facts: list[PatientFacts], *, now: datetime) -> int:
    """Ask these patients for what their clinic's schedule wants now; returns how many
    requests were made. Reads in a fixed number of queries whatever the number of patients;
    writes one request at a time through request_create (its own savepoint), so a patient who
    cannot be asked any more (discharged meanwhile, asked by a therapist meanwhile) is skipped
    and the rest are still asked."""
    schedules = schedules_by_clinic({f.patient.clinic_id for f in facts})
    facts = [f for f in facts if schedules.get(f.patient.clinic_id)]
    if not facts:
        return 0
    past = past_requests([f.patient.pk for f in facts])
    created = 0
    for patient_facts in facts:
        patient = patient_facts.patient
        for setting in schedules[patient.clinic_id]:
            instrument = setting.instrument
            earlier = past.get((patient.pk, instrument.slug, instrument.clinic_id), [])
            ask = scheduled_ask(setting, patient_facts, earlier, now=now)
            if ask is None:
                continue
            try:
                request_create(
                    patient=patient,
                    instrument=instrument,
                    requested_by=None,
                    reason=ask.reason,
                    due_on=ask.due_on,
                )
            except (ValidationError, PermissionDenied) as exc:
                logger.info(
                    "not asking patient %s for %s (%s): %s",
                    patient.pk,
                    instrument.slug,
                    ask.reason,
                    exc,
                )
                continue
            created += 1
    return created
