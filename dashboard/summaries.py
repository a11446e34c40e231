"""The dashboard's summary rows: refreshed in bulk when a patient's data changes (and hourly, as
time moves flags), and the reads the dashboard, its cards and the staff digest make of them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.interpretation import Thresholds
from assessments.models import AssessmentKind, AssessmentRevision
from assessments.selectors import Reading, latest_reading
from clinic.bulk_update import rows_update
from clinic.changes import on_patient_data_changed
from clinic.models import Clinic, Patient, PatientStatus, TaskProgress
from clinic.selectors import on_patient_count
from dashboard.counts import (
    improved_counts,
    improved_days_prune,
    patient_count,
    summary_counts,
    summary_counts_kept,
)
from dashboard.flags import (
    ADHERENCE_DAYS,
    FLAG_LABELS,
    TIME_FLAGS,
    Facts,
    Flag,
    flags_for,
    urgency_of,
)
from dashboard.models import PatientSummary
from exercises.models import SessionLog
from exercises.retest import retest_due_dates
from exercises.selectors import adherence_for_patients
from questionnaires.interpretation import ChangeClass
from questionnaires.scoring import display_total
from questionnaires.selectors import (
    Domain,
    ScoreHistory,
    oldest_open_due_dates,
    score_histories,
)
from reminders.models import Reminder, ReminderStatus
from reports.due import report_counts
from scheduling.models import Appointment, AppointmentStatus

# --- Refresh ----------------------------------------------------------------------------------


def dashboard_listen() -> None:
    """Hook the dashboard to the core (from its AppConfig.ready): every app's services report
    their changes to the core and the dashboard refreshes their rows; the patient list's total
    is the maintained count of those rows, one per patient."""
    on_patient_data_changed(lambda ids: patient_summaries_refresh(patient_ids=ids))
    on_patient_count(patient_count)


REFRESH_BATCH = 2000
# The weeks of adherence the row's 14 days can touch (whole weeks, up to today).
ADHERENCE_WEEKS = 3


def patient_summaries_refresh(
    *, patient_ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Recompute the summary rows of these patients (all when None), batch by batch in a
    fixed number of queries per batch; returns how many rows were written."""
    now = now or timezone.now()
    patients = Patient.objects.select_related("clinic").order_by("pk")
    if patient_ids is not None:
        patients = patients.filter(pk__in=patient_ids)
    written = 0
    batch: list[Patient] = []
    for patient in patients.iterator(chunk_size=REFRESH_BATCH):
        batch.append(patient)
        if len(batch) == REFRESH_BATCH:
            written += _refresh_batch(batch, now)
            batch = []
    if batch:
        written += _refresh_batch(batch, now)
    return written


def _refresh_batch(patients: list[Patient], now: datetime) -> int:
    """Load each source once for the whole batch, then build and upsert one row per patient."""
    ids = [patient.pk for patient in patients]
    revisions = current_clinic_revisions(ids)
    adherence = adherence_for_patients(
        patient_ids=ids,
        weeks=ADHERENCE_WEEKS,
        today={patient.clinic_id: patient.clinic.local_today(now) for patient in patients},
        clinic_of={patient.pk: patient.clinic_id for patient in patients},
    )
    pain = _last_pain(ids)
    upcoming = _next_appointments(ids, now)
    retest = retest_due_dates(patients)
    failed = _recently_failed_reminders(ids, now)
    histories = score_histories(patient_ids=ids)
    questionnaires_due = oldest_open_due_dates(patient_ids=ids)
    report_due = {pk: count.state for pk, count in report_counts(patients).items()}

    rows = []
    thresholds_of: dict[int, Thresholds] = {}
    for patient in patients:
        clinic = patient.clinic
        thresholds = thresholds_of.setdefault(clinic.pk, Thresholds.for_clinic(clinic))
        today = clinic.local_today(now)
        rows.append(
            _summary_row(
                patient,
                now=now,
                today=today,
                latest=latest_reading(revisions.get(patient.pk, []), thresholds),
                thresholds=thresholds,
                adherence_percent=_recent_adherence(adherence.get(patient.pk), today),
                last_pain=pain.get(patient.pk),
                next_appointment_at=upcoming.get(patient.pk),
                retest_due_on=retest.get(patient.pk),
                has_failed_reminder=patient.pk in failed,
                histories=histories.get(patient.pk, []),
                questionnaire_due_on=questionnaires_due.get(patient.pk),
                report_due=report_due.get(patient.pk, ""),
            )
        )
    fields = [f.name for f in PatientSummary._meta.concrete_fields if not f.primary_key]
    clinics = {patient.clinic_id: patient.clinic for patient in patients}
    ids_of: dict[int, list[int]] = defaultdict(list)
    for patient in patients:
        ids_of[patient.clinic_id].append(patient.pk)
    with transaction.atomic():
        # Locked so that a concurrent refresh of the same rows counts them after this one.
        list(PatientSummary.objects.filter(pk__in=ids).select_for_update().values_list("pk"))
        with summary_counts_kept(clinics, ids_of):
            PatientSummary.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["patient"], update_fields=fields
            )
    return len(rows)


