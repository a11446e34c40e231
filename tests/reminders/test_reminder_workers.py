"""Exactly once, with real worker processes: SIGKILLed mid-sweep, a provider slower than any
timeout, a broker outage (idle, and mid-sweep), and a planner cut short by its time limit.

Deliveries are counted at the "provider": the ledger email backend files one message per key
and a numbered twin for every repeat, so duplicates cannot hide.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time as clock
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from clinic.models import Heartbeat, TaskProgress
from reminders.channels.ledger import Ledger
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.planning import reminders_plan
from tests.conftest import ROOT, wait_for
from tests.factories import PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consenting(patient, clinic):
    clinic.quiet_hours_start = clinic.quiet_hours_end = clinic.digest_time
    clinic.save()
    patient.reminder_consent = True
    patient.reminder_consent_at = timezone.now()
    patient.save()
    return patient


def due_reminders(patient, count: int, *, prefix: str, channel: str = "email") -> list[str]:
    now = timezone.now()
    rows = [
        Reminder(
            clinic=patient.clinic,
            kind=ReminderKind.RETEST,
            channel=channel,
            patient=patient,
            key=f"retest:{patient.pk}:{prefix}-{n}:{channel}",
            due_at=now,
            next_attempt_at=now,
        )
        for n in range(count)
    ]
    Reminder.objects.bulk_create(rows)
    return [row.key for row in rows]


class Workers:
    """Starts `celery worker --beat` in its own process group, so SIGKILL takes it all."""

    def __init__(self, env: dict, tmp_path, *, concurrency: int = 1, beat: bool = True) -> None:
        self.env = env
        self.tmp_path = tmp_path
        self.concurrency = concurrency
        self.beat = beat
        self.process = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = open(self.tmp_path / f"worker-{self.starts}.log", "wb")  # noqa: SIM115
        beat = ["--beat", "--schedule", str(self.tmp_path / "beat-schedule")] if self.beat else []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                *beat,
                "--loglevel=info",
                f"--concurrency={self.concurrency}",
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

    def log(self) -> str:
        return (self.tmp_path / f"worker-{self.starts}.log").read_text(errors="replace")

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
            "EMAIL_BACKEND": "reminders.channels.email.LedgerEmailBackend",
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


def kill_mid_send(workers: Workers, keys: list[str]) -> int:
    """Kill the worker the moment one of `keys` is "sending" (polled every few milliseconds,
    against a 30 ms send), and return how many rows the kill left "sending"."""
    in_flight = Reminder.objects.filter(key__in=keys, status=ReminderStatus.SENDING)
    deadline = clock.monotonic() + 30
    while not in_flight.exists():
        assert clock.monotonic() < deadline, "no send was ever seen in flight"
        clock.sleep(0.003)
    workers.kill()
    return in_flight.count()


def test_killed_three_times_mid_sweep_every_reminder_is_sent_exactly_once(
    consenting, worker_env, tmp_path
):
    keys = due_reminders(consenting, 600, prefix="crash")
    # A slow provider, so a kill can land inside a send: whether that message went out is then
    # unknown until a later sweep reconciles the row with the provider.
    worker_env["DELIVERY_LEDGER_DELAY"] = "0.03"
    ledger = Ledger(tmp_path / "ledger")
    workers = Workers(worker_env, tmp_path)
    left_sending = []
    try:
        for kill_after in (100, 250, 400):
            workers.start()
            wait_for(
                lambda n=kill_after: sum(ledger.deliveries().values()) >= n,
                timeout=120,
                what=f"{kill_after} deliveries",
            )
            left_sending.append(kill_mid_send(workers, keys))
            assert Reminder.objects.filter(key__in=keys, status=ReminderStatus.PENDING).exists()
        # A kill can still land between a send and its row's update; the last one must leave
        # a row "sending", so the final worker has one to reconcile (a few tries at most).
        while not left_sending[-1] and len(left_sending) < 8:
            workers.start()
            left_sending.append(kill_mid_send(workers, keys))
        assert left_sending[-1] >= 1, f"no kill interrupted a send: {left_sending}"
        workers.start()
        wait_for(lambda: settled(keys), timeout=180, what="every reminder settled")
        # The worker that came after the last kill found its interrupted send and settled it
        # (its sweep logs the count when it ends, after the last row it sent).
        wait_for(
            lambda: re.search(r"'reconciled': [1-9]", workers.log()),
            timeout=90,
            what="a sweep that reconciled an interrupted send",
        )
    finally:
        workers.stop()

    deliveries = ledger.deliveries()
    statuses = dict(Reminder.objects.filter(key__in=keys).values_list("key", "status"))
    sent = [key for key in keys if statuses[key] == ReminderStatus.SENT]
    failed = [key for key in keys if statuses[key] == ReminderStatus.FAILED]
    assert len(sent) + len(failed) == len(keys)  # none lost
    duplicates = {key: n for key, n in deliveries.items() if n > 1}
    assert duplicates == {}  # none twice
    safe = {key.replace(":", "_") for key in sent}
    assert safe <= set(deliveries)  # every "sent" really went out
    assert workers.starts == len(left_sending) + 1


def test_a_provider_slower_than_any_timeout_sends_every_reminder_once_and_fails_none(
    consenting, other_patient, worker_env, tmp_path
):
    """Two sweeps at once (concurrency 2, a sweep every second) over providers that take half
    a second a message, with the old sending timeout at 1 s: a batch outlives it many times."""
    texting = other_patient
    texting.reminder_consent, texting.reminder_consent_at = True, timezone.now()
    texting.reminder_channel, texting.phone = "sms", "+15555550123"
    texting.save()
    by_email = due_reminders(consenting, 8, prefix="slow")
    by_sms = due_reminders(texting, 8, prefix="slow", channel="sms")
    worker_env.update(
        {
            "DELIVERY_LEDGER_DELAY": "0.5",  # email: a provider that can answer look-ups
            "SMS_BACKEND": "tests.reminders.providers.SlowBlindSmsBackend",  # and one that cannot
            "SLOW_SMS_DIR": str(tmp_path / "sms"),
            "SLOW_SMS_DELAY": "0.5",
            "REMINDER_SENDING_TIMEOUT": "1",  # what used to decide a row was abandoned
        }
    )
    workers = Workers(worker_env, tmp_path, concurrency=2)

    def sending_sweeps() -> list[str]:
        return re.findall(r"reminders_sweep\[.*succeeded.*'sent': [1-9]", workers.log())

    try:
        workers.start()
        wait_for(lambda: settled(by_email + by_sms), timeout=90, what="every reminder settled")
        # The sweeps really overlapped: more than one of them sent reminders.
        wait_for(lambda: len(sending_sweeps()) >= 2, timeout=30, what="two sweeps that sent")
    finally:
        workers.stop()

    statuses = dict(Reminder.objects.filter(key__in=by_email + by_sms).values_list("key", "status"))
    assert [key for key, status in statuses.items() if status != ReminderStatus.SENT] == []
    ledgers = (Ledger(tmp_path / "ledger"), Ledger(tmp_path / "sms"))
    deliveries = {key: n for ledger in ledgers for key, n in ledger.deliveries().items()}
    assert {key.replace(":", "_") for key in by_email + by_sms} == set(deliveries)
    assert {key: n for key, n in deliveries.items() if n > 1} == {}  # none twice


def test_a_planner_cut_short_by_its_time_limit_keeps_its_chunks_and_the_next_run_plans_the_rest(
    clinic, therapist, exercise_library, worker_env, tmp_path, client, client_as
):
    """The planner blocks halfway (another transaction holds the row it is inserting) until
    its soft time limit stops it, as a planner with too many patients is stopped. The chunks
    before that stay planned and the next run plans the rest, each reminder once."""
    from config.celery import app
    from exercises import services as exercise_services
    from reminders.planning import PLAN_TASK

    patients = PatientFactory.create_batch(
        30, clinic=clinic, reminder_consent=True, reminder_consent_at=timezone.now()
    )
    for patient in patients:
        exercise_services.routine_assign(
            patient=patient,
            prescribed_by=therapist,
            items=exercise_services.template_items(exercise_library),
            title=exercise_library.name,
            start_date=clinic.local_now().date() - timedelta(days=1),
        )
    # Every patient has tomorrow's reminder; the 16th's is held by a transaction left open.
    tomorrow = clinic.local_now().date() + timedelta(days=1)
    held, release = threading.Event(), threading.Event()

    def hold_the_16th() -> None:
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    clinic=clinic,
                    kind=ReminderKind.EXERCISE,
                    channel="email",
                    patient=patients[15],
                    key=f"exercise:{patients[15].pk}:{tomorrow.isoformat()}:email",
                    due_at=timezone.now(),
                    next_attempt_at=timezone.now(),
                )
                held.set()
                release.wait(60)
                transaction.set_rollback(True)
        finally:
            db_connection.close()

    holder = threading.Thread(target=hold_the_16th)
    holder.start()
    held.wait(10)
    worker_env.update({"REMINDER_PLAN_CHUNK": "5", "CELERY_TASK_SOFT_TIME_LIMIT": "4"})
    workers = Workers(worker_env, tmp_path, beat=False)
    progress = TaskProgress.objects.filter(name=PLAN_TASK)
    try:
        workers.start()
        # As beat sends it, with the worker's own time limits: once clinic.tasks is imported in
        # this process (other tests do), send_task would copy this process's limits into the
        # message unless told not to.
        app.send_task(PLAN_TASK, soft_time_limit=None, time_limit=None)
        wait_for(
            lambda: progress.filter(timed_out_at__isnull=False).exists(),
            timeout=60,
            what="the planner running out of time",
        )
        planned = set(Reminder.objects.values_list("patient_id", flat=True))
        assert planned == {patient.pk for patient in patients[:15]}  # three chunks kept
        health = client.get("/healthz").json()
        assert health["tasks"] == {
            "ok": False,
            "out_of_time": [{"task": PLAN_TASK, "at": progress.get().timed_out_at.isoformat()}],
        }
        page = client_as("front_desk").get("/schedule/reminders/failed/").content.decode()
        assert "Reminder planning ran out of time" in page

        release.set()
        holder.join(10)
        rows_kept = Reminder.objects.count()
        app.send_task(PLAN_TASK, soft_time_limit=None, time_limit=None)
        wait_for(lambda: not progress.get().out_of_time, timeout=60, what="the next planner run")
    finally:
        release.set()
        workers.stop()

    planned = Reminder.objects.filter(kind=ReminderKind.EXERCISE)
    assert set(planned.values_list("patient_id", flat=True)) == {p.pk for p in patients}
    per_patient = Counter(planned.values_list("patient_id", flat=True))
    assert len(set(per_patient.values())) == 1  # the same reminders for everyone
    # The second run went on after the last chunk kept: it counted only what was left.
    runs = re.findall(r"reminders_plan\[.*\] succeeded in .*s: (\d+)", workers.log())
    assert [int(n) for n in runs] == [Reminder.objects.count() - rows_kept]
    before = Reminder.objects.count()
    reminders_plan()  # a full pass finds nothing missing and adds nothing
    assert Reminder.objects.count() == before
    assert client.get("/healthz").json()["tasks"] == {"ok": True, "out_of_time": []}


def redis_server() -> str | None:
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own on a free port, to stop and start at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(redis_server(), "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _answers(self.port), timeout=20, what="redis")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


needs_redis_server = pytest.mark.skipif(
    redis_server() is None, reason="needs redis-server to stop and start"
)


@pytest.fixture
def private_redis():
    broker = PrivateRedis()
    broker.start()
    yield broker
    broker.stop()


@needs_redis_server
def test_after_a_broker_outage_everything_due_is_sent_within_two_sweeps_and_once(
    consenting, worker_env, tmp_path, private_redis
):
    worker_env["CELERY_BROKER_URL"] = private_redis.url
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
        private_redis.stop()
        keys = due_reminders(consenting, 50, prefix="outage")  # they fall due while it is down
        # A sweep fell due meanwhile and beat could not send it.
        wait_for(
            lambda: "Couldn't apply scheduled task reminders-sweep" in workers.log(),
            timeout=60,
            what="beat failing to send a sweep while the broker is down",
        )
        assert Reminder.objects.filter(key__in=keys, status=ReminderStatus.PENDING).count() == 50
        private_redis.start()
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
    assert len(sweeps) <= 2, sweeps  # the first or second sweep after the broker came back
    assert sent_at - back < timedelta(seconds=60)
    counts = ledger.deliveries()
    assert all(counts.get(key.replace(":", "_")) == 1 for key in keys)


@needs_redis_server
@pytest.mark.parametrize(
    ("transport", "upstream"),
    [("kombu.transport.redis:Transport", True), ("config.celery:RedisTransport", False)],
)
def test_closing_a_lost_connection_with_a_message_unacknowledged(
    private_redis, transport, upstream
):
    """What Celery 5.7's consumer does when Redis drops while a task runs unacknowledged and
    it waits on BRPOP: collect() the connection, then close() it, ignoring connection errors.
    With kombu's own transport the close raises AttributeError, which kills the worker; with
    Dorsi's it is a connection error like any other. Should the upstream case stop raising (it
    is skipped then), kombu has fixed it and config.celery.RedisTransport can go."""
    from kombu import Connection, Queue
    from kombu.common import ignore_errors

    tasks, control = Queue(f"tasks-{uuid.uuid4().hex}"), Queue(f"control-{uuid.uuid4().hex}")
    connection = Connection(private_redis.url, transport=transport)
    channel = connection.default_channel
    connection.Producer(channel).publish({"task": 1}, routing_key=tasks.name, declare=[tasks])
    received = []
    consumer = connection.Consumer(
        tasks, channel=channel, callbacks=[lambda _, m: received.append(m)]
    )
    consumer.consume()
    connection.Consumer(control, channel=connection.channel()).consume()
    connection.drain_events(timeout=5)  # the task, not acknowledged
    with pytest.raises(socket.timeout):
        connection.drain_events(timeout=0.2)  # both channels left waiting on BRPOP
    assert len(received) == 1

    private_redis.stop()
    with contextlib.suppress(Exception):  # as the consumer does
        connection.collect()
    if not upstream:
        ignore_errors(connection, connection.close)
        return
    error = None
    try:
        ignore_errors(connection, connection.close)
    except AttributeError as exc:
        error = str(exc)
    if error is None:
        pytest.skip("this kombu closes cleanly: config.celery.RedisTransport can go")
    assert "'NoneType' object has no attribute 'hostname'" in error


@needs_redis_server
def test_a_worker_outlives_redis_going_away_mid_sweep_and_reminders_flow_again(
    consenting, worker_env, tmp_path, private_redis
):
    """Redis stops while a sweep is sending and the worker's other process waits on the broker
    for work: the upstream bug's exact moment. The worker must stay up, reconnect by itself,
    and send what fell due meanwhile, each reminder once.

    Redis stays away until the worker has failed to reconnect twice (it came through the
    moment the bug kills it and keeps trying), or 30 s as it always did should the worker not
    notice sooner, and until the sweep in flight has finished, however long that takes."""
    before = due_reminders(consenting, 6, prefix="before")
    worker_env.update(
        {
            "CELERY_BROKER_URL": private_redis.url,
            "DELIVERY_LEDGER_DELAY": "1",  # the sweep in flight lasts about 6 s
            # One sweep at a time: the second pool process sits idle on BRPOP meanwhile.
            "REMINDER_SWEEP_SECONDS": "10",
        }
    )
    ledger = Ledger(tmp_path / "ledger")
    workers = Workers(worker_env, tmp_path, concurrency=2)
    try:
        workers.start()
        wait_for(lambda: sum(ledger.deliveries().values()) >= 2, timeout=60, what="a sweep")
        private_redis.stop()
        # Not due until the sweep in flight has finished: only a sweep after the outage can
        # send them.
        during = due_reminders(consenting, 3, prefix="during")
        Reminder.objects.filter(key__in=during).update(
            next_attempt_at=timezone.now() + timedelta(hours=1)
        )
        outage_ends = clock.monotonic() + 30
        while clock.monotonic() < outage_ends and workers.process.poll() is None:
            if failed_reconnects(workers.log()) >= 2:
                break
            clock.sleep(0.2)
        assert workers.process.poll() is None, "the worker exited while Redis was away"
        # Finished as a task, not only its rows: a sweep goes on while rows are due.
        wait_for(lambda: no_sweep_running(workers.log()), timeout=60, what="the sweep in flight")
        Reminder.objects.filter(key__in=during).update(next_attempt_at=timezone.now())
        assert workers.process.poll() is None, "the worker exited while Redis was away"
        private_redis.start()
        back = timezone.now()
        wait_for(lambda: settled(before + during), timeout=90, what="reminders flowing again")
        first_after = min(Reminder.objects.filter(key__in=during).values_list("sent_at", flat=True))
        assert workers.process.poll() is None
    finally:
        workers.stop()
    log = workers.log()
    assert "Unrecoverable error" not in log
    assert "Connection to broker lost" in log  # it did see the outage
    # Sent by a sweep after the outage (not by the one in flight), and soon.
    assert timedelta(0) < first_after - back < timedelta(seconds=60)
    print(f"first reminder after Redis came back: {(first_after - back).total_seconds():.1f} s")
    statuses = set(
        Reminder.objects.filter(key__in=before + during).values_list("status", flat=True)
    )
    assert statuses == {ReminderStatus.SENT}
    counts = ledger.deliveries()
    assert all(counts.get(key.replace(":", "_")) == 1 for key in before + during)


def failed_reconnects(log: str) -> int:
    """How often the worker has tried, and failed, to reach the broker since it lost it."""
    _, lost, after = log.partition("Connection to broker lost")
    return after.count("Cannot connect to") if lost else 0


def no_sweep_running(log: str) -> bool:
    """Every sweep the worker received has finished (and it received one)."""
    received = len(re.findall(r"reminders_sweep\[[^\]]*\] received", log))
    return received > 0 and received == len(re.findall(r"reminders_sweep\[[^\]]*\] succeeded", log))


def _answers(port: int) -> bool:
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False
