import importlib
from datetime import date

import factory

from clinic.models import Clinic, Patient, Role, User
from questionnaires.models import Instrument

TEST_PASSWORD = "correct-horse-battery-staple"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "Europe/Berlin"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    # Deterministic names: tests look for patients' names in pages, which also show staff names.
    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = "Staff"
    last_name = factory.Sequence(lambda n: f"Member{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@clinic.example")
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.THERAPIST
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Sequence(lambda n: f"Given{n}")
    last_name = factory.Sequence(lambda n: f"Family{n}")
    date_of_birth = date(1980, 5, 17)
    email = factory.Sequence(lambda n: f"patient{n}@mail.example")
    phone = "+4930123456"
    primary_therapist = None


def local_days_ago(clinic, days: float):
    """Now, `days` of the clinic's local calendar ago at the same wall-clock time (fractions of
    a day as hours)."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    now = timezone.now()
    whole = int(days)
    if whole == 0:
        return now - timedelta(days=days)
    local_now = timezone.localtime(now, clinic.zone)
    then = datetime.combine(local_now.date() - timedelta(days=whole), local_now.time())
    return timezone.make_aware(then, clinic.zone) - timedelta(days=days - whole)


def record_knee_to_wall(
    patient,
    therapist,
    *,
    left: str | None = "10",
    right: str | None = "10",
    unit: str = "cm",
    days_ago: float = 0,
    **extra,
):
    """A clinic knee-to-wall test through the real service; None for a side: could not reach.
    `days_ago` whole days are the clinic's local days: the test's local date is that many days
    before the clinic's today whatever the hour and a daylight-saving change between (24-hour
    days ago read as a day less across the autumn change in the hour after local midnight)."""
    from assessments import services

    data = {
        "measured_at": local_days_ago(patient.clinic, days_ago),
        "left_reached": left is not None,
        "left_distance": left,
        "right_reached": right is not None,
        "right_distance": right,
        **extra,
    }
    return services.assessment_record(
        patient=patient, measured_by=therapist, recorded_by=therapist, unit=unit, data=data
    )


def licensed_items(count: int, *, low: int = 0, high: int = 5) -> list[dict]:
    """Items shaped like a licensed instrument's, with placeholder text: Dorsi ships none of
    its wording, and neither do the tests."""
    return [
        {
            "id": f"section-{number}",
            "text": f"Section {number}",
            "options": [
                {"value": value, "label": f"Statement {value}"} for value in range(low, high + 1)
            ],
        }
        for number in range(1, count + 1)
    ]


class LicensedInstrumentFactory(factory.django.DjangoModelFactory):
    """A clinic's own licensed instrument, shaped like the Oswestry Disability Index: ten items
    scored 0–5, the percentage of the points possible on the answered items, lower is better,
    10 points or 30 % (Ostelo 2008)."""

    class Meta:
        model = "questionnaires.Instrument"

    clinic = factory.SubFactory(ClinicFactory)
    slug = factory.Sequence(lambda n: f"licensed-{n}")
    version = "1"
    name = "Licensed disability index"
    short_name = "Licensed"
    measures = "Disability from low-back pain."
    domain = "function"
    instructions = "Choose the statement that fits you best in each section."
    items = factory.LazyFunction(lambda: licensed_items(10))
    scoring_method = "percent_of_max"
    score_min = 0
    score_max = 100
    better = "lower"
    missing_items_allowed = 1
    mcid_rule = "either"
    mcid_absolute = 10
    mcid_relative_percent = 30
    mcid_source = "Ostelo 2008"
    source = "The licence holder's published version."
    licence_terms = "Licensed to this clinic by its owner; not for redistribution."


def shipped_instruments_seed() -> None:
    """The instruments Dorsi ships, as its migrations leave them: the rows of
    0002_shipped_instruments with the domains of 0004_instrument_domain. Idempotent; for the
    tests that run after a transactional test flushed every table."""
    rows = importlib.import_module("questionnaires.migrations.0002_shipped_instruments")
    domains = importlib.import_module("questionnaires.migrations.0004_instrument_domain")
    for data in rows.INSTRUMENTS:
        values = dict(data)
        slug = values.pop("slug")
        Instrument.objects.update_or_create(
            clinic=None,
            slug=slug,
            version=values.pop("version"),
            defaults={**values, "domain": domains.SHIPPED_DOMAINS[slug]},
        )