def current_clinic_revisions(ids: list[int]) -> dict[int, list[AssessmentRevision]]:
    """The current revision of each clinic test (self-tests do not count), per patient."""
    revisions: dict[int, list[AssessmentRevision]] = defaultdict(list)
    for revision in (
        AssessmentRevision.objects.current()
        .filter(assessment__patient_id__in=ids, assessment__kind=AssessmentKind.CLINIC)
        .select_related("assessment")
    ):
        revisions[revision.assessment.patient_id].append(revision)
    return revisions


def _last_pain(ids: list[int]) -> dict[int, tuple[int, date]]:
    """The pain of each patient's latest session that rated it, and that session's date."""
    pain: dict[int, tuple[int, date]] = {}
    for patient_id, value, day in (
        SessionLog.objects.filter(patient_id__in=ids, pain__isnull=False)
        .order_by("patient_id", "-session_date", "-slot")
        .values_list("patient_id", "pain", "session_date")
    ):
        pain.setdefault(patient_id, (value, day))
    return pain


def _next_appointments(ids: list[int], now: datetime) -> dict[int, datetime]:
    """When each patient's next booked appointment (or the one under way) starts."""
    upcoming: dict[int, datetime] = {}
    for patient_id, starts_at in (
        Appointment.objects.filter(
            patient_id__in=ids, status=AppointmentStatus.BOOKED, ends_at__gt=now
        )
        .order_by("patient_id", "starts_at")
        .values_list("patient_id", "starts_at")
    ):
        upcoming.setdefault(patient_id, starts_at)
    return upcoming


def _recently_failed_reminders(ids: list[int], now: datetime) -> set[int]:
    """The patients with a reminder that failed in the last 14 days."""
    return set(
        Reminder.objects.filter(
            patient_id__in=ids,
            status=ReminderStatus.FAILED,
            created_at__gte=now - timedelta(days=14),
        ).values_list("patient_id", flat=True)
    )


def _summary_row(
    patient: Patient,
    *,
    now: datetime,
    today: date,
    latest: Reading | None,
    thresholds: Thresholds,
    adherence_percent: int | None,
    last_pain: tuple[int, date] | None,
    next_appointment_at: datetime | None,
    retest_due_on: date | None,
    has_failed_reminder: bool,
    histories: Sequence[ScoreHistory] = (),
    questionnaire_due_on: date | None = None,
    report_due: str = "",
) -> PatientSummary:
    """One patient's row from what the batch loaded: the latest test, its flags and urgency."""
    changes = tuple(
        side.since_baseline.classification.value if side.since_baseline else ""
        for side in (latest.sides if latest else ())
    )
    previous_changes = tuple(
        side.since_previous.classification.value if side.since_previous else ""
        for side in (latest.sides if latest else ())
    )
    facts = Facts(
        previous_changes=previous_changes,
        left=latest.left.value if latest else None,
        right=latest.right.value if latest else None,
        changes=changes,
        thresholds=thresholds,
        adherence_percent=adherence_percent,
        last_pain=last_pain[0] if last_pain else None,
        last_pain_on=last_pain[1] if last_pain else None,
        retest_due_on=retest_due_on,
        has_upcoming_appointment=next_appointment_at is not None,
        has_failed_reminder=has_failed_reminder,
        today=today,
        pain_changes=_latest_changes(histories, Domain.PAIN),
        function_changes=_latest_changes(histories, Domain.FUNCTION),
        questionnaire_due_on=questionnaire_due_on,
        report_due=report_due,
    )
    flags = flags_for(facts) if patient.status == PatientStatus.ACTIVE else Flag(0)
    return PatientSummary(
        patient=patient,
        clinic=patient.clinic,
        primary_therapist_id=patient.primary_therapist_id,
        is_active=patient.status == PatientStatus.ACTIVE,
        # None both before any test and for a gap not measured (then `reached` is
        # false): the row never holds a 0 that nobody measured.
        left_um=latest.left.distance_um if latest else None,
        right_um=latest.right.distance_um if latest else None,
        left_reached=latest.left.reached if latest else True,
        right_reached=latest.right.reached if latest else True,
        last_tested_at=latest.revision.measured_at if latest else None,
        left_change=changes[0] if changes else "",
        right_change=changes[1] if changes else "",
        left_delta_um=latest.left.since_baseline.delta_um
        if latest and latest.left.since_baseline
        else None,
        right_delta_um=latest.right.since_baseline.delta_um
        if latest and latest.right.since_baseline
        else None,
        # Only an exact difference: the column cannot say "more than".
        asymmetry_um=latest.asymmetry.difference_um if latest else None,
        adherence_percent=adherence_percent,
        last_pain=facts.last_pain,
        last_pain_on=facts.last_pain_on,
        next_appointment_at=next_appointment_at,
        retest_due_on=retest_due_on,
        questionnaire_worse=_worse_in_words(histories),
        questionnaire_due_on=questionnaire_due_on,
        flags=int(flags),
        urgency=urgency_of(flags, facts),
        refreshed_at=now,
    )


