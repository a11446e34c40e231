"""Checks every FHIR export of Dorsi must pass, shared by the tests that make one.

Two independent validators: `fhir.resources` (R4 4.0.1 pydantic models) and HL7's R4 JSON schema
(tests/fixtures/fhir.schema.json.gz, see tests/fixtures/README.md) with the `jsonschema`
package, draft-06 as the schema declares. And a check no schema makes: every reference
resolves to an entry of the Bundle.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from typing import Any

import fhir.resources
from fhir.resources import get_fhir_model_class
from jsonschema import Draft6Validator, ValidationError

from tests.conftest import ROOT

R4_SCHEMA = ROOT / "tests" / "fixtures" / "fhir.schema.json.gz"
URN_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@cache
def r4_schema() -> dict[str, Any]:
    with gzip.open(R4_SCHEMA, "rt", encoding="utf-8") as file:
        schema = json.load(file)
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    return schema


@cache
def _validator(resource_type: str) -> Draft6Validator:
    """The whole schema, rooted at one resource's definition: the same rules, and an error
    names the element at fault instead of "matches none of the 145 resource types"."""
    schema = r4_schema()
    assert resource_type in schema["discriminator"]["mapping"], resource_type
    return Draft6Validator({**schema, "oneOf": [{"$ref": f"#/definitions/{resource_type}"}]})


def schema_errors(resource: dict[str, Any], where: str = "") -> list[str]:
    """What HL7's R4 JSON schema finds wrong with a resource (a Bundle: with its entries), each
    as "path: message"."""
    return [
        message
        for error in _validator(resource["resourceType"]).iter_errors(resource)
        for message in _explain(error, where)
    ]


def _explain(error: ValidationError, where: str) -> list[str]:
    path = "/".join([*([where] if where else []), *(str(part) for part in error.absolute_path)])
    alternatives = error.validator_value if error.validator == "oneOf" else []
    if len(alternatives) > 1 and isinstance(error.instance, dict):
        # A resource inside another (Bundle.entry.resource) matched none of the 145 resource
        # types: what matters is why it is not the one it says it is.
        return schema_errors(error.instance, path) or [f"{path}: not a resource"]
    if error.context:
        return [message for cause in error.context for message in _explain(cause, where)]
    return [f"{path}: {error.message[:300]}"]


def assert_valid_r4(resource: dict[str, Any]) -> None:
    assert fhir.resources.__fhir_version__ == "4.0.1"
    get_fhir_model_class(resource["resourceType"]).parse_obj(resource)
    assert schema_errors(resource) == []


def references_of(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [ref for value in node.values() for ref in references_of(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references_of(value)]
    return []


def assert_stands_alone(bundle: dict[str, Any]) -> None:
    """A collection Bundle another system can read without asking Dorsi anything: each entry is
    named by a urn:uuid (unique, matching the resource's id) and every reference is one of
    those names. (Dorsi writes no identifier-only references, which would need a display.)"""
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))
    for entry in bundle["entry"]:
        assert URN_UUID.fullmatch(entry["fullUrl"]), entry["fullUrl"]
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        for reference in references_of(entry["resource"]):
            assert reference in full_urls, reference


def by_full_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def resolve(bundle: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    return by_full_url(bundle)[reference["reference"]]


def codings(node: Any) -> list[dict[str, Any]]:
    """Every Coding in a resource or Bundle (anything with a system and a code)."""
    if isinstance(node, dict):
        own = [node] if "system" in node and "code" in node else []
        return own + [c for value in node.values() for c in codings(value)]
    if isinstance(node, list):
        return [c for value in node for c in codings(value)]
    return []


@cache
def documented_codes() -> dict[str, dict[str, str]]:
    """Dorsi's code systems as committed in docs/fhir/: url -> {code: display}."""
    found = {}
    for path in sorted((ROOT / "docs" / "fhir").glob("CodeSystem-*.json")):
        code_system = json.loads(path.read_text())
        found[code_system["url"]] = {c["code"]: c["display"] for c in code_system["concept"]}
    return found


def assert_codes_documented(resource: dict[str, Any]) -> None:
    """Every code the export takes from a Dorsi code system is in its committed CodeSystem,
    with the same display: a receiving system can look up what it means."""
    dorsi = [c for c in codings(resource) if c["system"].startswith("https://dorsi.dev/")]
    assert dorsi
    for coding in dorsi:
        concepts = documented_codes()[coding["system"]]
        assert concepts[coding["code"]] == coding["display"], coding
