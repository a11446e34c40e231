"""A provider that files each message under its key: the demo's SMS, and the tests' and
demonstrations' proof of exactly-once delivery."""

import os
from pathlib import Path

from reminders.channels.base import safe_key


class Ledger:
    """One file per delivered message, named by its key; a repeat gets a numbered twin.

    Creating the file is the delivery, atomic on every POSIX file system (O_EXCL), so a crash
    cannot leave a message half-delivered, and duplicates stay countable.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def record(self, key: str, content: str) -> str:
        base = safe_key(key)
        for copy in range(1, 1000):
            path = self.directory / f"{base}.{copy}"
            try:
                descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(content)
            return path.name
        raise RuntimeError(f"{key} delivered a thousand times")

    def lookup(self, key: str) -> str | None:
        path = self.directory / f"{safe_key(key)}.1"
        return path.name if path.exists() else None

    def deliveries(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for path in self.directory.iterdir():
            name, _, _copy = path.name.rpartition(".")
            counts[name] = counts.get(name, 0) + 1
        return counts
