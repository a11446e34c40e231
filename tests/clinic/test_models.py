from datetime import UTC, date, datetime

import pytest

pytestmark = pytest.mark.django_db


def test_the_clinics_day_is_the_date_in_its_own_time_zone(clinic, other_clinic):
    # 03:30 UTC: still the evening before in Chicago, already morning in Berlin.
    moment = datetime(2025, 3, 10, 3, 30, tzinfo=UTC)
    assert clinic.local_today(moment) == date(2025, 3, 9)
    assert other_clinic.local_today(moment) == date(2025, 3, 10)
    assert clinic.local_date(moment) == date(2025, 3, 9)


def test_the_clinics_day_defaults_to_now(clinic):
    assert clinic.local_today() == clinic.local_now().date()
