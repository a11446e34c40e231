"""The dashboard's counts, maintained: the summary rows counted per clinic and therapist
(SummaryCount) and the improved ones per local day (ImprovedDay), moved by the difference
each write makes, in the transaction of that write.

One home for what is counted: `_counted` and `_improved` are the aggregates both the
difference of a batch of rows and a clinic's full recount run, so the two cannot disagree.
The header, the pager and the patient list then read a few rows per therapist, whatever the
size of the clinic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThan

from assessments.interpretation import Thresholds
from clinic.models import Clinic, PatientStatus
from dashboard.flags import Flag
from dashboard.models import ImprovedDay, PatientSummary, SummaryCount

# "Improved in the last 30 / 90 days": local days, today and the days before it.
IMPROVED_WINDOWS = {"improved_30": 30, "improved_90": 90}
KEEP_IMPROVED_DAYS = max(IMPROVED_WINDOWS.values()) + 1

FLAG_FIELDS = {flag: f"flag_{flag.name.lower()}" for flag in Flag}
COUNTED = (
    "patients",
    "discharged",
    "untested",
    "needs_work",
    "below_target",
    "at_target",
    "adherence_none",
    "adherence_low",
    "adherence_mid",
    "adherence_high",
    *FLAG_FIELDS.values(),
)

Key = int  # therapist id, 0 for none
Counts = dict[Key, dict[str, int]]
Days = dict[tuple[date, Key], int]


def _counted(limits: Thresholds) -> dict[str, Count]:
    """What each count column counts, as SQL aggregates over summary rows."""
    active = Q(is_active=True)
    improved_or_not_tested = Q(last_tested_at__isnull=False)
    # Could-not-reach needs work whether or not its gap was measured (standing() says so
    # too); a gap not measured has no number to compare, so it is counted by `reached`.
    not_reached = improved_or_not_tested & (Q(left_reached=False) | Q(right_reached=False))
    low = (
        Q(left_um__lt=limits.needs_work_below_um)
        | Q(right_um__lt=limits.needs_work_below_um)
        | not_reached
    )
    lowest = Q(left_um__lt=limits.target_um) | Q(right_um__lt=limits.target_um)
    counted = {
        "patients": active,
        "discharged": Q(is_active=False),
        "untested": active & ~improved_or_not_tested,
        "needs_work": active & low,
        "below_target": active & lowest & ~low,
        "at_target": active & Q(left_um__gte=limits.target_um, right_um__gte=limits.target_um),
        "adherence_none": active & Q(adherence_percent__isnull=True),
        "adherence_low": active & Q(adherence_percent__lt=50),
        "adherence_mid": active & Q(adherence_percent__gte=50, adherence_percent__lt=80),
        "adherence_high": active & Q(adherence_percent__gte=80),
    }
    for flag, field in FLAG_FIELDS.items():
        counted[field] = active & Q(GreaterThan(F("flags").bitand(int(flag)), 0))
    return {name: Count("pk", filter=condition) for name, condition in counted.items()}


def _improved(rows: QuerySet[PatientSummary], zone: tzinfo) -> QuerySet:
    return (
        rows.filter(is_active=True, last_tested_at__isnull=False)
        .filter(Q(left_change="improved") | Q(right_change="improved"))
        .annotate(
            key=Coalesce("primary_therapist_id", 0),
            day=TruncDate("last_tested_at", tzinfo=zone),
        )
        .values("day", "key")
        .annotate(improved=Count("pk"))
        .values_list("day", "key", "improved")
    )


def _count(clinic: Clinic, rows: QuerySet[PatientSummary]) -> tuple[Counts, Days]:
    return rows_counted(rows, Thresholds.for_clinic(clinic), clinic.zone)


def rows_counted(rows: QuerySet, limits: Thresholds, zone: tzinfo) -> tuple[Counts, Days]:
    """Count these summary rows per therapist, and the improved ones per local day too (the
    migration that first filled the counts calls this with its historical models)."""
    counts: Counts = {
        row.pop("key"): row
        for row in rows.annotate(key=Coalesce("primary_therapist_id", 0))
        .values("key")
        .annotate(**_counted(limits))
        .order_by()
    }
    days: Days = {(day, key): n for day, key, n in _improved(rows, zone).order_by()}
    return counts, days


def summary_counts_recount(clinic: Clinic) -> tuple[Counts, Days]:
    """Every summary row of the clinic counted afresh (the truth the maintained rows keep)."""
    return _count(clinic, PatientSummary.objects.filter(clinic=clinic))


@transaction.atomic
def summary_counts_rebuild(clinic: Clinic) -> None:
    """Replace the clinic's counts with a full recount: after a bulk load, or when the
    clinic's limits changed since the standing counts were made."""
    Clinic.objects.select_for_update().filter(pk=clinic.pk).exists()
    counts, days = summary_counts_recount(clinic)
    limits = Thresholds.for_clinic(clinic)
    SummaryCount.objects.filter(clinic=clinic).delete()
    SummaryCount.objects.bulk_create(
        SummaryCount(
            clinic=clinic,
            therapist_id=key,
            target_um=limits.target_um,
            needs_work_below_um=limits.needs_work_below_um,
            **values,
        )
        for key, values in counts.items()
    )
    ImprovedDay.objects.filter(clinic=clinic).delete()
    oldest = clinic.local_today() - timedelta(days=KEEP_IMPROVED_DAYS)
    ImprovedDay.objects.bulk_create(
        ImprovedDay(clinic=clinic, day=day, therapist_id=key, improved=n)
        for (day, key), n in days.items()
        if day >= oldest
    )


