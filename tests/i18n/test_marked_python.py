"""The words Python code puts in front of a person are marked for translation (issue 20 §2: staff
pages and patient pages use the same mechanism).

A static check over the apps' source, so a new form label, message or validation error in plain
English fails here rather than in front of a Spanish-speaking clinic:

- the message of a `ValidationError` (forms, models or DRF), also inside a dict or list of them,
  and of a `PermissionDenied` (the 403 page and the API's refusal show it);
- the text of `messages.success(request, ...)` and its siblings;
- `label=`, `help_text=`, `verbose_name=`, `verbose_name_plural=`, `empty_label=` and the values
  of `error_messages={...}`;
- the labels of `TextChoices` / `IntegerChoices` members.

A plain string literal or an f-string there is a finding; `_("...")`, `gettext(...)` and the
lazy forms are not (nor a name, which is marked where it is defined). Log lines, management
commands and migrations are not read: no one reads those in the clinic's language. Nor are the
`help_text`s and labels of the API's serializers: they document the API for the developers who
integrate with it (OpenAPI, in English like the code), while the API's validation errors, which
a patient's phone shows, are checked there too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = [
    "accounts",
    "assessments",
    "audit",
    "clinic",
    "config",
    "dashboard",
    "exercises",
    "neural",
    "questionnaires",
    "records",
    "reminders",
    "reports",
    "scheduling",
]
TEXT_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"}
API_DOCUMENTATION = {"serializers.py", "api.py"}
MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error", "add_message"}


def _is_words(node: ast.AST) -> bool:
    """A literal a person would read: a string with letters in it, or an f-string."""
    if isinstance(node, ast.JoinedStr):
        return True
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any(c.isalpha() for c in node.value)
    )


def _literals(node: ast.AST) -> list[ast.AST]:
    """The unmarked literals in a message value: itself, or inside the dict values, lists and
    tuples a ValidationError accepts (dict keys are field names, not words)."""
    if _is_words(node):
        return [node]
    if isinstance(node, ast.Dict):
        return [found for value in node.values for found in _literals(value)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [found for element in node.elts for found in _literals(element)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        right = _literals(node.right) if isinstance(node.op, ast.Add) else []
        return _literals(node.left) + right
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # "...".format(...) and " ".join(...) on a literal
        return _literals(node.func.value)
    return []


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


class _Finder(ast.NodeVisitor):
    def __init__(self, *, api_documentation: bool = False) -> None:
        self.found: list[tuple[int, str]] = []
        self.api_documentation = api_documentation

    def _add(self, nodes: list[ast.AST], what: str) -> None:
        self.found += [(node.lineno, what) for node in nodes]

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if (name.endswith("ValidationError") or name == "PermissionDenied") and node.args:
            self._add(_literals(node.args[0]), name)
        if (
            name in MESSAGE_LEVELS
            and isinstance(node.func, ast.Attribute)
            and _name(node.func.value) == "messages"
        ):
            text = node.args[2] if name == "add_message" else node.args[1]
            self._add(_literals(text), f"messages.{name}")
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS and not self.api_documentation:
                self._add(_literals(keyword.value), f"{keyword.arg}=")
            elif keyword.arg == "error_messages" and isinstance(keyword.value, ast.Dict):
                self._add(_literals(keyword.value), "error_messages=")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        # A ModelForm's Meta: labels = {...}, help_texts = {...}, error_messages = {...}
        names = {target.id for target in node.targets if isinstance(target, ast.Name)}
        if names & {"labels", "help_texts", "error_messages"} and isinstance(node.value, ast.Dict):
            self._add(_literals(node.value), f"Meta.{sorted(names)[0]}")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if any(_name(base) in {"TextChoices", "IntegerChoices", "Choices"} for base in node.bases):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    self._add(_literals(statement.value.elts[-1]), "choice label")
        self.generic_visit(node)


def unmarked(source: str, *, api_documentation: bool = False) -> list[tuple[int, str]]:
    finder = _Finder(api_documentation=api_documentation)
    finder.visit(ast.parse(source))
    return sorted(finder.found)


def _sources() -> list[Path]:
    paths = []
    for app in APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            parts = path.relative_to(BASE).parts
            if "migrations" in parts or "management" in parts:
                continue
            paths.append(path)
    return paths


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(BASE)))
def test_the_words_python_shows_a_person_are_marked_for_translation(path):
    found = unmarked(
        path.read_text(encoding="utf-8"), api_documentation=path.name in API_DOCUMENTATION
    )
    assert found == [], "wrap them in gettext (or gettext_lazy where defined at import)"


def test_the_check_finds_unmarked_words():
    source = """
from django.utils.translation import gettext as _
class Kind(models.TextChoices):
    ONE = "one", "One"
    TWO = "two", _("Two")
def f(request, form, name):
    raise ValidationError({"name": ["Too long."]})
    raise ValidationError(_("Fine."))
    messages.success(request, f"{name} saved.")
    messages.success(request, _("%(name)s saved.") % {"name": name})
    forms.CharField(label="Name", help_text=_("Fine"))
    forms.CharField(error_messages={"required": "Say it."})
    raise ValidationError("Too %s." % name)
    raise PermissionDenied("Staff only.")
class Meta:
    help_texts = {"goals": "What the patient wants."}
"""
    assert unmarked(source) == [
        (4, "choice label"),
        (7, "ValidationError"),
        (9, "messages.success"),
        (11, "label="),
        (12, "error_messages="),
        (13, "ValidationError"),
        (14, "PermissionDenied"),
        (16, "Meta.help_texts"),
    ]


def _widgets_without_format(source: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and _name(node.func) in {"DateInput", "DateTimeInput", "TimeInput"}
        and not any(keyword.arg == "format" for keyword in node.keywords)
    ]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(BASE)))
def test_date_and_time_inputs_write_the_format_the_browser_reads(path):
    """An <input type="date"> reads only 2026-12-01: with the reader's format (01/12/2026 in
    Spanish) the browser shows the field empty and a required date cannot be saved."""
    assert _widgets_without_format(path.read_text(encoding="utf-8")) == []
