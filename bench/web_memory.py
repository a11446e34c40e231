"""A web worker's memory after 1,000 and after 10,000 requests (issue 19, goal 6).

Goal: the worker's RSS after 10,000 requests within 10 % of its RSS after 1,000. Starts
gunicorn with one sync worker (DEBUG off) on the bench database, sends a mix of what a clinic
does all day, in turn: the clinic admin's dashboard, the staff patients list, the API patient
list (a personal token) and a patient's routine page (five patients' link sessions), each
list on pages 1 to 40 in turn, and reads VmRSS from /proc/<worker>/status after 1,000 and
after 10,000 requests (and at every 1,000 between, to show the trend). Needs a bench clinic
(manage.py bench_data --patients 10000, or 100):

    DATABASE_URL=postgres://.../dorsi_bench .venv/bin/python bench/web_memory.py [--requests 10000]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0000000000000",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "BENCH_ENDPOINTS": "true",
    "SECURE_COOKIES": "false",
    "SECURE_SSL_REDIRECT": "false",
    "ENV_FILE": "/nonexistent",
    "LOG_LEVEL": "WARNING",
    "STATIC_ROOT": tempfile.mkdtemp(prefix="dorsi-bench-static-"),
}
os.environ.update(SERVER_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.api_tokens import api_token_issue, api_token_revoke
from clinic import services
from clinic.models import Clinic, Patient, PatientStatus, User
from tests.conftest import verify_second_factor

TOKEN_NAME = "bench web_memory"  # noqa: S105  (a name, not a secret)
PAGES = 40


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def identities(clinic: Clinic) -> tuple[str, str, list[str]]:
    """The admin's session cookie (past two-factor), a token, and five patients' sessions."""
    admin = User.objects.get(clinic=clinic, role="clinic_admin")
    staff = Client()
    staff.force_login(admin)
    verify_second_factor(staff, admin)
    cookie = settings.SESSION_COOKIE_NAME
    staff_cookie = f"{cookie}={staff.cookies[cookie].value}"
    for old in admin.api_tokens.filter(name=TOKEN_NAME, revoked_at__isnull=True):
        api_token_revoke(token=old, revoked_by=None, reason=": a new bench run")
    secret = api_token_issue(user=admin, name=TOKEN_NAME, days=1, second_factor_passed=True)[1]
    patients = []
    active = Patient.objects.filter(clinic=clinic, status=PatientStatus.ACTIVE).order_by("pk")
    for patient in active[:5]:
        link = services.patient_link_issue(patient=patient, issued_by=admin)
        browser = Client()
        opened = browser.get(reverse("patient-link-open", args=[services.patient_link_token(link)]))
        assert opened.status_code == 302, opened.status_code
        patients.append(f"{cookie}={browser.cookies[cookie].value}")
    return staff_cookie, f"Token {secret}", patients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8766")))
    args = parser.parse_args()
    clinic = Clinic.objects.filter(name__in=["Bench 10000", "Bench 100"]).order_by("-name").first()
    if clinic is None:
        sys.exit("No bench clinic: run manage.py bench_data --patients 10000 (or 100) first.")
    staff_cookie, token, patient_cookies = identities(clinic)
    call_command("collectstatic", interactive=False, verbosity=0)
    base = f"http://127.0.0.1:{args.port}"
    # Each request: (path, headers). Lists walk their pages, the patients take turns.
    mix = []
    for page in range(1, PAGES + 1):
        mix.append(("/dashboard/", {"Cookie": staff_cookie}))
        mix.append((f"/patients/?page={page}", {"Cookie": staff_cookie}))
        mix.append((f"/api/v1/patients/?page={page}", {"Authorization": token}))
        mix.append(("/me/routine/", {"Cookie": patient_cookies[page % len(patient_cookies)]}))
    log = open(tempfile.mkstemp(prefix="dorsi-bench-gunicorn-", suffix=".log")[1], "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            *("--workers", "1", "--worker-class", "sync"),
            *("--bind", f"127.0.0.1:{args.port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/bench/bare/", timeout=60).read()  # noqa: S310
                break
            except OSError:  # not listening yet
                time.sleep(0.2)
        worker = worker_pid(server.pid)
        print(
            f"{clinic.name}: gunicorn, 1 sync worker (pid {worker}); RSS at start "
            f"{rss_kb(worker) / 1024:.1f} MB"
        )
        figures = {}
        started = time.perf_counter()
        for sent in range(1, args.requests + 1):
            path, headers = mix[(sent - 1) % len(mix)]
            request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
                assert response.status == 200, (path, response.status)
            if sent % 1000 == 0:
                figures[sent] = rss_kb(worker)
                print(
                    f"  after {sent:>6,} requests: RSS {figures[sent] / 1024:7.1f} MB "
                    f"({(time.perf_counter() - started) / sent * 1000:.1f} ms a request)",
                    flush=True,
                )
        last = max(figures)
        growth = (figures[last] - figures[1000]) / figures[1000] * 100
        print(
            f"RSS after 1,000 requests {figures[1000] / 1024:.1f} MB, after {last:,} "
            f"{figures[last] / 1024:.1f} MB: {growth:+.1f} % (goal: within 10 %)"
        )
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
