"""Weight of the patient's routine page: HTML, CSS and JavaScript, without exercise pictures.

Goal (issue 4): at most 150 KB. Runs on a throwaway SQLite database with the demo data:

    .venv/bin/python bench/patient_page_weight.py
"""

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
scratch = tempfile.mkdtemp(prefix="dorsi-bench-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "ENV_FILE": str(Path(scratch) / "none"),
        "VAR_DIR": scratch,
        "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3",
        "CELERY_BROKER_URL": "filesystem://",
        "SITE_URL": "http://testserver",
    }
)

import django

django.setup()

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from clinic import services
from clinic.models import PatientAccessLink

call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
link = PatientAccessLink.objects.usable().first()
client = Client()
client.get(services.patient_link_url(link).removeprefix("http://testserver"))

rows = []
for path in ("/me/", "/me/routine/"):
    html = client.get(path).content
    assets = sorted(set(re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)))
    files = [(asset.decode(), Path(finders.find(asset.decode())).read_bytes()) for asset in assets]
    raw = len(html) + sum(len(body) for _, body in files)
    zipped = len(gzip.compress(html)) + sum(len(gzip.compress(body)) for _, body in files)
    rows.append((path, len(html), files, raw, zipped))

for path, html_size, files, raw, zipped in rows:
    print(f"{path}: HTML {html_size / 1024:.1f} KB")
    for name, body in files:
        print(f"  {name}: {len(body) / 1024:.1f} KB")
    print(
        f"  total {raw / 1024:.1f} KB ({zipped / 1024:.1f} KB gzipped); goal <= 150 KB: "
        f"{'met' if raw <= 150 * 1024 else 'MISSED'}"
    )
