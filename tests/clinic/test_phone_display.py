"""Phone numbers as people read them (issue 17 §7): stored in E.164, shown in the clinic's
national format, a foreign number in the international one."""

import pytest

from clinic.services import phone_for_people

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stored", "region", "shown"),
    [
        ("+13125550100", "US", "(312) 555-0100"),
        ("+442079460958", "US", "+44 20 7946 0958"),  # another country: dialled in full
        ("+442079460958", "GB", "020 7946 0958"),
        ("", "US", ""),
        ("not a number", "US", "not a number"),  # shown as stored, never hidden
    ],
)
def test_a_stored_number_is_shown_as_the_clinic_dials_it(stored, region, shown):
    assert phone_for_people(stored, region=region) == shown


def test_staff_pages_show_the_national_format(client_as, patient):
    patient.phone = "+13125550100"
    patient.email = ""
    patient.save()
    client = client_as("therapist")
    for url in (f"/patients/{patient.pk}/", "/patients/"):
        page = client.get(url).content.decode()
        assert "(312) 555-0100" in page, url
        assert "+13125550100" not in page, url
