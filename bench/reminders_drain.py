"""Reminders drain: N due reminders through the real pipeline, timed (issue 19, goals 1 and 6).

Seeds a clinic of N consenting patients, each with one due re-test reminder (bulk), starts a
real Celery worker (`celery -A config worker`, concurrency 2) with the ledger email backend,
sends one sweep as beat would, and times until no row is pending or sending. Then it checks the
ledger: every reminder delivered, none twice, and prints reminders/s and the worker processes'
memory after the drain.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/dorsi_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/reminders_drain.py --reminders 20000
    .venv/bin/python bench/reminders_drain.py --reminders 20000 --provider-latency-ms 50
    # the same with another checkout's code in the worker (a baseline on the same schema; a
    # sweep there stops after 50 s and this sends one, so stop waiting then):
    .venv/bin/python bench/reminders_drain.py --reminders 5000 --code /old/checkout --max-seconds 55

Goals: 100,000 in at most 60 s (1,667/s); with a 50 ms provider at least 500/s; 0 duplicates,
0 lost. The broker is CELERY_BROKER_URL (its queue is purged first: use a Redis db of its own).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.utils import timezone

from clinic.models import Clinic, Patient
from config.celery import app
from reminders.channels.ledger import Ledger
from reminders.models import Reminder, ReminderKind, ReminderStatus


def seed(count: int) -> tuple[Clinic, list[str]]:
    """A clinic with no quiet hours and `count` consenting patients, each with a due re-test
    reminder (re-test: its check is one query a batch)."""
    # An earlier run stopped short leaves rows due that this run's worker would sweep too.
    Reminder.objects.filter(
        clinic__name__startswith="Drain bench",
        status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING],
    ).update(status=ReminderStatus.CANCELLED, last_error="An earlier drain benchmark's.")
    tag = uuid.uuid4().hex[:8]
    clinic = Clinic.objects.create(name=f"Drain bench {tag}", time_zone="Europe/Berlin")
    clinic.quiet_hours_start = clinic.quiet_hours_end = clinic.digest_time
    clinic.save()
    now = timezone.now()
    Patient.objects.bulk_create(
        (
            Patient(
                clinic=clinic,
                first_name=f"D{n}",
                last_name=f"Drain{n:06d}",
                date_of_birth=date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                email=f"d{n}-{tag}@bench.example",
                reminder_consent=True,
                reminder_consent_at=now,
                reminder_channel="email",
            )
            for n in range(count)
        ),
        batch_size=5000,
    )
    ids = Patient.objects.filter(clinic=clinic).values_list("pk", flat=True)
    Reminder.objects.bulk_create(
        (
            Reminder(
                clinic=clinic,
                kind=ReminderKind.RETEST,
                channel="email",
                patient_id=pk,
                key=f"retest:{pk}:drain-{tag}:email",
                due_at=now,
                next_attempt_at=now,
            )
            for pk in ids
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clinic_reminder")
    keys = list(Reminder.objects.filter(clinic=clinic).values_list("key", flat=True))
    return clinic, keys


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--provider-latency-ms", type=float, default=0)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--code", default=str(ROOT), help="the checkout the worker runs")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "the drain is measured on PostgreSQL"

    started = time.monotonic()
    clinic, keys = seed(args.reminders)
    print(f"seeded {len(keys):,} due reminders in {time.monotonic() - started:.1f} s")
    ledger_dir = Path(tempfile.mkdtemp(prefix="drain-ledger-"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [args.code, os.environ.get("PYTHONPATH")])),
        "EMAIL_BACKEND": "reminders.channels.email.LedgerEmailBackend",
        "DELIVERY_LEDGER_DIR": str(ledger_dir),
        "DELIVERY_LEDGER_DELAY": str(args.provider_latency_ms / 1000),
        "REMINDER_SWEEP_SECONDS": "60",
    }
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    log = ledger_dir.with_suffix(".log")
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=info"),
            f"--concurrency={args.concurrency}",
            *(
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"drain-{uuid.uuid4().hex[:6]}@%h",
            ),
        ],
        cwd=args.code,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        while "ready." not in log.read_text(errors="replace"):
            assert worker.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        open_rows = Reminder.objects.filter(
            clinic=clinic, status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]
        )
        began = time.monotonic()
        app.send_task("reminders.tasks.reminders_sweep")  # as beat does, once
        while open_rows.exists() and time.monotonic() - began < args.max_seconds:
            time.sleep(0.25)
        elapsed = time.monotonic() - began
        memory = {pid: rss_mb(pid) for pid in children(worker.pid)}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)

    statuses = dict(Reminder.objects.filter(clinic=clinic).values_list("key", "status"))
    sent = [key for key, status in statuses.items() if status == ReminderStatus.SENT]
    deliveries = Ledger(ledger_dir).deliveries()
    duplicates = sum(n - 1 for n in deliveries.values() if n > 1)
    lost = [key for key in sent if key.replace(":", "_") not in deliveries]
    unsettled = len(keys) - len(sent)
    print(
        f"drained {len(sent):,} of {len(keys):,} reminders in {elapsed:.1f} s: "
        f"{len(sent) / elapsed:,.0f} reminders/s (provider latency "
        f"{args.provider_latency_ms:g} ms, concurrency {args.concurrency}, code {args.code})"
    )
    print(f"duplicates {duplicates}, sent but not delivered {len(lost)}, not sent {unsettled}")
    print(
        "worker processes' RSS after the drain: "
        + ", ".join(f"{mb:.0f} MB" for mb in memory.values())
    )
    shutil.rmtree(ledger_dir, ignore_errors=True)
    sys.exit(1 if duplicates or lost else 0)


if __name__ == "__main__":
    main()
