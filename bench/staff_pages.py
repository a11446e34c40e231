"""What the in-process page benchmarks share: Django set up for the checkout, a clinic admin's
signed-in client (with the second factor clinic admins need), and the percentile they print.
Imported first by bench/dashboard.py, clinic_pages.py and schedule_pages.py."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")
os.environ["ALLOWED_HOSTS"] = "testserver,localhost"

import django

django.setup()

from django.test import Client

from tests.conftest import verify_second_factor


def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    verify_second_factor(client, admin)  # clinic admins sign in with a code
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
