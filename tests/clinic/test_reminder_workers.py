"""Exactly once, with real worker processes: SIGKILLed mid-sweep, and a broker outage.

Deliveries are counted at the "provider": the ledger email backend files one message per key
and a numbered twin for every repeat, so duplicates cannot hide.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time as clock
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.delivery import Ledger
from clinic.models import Heartbeat, Reminder, ReminderKind, ReminderStatus
from tests.conftest import ROOT, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consenting(patient, clinic):
    clinic.quiet_hours_start = clinic.quiet_hours_end = clinic.digest_time
    clinic.save()
    patient.reminder_consent = True
    patient.reminder_consent_at = timezone.now()
    patient.save()
    return patient


def due_reminders(patient, count: int, *, prefix: str) -> list[str]:
    now = timezone.now()
    rows = [
        Reminder(
            clinic=patient.clinic,
            kind=ReminderKind.RETEST,
            channel="email",
            patient=patient,
            key=f"retest:{patient.pk}:{prefix}-{n}:email",
            due_at=now,
            next_attempt_at=now,
        )
        for n in range(count)
    ]
    Reminder.objects.bulk_create(rows)
    return [row.key for row in rows]


class Workers:
    """Starts `celery worker --beat` in its own process group, so SIGKILL takes it all."""

    def __init__(self, env: dict, tmp_path) -> None:
        self.env = env
        self.tmp_path = tmp_path
        self.process = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = open(self.tmp_path / f"worker-{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "clinic",
                "worker",
                "--beat",
                "--schedule",
                str(self.tmp_path / "beat-schedule"),
                "--loglevel=info",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"crash-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_env(process_env, tmp_path):
    env = dict(process_env)
    env.update(
        {
            "EMAIL_BACKEND": "clinic.delivery.LedgerEmailBackend",
            "DELIVERY_LEDGER_DIR": str(tmp_path / "ledger"),
            "REMINDER_SWEEP_SECONDS": "1",
            "REMINDER_SENDING_TIMEOUT": "3",
            "REMINDER_BATCH": "10",
            "HEARTBEAT_INTERVAL_SECONDS": "3600",
        }
    )
    return env


def settled(keys) -> bool:
    open_rows = Reminder.objects.filter(
        key__in=keys, status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]
    )
    return not open_rows.exists()


def test_killed_three_times_mid_sweep_every_reminder_is_sent_exactly_once(
    consenting, worker_env, tmp_path
):
    keys = due_reminders(consenting, 1000, prefix="crash")
    worker_env["DELIVERY_LEDGER_DELAY"] = "0.01"  # a slow provider: the sweep takes a while
    ledger = Ledger(tmp_path / "ledger")
    workers = Workers(worker_env, tmp_path)
    try:
        for kill_after in (150, 400, 650):
            workers.start()
            wait_for(
                lambda n=kill_after: sum(ledger.deliveries().values()) >= n,
                timeout=120,
                what=f"{kill_after} deliveries",
            )
            workers.kill()
            assert Reminder.objects.filter(key__in=keys, status=ReminderStatus.PENDING).exists()
        workers.start()
        wait_for(lambda: settled(keys), timeout=180, what="every reminder settled")
    finally:
        workers.stop()

    deliveries = ledger.deliveries()
    statuses = dict(Reminder.objects.filter(key__in=keys).values_list("key", "status"))
    sent = [key for key in keys if statuses[key] == ReminderStatus.SENT]
    failed = [key for key in keys if statuses[key] == ReminderStatus.FAILED]
    assert len(sent) + len(failed) == 1000  # none lost
    duplicates = {key: n for key, n in deliveries.items() if n > 1}
    assert duplicates == {}  # none twice
    safe = {key.replace(":", "_") for key in sent}
    assert safe <= set(deliveries)  # every "sent" really went out
    assert workers.starts == 4
    # The kills interrupted sends: later sweeps found rows left "sending" and settled them.
    logs = "".join((tmp_path / f"worker-{n}.log").read_text(errors="replace") for n in range(2, 5))
    assert re.search(r"'reconciled': [1-9]", logs), "no interrupted send was reconciled"


def redis_server() -> str | None:
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(redis_server() is None, reason="needs redis-server to stop and start")
def test_after_a_broker_outage_everything_due_is_sent_within_two_sweeps_and_once(
    consenting, worker_env, tmp_path
):
    port = free_port()

    def start_redis() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                redis_server(),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _answers(port), timeout=20, what="redis")
        return process

    broker = start_redis()
    worker_env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
    worker_env["REMINDER_SWEEP_SECONDS"] = "2"
    ledger = Ledger(tmp_path / "ledger")
    workers = Workers(worker_env, tmp_path)
    try:
        workers.start()
        wait_for(
            lambda: Heartbeat.objects.filter(name="reminder-sweep").exists(),
            timeout=60,
            what="a first sweep",
        )
        broker.terminate()
        broker.wait(timeout=10)
        keys = due_reminders(consenting, 50, prefix="outage")  # they fall due while it is down
        clock.sleep(5)
        assert Reminder.objects.filter(key__in=keys, status=ReminderStatus.PENDING).count() == 50
        broker = start_redis()
        back = timezone.now()
        sweeps = set()

        def all_sent() -> bool:
            beat = Heartbeat.objects.filter(name="reminder-sweep").first()
            if beat and beat.seen_at > back:
                sweeps.add(beat.seen_at)
            return (
                not Reminder.objects.filter(key__in=keys)
                .exclude(status=ReminderStatus.SENT)
                .exists()
            )

        wait_for(all_sent, timeout=90, what="every reminder sent after the outage")
        sent_at = max(Reminder.objects.filter(key__in=keys).values_list("sent_at", flat=True))
    finally:
        workers.stop()
        broker.terminate()
        broker.wait(timeout=10)
    assert len(sweeps) <= 2, sweeps  # the first or second sweep after the broker came back
    assert sent_at - back < timedelta(seconds=60)
    counts = ledger.deliveries()
    assert all(counts.get(key.replace(":", "_")) == 1 for key in keys)


def _answers(port: int) -> bool:
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False
