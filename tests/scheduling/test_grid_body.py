"""The schedule grid's body is written in Python (scheduling/templatetags/schedule_grid.py) for
speed: it must be the markup the template wrote, escaping included, cell for cell."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from django.template import Context, Template

from scheduling.grid import Cell, Column, Grid, Row
from scheduling.selectors import CalendarEntry

# The row loop templates/scheduling/schedule.html had before the tag, verbatim.
TEMPLATE_ROWS = (Path(__file__).parent / "grid_rows_before.html").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Therapist:
    pk: int
    name: str

    def __str__(self) -> str:
        return self.name


def entry(pk, status="booked", response="", name="Ana <O'Brien> & Co"):
    moment = datetime(2026, 12, 1, 9, tzinfo=UTC)
    return CalendarEntry(
        pk=pk,
        therapist_id=7,
        starts_at=moment,
        ends_at=moment,
        status=status,
        patient_response=response,
        patient_name=name,
        therapist_name="T",
        type_name='Follow-up "short"',
        time_text="09:00–09:30",
    )


def test_the_tag_writes_what_the_template_wrote():
    therapists = [Therapist(7, "Dr. Léa <Smith>"), Therapist(8, "Sam & Jo")]
    columns = [Column(therapist=t, day=date(2026, 12, 1)) for t in therapists]
    columns.append(Column(therapist=therapists[0], day=date(2026, 12, 2), bookable=False))

    def free(column, value):
        return Cell(kind="free", column=column, starts_at=None, value=value)

    rows = [
        Row(
            wall=time(9),
            label="09:00",
            on_the_hour=True,
            cells=[
                Cell(
                    kind="booked",
                    column=columns[0],
                    starts_at=None,
                    value="2026-12-01T09:00",
                    appointments=[
                        entry(1),
                        entry(2, status="no_show"),
                        entry(3, response="confirmed"),
                        entry(4, status="completed", response="reschedule"),
                    ],
                    span=2,
                ),
                free(columns[1], "2026-12-01T09:00"),
                Cell(kind="off", column=columns[2], starts_at=None, value=""),
            ],
        ),
        Row(
            wall=time(9, 15),
            label="09:15",
            on_the_hour=False,
            is_now=True,
            cells=[None, free(columns[1], "2026-12-01T09:15"), free(columns[2], "x&y")],
        ),
    ]
    grid = Grid(columns=columns, rows=rows, step_minutes=15)
    context = {
        "grid": grid,
        "appointments_url": "/appointments/",
        "book_url": "/schedule/book/?next=/schedule/%3Fdate%3D2026-12-01&x=<y>",
    }
    expected = Template(TEMPLATE_ROWS).render(Context(context))
    written = Template(
        "  {% load schedule_grid %}{% grid_body grid appointments_url=appointments_url"
        " book_url=book_url %}"
    ).render(Context(context))
    assert written == expected
    assert "&lt;Smith&gt;" in written
    assert "Ana &lt;O&#x27;Brien&gt; &amp; Co" in written
