"""What the patient's phone keeps to open the routine with no network (issue 20 §1).

The service worker at /me/sw.js is rendered for the signed-in patient: it names its caches
after a key derived from the patient, stores a routine page only when the page carries that
same key, and deletes every other Dorsi cache when it takes over, so a phone shared by two
patients never shows one the other's routine. Signing out clears the rest (Clear-Site-Data).
"""

from __future__ import annotations

import hashlib
import json

from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from clinic.models import Patient
from exercises.models import PrescriptionVersion

# The response header that says which patient's offline key a routine page belongs to.
KEY_HEADER = "X-Dorsi-Offline-Key"

# What the routine page loads, whoever the patient: the home-screen icons too, so that the app
# opened from the home screen with no signal still has its icon (the phone keeps the manifest
# itself when the patient adds the app).
PAGE_ASSETS = (
    "css/dorsi.css",
    "js/dorsi.js",
    "js/routine-timer.js",
    "js/routine-offline.js",
    "img/dorsi-mark.svg",
    "img/dorsi-icon-192.png",
    "img/dorsi-icon-512.png",
    "img/dorsi-icon-maskable-512.png",
)
HOME_SCREEN_ICONS = (
    ("img/dorsi-icon-192.png", "192x192", "any"),
    ("img/dorsi-icon-512.png", "512x512", "any"),
    ("img/dorsi-icon-maskable-512.png", "512x512", "maskable"),
)


def offline_key(patient: Patient) -> str:
    """A name for this patient's caches and queue that reveals nothing about the patient."""
    return salted_hmac("dorsi.exercises.offline", str(patient.pk)).hexdigest()[:24]


def routine_fingerprint(versions: list[PrescriptionVersion]) -> str:
    """Changes whenever the routine the patient sees changes (a new version, one ended)."""
    return "-".join(str(version.pk) for version in versions) or "none"


def precache_urls(versions: list[PrescriptionVersion]) -> list[str]:
    """The static files the routine page needs: its own, and the pictures of its exercises."""
    pictures = sorted(
        {
            item.exercise.picture
            for version in versions
            for item in version.items.all()
            if item.exercise.picture
        }
    )
    return [static(path) for path in (*PAGE_ASSETS, *pictures)]


def service_worker_context(*, patient: Patient, versions: list[PrescriptionVersion]) -> dict:
    urls = precache_urls(versions)
    return {
        "key": offline_key(patient),
        # A new list of files (a deployment, a new picture) is a new assets cache.
        "assets_version": hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12],
        "precache_json": json.dumps(urls),
    }


def web_app_manifest(language: str) -> dict:
    """The web app manifest in the active language (the caller activates `language`): the
    routine opens from the home screen under a name the patient reads. Its id is the same in
    every language, so a patient who changes language keeps one app, not two."""
    routine = reverse("patient-routine-page")
    return {
        "name": _("Dorsi – my routine"),
        "short_name": "Dorsi",
        "description": _("Your calf routine with its timer, also with no signal."),
        "lang": language,
        "id": routine,
        "start_url": routine,
        "scope": reverse("patient-home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#07524e",
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in HOME_SCREEN_ICONS
        ],
    }
