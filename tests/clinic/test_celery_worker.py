"""A real Celery worker, started as its own process against the real broker and database."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from clinic import services
from clinic.models import Heartbeat
from tests.conftest import ROOT, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_runs_the_heartbeat_that_beat_schedules(celery_worker_process, client):
    assert client.get("/healthz").status_code == 503

    worker = celery_worker_process(beat=True, extra_env={"HEARTBEAT_INTERVAL_SECONDS": "1"})

    heartbeat = wait_for(
        lambda: Heartbeat.objects.filter(name="celery").first(),
        timeout=60,
        what=f"the heartbeat (worker log: {worker.log_path})",
    )
    assert heartbeat.hostname
    assert client.get("/healthz").status_code == 200
    # Beat keeps scheduling it: the timestamp moves on.
    first_seen = heartbeat.seen_at
    wait_for(
        lambda: Heartbeat.objects.get(name="celery").seen_at > first_seen,
        timeout=30,
        what="a second heartbeat",
    )


def test_a_worker_beats_once_as_soon_as_it_is_up_without_waiting_for_beat(
    celery_worker_process, client
):
    """Issue 17 §12: /healthz answered 503 for the first 30 s of a fresh start."""
    assert client.get("/healthz").status_code == 503
    worker = celery_worker_process()  # no beat at all
    wait_for(
        lambda: Heartbeat.objects.filter(name="celery").exists(),
        timeout=60,
        what=f"the first heartbeat (worker log: {worker.log_path})",
    )
    assert client.get("/healthz").status_code == 200


def test_a_task_enqueued_on_commit_reaches_a_real_worker(
    celery_worker_process, patient, front_desk, tmp_path
):
    celery_worker_process()
    link = services.patient_link_issue(patient=patient, issued_by=front_desk, email_to_patient=True)
    mail_dir = tmp_path / "mail"
    sent = wait_for(
        lambda: list(mail_dir.glob("*.log")) if mail_dir.exists() else [],
        timeout=60,
        what="the emailed link",
    )
    message = sent[0].read_text()
    assert patient.email in message
    assert services.patient_link_token(link).split(":")[0] in message


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process has just exited
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _cmdline(pid: int) -> str:
    return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def _procfile_line(name: str) -> str:
    for line in (ROOT / "Procfile.demo").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line
    raise AssertionError(f"Procfile.demo has no {name} process")


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "celery").exists(), reason="needs ./.venv")
def test_the_demo_process_manager_starts_a_worker_that_exited_again(process_env, tmp_path):
    """honcho (./dorsi demo) stops every process when one exits; Procfile.demo's worker line
    must bring the worker back instead."""
    procfile = tmp_path / "Procfile"
    procfile.write_text(_procfile_line("worker") + "\n")
    output = tmp_path / "honcho.log"
    with output.open("wb") as log:
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", str(procfile), "-d", str(ROOT)],
            cwd=ROOT,
            env=process_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    shells = []
    try:

        def ready(times: int) -> bool:
            return output.read_text(errors="replace").count(" ready.") >= times

        wait_for(lambda: ready(1), timeout=60, what=f"the worker (log: {output})")
        # honcho -> its runner -> keep_running.sh (the shell exec'd it) -> celery worker.
        shells = [pid for child in _children(honcho.pid) for pid in _children(child)]
        workers = [pid for shell in shells for pid in _children(shell)]
        assert len(workers) == 1, (shells, workers)
        assert "celery" in _cmdline(workers[0])
        os.kill(workers[0], signal.SIGTERM)  # the worker exits, as after a fatal error
        wait_for(lambda: ready(2), timeout=60, what=f"the worker back (log: {output})")
        assert honcho.poll() is None  # and the rest of the demo never stopped
        assert "starting it again" in output.read_text()
    finally:
        honcho.terminate()
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            honcho.kill()
        for shell in shells:  # each in its own process group, honcho's safety net as well
            with contextlib.suppress(ProcessLookupError):
                os.killpg(shell, signal.SIGKILL)


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "celery").exists(), reason="needs ./.venv")
def test_ctrl_c_stops_the_demos_worker_without_waiting_to_kill_it(process_env, tmp_path):
    """Issue 17 §12: on Ctrl-C the restart loop's shell died in its wait (or slept through
    honcho's grace period and was killed), leaving the worker to finish on its own.
    keep_running.sh passes the stop on, waits for the worker's shutdown and exits with it."""
    procfile = tmp_path / "Procfile"
    procfile.write_text(_procfile_line("worker") + "\n")
    output = tmp_path / "honcho.log"
    with output.open("wb") as log:
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", str(procfile), "-d", str(ROOT)],
            cwd=ROOT,
            env=process_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(
            lambda: " ready." in output.read_text(errors="replace"),
            timeout=60,
            what=f"the worker (log: {output})",
        )
        # Ctrl-C: honcho stops its processes with SIGTERM (they run in groups of their own).
        honcho.send_signal(signal.SIGINT)
        honcho.wait(timeout=30)
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
    text = output.read_text(errors="replace")
    # The keeper waited for the worker's own shutdown and exited cleanly: not a shell killed in
    # its wait (rc=-15) that leaves the worker orphaned, nor killed at the grace period (-9).
    assert "worker.1 stopped (rc=0)" in text, text
    assert "starting it again" not in text, text  # a stop is not a crash to recover from
