"""The structure holds: no project import hides in a function body unless it says why."""

import ast
import re

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
    # 12: reports/apps.py's ready() (issue 18) fills scheduling's due-list hook, as
    # dashboard/apps.py fills the core's hooks (one import: summaries.dashboard_listen): the
    # app registry is ready only then.
    assert len(list(_function_body_imports())) <= 12


def _readme_code_map() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## How the code is organised") :]
    return section[: section.index("**Where is the rule?**")]


def test_the_readme_code_map_names_every_app_and_module():
    """A newcomer finds every module in the map: each app folder is named, and each module
    by its file name (or its folder, for a package such as channels/ or templatetags/).
    Migrations, package markers and AppConfigs need no line."""
    code_map = _readme_code_map()
    missing = []
    for path in project_sources():
        relative = path.relative_to(ROOT)
        app = relative.parts[0]
        if f"{app}/" not in code_map:
            missing.append(f"{app}/")
        if "migrations" in relative.parts or path.name in {"__init__.py", "apps.py"}:
            continue
        if "management" in relative.parts:
            continue  # commands are named by what they do (seed_demo, bench_data, ...)
        names = {path.name, path.stem + ".py"}
        if len(relative.parts) > 2:
            names.add(f"{relative.parts[1]}/")  # a package in the app: named as a folder
        if not any(name in code_map for name in names):
            missing.append(str(relative))
    assert sorted(set(missing)) == []


def test_no_template_gives_a_list_the_alert_role():
    """A <ul role="alert"> is no longer a list to a screen reader (axe-core: list, listitem):
    an alert wraps its list instead, <div role="alert"><ul>…</ul></div> (issue 17 §13)."""
    broken = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(r"<(ul|ol)\b[^>]*\brole=\"alert\"", path.read_text())
    ]
    assert broken == []
