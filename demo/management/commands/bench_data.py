"""Benchmark data: a clinic of N patients with years of history, written with COPY.

    manage.py bench_data --patients 10000

For 10,000 patients: 20 therapists, 200,000 assessments (20 a patient), 100,000 appointments
(10 a patient, none overlapping), about 333,000 routine sessions with 1,000,000 exercise logs.
The rows bypass the services on purpose (speed) but not the database: they go in with
PostgreSQL's COPY, one table after the other, through every unique and check constraint; the
foreign keys and the no-overlap (exclusion) constraints are validated once per table at the
end instead of row by row. All of it is one transaction (a failed run leaves nothing behind;
the tables are locked meanwhile, so run it on a benchmark database, not beside a live
clinic). Rows are generated as they are written, with their ids reserved up front and
computed, so memory stays flat at any size. The summaries the dashboard reads are then
refreshed through the dashboard's own code, one process a core. PostgreSQL only.
"""

from __future__ import annotations

import enum
import multiprocessing
import os
import random
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, models, transaction
from django.utils import timezone

from assessments.models import Assessment, AssessmentKind, AssessmentRevision
from clinic.models import Clinic, Patient, Role, User
from dashboard.counts import summary_counts_rebuild
from dashboard.models import SummaryCount
from dashboard.summaries import patient_summaries_refresh
from exercises import services as exercise_services
from exercises.models import (
    ExerciseLog,
    Prescription,
    PrescriptionItem,
    PrescriptionVersion,
    RoutineTemplate,
    SessionLog,
)
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus

ASSESSMENTS_PER_PATIENT = 20
APPOINTMENTS_PER_PATIENT = 10
EXERCISE_LOGS_PER_PATIENT = 100
ROUTINE_DAYS = 120
EXERCISE_STATUSES = ["done", "done", "done", "partly", "skipped"]
APPOINTMENT_OUTCOMES = [AppointmentStatus.COMPLETED] * 8 + [AppointmentStatus.NO_SHOW]
COPY_ROWS = 200_000
# The tables written in bulk, parents first.
BULK_MODELS = [
    Patient,
    Assessment,
    AssessmentRevision,
    Appointment,
    Prescription,
    PrescriptionVersion,
    PrescriptionItem,
    SessionLog,
    ExerciseLog,
]


