import pytest

from questionnaires.models import Instrument
from tests.factories import shipped_instruments_seed


@pytest.fixture
def instruments(db) -> dict[str, Instrument]:
    """The instruments Dorsi ships, by slug, from the data migration.

    Transactional tests flush every table after they run, so tests that need the migration's
    rows ask for them here (the function is idempotent).
    """
    shipped_instruments_seed()
    return {instrument.slug: instrument for instrument in Instrument.objects.filter(clinic=None)}
