"""Words looked up by a code (a standing, a change's class, a method), in the reader's language.

The words are marked with gettext_lazy where they are defined (module level, before any
language is active); a lookup returns them as plain `str` in the language active at that
moment, so they go into JSON (a report's facts, FHIR, the API) like any other string."""

from __future__ import annotations

from typing import Any


class Labels(dict):
    def __getitem__(self, key: Any) -> str:
        return str(super().__getitem__(key))

    def get(self, key: Any, default: Any = None) -> Any:
        value = super().get(key, default)
        return str(value) if value is not None else None
