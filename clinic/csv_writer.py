"""The one way Dorsi writes CSV: every cell of every file passes through `csv_cell`.

A CSV is opened by a clinic in a spreadsheet, and a spreadsheet runs a cell that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return as a formula (OWASP, "CSV Injection"). Free text
in a CSV is often someone else's to choose: a patient's self-test notes, the User-Agent of a
request in the audit trail. So such a cell is written with a leading apostrophe, which
spreadsheets read as "this is text".

Numbers are not neutralised: `-2.5` or an E.164 phone number `+13125550100` can only ever
evaluate to themselves, and an apostrophe would turn them into different text for pandas and
for anyone who compares the export with the record. A test in `tests/test_csv_files.py` keeps
every other module from importing `csv` directly.

The writer also owns the file's conventions, so no caller can differ: UTF-8 with a byte-order
mark (Excel on Windows reads the accents in names only then), and one format per kind of time
value, whatever the clinic's zone or the stored precision: a moment is UTC to the second
(`2026-03-08T14:05:09Z`, clinic.times.export_datetime), a date `2026-03-08`, a time of day
`07:30:00`. pandas' `to_datetime` reads every such column without being told a format.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from clinic.times import export_datetime

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number, signed or not, with an optional exponent: what a spreadsheet would
# read as that same number. Anything longer (a function call, a reference, a space) is not.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# Excel reads a file as UTF-8 only when it starts with a byte-order mark (accents in names).
BYTE_ORDER_MARK = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def csv_cell(value: Any) -> Any:
    """What to write for one value: empty for None, moments in UTC and dates and times of day
    in ISO 8601, text that a spreadsheet would run as a formula prefixed with an apostrophe,
    anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return export_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        if _PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


class _Line:
    """A file-like object that hands back what csv.writer writes, one line at a time."""

    def write(self, value: str) -> str:
        return value


class CsvWriter:
    """csv.writer with every cell made safe; `row` returns the line it wrote."""

    def __init__(self, stream: Any | None = None) -> None:
        self._writer = csv.writer(stream if stream is not None else _Line())

    def row(self, values: Iterable[Any]) -> str:
        return self._writer.writerow([csv_cell(value) for value in values])


def csv_bytes(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A whole file in memory (for a ZIP of several), with the byte-order mark."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.row(header)
    for row in rows:
        writer.row(row)
    return (BYTE_ORDER_MARK + buffer.getvalue()).encode("utf-8")


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The file line by line, for a download too large to hold in memory."""
    writer = CsvWriter()
    yield BYTE_ORDER_MARK + writer.row(header)
    for row in rows:
        yield writer.row(row)


def csv_download(
    header: list[str],
    rows: Iterable[Iterable[Any]],
    *,
    filename: str,
    stream: bool = False,
) -> HttpResponse | StreamingHttpResponse:
    """A CSV attachment; streamed as its rows are produced when `stream` (a file too large to
    hold in memory), otherwise written whole so that its size is known."""
    if stream:
        response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_CONTENT_TYPE)
    else:
        response = HttpResponse(csv_bytes(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
