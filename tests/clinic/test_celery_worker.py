"""A real Celery worker, started as its own process against the real broker and database."""

import pytest

from clinic import services
from clinic.models import Heartbeat
from tests.conftest import wait_for

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