def _latest_changes(histories: Sequence[ScoreHistory], domain: Domain) -> tuple[str, ...]:
    """The class of each instrument's change since the baseline in the domain (the latest
    answers with a valid score against the first: ScoreHistory.change_since_baseline, the one
    rule), as the interpretation judged it."""
    return tuple(
        history.change_since_baseline.classification.value
        for history in histories
        if history.domain == domain and history.change_since_baseline is not None
    )


def _worse_in_words(histories: Sequence[ScoreHistory]) -> str:
    """'NPRS back 3 → 6; LEFS 52 → 40': each instrument whose change since the baseline is
    worse beyond the MCID (the flags' rule), for the row and the digest."""
    parts = []
    for history in histories:
        change = history.change_since_baseline
        if change is not None and change.classification == ChangeClass.WORSE:
            before = display_total(change.before.total)
            after = display_total(change.after.total)
            parts.append(f"{history.instrument.short_name} {before} → {after}")
    return "; ".join(parts)[:200]


def _recent_adherence(adherence, today: date) -> int | None:
    """Done over prescribed in the last 14 days, from the weekly figures' day counts."""
    if adherence is None:
        return None
    prescribed = done = 0
    window_start = today - timedelta(days=ADHERENCE_DAYS - 1)
    for week in adherence.weeks:
        if week.week_start + timedelta(days=6) < window_start:
            continue
        prescribed += week.prescribed
        done += week.done
    return None if prescribed == 0 else round(done * 100 / prescribed)


# --- Ageing ---------------------------------------------------------------------------------

AGEING_TASK = "dashboard.tasks.dashboard_refresh"
# What time alone changes in a row, with no write to refresh it: columns and flags.
AGED_FIELDS = ("adherence_percent", "next_appointment_at", "flags", "urgency")
_AGED_VALUES = (
    "patient_id",
    "clinic_id",
    "is_active",
    "flags",
    "urgency",
    "adherence_percent",
    "last_pain",
    "last_pain_on",
    "retest_due_on",
    "questionnaire_due_on",
    "next_appointment_at",
)


def patient_summaries_age(*, now: datetime | None = None) -> int:
    """Move the summaries on with the clock, touching only what time changes; returns how
    many rows changed.

    Every other column is kept current by the refresh that follows each write. Time alone
    changes two kinds of things:
    - with the clinic's local day (once a day per clinic, every row of it): the adherence
      window, recent pain, a re-test or questionnaire date passing, the days overdue in the
      urgency;
    - with the clock (every run, the few rows concerned): an appointment that ended (the next
      one, or no follow-up booked), a failed reminder older than 14 days.
    Each batch is recomputed from the stored row plus those sources only, never re-reading
    tests or questionnaires, by the same flag rules (dashboard.flags), and committed with the
    task's cursor, so a run cut short by its time limit goes on where it stopped.
    """
    now = now or timezone.now()
    changed = 0
    clinics = list(Clinic.objects.order_by("pk"))
    for clinic in clinics:
        changed += _age_clinic_day(clinic, now)
    rows = PatientSummary.objects.annotate(failed_bit=F("flags").bitand(int(Flag.FAILED_REMINDER)))
    changed += _age_rows(
        rows.filter(Q(next_appointment_at__lte=now) | Q(is_active=True, failed_bit__gt=0)),
        now=now,
        new_day=False,
    )
    return changed


