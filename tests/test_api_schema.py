import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_generates_without_warnings(tmp_path, capsys):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yml"))
    schema = (tmp_path / "s.yml").read_text()
    assert "/api/v1/patients/{id}/discharge/" in schema
    assert "tokenAuth" in schema


def test_swagger_ui_is_served_offline_from_our_own_static_files(client, therapist):
    client.force_login(therapist)
    html = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_the_schema_is_served(client):
    response = client.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200


def test_the_schema_declares_the_error_answers_of_each_operation():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths["/api/v1/patients/{id}/"]["patch"]["responses"]) >= {
        "200",
        "400",
        "401",
        "403",
        "404",
    }
    # A list answers 404 for a page beyond its last, and 400 for a bad filter.
    assert {"400", "404"} <= set(paths["/api/v1/appointments/"]["get"]["responses"])
    # Nothing to get wrong in a request without parameters or body.
    assert "400" not in paths["/api/v1/appointment-types/"]["get"]["responses"]
    # An operation's own declaration wins: the booking conflict stays a 409 with its body.
    conflict = paths["/api/v1/appointments/"]["post"]["responses"]["409"]
    assert "AppointmentConflict" in str(conflict)