class Command(BaseCommand):
    help = "Create a benchmark clinic with N patients and their history (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=10_000)
        parser.add_argument("--therapists", type=int, default=20)
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="processes that refresh the dashboard summaries (default: one a core)",
        )

    def handle(self, *args, patients: int, therapists: int, jobs: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_data writes with PostgreSQL's COPY; DATABASE_URL is not it.")
        name = f"Bench {patients}"
        if Clinic.objects.filter(name=name).exists():
            self.stdout.write(f"{name} exists already; nothing to do.")
            return
        self.started = self.lap = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            # Nothing here needs to survive a crash before the commit; the commit itself does.
            cursor.execute("SET LOCAL synchronous_commit = off")
            bench = BenchClinic(cursor.cursor, name, patients, therapists)
            self._say("clinic, staff, appointment types", 1 + therapists + 1)
            with constraints_validated_at_the_end(cursor.cursor, BULK_MODELS) as validated:
                self._say("patients", bench.write_patients())
                self._say("assessments", bench.write_assessments())
                self._say("assessment revisions", bench.write_revisions())
                self._say("appointments", bench.write_appointments())
                self._say("patients' booking state", bench.write_booking_state())
                self._say("prescriptions, versions, items", bench.write_routines())
                self._say("session logs", bench.write_sessions())
                self._say("exercise logs", bench.write_exercise_logs())
            self._say(f"{validated[0]} foreign key and exclusion constraints added back", 0)
            # Statistics before the summaries' queries plan against tables they have never seen.
            for model in BULK_MODELS:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
            self._say("analyze", 0)
        if connection.in_atomic_block:  # inside a test's transaction: other processes see nothing
            refreshed = patient_summaries_refresh(patient_ids=list(bench.patient_ids()))
        else:
            refreshed = summaries_refresh_in_parallel(bench.patient_ids(), jobs)
        self._say("dashboard summaries", refreshed)
        # The refresh keeps the counts; recounting once more costs one scan and keeps them
        # right whatever way the summaries were loaded.
        summary_counts_rebuild(bench.clinic)
        self._say("dashboard counts", SummaryCount.objects.filter(clinic=bench.clinic).count())
        if not connection.in_atomic_block:
            # Planner statistics and a visibility map, as autovacuum would give a real database
            # in time: without them counts scan the table instead of the index.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            self._say("vacuum analyze", 0)
        self.stdout.write(
            f"done in {time.monotonic() - self.started:.1f} s: {patients} patients; admin login "
            f"bench{patients}-admin (set a password to sign in)"
        )

    def _say(self, what: str, rows: int) -> None:
        now = time.monotonic()
        self.stdout.write(
            f"[{now - self.started:7.1f} s] {what}: {rows:,} rows in {now - self.lap:.1f} s"
        )
        self.lap = now


class BenchClinic:
    """One benchmark clinic's rows, table by table. Every id is reserved before its table is
    written, so a child row computes its parent's id (patient n is patient_id0 + n) instead of
    reading it back."""

    def __init__(self, cursor, name: str, patients: int, therapists: int) -> None:
        self.cursor = cursor
        self.patients = patients
        self.rng = random.Random(patients)  # noqa: S311 - reproducible benchmark data
        self.now = timezone.now()
        self.clinic = Clinic.objects.create(name=name, time_zone="America/Chicago")
        staff = [
            User(
                username=f"bench{patients}-t{n}",
                first_name="Therapist",
                last_name=f"{n}",
                email=f"t{n}@bench.example",
                clinic=self.clinic,
                role=Role.THERAPIST,
            )
            for n in range(therapists)
        ]
        staff.append(
            User(
                username=f"bench{patients}-admin",
                first_name="Admin",
                last_name="Bench",
                clinic=self.clinic,
                role=Role.CLINIC_ADMIN,
            )
        )
        for user in staff:
            user.set_unusable_password()
        User.objects.bulk_create(staff)
        self.staff = list(
            User.objects.filter(clinic=self.clinic, role=Role.THERAPIST)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.admin = User.objects.get(clinic=self.clinic, role=Role.CLINIC_ADMIN).pk
        types = scheduling_services.appointment_types_ensure(clinic=self.clinic)
        self.follow_up = next(t.pk for t in types if t.kind == AppointmentKind.FOLLOW_UP)
        template = RoutineTemplate.objects.filter(clinic__isnull=True).first()
        self.template = template
        self.items = exercise_services.template_items(template)
        self.start_day = self.clinic.local_today(self.now) - timedelta(days=ROUTINE_DAYS)
        self.sessions_per_patient = min(
            ROUTINE_DAYS, max(1, EXERCISE_LOGS_PER_PATIENT // len(self.items))
        )

    def therapist(self, n: int) -> int:
        return self.staff[n % len(self.staff)]

    def patient_ids(self) -> range:
        return range(self.patient0, self.patient0 + self.patients)

    # --- Tables -------------------------------------------------------------------------------

    def write_patients(self) -> int:
        self.patient0 = reserve_ids(self.cursor, Patient, self.patients)
        rows = (
            (
                self.patient0 + n,
                self.clinic.pk,
                f"P{n}",
                f"Bench{n:05d}",
                date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                f"p{n}@bench.example",
                self.therapist(n),
                self.admin,
            )
            for n in range(self.patients)
        )
        fields = [
            "id",
            "clinic",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "primary_therapist",
            "created_by",
        ]
        return copy_rows(self.cursor, Patient, fields, rows, self.now)

    def write_assessments(self) -> int:
        count = self.patients * ASSESSMENTS_PER_PATIENT
        self.assessment0 = reserve_ids(self.cursor, Assessment, count)
        rows = (
            (
                self.assessment0 + n * ASSESSMENTS_PER_PATIENT + visit,
                self.patient0 + n,
                self.clinic.pk,
                AssessmentKind.CLINIC.value,
                self.therapist(n),
            )
            for n in range(self.patients)
            for visit in range(ASSESSMENTS_PER_PATIENT)
        )
        fields = ["id", "patient", "clinic", "kind", "created_by"]
        return copy_rows(self.cursor, Assessment, fields, rows, self.now)

    def write_revisions(self) -> int:
        """One revision an assessment, every 3 weeks, the distance drifting per patient."""
        rng, now = self.rng, self.now
        angle = Decimal("35.0")

        def rows() -> Iterator[tuple]:
            for n in range(self.patients):
                therapist = self.therapist(n)
                for visit in range(ASSESSMENTS_PER_PATIENT):
                    left = 60_000 + rng.randint(-15_000, 15_000) + visit * rng.randint(-500, 2_000)
                    right = left + rng.randint(-20_000, 20_000)
                    yield (
                        self.assessment0 + n * ASSESSMENTS_PER_PATIENT + visit,
                        now - timedelta(days=21 * (ASSESSMENTS_PER_PATIENT - visit)),
                        therapist,
                        max(0, min(left, 250_000)),
                        max(0, min(right, 250_000)),
                        therapist,
                    )

        fields = [
            "assessment",
            "measured_at",
            "measured_by",
            "left_distance_um",
            "right_distance_um",
            "recorded_by",
        ]
        constant = {
            "number": 1,
            "entry_unit": "cm",
            "left_tibia_angle_deg": angle,
            "left_angle_method": "inclinometer",
            "recorded_at": now,
        }
        return copy_rows(self.cursor, AssessmentRevision, fields, rows(), now, constant)

    def write_appointments(self) -> int:
        """Ten a patient, back to back per therapist from 60 days ago: past ones completed or
        missed, future ones booked."""
        base = (self.now - timedelta(days=60)).replace(minute=0, second=0, microsecond=0)
        half_hour = timedelta(minutes=30)
        therapists = len(self.staff)

        def rows() -> Iterator[tuple]:
            for index in range(self.patients * APPOINTMENTS_PER_PATIENT):
                starts = base + half_hour * (index // therapists)
                status = (
                    AppointmentStatus.BOOKED
                    if starts > self.now
                    else self.rng.choice(APPOINTMENT_OUTCOMES)
                )
                yield (
                    self.patient0 + index % self.patients,
                    self.staff[index % therapists],
                    starts,
                    starts + half_hour,
                    status.value,
                )

        fields = ["patient", "therapist", "starts_at", "ends_at", "status"]
        constant = {
            "clinic": self.clinic.pk,
            "appointment_type": self.follow_up,
            "booked_by": self.admin,
        }
        return copy_rows(self.cursor, Appointment, fields, rows(), self.now, constant)

    def write_booking_state(self) -> int:
        """What each patient's row keeps of their appointments, for the due-list: by the
        scheduling service's own statement, over the whole clinic at once."""
        return scheduling_services.patient_appointments_refresh(clinic_id=self.clinic.pk)

    def write_routines(self) -> int:
        """The library's first template for every patient: a prescription, its version 1 (re-test
        due 3 to 21 weeks after the start) and the template's items."""
        n_items = len(self.items)
        self.prescription0 = reserve_ids(self.cursor, Prescription, self.patients)
        self.version0 = reserve_ids(self.cursor, PrescriptionVersion, self.patients)
        self.item0 = reserve_ids(self.cursor, PrescriptionItem, self.patients * n_items)
        written = copy_rows(
            self.cursor,
            Prescription,
            ["id", "patient", "created_by"],
            (
                (self.prescription0 + n, self.patient0 + n, self.therapist(n))
                for n in range(self.patients)
            ),
            self.now,
            {"clinic": self.clinic.pk, "title": self.template.name, "template": self.template.pk},
        )
        written += copy_rows(
            self.cursor,
            PrescriptionVersion,
            ["id", "prescription", "retest_on", "created_by"],
            (
                (
                    self.version0 + n,
                    self.prescription0 + n,
                    self.start_day + timedelta(days=21 * (1 + n % 7)),
                    self.therapist(n),
                )
                for n in range(self.patients)
            ),
            self.now,
            {"number": 1, "effective_from": self.start_day},
        )
        dose_fields = sorted({key for item in self.items for key in item if key != "exercise"})
        written += copy_rows(
            self.cursor,
            PrescriptionItem,
            ["id", "version", "exercise", "position", *dose_fields],
            (
                (
                    self.item0 + n * n_items + position - 1,
                    self.version0 + n,
                    item["exercise"].pk,
                    position,
                    *(item.get(key) for key in dose_fields),
                )
                for n in range(self.patients)
                for position, item in enumerate(self.items, start=1)
            ),
            self.now,
        )
        return written

    def write_sessions(self) -> int:
        """A routine session on distinct random days of the last 120 for each patient."""
        per = self.sessions_per_patient
        self.session0 = reserve_ids(self.cursor, SessionLog, self.patients * per)
        rng = self.rng

        def rows() -> Iterator[tuple]:
            for n in range(self.patients):
                first = self.session0 + n * per
                for j, day in enumerate(rng.sample(range(ROUTINE_DAYS), per)):
                    yield (
                        first + j,
                        self.patient0 + n,
                        self.version0 + n,
                        self.start_day + timedelta(days=day),
                        rng.randint(0, 9),
                        uuid.UUID(int=rng.getrandbits(128)),
                    )

        fields = ["id", "patient", "version", "session_date", "pain", "client_token"]
        return copy_rows(self.cursor, SessionLog, fields, rows(), self.now, {"slot": 1})

    def write_exercise_logs(self) -> int:
        """Every item of every session, mostly done."""
        per, n_items, rng = self.sessions_per_patient, len(self.items), self.rng

        def rows() -> Iterator[tuple]:
            for n in range(self.patients):
                first_item = self.item0 + n * n_items
                for session in range(self.session0 + n * per, self.session0 + (n + 1) * per):
                    for item in range(first_item, first_item + n_items):
                        yield (session, item, rng.choice(EXERCISE_STATUSES))

        return copy_rows(self.cursor, ExerciseLog, ["session", "item", "status"], rows(), self.now)


def summaries_refresh_in_parallel(patient_ids: range, jobs: int) -> int:
    """The dashboard's own refresh, over `jobs` slices of the patients at once: it is mostly
    Python (each patient's tests interpreted), so one process would leave the other cores idle.
    Each worker opens its own database connection; the parent's is closed before the fork so
    that no worker inherits it."""
    size = -(-len(patient_ids) // max(1, jobs))
    slices = [patient_ids[start : start + size] for start in range(0, len(patient_ids), size)]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(slices), mp_context=context) as pool:
        return sum(pool.map(_refresh_slice, [(part.start, part.stop) for part in slices]))


def _refresh_slice(bounds: tuple[int, int]) -> int:
    try:
        return patient_summaries_refresh(patient_ids=list(range(*bounds)))
    finally:
        connections.close_all()


@contextmanager
def constraints_validated_at_the_end(cursor, tables: Sequence[type[models.Model]]):
    """Drop the foreign key and exclusion constraints of these tables, and add the same
    constraints back on the way out.

    Checked row by row they cost more than everything else the load does: a lookup and a row
    lock in the parent per foreign key per row, a GiST search and insert per exclusion per row
    (the appointments' two no-overlap rules took 113 s of a 100,000-patient load). Added back,
    each foreign key is validated in one join over its table and each exclusion constraint
    builds its index from the whole table and checks every row as it goes, as pg_restore does.
    The caller's transaction makes the swap invisible to everyone else: if any row breaks a
    constraint the ALTER fails and nothing is kept. Yields a one-item list that holds how many
    constraints were swapped."""
    # A table with deferred checks still pending (the staff just created) cannot be altered.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE contype IN ('f', 'x') AND conrelid = ANY(%s::regclass[])
        ORDER BY conrelid, conname
        """,
        [[model._meta.db_table for model in tables]],
    )
    constraints = cursor.fetchall()
    for table, name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield [len(constraints)]
    for table, name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


# --- COPY -------------------------------------------------------------------------------------


def reserve_ids(cursor, model: type[models.Model], count: int) -> int:
    """Take `count` consecutive ids from the table's sequence and return the first. The table
    stays locked against other writers until the transaction ends, so nobody else takes an id
    from the sequence in between (an insert locks the table before it draws its id)."""
    table = model._meta.db_table
    cursor.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
    cursor.execute(
        "SELECT setval(seq, nextval(seq) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') seq",
        [count, table],
    )
    return cursor.fetchone()[0] - count + 1


def copy_rows(
    cursor,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    now,
    constant: dict | None = None,
) -> int:
    """COPY rows (values of `fields`, in that order) into the model's table in statements of
    COPY_ROWS rows. Every other column gets `constant`'s value, or the model's default as
    `Model.save()` would write it (auto_now fields get `now`), so no column the database leaves
    to Django ends up empty."""
    constant = constant or {}
    opts = model._meta
    columns, fixed = [], []
    for name in fields:
        columns.append(opts.get_field(name).column)
    for field in opts.concrete_fields:
        if field.name in fields or field.primary_key:
            continue
        if field.name in constant:
            value = constant[field.name]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        if isinstance(value, enum.Enum):
            value = value.value
        columns.append(field.column)
        fixed.append(field.get_db_prep_save(value, connection))
    fixed = tuple(fixed)
    statement = 'COPY "{}" ({}) FROM STDIN'.format(
        opts.db_table, ", ".join(f'"{column}"' for column in columns)
    )
    written = 0
    rows = iter(rows)
    while True:
        before = written
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row((*row, *fixed))
                written += 1
                if written - before == COPY_ROWS:
                    break
        if written - before < COPY_ROWS:
            return written
