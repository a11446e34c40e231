import importlib

import pytest
from django.apps import apps

from questionnaires.models import Instrument


@pytest.fixture
def instruments(db) -> dict[str, Instrument]:
    """The instruments Dorsi ships, by slug, from the data migration.

    Transactional tests flush every table after they run, so tests that need the migration's
    rows ask for them here (the function is idempotent).
    """
    importlib.import_module("questionnaires.migrations.0002_shipped_instruments").seed(apps, None)
    return {instrument.slug: instrument for instrument in Instrument.objects.filter(clinic=None)}
