"""The routine offline (issue 20 §1), server side: the service worker, the manifest, the key a
routine page carries for the worker, and the sign-out that clears what the phone kept."""

import json
from pathlib import Path

from django.contrib.staticfiles import finders

from exercises import services as exercise_services
from exercises.models import SessionLog
from exercises.offline import KEY_HEADER, offline_key


def test_the_service_worker_is_rendered_for_the_signed_in_patient(client_as, patient, prescribed):
    response = client_as("patient").get("/me/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache, private"
    body = response.content.decode()
    assert f'var KEY = "{offline_key(patient)}";' in body
    assert '"/static/js/routine-timer.js"' in body
    # The pictures of the patient's own exercises are kept for the visit with no signal.
    assert '"/static/img/exercises/runners-calf-stretch.svg"' in body
    assert 'var ROUTINE = "/me/routine/";' in body


def test_each_patient_has_a_key_of_their_own(client_as, patient, other_patient, prescribed):
    mine = client_as("patient").get("/me/routine/")
    assert mine[KEY_HEADER] == offline_key(patient)
    assert offline_key(patient) != offline_key(other_patient)
    # The address names a key; the worker is the session's own whatever it says.
    theirs = client_as("other_patient").get(f"/me/sw.js?for={offline_key(patient)}")
    theirs = theirs.content.decode()
    assert offline_key(patient) not in theirs


def test_staff_and_visitors_get_no_service_worker(client_as, prescribed):
    for role in ("anonymous", "front_desk", "therapist", "clinic_admin"):
        response = client_as(role).get("/me/sw.js")
        assert response.status_code == 403, role
        assert b"caches" not in response.content


def test_the_routine_page_registers_the_worker_and_says_which_routine_it_shows(
    client_as, patient, prescribed
):
    html = client_as("patient").get("/me/routine/").content.decode()
    key = offline_key(patient)
    assert f'data-worker="/me/sw.js?for={key}&amp;routine={prescribed.pk}"' in html
    assert 'data-scope="/me/"' in html
    assert f'data-routine="{prescribed.pk}"' in html
    assert 'data-api="/api/v1/session-logs/"' in html
    assert '<link rel="manifest" href="/me/manifest.en.webmanifest">' in html
    assert "/static/js/routine-offline.js" in html


def test_staff_pages_link_no_manifest(client_as):
    html = client_as("therapist").get("/patients/").content.decode()
    assert "manifest" not in html


def test_a_spanish_patient_links_the_spanish_manifest(client_as, patient, prescribed):
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    html = client_as("patient").get("/me/routine/").content.decode()
    assert '<link rel="manifest" href="/me/manifest.es.webmanifest">' in html


def test_the_manifest_speaks_the_language_in_its_address(client):
    english = client.get("/me/manifest.en.webmanifest")
    spanish = client.get("/me/manifest.es.webmanifest")
    assert english["Content-Type"] == "application/manifest+json"
    assert english.json()["name"] == "Dorsi – my routine"
    assert spanish.json()["name"] == "Dorsi – mi rutina"
    assert spanish.json()["lang"] == "es"
    # One app whatever the language: the id does not change.
    assert english.json()["id"] == spanish.json()["id"] == "/me/routine/"
    assert client.get("/me/manifest.xx.webmanifest").status_code == 404


def test_the_manifest_names_the_routine_and_its_icons_exist(client):
    manifest = client.get("/me/manifest.en.webmanifest").json()
    assert manifest["start_url"] == "/me/routine/"
    assert manifest["scope"] == "/me/"
    assert manifest["display"] == "standalone"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        assert Path(path).read_bytes().startswith(b"\x89PNG")


def test_the_policy_allows_the_worker_and_manifest_from_the_site_only(client_as, prescribed):
    policy = client_as("patient").get("/me/routine/")["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy


def test_signing_out_clears_what_the_phone_kept(client_as):
    client = client_as("patient")
    response = client.post("/me/sign-out/")
    assert response.status_code == 200
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "/static/js/patient-sign-out.js" in response.content.decode()


def test_a_session_sent_twice_from_the_queue_is_recorded_once(client_as, patient, prescribed):
    """The queue sends what the form would have: the API answers 201, then 200 for a replay."""
    client = client_as("patient")
    version = prescribed
    body = {
        "version": version.pk,
        "client_token": "6f0f3c1e-3d2a-4c55-9b1e-2f7f8d9a0b11",
        "session_date": None,
        "pain": 2,
        "comment": "",
        "entries": [{"item": item.pk, "status": "done"} for item in version.items.all()],
    }
    first = client.post("/api/v1/session-logs/", body, content_type="application/json")
    again = client.post("/api/v1/session-logs/", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert SessionLog.objects.filter(patient=patient).count() == 1


def test_a_session_logged_against_a_changed_routine_is_refused_with_the_reason(
    client_as, patient, therapist, prescribed
):
    client = client_as("patient")
    old = prescribed
    body = {
        "version": old.pk,
        "client_token": "0c4b7f1e-1111-4c55-9b1e-2f7f8d9a0b11",
        "entries": [{"item": item.pk, "status": "done"} for item in old.items.all()],
    }
    exercise_services.prescription_change(
        prescription=prescribed.prescription,
        changed_by=therapist,
        items=exercise_services.template_items(prescribed.prescription.template),
        times_per_day=2,
        days_of_week=old.days_of_week,
    )
    response = client.post("/api/v1/session-logs/", body, content_type="application/json")
    assert response.status_code == 400
    assert "Your routine had changed or ended by that date." in json.dumps(response.json())
    assert not SessionLog.objects.exists()
