"""The patient's page says where today's routine stands (issue 17 §8)."""

import uuid

import pytest

from exercises import services

pytestmark = pytest.mark.django_db


def test_one_of_two_sessions_done_says_so_and_offers_the_next(client_as, patient, prescribed):
    type(prescribed).objects.filter(pk=prescribed.pk).update(times_per_day=2)
    prescribed.refresh_from_db()
    client = client_as("patient")
    assert "Start today's routine" in client.get("/me/").content.decode()
    done = {item.pk: "done" for item in prescribed.items.all()}
    log = {"patient": patient, "version": prescribed, "pain": 2}
    services.session_log_record(**log, client_token=uuid.uuid4(), statuses=done)
    page = client.get("/me/").content.decode()
    assert "1 of 2 sessions done today" in page
    assert "Start the next session" in page
    assert "Start today's routine" not in page
    services.session_log_record(**log, client_token=uuid.uuid4(), statuses=done)
    page = client.get("/me/").content.decode()
    assert "Today's routine is done" in page
    assert "Start the next session" not in page
