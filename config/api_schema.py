"""The API's OpenAPI schema: one document for every caller, with the error answers.

The schema is generated as for nobody (SchemaView), so every caller, whatever their role or
credentials, gets the same bytes; an answer some roles get with fewer fields is described with
those fields optional (clinic.serializers.WithholdsFieldsFromSomeRoles), never by a schema of
the caller's own.

drf-spectacular describes only the successful answers; clients (and the API fuzzer in
tests/test_api_fuzz.py) need the refusals too. They follow from how the API is built, so they
are added in one place instead of on each view:

- 401 and 403 wherever authentication is required: every staff role and patients meet a 403
  somewhere (the front desk sees no clinical data, only admins change the library, ...);
- 404 for an operation with an id in its path (unknown, or another clinic's) and for a list
  asked for a page beyond its last;
- 400 for an operation that takes a body, query parameters, or changes something (a service
  refusing, e.g. discharging a discharged patient), naming each offending field;
- 415 for an operation that takes a body, sent as anything but JSON.

An operation that declares one of these itself keeps its own.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"

COMPONENTS = {
    ERROR: {
        "type": "object",
        "description": "A refusal with its reason.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_ERROR: {
        "type": "object",
        "description": (
            "Bad input: each offending field with its reasons, e.g. "
            '`{"date_of_birth": ["The date of birth cannot be in the future."]}`; '
            "nested for nested input (lists by position); `non_field_errors` for a rule "
            "about several fields; `detail` when the body could not be read at all."
        ),
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {}},
                {"type": "object"},
                {"type": "string"},
            ]
        },
    },
}

DESCRIPTIONS = {
    "400": ("Bad input: the fields and the reasons.", VALIDATION_ERROR),
    "401": ("Not signed in: no or an invalid token or session.", ERROR),
    "403": ("Signed in, but the role may not do this.", ERROR),
    "404": ("No such record in your scope, or no such page.", ERROR),
    "415": ("The body is not JSON (Content-Type: application/json).", ERROR),
}

WRITES = {"post", "put", "patch", "delete"}


def _needs_authentication(operation: dict[str, Any], document: dict[str, Any]) -> bool:
    security = operation.get("security", document.get("security", []))
    # An empty requirement ({}) in the list means anonymous callers are let in too.
    return bool(security) and {} not in security


def _statuses(method: str, operation: dict[str, Any], document: dict[str, Any]) -> list[str]:
    parameters = operation.get("parameters", [])
    in_path = any(parameter["in"] == "path" for parameter in parameters)
    in_query = [parameter["name"] for parameter in parameters if parameter["in"] == "query"]
    statuses = []
    if "requestBody" in operation or in_query or method in WRITES:
        statuses.append("400")
    if _needs_authentication(operation, document):
        statuses += ["401", "403"]
    if in_path or "page" in in_query:
        statuses.append("404")
    if "requestBody" in operation:
        statuses.append("415")
    return statuses


def declare_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: the error answers of each operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in COMPONENTS.items():
        schemas.setdefault(name, component)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in _statuses(method, operation, result):
                description, component = DESCRIPTIONS[status]
                operation["responses"].setdefault(
                    status,
                    {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{component}"}
                            }
                        },
                        "description": description,
                    },
                )
    return result


def _null_as_a_type(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _null_as_a_type(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("nullable") is True and isinstance(node.get("type"), str):
        del node["nullable"]
        node["type"] = [node["type"], "null"]
    for value in node.values():
        _null_as_a_type(value)


def declare_nulls_as_json_schema(result: dict[str, Any], generator, request, public):
    """A drf-spectacular postprocessing hook: OpenAPI 3.0's `nullable`, which some schemas
    outside drf-spectacular's control still give (DRF's pagination: `next`, `previous`), as
    OpenAPI 3.1 says it: "null" among the types. 3.1 has no `nullable`; tools ignore it."""
    _null_as_a_type(result)
    return result


class SchemaView(SpectacularAPIView):
    """GET /api/v1/schema/: the schema, the same for every caller."""

    def _get_schema_response(self, request: Request) -> Response:
        # drf-spectacular's own view generates as the caller (each view builds its serializers
        # with the caller's context): as nobody, what a client is generated from cannot depend
        # on who fetched it.
        generator = self.generator_class(urlconf=self.urlconf, patterns=self.patterns)
        return Response(
            data=generator.get_schema(request=None, public=True),
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, None)}"'
            },
        )
