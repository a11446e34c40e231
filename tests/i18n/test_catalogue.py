"""The Spanish catalogue is complete, and no template has English left outside it.

- Every entry of locale/es/LC_MESSAGES/django.po has a translation that is not fuzzy, with the
  same placeholders as its English.
- Every string a template marks for translation is in the catalogue (a string added to a
  template without `makemessages` fails here).
- No template, the patient's or the staff's, has bare English: text and the attributes people read
  (alt, title, aria-label, placeholder) outside `{% translate %}` / `{% blocktranslate %}`.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.template import templatize

from tests.i18n.catalogue import Entry, read_catalogue

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"

# Every template: the patient's pages, emails and texts, and the staff pages (issue 20 §2: the
# same mechanism throughout, so a clinic whose LANGUAGE_CODE is es reads its pages in Spanish).
TEMPLATE_NAMES = sorted(
    str(path.relative_to(TEMPLATES))
    for path in TEMPLATES.rglob("*")
    if path.suffix in {".html", ".txt"}
)
# Words that are the same in every language: names and formats.
UNTRANSLATED_WORDS = {"Dorsi", "PDF", "CSV", "FHIR", "ZIP", "QR"}


@pytest.fixture(scope="module")
def catalogue() -> dict[tuple[str | None, str], Entry]:
    return {entry.key: entry for entry in read_catalogue(CATALOGUE)}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]", text))


def test_every_entry_is_translated_and_not_fuzzy(catalogue):
    untranslated = [entry.msgid for entry in catalogue.values() if not entry.translated]
    assert untranslated == []


def test_every_translation_keeps_the_placeholders(catalogue):
    wrong = [
        (entry.msgid, text)
        for entry in catalogue.values()
        for text in entry.msgstr
        if placeholders(text) != placeholders(entry.msgid)
    ]
    assert wrong == []


_STRING = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_CALL = re.compile(rf"\b(n?p?gettext)\(((?:{_STRING}(?:, )?)+)")


def marked_strings(source: str) -> list[tuple[str | None, str]]:
    """(context, msgid) of every string a template marks, as makemessages reads them."""
    found = []
    for function, arguments in _CALL.findall(templatize(source)):
        strings = [ast.literal_eval(s.lstrip("u")) for s in re.findall(_STRING, arguments)]
        context = strings.pop(0) if function.startswith(("pgettext", "npgettext")) else None
        found.append((context, strings[0]))
    return found


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_string_a_template_marks_is_in_the_catalogue(name, catalogue):
    marked = marked_strings((TEMPLATES / name).read_text(encoding="utf-8"))
    missing = [key for key in marked if key not in catalogue]
    assert missing == [], "run manage.py makemessages -l es and translate them"


class _ReadableText(HTMLParser):
    """The text and the attributes a person reads or hears, from an HTML template."""

    ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        self.chunks += [value or "" for name, value in attrs if name in self.ATTRIBUTES]

    def handle_endtag(self, tag) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data) -> None:
        if not self._skip:
            self.chunks.append(data)


def bare_text(source: str, *, html: bool) -> list[str]:
    """What is left for a reader once every template tag, variable, comment and translated
    block is taken out: it should hold no words."""
    source = re.sub(r"{% comment %}.*?{% endcomment %}", " ", source, flags=re.S)
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"{% blocktrans(late)? .*?{% endblocktrans(late)? %}", " ", source, flags=re.S)
    # A block that fills in a class name, not words: {% block body_class %}patient{% endblock %}
    source = re.sub(r"{% block \w+_class %}.*?{% endblock %}", " ", source, flags=re.S)
    source = re.sub(r"{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    if html:
        parser = _ReadableText()
        parser.feed(source)
        chunks = parser.chunks
    else:
        chunks = [source]
    words = []
    for chunk in chunks:
        for word in re.findall(r"[A-Za-z][A-Za-z'\u2019-]+", chunk):
            if word not in UNTRANSLATED_WORDS:
                words.append(word)
    return words


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_a_template_has_no_bare_english(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert bare_text(source, html=not name.endswith(".txt")) == []


def test_the_lint_finds_bare_english():
    assert bare_text("<p>Hello {{ name }}</p>", html=True) == ["Hello"]
    assert bare_text('<img alt="A picture">', html=True) == ["picture"]
    assert bare_text('<p>{% translate "Hello" %}</p>', html=True) == []
    assert bare_text("{% blocktranslate %}Hi {{ x }}{% endblocktranslate %} there", html=False) == [
        "there"
    ]