def _age_clinic_day(clinic: Clinic, now: datetime) -> int:
    """Age every row of the clinic once its local day has moved on since the last time."""
    today = clinic.local_today(now).isoformat()
    progress, _ = TaskProgress.objects.get_or_create(name=AGEING_TASK)
    days = progress.cursor.get("aged_on", {})
    if days.get(str(clinic.pk)) == today:
        return 0
    # A run cut short goes on after its last batch, the same day only.
    cut_short = progress.cursor.get("clinic") == clinic.pk and progress.cursor.get("day") == today
    after = progress.cursor.get("after", 0) if cut_short else 0
    changed = 0
    while True:
        with transaction.atomic():
            progress = TaskProgress.objects.select_for_update().get(name=AGEING_TASK)
            batch = list(
                PatientSummary.objects.filter(clinic=clinic, patient_id__gt=after)
                .order_by("patient_id")
                .select_for_update()
                .values_list(*_AGED_VALUES)[:REFRESH_BATCH]
            )
            if batch:
                changed += _age_batch(batch, now=now, new_day=True)
                after = batch[-1][0]
                progress.cursor = {
                    **progress.cursor,
                    "clinic": clinic.pk,
                    "day": today,
                    "after": after,
                }
            else:
                improved_days_prune(clinic, clinic.local_today(now))
                aged_on = {**progress.cursor.get("aged_on", {}), str(clinic.pk): today}
                progress.cursor = {"aged_on": aged_on}
                progress.completed_at = timezone.now()
            progress.save(update_fields=["cursor", "completed_at"])
        if not batch:
            return changed


def _age_rows(rows: QuerySet[PatientSummary], *, now: datetime, new_day: bool) -> int:
    changed = after = 0
    while True:
        with transaction.atomic():
            batch = list(
                rows.filter(patient_id__gt=after)
                .order_by("patient_id")
                .select_for_update(of=("self",))
                .values_list(*_AGED_VALUES)[:REFRESH_BATCH]
            )
            if not batch:
                return changed
            changed += _age_batch(batch, now=now, new_day=new_day)
            after = batch[-1][0]


def _age_batch(batch: list[tuple], *, now: datetime, new_day: bool) -> int:
    """Recompute the time-dependent columns and flags of these rows (locked by the caller,
    so a refresh after a write waits for this batch, then wins); write the rows that moved."""
    clinic_of = {row[0]: row[1] for row in batch}
    clinics = {
        clinic.pk: clinic for clinic in Clinic.objects.filter(pk__in=set(clinic_of.values()))
    }
    today = {pk: clinic.local_today(now) for pk, clinic in clinics.items()}
    thresholds = {pk: Thresholds.for_clinic(clinic) for pk, clinic in clinics.items()}
    started = {row[0] for row in batch if row[10] is not None and row[10] <= now}
    upcoming = _next_appointments(list(started), now) if started else {}
    flagged = [row[0] for row in batch if row[2] and row[3] & Flag.FAILED_REMINDER]
    failed = _recently_failed_reminders(flagged, now) if flagged else set()
    adherence = (
        adherence_for_patients(
            patient_ids=list(clinic_of), weeks=ADHERENCE_WEEKS, today=today, clinic_of=clinic_of
        )
        if new_day
        else {}
    )
    moved: dict[int, tuple] = {}
    for row in batch:
        (patient_id, clinic_id, is_active, flags, urgency, adherence_percent, *rest) = row
        last_pain, last_pain_on, retest_due_on, questionnaire_due_on, next_at = rest
        day = today[clinic_id]
        if new_day:
            adherence_percent = _recent_adherence(adherence.get(patient_id), day)
        if patient_id in started:
            next_at = upcoming.get(patient_id)
        if is_active:
            facts = Facts(
                left=None,
                right=None,
                changes=(),
                thresholds=thresholds[clinic_id],
                adherence_percent=adherence_percent,
                last_pain=last_pain,
                last_pain_on=last_pain_on,
                retest_due_on=retest_due_on,
                has_upcoming_appointment=next_at is not None,
                has_failed_reminder=patient_id in failed,
                today=day,
                questionnaire_due_on=questionnaire_due_on,
            )
            aged = Flag(flags & ~TIME_FLAGS) | (flags_for(facts) & TIME_FLAGS)
            flags, urgency = int(aged), urgency_of(aged, facts)
        values = (adherence_percent, next_at, flags, urgency)
        if values != (row[5], row[10], row[3], row[4]):
            moved[patient_id] = (*values, now)
    # Of what the ageing writes, only the adherence and the flags are counted: the rows whose
    # next appointment or urgency alone moved leave the counts as they are.
    ids_of: dict[int, list[int]] = defaultdict(list)
    for row in batch:
        if row[0] in moved and (moved[row[0]][0], moved[row[0]][2]) != (row[5], row[3]):
            ids_of[clinic_of[row[0]]].append(row[0])
    with summary_counts_kept(clinics, ids_of):
        rows_update(PatientSummary, [*AGED_FIELDS, "refreshed_at"], moved)
    return len(moved)


