"""The structure holds: no project import hides in a function body unless it says why."""

import ast

from tests.conftest import ROOT, project_sources

PROJECT = {path.parts[len(ROOT.parts)] for path in project_sources()}


def _function_body_imports():
    for path in project_sources():
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        lines = text.splitlines()
        for function in ast.walk(ast.parse(text)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.module:
                    module = node.module
                elif isinstance(node, ast.Import):
                    module = node.names[0].name
                else:
                    continue
                if module.split(".")[0] in PROJECT:
                    yield path, node.lineno, lines


def test_every_project_import_in_a_function_body_says_why():
    """An import in a function body is how a cycle is dodged; each one left carries a comment
    ("Imported here: ...") in the lines just above it, saying why it is not one, or which
    move removes it."""
    unexplained = []
    for path, line, lines in _function_body_imports():
        above = lines[max(0, line - 5) : line - 1]
        if not any("# Imported here:" in text for text in above):
            unexplained.append(f"{path.relative_to(ROOT)}:{line}: {lines[line - 1].strip()}")
    assert unexplained == []


def test_the_count_of_function_body_imports_only_goes_down():
    assert len(list(_function_body_imports())) <= 11
