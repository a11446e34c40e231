"""The JavaScript unit tests (tests/js/*.test.mjs) run with node's own test runner, inside
the one test command: `node --test tests/js/`, no npm packages."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import services_required

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def node_path() -> str | None:
    return shutil.which("node") or ("/usr/bin/node" if Path("/usr/bin/node").exists() else None)


def test_the_javascript_unit_tests_pass_under_node():
    node = node_path()
    if node is None:
        if services_required():
            pytest.fail("CI runs the JavaScript unit tests, and node is missing (nodejs)")
        pytest.skip("node is not installed: the JavaScript unit tests were not run")
    result = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"
    # A runner that found no file would pass with nothing run.
    assert "# fail 0" in result.stdout
    assert "# pass 0" not in result.stdout
