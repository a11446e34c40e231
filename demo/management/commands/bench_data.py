"""Benchmark data: a clinic of N patients with years of history, written in bulk.

    manage.py bench_data --patients 10000

For 10,000 patients: 20 therapists, 200,000 assessments (20 a patient), 100,000 appointments
(10 a patient, none overlapping), about 333,000 routine sessions with 1,000,000 exercise logs.
The rows bypass the services on purpose (speed); the summaries the dashboard reads are then
refreshed through the real code. Meant for PostgreSQL.
"""

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from assessments.models import Assessment, AssessmentKind, AssessmentRevision
from clinic.models import Clinic, Patient, Role, User
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

BATCH = 10_000


class Command(BaseCommand):
    help = "Create a benchmark clinic with N patients and their history (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=10_000)
        parser.add_argument("--therapists", type=int, default=20)

    def handle(self, *args, patients: int, therapists: int, **options):

        started = timezone.now()
        rng = random.Random(patients)  # noqa: S311 - reproducible benchmark data
        name = f"Bench {patients}"
        if Clinic.objects.filter(name=name).exists():
            self.stdout.write(f"{name} exists already; nothing to do.")
            return
        clinic = Clinic.objects.create(name=name, time_zone="America/Chicago")
        staff = [
            User(
                username=f"bench{patients}-t{n}",
                first_name="Therapist",
                last_name=f"{n}",
                email=f"t{n}@bench.example",
                clinic=clinic,
                role=Role.THERAPIST,
            )
            for n in range(therapists)
        ]
        staff.append(
            User(
                username=f"bench{patients}-admin",
                first_name="Admin",
                last_name="Bench",
                clinic=clinic,
                role=Role.CLINIC_ADMIN,
            )
        )
        for user in staff:
            user.set_unusable_password()
        User.objects.bulk_create(staff)
        staff = list(User.objects.filter(clinic=clinic, role=Role.THERAPIST).order_by("pk"))
        admin = User.objects.get(clinic=clinic, role=Role.CLINIC_ADMIN)
        types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}

        self._say(f"patients ({patients})", started)
        now = timezone.now()
        Patient.objects.bulk_create(
            (
                Patient(
                    clinic=clinic,
                    first_name=f"P{n}",
                    last_name=f"Bench{n:05d}",
                    date_of_birth=date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                    email=f"p{n}@bench.example",
                    primary_therapist=staff[n % therapists],
                    created_by=admin,
                )
                for n in range(patients)
            ),
            batch_size=BATCH,
        )
        patient_ids = list(
            Patient.objects.filter(clinic=clinic).order_by("pk").values_list("pk", flat=True)
        )
        therapist_of = {pid: staff[n % therapists] for n, pid in enumerate(patient_ids)}

        self._say("assessments (20 a patient)", started)
        Assessment.objects.bulk_create(
            (
                Assessment(
                    patient_id=pid,
                    clinic=clinic,
                    kind=AssessmentKind.CLINIC,
                    created_by=therapist_of[pid],
                )
                for pid in patient_ids
                for _ in range(20)
            ),
            batch_size=BATCH,
        )
        rows = (
            Assessment.objects.filter(clinic=clinic)
            .order_by("patient_id", "pk")
            .values_list("pk", "patient_id")
        )
        revisions = []
        visit: dict[int, int] = {}
        for assessment_id, pid in rows.iterator(chunk_size=BATCH):
            n = visit[pid] = visit.get(pid, -1) + 1
            left = 60_000 + rng.randint(-15_000, 15_000) + n * rng.randint(-500, 2_000)
            right = left + rng.randint(-20_000, 20_000)
            revisions.append(
                AssessmentRevision(
                    assessment_id=assessment_id,
                    number=1,
                    measured_at=now - timedelta(days=21 * (20 - n)),
                    measured_by=therapist_of[pid],
                    entry_unit="cm",
                    left_distance_um=max(0, min(left, 250_000)),
                    right_distance_um=max(0, min(right, 250_000)),
                    left_tibia_angle_deg=Decimal("35.0"),
                    left_angle_method="inclinometer",
                    recorded_by=therapist_of[pid],
                    recorded_at=now,
                )
            )
            if len(revisions) == BATCH:
                AssessmentRevision.objects.bulk_create(revisions)
                revisions = []
        AssessmentRevision.objects.bulk_create(revisions)

        self._say("appointments (10 a patient)", started)
        base = now - timedelta(days=60)
        base = base.replace(minute=0, second=0, microsecond=0)
        appointments = []
        for index in range(patients * 10):
            pid = patient_ids[index % patients]
            therapist = staff[index % therapists]
            starts = base + timedelta(minutes=30 * (index // therapists))
            status = (
                AppointmentStatus.BOOKED
                if starts > now
                else rng.choice([AppointmentStatus.COMPLETED] * 8 + [AppointmentStatus.NO_SHOW])
            )
            appointments.append(
                Appointment(
                    clinic=clinic,
                    patient_id=pid,
                    therapist=therapist,
                    appointment_type=types[AppointmentKind.FOLLOW_UP],
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=30),
                    status=status,
                    booked_by=admin,
                )
            )
            if len(appointments) == BATCH:
                Appointment.objects.bulk_create(appointments)
                appointments = []
        Appointment.objects.bulk_create(appointments)

        self._say("routines and sessions (1,000,000 exercise logs)", started)
        template = RoutineTemplate.objects.filter(clinic__isnull=True).first()
        items = exercise_services.template_items(template)
        start_day = clinic.local_today(now) - timedelta(days=120)
        Prescription.objects.bulk_create(
            (
                Prescription(
                    patient_id=pid,
                    clinic=clinic,
                    title=template.name,
                    template=template,
                    created_by=therapist_of[pid],
                )
                for pid in patient_ids
            ),
            batch_size=BATCH,
        )
        prescriptions = dict(
            Prescription.objects.filter(clinic=clinic).values_list("patient_id", "pk")
        )
        PrescriptionVersion.objects.bulk_create(
            (
                PrescriptionVersion(
                    prescription_id=prescriptions[pid],
                    number=1,
                    effective_from=start_day,
                    retest_on=start_day + timedelta(days=21 * (1 + n % 7)),
                    created_by=therapist_of[pid],
                )
                for n, pid in enumerate(patient_ids)
            ),
            batch_size=BATCH,
        )
        versions = dict(
            PrescriptionVersion.objects.filter(prescription__clinic=clinic).values_list(
                "prescription__patient_id", "pk"
            )
        )
        PrescriptionItem.objects.bulk_create(
            (
                PrescriptionItem(
                    version_id=versions[pid],
                    exercise=item["exercise"],
                    position=position,
                    **{k: v for k, v in item.items() if k != "exercise"},
                )
                for pid in patient_ids
                for position, item in enumerate(items, start=1)
            ),
            batch_size=BATCH,
        )
        item_ids: dict[int, list[int]] = {}
        for version_id, item_id in (
            PrescriptionItem.objects.filter(version__prescription__clinic=clinic)
            .order_by("position")
            .values_list("version_id", "pk")
        ):
            item_ids.setdefault(version_id, []).append(item_id)
        sessions_wanted = patients * 1_000_000 // 10_000 // len(items)
        per_patient = max(1, sessions_wanted // patients)
        logs, entries = [], 0
        for pid in patient_ids:
            days = rng.sample(range(120), min(per_patient, 120))
            for day in days:
                logs.append(
                    SessionLog(
                        patient_id=pid,
                        version_id=versions[pid],
                        session_date=start_day + timedelta(days=day),
                        slot=1,
                        pain=rng.randint(0, 9),
                        client_token=uuid.UUID(int=rng.getrandbits(128)),
                    )
                )
            if len(logs) >= BATCH:
                entries += self._write_sessions(logs, item_ids, rng, SessionLog, ExerciseLog)
                logs = []
        entries += self._write_sessions(logs, item_ids, rng, SessionLog, ExerciseLog)

        self._say("dashboard summaries", started)
        patient_summaries_refresh(patient_ids=patient_ids)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Planner statistics and a visibility map, as autovacuum would give a real database
            # in time: without them counts scan the table instead of the index.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
        self._say(
            f"done: {patients} patients, {entries} exercise logs; admin login "
            f"bench{patients}-admin (set a password to sign in)",
            started,
        )

    @staticmethod
    @transaction.atomic
    def _write_sessions(logs, item_ids, rng, SessionLog, ExerciseLog) -> int:
        created = SessionLog.objects.bulk_create(logs)
        entries = [
            ExerciseLog(
                session=log,
                item_id=item_id,
                status=rng.choice(["done", "done", "done", "partly", "skipped"]),
            )
            for log in created
            for item_id in item_ids[log.version_id]
        ]
        ExerciseLog.objects.bulk_create(entries, batch_size=BATCH)
        return len(entries)

    def _say(self, what: str, started) -> None:
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"[{seconds:6.1f} s] {what}")
