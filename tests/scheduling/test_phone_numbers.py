"""Phone numbers where the front desk phones from: the clinic's national format (issue 17, 7)."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_appointment_page_and_the_due_list_show_the_national_format(client_as, booked, patient):
    patient.phone = "+13125550100"
    patient.save()
    client = client_as("front_desk")
    detail = client.get(f"/appointments/{booked.pk}/").content.decode()
    assert "(312) 555-0100" in detail
    for url in (f"/appointments/{booked.pk}/", "/schedule/due/"):
        assert "+13125550100" not in client.get(url).content.decode(), url