# --- Reads ------------------------------------------------------------------------------------

SORTS = {
    "urgency": ("-urgency",),  # ties by patient id: the index serves the whole ORDER BY
    "name": ("patient__last_name", "patient__first_name"),
    "adherence": ("adherence_percent", "-urgency"),
    "tested": ("last_tested_at", "-urgency"),
}


def dashboard_rows(
    *,
    clinic: Clinic,
    therapist_id: int | None = None,
    flag: int | None = None,
    search: str = "",
    sort: str = "urgency",
) -> QuerySet[PatientSummary]:
    rows = PatientSummary.objects.filter(clinic=clinic, is_active=True).select_related(
        "patient", "primary_therapist"
    )
    if therapist_id:
        rows = rows.filter(primary_therapist_id=therapist_id)
    if flag:
        rows = rows.annotate(flag_hit=F("flags").bitand(int(flag))).filter(flag_hit__gt=0)
    for term in search.split():
        rows = rows.filter(
            Q(patient__first_name__icontains=term) | Q(patient__last_name__icontains=term)
        )
    if sort == "name":
        # The same rows (a summary is active with its patient), said so that the name order is
        # read from the patient's (clinic, status, name) index, 25 rows in, not sorted.
        rows = rows.filter(patient__clinic=clinic, patient__status=PatientStatus.ACTIVE)
        return rows.order_by(*SORTS["name"], "patient__id")
    return rows.order_by(*SORTS.get(sort, SORTS["urgency"]), "patient_id")


def clinic_summary(*, clinic: Clinic, therapist_id: int | None = None) -> dict:
    """Counts for the summary charts and the pager, read from the maintained counts."""
    return {
        **summary_counts(clinic=clinic, therapist_id=therapist_id),
        **improved_counts(clinic=clinic, therapist_id=therapist_id),
    }


# What the therapist's daily digest reports (issue brief): a subset of the dashboard's flags.
DIGEST_FLAGS = (
    Flag.REGRESSION
    | Flag.PAIN_WORSE
    | Flag.FUNCTION_WORSE
    | Flag.HIGH_PAIN
    | Flag.RETEST_OVERDUE
    | Flag.LOW_ADHERENCE
    | Flag.FAILED_REMINDER
)


def digest_lines(*, therapist) -> list[str]:
    """The therapist's flagged patients, most urgent first, one line each, from the summaries
    the dashboard reads (so the digest and the dashboard always agree)."""
    rows = (
        PatientSummary.objects.filter(primary_therapist=therapist, is_active=True)
        .annotate(digest_hit=F("flags").bitand(int(DIGEST_FLAGS)))
        .filter(digest_hit__gt=0)
        .select_related("patient")
        .order_by("-urgency", "patient_id")
    )
    lines = []
    for row in rows:
        details = {
            Flag.LOW_ADHERENCE: _("adherence %(percent)s%% over 14 days")
            % {"percent": row.adherence_percent},
            Flag.HIGH_PAIN: _("pain %(pain)s/10") % {"pain": row.last_pain},
        }
        reasons = [
            str(details.get(flag, label))
            for flag, label in FLAG_LABELS.items()
            if row.flags & flag & DIGEST_FLAGS
        ]
        line = f"{row.patient.full_name}: {', '.join(reasons)}"
        if row.flags & (Flag.PAIN_WORSE | Flag.FUNCTION_WORSE) and row.questionnaire_worse:
            line += f" ({row.questionnaire_worse})"
        lines.append(line)
    return lines
