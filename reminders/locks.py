"""Sending locks: which worker has a "sending" reminder, known without a timeout.

A row is "sending" from the moment a worker takes it until that worker records the outcome.
Only when that worker is gone may another settle the row (ask the provider, resend or fail
it). A timeout cannot tell: a batch of twenty messages at ten seconds each outlives any
sensible one while its worker is alive and well, and then two workers send the same rows.
So the worker holds a lock on the row for exactly that span, one the system frees when the
worker dies and never while it lives, however slow the provider:
- PostgreSQL: a session-level advisory lock, freed when the worker's database connection
  ends (the process killed, crashed, or its host gone once TCP keepalive notices). It holds
  no transaction open while the provider answers.
- SQLite (the demo): processes sharing the file are on one host, so a byte-range lock on a
  file beside the database, which the kernel frees when the process exits.
The reconciler settles only rows whose lock it can take itself.
"""

import contextlib
import fcntl
import os

from django.db import DatabaseError, connection


class _AdvisoryLocks:
    # The first key names Dorsi's reminders, so no other use of advisory locks collides; ids
    # beyond 2**31 share a second key with a smaller id, which can only delay a row, never
    # let two workers have one.
    NAMESPACE = 0x446F7273

    def take(self, reminder_id: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", [self.NAMESPACE, reminder_id % 2**31]
            )
            return bool(cursor.fetchone()[0])

    def release(self, reminder_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, %s)", [self.NAMESPACE, reminder_id % 2**31]
            )

    def release_many(self, reminder_ids: list[int]) -> None:
        # One statement for a batch; a lock taken twice (two ids sharing a key) is held twice
        # and released twice, as the claim took it.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, (id %% 2147483648)::int) FROM unnest(%s) AS id",
                [self.NAMESPACE, list(reminder_ids)],
            )


class _FileLocks:
    """Byte N of one file is reminder N (POSIX record locks belong to the process)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path  # None: beside the database file
        self._file = None
        self._pid = None

    def _fd(self) -> int:
        if self._pid != os.getpid():  # a forked worker process takes locks of its own
            path = self.path or f"{connection.settings_dict['NAME']}.sending-locks"
            self._file = open(path, "a+b")  # noqa: SIM115 - open for the life of the process
            self._pid = os.getpid()
        return self._file.fileno()

    def take(self, reminder_id: int) -> bool:
        try:
            fcntl.lockf(self._fd(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, reminder_id)
        except OSError:
            return False
        return True

    def release(self, reminder_id: int) -> None:
        fcntl.lockf(self._fd(), fcntl.LOCK_UN, 1, reminder_id)

    def release_many(self, reminder_ids: list[int]) -> None:
        for reminder_id in reminder_ids:
            self.release(reminder_id)


_LOCKS = {"postgresql": _AdvisoryLocks(), "sqlite": _FileLocks()}


def sending_lock_take(reminder_id: int) -> bool:
    """True when this worker now holds the row's lock; False when another worker has it."""
    return _LOCKS[connection.vendor].take(reminder_id)


def sending_lock_release(reminder_id: int) -> None:
    # A connection that is gone has taken its locks with it.
    with contextlib.suppress(DatabaseError):
        _LOCKS[connection.vendor].release(reminder_id)


def sending_lock_release_many(reminder_ids: list[int]) -> None:
    """Release a batch's locks (reminders.sending.reminders_claim takes them in its claim)."""
    with contextlib.suppress(DatabaseError):
        _LOCKS[connection.vendor].release_many(reminder_ids)


def sending_locks_namespace() -> int:
    """The first key of PostgreSQL's advisory locks, for a claim that takes them in SQL."""
    return _AdvisoryLocks.NAMESPACE
