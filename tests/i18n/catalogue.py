"""A reader for gettext catalogues (.po), enough for the translation tests: each entry's
context, msgid, plural, translations and flags. No third-party parser: the format is small."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return "fuzzy" not in self.flags and bool(self.msgstr) and all(self.msgstr)


def read_catalogue(path: Path) -> list[Entry]:
    """The entries of a .po file, the header (empty msgid) left out."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    references: list[str] = []
    current: str | None = None

    def finish() -> None:
        nonlocal fields, flags, references, current
        if fields.get("msgid"):
            strings = [fields[k] for k in sorted(fields) if k.startswith("msgstr")]
            entries.append(
                Entry(
                    msgid=fields["msgid"],
                    msgctxt=fields.get("msgctxt"),
                    msgid_plural=fields.get("msgid_plural"),
                    msgstr=strings,
                    flags=flags,
                    references=references,
                )
            )
        fields, flags, references, current = {}, set(), [], None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#:"):
            references += line[2:].split()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            fields[current] += ast.literal_eval(line)
        else:
            keyword, _, value = line.partition(" ")
            if keyword in fields and not keyword.startswith("msgstr"):
                finish()  # a new entry without a blank line before it
            current = keyword
            fields[current] = ast.literal_eval(value)
    finish()
    return entries
