"""The tools of pyproject's api-tools group, which read the API's schema as an integrator's tools
would: openapi-python-client (generates a client) and openapi-spec-validator (lints the schema,
independently of drf-spectacular, which makes it).

They need pydantic 2 and the FHIR test models pydantic 1, so ./dorsi installs the group apart,
into .venv/api-tools, and the tests run the tools as commands with that folder as their path.
Without it a test that needs one is skipped, saying so; on CI (CI=true) it fails instead, as a
missing service does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import services_required

API_TOOLS = Path(sys.prefix) / "api-tools"


def _missing(module: str) -> str | None:
    if (API_TOOLS / module).is_dir():
        return None
    return (
        f"{module} is not installed in {API_TOOLS} "
        "(./dorsi test installs pyproject's api-tools group there)"
    )


def skip_unless_installed(module: str) -> pytest.MarkDecorator:
    """Skip where the tool is not installed, except on CI, where run_api_tool fails instead."""
    reason = _missing(module)
    return pytest.mark.skipif(
        reason is not None and not services_required(), reason=reason or "installed"
    )


def run_api_tool(module: str, *args: str) -> subprocess.CompletedProcess:
    reason = _missing(module)
    if reason is not None:
        pytest.fail(reason)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env={**os.environ, "PYTHONPATH": str(API_TOOLS)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def write_schema(path: Path) -> Path:
    """The schema /api/v1/schema/ serves (the same for every caller), as a JSON file."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    path.write_text(json.dumps(document, indent=2))
    return path