@contextmanager
def summary_counts_kept(
    clinics: Mapping[int, Clinic], ids_of: Mapping[int, list[int]]
) -> Iterator[None]:
    """Around a write of these summary rows (patient ids per clinic id), locked by the
    caller: count them before and after, and move the clinic's counts by the difference."""
    made_with = SummaryCount.objects.filter(clinic_id__in=list(ids_of)).values_list(
        "clinic_id", "target_um", "needs_work_below_um"
    )
    stale = set()
    for pk, target_um, needs_work_below_um in made_with.distinct():
        limits = Thresholds.for_clinic(clinics[pk])
        if (target_um, needs_work_below_um) != (limits.target_um, limits.needs_work_below_um):
            stale.add(pk)
    before = {
        pk: _count(clinics[pk], PatientSummary.objects.filter(pk__in=ids))
        for pk, ids in ids_of.items()
        if pk not in stale
    }
    yield
    for pk, ids in ids_of.items():
        if pk in stale:
            summary_counts_rebuild(clinics[pk])
            continue
        counts, days = _count(clinics[pk], PatientSummary.objects.filter(pk__in=ids))
        _add(clinics[pk], _difference(counts, before[pk][0]), _difference(days, before[pk][1]))


def _difference(after: Mapping, before: Mapping) -> dict:
    moved = {}
    for key in sorted(set(after) | set(before)):
        new, old = after.get(key), before.get(key)
        if isinstance(new or old, dict):
            change = {f: (new or {}).get(f, 0) - (old or {}).get(f, 0) for f in COUNTED}
            if any(change.values()):
                moved[key] = change
        elif (new or 0) != (old or 0):
            moved[key] = (new or 0) - (old or 0)
    return moved


def _add(clinic: Clinic, counts: Counts, days: Days) -> None:
    """Add the differences to the clinic's rows, creating the rows that do not exist yet:
    one upsert per table, keys in order so concurrent writers lock them in the same order."""
    if counts:
        limits = Thresholds.for_clinic(clinic)
        columns = ["clinic_id", "therapist_id", "target_um", "needs_work_below_um", *COUNTED]
        params: list[object] = []
        for key in sorted(counts):
            params += [clinic.pk, key, limits.target_um, limits.needs_work_below_um]
            params += [counts[key][f] for f in COUNTED]
        _upsert(
            SummaryCount._meta.db_table,
            columns,
            params,
            conflict=["clinic_id", "therapist_id"],
            added=COUNTED,
            rows=len(counts),
        )
    if days:
        params = []
        for day, key in sorted(days):
            params += [clinic.pk, day, key, days[day, key]]
        _upsert(
            ImprovedDay._meta.db_table,
            ["clinic_id", "day", "therapist_id", "improved"],
            params,
            conflict=["clinic_id", "day", "therapist_id"],
            added=["improved"],
            rows=len(days),
        )


