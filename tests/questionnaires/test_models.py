"""What the database holds: the shipped instruments, the invariants it enforces itself, a clinic's
licensed instrument entered as data, and migrating from empty."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from clinic.access import Actor
from questionnaires import services
from questionnaires.admin import InstrumentAdmin
from questionnaires.models import (
    ClinicInstrumentSetting,
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
)
from tests.conftest import sqlite_reader
from tests.factories import LicensedInstrumentFactory, licensed_items, shipped_instruments_seed

SHIPPED = {"nprs-back", "nprs-leg", "psfs", "lefs"}
SHIPPED_DOMAINS = {"nprs-back": "pain", "nprs-leg": "pain", "psfs": "function", "lefs": "function"}
# Every column an instrument had before 0004 added its domain.
INSTRUMENT_COLUMNS = [
    field.attname for field in Instrument._meta.concrete_fields if field.name != "domain"
]


def response_row(request, **overrides) -> QuestionnaireResponse:
    """A completed response written straight to the table, past the services."""
    values = {
        "request": request,
        "patient_id": request.patient_id,
        "instrument": request.instrument,
        "instrument_version": "1",
        "definition": {},
        "score_min": Decimal(0),
        "score_max": Decimal(10),
        "answers": {"worst-24h": 5},
        "completed_at": timezone.now(),
        "submission_key": uuid.uuid4(),
        "total": Decimal(5),
        "score_valid": True,
        "missing_items": 0,
    }
    values.update(overrides)
    return QuestionnaireResponse.objects.create(**values)


@pytest.fixture
def nprs_request(patient, therapist, instruments) -> QuestionnaireRequest:
    return services.request_create(
        patient=patient, instrument=instruments["nprs-back"], requested_by=therapist
    )


# --- The shipped instruments -------------------------------------------------------------------


def test_the_data_migration_ships_the_open_instruments_and_no_licensed_one(instruments):
    assert set(instruments) == SHIPPED
    for instrument in instruments.values():
        instrument.full_clean()  # a valid definition, an MCID that fits its rule
        assert instrument.source
        assert instrument.licence_terms
        assert instrument.mcid_source
    names = " ".join(Instrument.objects.values_list("name", flat=True)).lower()
    assert "oswestry" not in names
    assert "roland" not in names


def test_the_shipped_values_are_the_briefs(instruments):
    def summary(slug):
        instrument = instruments[slug]
        definition = instrument.definition()
        return (
            len(definition.items),
            definition.scoring_method,
            definition.score_min,
            definition.score_max,
            definition.better,
            instrument.mcid_rule,
            instrument.mcid_absolute,
            instrument.mcid_relative_percent,
        )

    assert summary("nprs-back") == (1, "sum", 0, 10, "lower", "either", 2, 30)
    assert summary("nprs-leg") == (1, "sum", 0, 10, "lower", "either", 2, 30)
    assert summary("psfs") == (5, "mean", 0, 10, "higher", "absolute", 2, None)
    assert summary("lefs") == (20, "sum", 0, 80, "higher", "absolute", 9, None)


def test_migrating_an_empty_sqlite_file_loads_the_instruments(migrated_sqlite_file):
    with sqlite_reader(migrated_sqlite_file) as db:
        rows = db.execute(
            "SELECT slug, version, domain FROM questionnaires_instrument WHERE clinic_id IS NULL"
        ).fetchall()
    assert {(slug, version) for slug, version, _ in rows} == {(slug, "1") for slug in SHIPPED}
    assert {slug: domain for slug, _, domain in rows} == SHIPPED_DOMAINS


@pytest.mark.django_db(transaction=True)
def test_0004_on_a_database_holding_a_clinics_instrument_and_answers_keeps_them(
    clinic, patient, therapist
):
    """questionnaires 0004 (the domain) on a database holding a clinic's own instrument,
    requests and answers: every row as it was, the clinic's instrument counted as function
    (as before), the shipped NPRS as pain."""
    own = LicensedInstrumentFactory(clinic=clinic)
    answers = {f"section-{n}": 2 for n in range(1, 11)}
    for days_ago in (20, 1):
        services.response_enter_from_paper(
            entered_by=therapist,
            patient=patient,
            instrument=own,
            answers=answers,
            submission_key=uuid.uuid4(),
            completed_at=timezone.now() - timedelta(days=days_ago),
        )
    shipped_instruments_seed()

    def rows() -> tuple[list, list, list]:
        return (
            list(Instrument.objects.order_by("pk").values(*INSTRUMENT_COLUMNS)),
            list(QuestionnaireRequest.objects.order_by("pk").values()),
            list(QuestionnaireResponse.objects.order_by("pk").values()),
        )

    before = rows()
    assert len(before[2]) == 2
    executor = MigrationExecutor(connection)
    executor.migrate([("questionnaires", "0003_clinic_schedule")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert rows() == before
    domains = dict(Instrument.objects.values_list("slug", "domain"))
    assert domains == {**SHIPPED_DOMAINS, own.slug: "function"}


# --- A clinic's licensed instrument, entered as data ---------------------------------------------


def test_a_licensed_instrument_is_checked_as_a_whole_when_entered(clinic):
    instrument = LicensedInstrumentFactory.build(clinic=clinic)
    instrument.full_clean()  # the Oswestry's shape: 10 sections 0–5, a percentage
    instrument.items = licensed_items(10, high=6)
    instrument.score_max = Decimal(60)
    instrument.mcid_relative_percent = None
    instrument.licence_terms = ""
    with pytest.raises(ValidationError) as refused:
        instrument.full_clean()
    errors = refused.value.message_dict
    assert set(errors) >= {"score_min", "mcid_rule", "licence_terms"}
    assert errors["score_min"] == [
        "These items scored by percent_of_max give totals from 0 to 100, not 0 to 60."
    ]


def test_the_admin_freezes_an_instrument_once_it_is_used(clinic, rf, nprs_request):
    admin = InstrumentAdmin(Instrument, AdminSite())
    ours = LicensedInstrumentFactory(clinic=clinic)
    assert admin.get_readonly_fields(rf.get("/"), ours) == []
    # A new one must say what it rates: no answer is chosen for the admin.
    domain = admin.get_form(rf.get("/"))().fields["domain"]
    assert domain.required
    assert domain.choices[0][0] == ""
    frozen = admin.get_readonly_fields(rf.get("/"), nprs_request.instrument)
    assert "items" in frozen
    assert "is_active" not in frozen


def test_a_clinic_setting_refuses_an_mcid_that_does_not_fit_and_another_clinics_instrument(
    clinic, other_clinic, instruments
):
    setting = ClinicInstrumentSetting(
        clinic=clinic, instrument=instruments["lefs"], mcid_rule="both", mcid_absolute=9
    )
    with pytest.raises(ValidationError) as refused:
        setting.full_clean()
    assert "mcid_rule" in refused.value.message_dict
    theirs = ClinicInstrumentSetting(
        clinic=clinic, instrument=LicensedInstrumentFactory(clinic=other_clinic)
    )
    with pytest.raises(ValidationError) as refused:
        theirs.full_clean()
    assert "instrument" in refused.value.message_dict


# --- Invariants in the database -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_instrument_needs_its_source_terms_and_an_mcid_that_fits(clinic):
    for overrides in (
        {"licence_terms": ""},
        {"mcid_rule": "absolute"},  # with a percentage too
        {"mcid_absolute": 0},
        {"mcid_relative_percent": 130},
        {"score_min": 100},
        {"domain": "mood"},
        {"domain": ""},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            LicensedInstrumentFactory(clinic=clinic, **overrides)


def test_one_response_per_request(nprs_request):
    response_row(nprs_request)
    with pytest.raises(IntegrityError), transaction.atomic():
        response_row(nprs_request)


def test_a_submission_key_is_used_once(nprs_request, patient, therapist, instruments):
    key = response_row(nprs_request).submission_key
    other = services.request_create(
        patient=patient, instrument=instruments["nprs-leg"], requested_by=therapist
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        response_row(other, submission_key=key)


@pytest.mark.parametrize(
    "overrides",
    [
        {"total": Decimal("10.01")},  # outside the range
        {"total": Decimal(-1)},
        {"total": None},  # valid without a total
        {"score_valid": False},  # a total without a valid score
        {"submission_key": None},  # completed without a key
        {"missing_items": None},
        {"completed_at": None},  # in progress with a score
    ],
)
def test_a_completed_response_is_consistent(nprs_request, overrides):
    with pytest.raises(IntegrityError), transaction.atomic():
        response_row(nprs_request, **overrides)


def test_an_invalid_score_is_stored_as_no_total_never_0(nprs_request):
    row = response_row(nprs_request, total=None, score_valid=False, missing_items=1)
    assert row.total is None


def test_one_open_request_per_patient_and_instrument(nprs_request):
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireRequest.objects.create(
            patient=nprs_request.patient,
            clinic=nprs_request.clinic,
            instrument=nprs_request.instrument,
            reason="intake",
            due_on=nprs_request.due_on,
        )


def test_a_closed_request_has_its_time_and_an_ad_hoc_one_its_therapist(nprs_request):
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireRequest.objects.filter(pk=nprs_request.pk).update(status="completed")
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireRequest.objects.filter(pk=nprs_request.pk).update(requested_by=None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_one_key_record_once(patient, therapist, instruments):
    request = services.request_create(
        patient=patient, instrument=instruments["lefs"], requested_by=therapist
    )
    key = uuid.uuid4()
    answers = {f"lefs-{n}": 3 for n in range(1, 21)}
    outcomes: list[object] = []
    barrier = threading.Barrier(6)

    def submit() -> None:
        barrier.wait()
        try:
            response, created = services.response_submit(
                actor=Actor(patient=patient), request=request, answers=answers, submission_key=key
            )
            outcomes.append((response.pk, created))
        except Exception as exc:  # any failure is the test's failure, reported below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [pk] = QuestionnaireResponse.objects.values_list("pk", flat=True)
    assert sorted(outcomes, key=str) == [(pk, False)] * 5 + [(pk, True)]