def _upsert(
    table: str, columns: list[str], params: list, *, conflict: list[str], added, rows: int
) -> None:
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(columns))})"
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - names are ours
        f"VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}" for c in added)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def improved_days_prune(clinic: Clinic, today: date) -> None:
    """Forget the days no window reaches any more (a later difference on such a day makes a
    row nobody reads, pruned in turn)."""
    ImprovedDay.objects.filter(
        clinic=clinic, day__lt=today - timedelta(days=KEEP_IMPROVED_DAYS)
    ).delete()


# --- Reads ------------------------------------------------------------------------------------


def summary_counts(*, clinic: Clinic, therapist_id: int | None = None) -> dict[str, int]:
    """The clinic's (or the therapist's) counts, summed over its few maintained rows (one per
    therapist: summed here rather than by an aggregate of 24 sums the ORM would compile)."""
    rows = SummaryCount.objects.filter(clinic=clinic)
    if therapist_id:
        rows = rows.filter(therapist_id=therapist_id)
    limits = Thresholds.for_clinic(clinic)
    sums = dict.fromkeys(COUNTED, 0)
    for target_um, needs_work_below_um, *values in rows.values_list(
        "target_um", "needs_work_below_um", *COUNTED
    ):
        if (target_um, needs_work_below_um) != (limits.target_um, limits.needs_work_below_um):
            summary_counts_rebuild(clinic)
            return summary_counts(clinic=clinic, therapist_id=therapist_id)
        for name, value in zip(COUNTED, values, strict=True):
            sums[name] += value
    return sums


def improved_counts(*, clinic: Clinic, therapist_id: int | None = None) -> dict[str, int]:
    today = clinic.local_today()
    rows = ImprovedDay.objects.filter(
        clinic=clinic, day__gte=today - timedelta(days=max(IMPROVED_WINDOWS.values()))
    )
    if therapist_id:
        rows = rows.filter(therapist_id=therapist_id)
    return rows.aggregate(
        **{
            name: Coalesce(Sum("improved", filter=Q(day__gte=today - timedelta(days=days))), 0)
            for name, days in IMPROVED_WINDOWS.items()
        }
    )


def patient_count(*, clinic_id: int, therapist_id: int | None, status: str | None) -> int:
    """How many patients the patient list lists (clinic.selectors asks, through its hook)."""
    rows = SummaryCount.objects.filter(clinic_id=clinic_id)
    if therapist_id:
        rows = rows.filter(therapist_id=therapist_id)
    fields = {PatientStatus.ACTIVE: ["patients"], PatientStatus.DISCHARGED: ["discharged"]}
    total = 0
    for value in rows.aggregate(
        **{f: Coalesce(Sum(f), 0) for f in fields.get(status, ["patients", "discharged"])}
    ).values():
        total += value
    return total


def recount_differences(clinic: Clinic) -> dict:
    """What the maintained rows get wrong against a full recount (empty when none): for tests
    and for an operator's check."""
    counts, days = summary_counts_recount(clinic)
    kept = {
        row.pop("therapist_id"): row
        for row in SummaryCount.objects.filter(clinic=clinic).values("therapist_id", *COUNTED)
    }
    oldest = clinic.local_today() - timedelta(days=max(IMPROVED_WINDOWS.values()))
    kept_days: dict = defaultdict(int)
    for day, key, n in ImprovedDay.objects.filter(clinic=clinic, day__gte=oldest).values_list(
        "day", "therapist_id", "improved"
    ):
        kept_days[day, key] += n
    recent = {k: n for k, n in days.items() if k[0] >= oldest}
    return {
        **{("counts", k): v for k, v in _difference(counts, kept).items()},
        **{("days", k): v for k, v in _difference(recent, dict(kept_days)).items()},
    }


def listed_count(counts: Mapping[str, int], *, flag: int | None, search: str) -> int | None:
    """The number of dashboard rows a filter lists, when the counts hold it: every row, or
    one flag's; None for a search (counted from its matches, through the name indexes)."""
    if search.split():
        return None
    if not flag:
        return counts["patients"]
    field = FLAG_FIELDS.get(Flag(flag)) if flag in Flag._value2member_map_ else None
    return counts[field] if field else None
