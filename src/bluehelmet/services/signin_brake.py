"""The brake on guessing passwords: failed sign-ins counted per key over a sliding window.

A key is an account name or a client address (``name:boss``, ``addr:10.0.0.7``). At
``max_failures`` failures of one key within ``window`` seconds, sign-in is refused until the
oldest of them leaves the window. The failures are kept in the database (``signin_failure``,
as SHA-256 digests of the keys), so every server process over the same database counts the
same failures, and a restart forgets none of them. Each failure also removes those that no
longer count, so the table holds at most the failures of one window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bluehelmet.services.database import Database
from bluehelmet.storage import accounts as store

__all__ = ["MAX_FAILURES", "WINDOW_SECONDS", "SignInBrake"]

# An attempt is counted before its password is checked (``attempt``), in one step among
# concurrent sign-ins: 30 wrong passwords sent at once with a limit of 5 reach the password
# check 5 times, not 19. A right password then forgets the failures of its keys.

MAX_FAILURES = 5
WINDOW_SECONDS = 300
_ACTOR = "signin"  # the transactions write no audit entry; the name is only what a transaction needs


def _now() -> datetime:
    return datetime.now(UTC)


def _digests(keys: tuple[str, ...]) -> list[str]:
    return sorted({hashlib.sha256(key.encode()).hexdigest() for key in keys})


class SignInBrake:
    """Counts failed sign-ins per key in the database of ``db``, over a sliding window."""

    def __init__(
        self,
        db: Database,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.db = db
        self.max_failures = max_failures
        self.window = timedelta(seconds=window)
        self.clock = clock

    def blocked(self, *keys: str) -> bool:
        """Whether any of ``keys`` has had ``max_failures`` failures within the window."""
        if not keys:
            return False
        with self.db.transaction(_ACTOR) as tx:
            counts = store.failure_counts(tx.session, _digests(keys), self.clock() - self.window)
        return any(count >= self.max_failures for count in counts.values())

    def attempt(self, *keys: str) -> bool:
        """Count an attempt for each of ``keys`` as a failure, before its password is checked, and
        say whether it may go on (False: a key already has ``max_failures`` within the window,
        and nothing is counted). Counting and checking are one step among concurrent attempts."""
        now = self.clock()
        with self.db.transaction(_ACTOR) as tx:
            store.serialise_brake(tx.session)
            store.forget_failures_before(tx.session, now - self.window)  # a write first: SQLite's lock
            digests = _digests(keys)
            counts = store.failure_counts(tx.session, digests, now - self.window)
            if any(count >= self.max_failures for count in counts.values()):
                return False
            if digests:
                store.insert_failures(tx.session, digests, now)
            return True

    def failed(self, *keys: str) -> None:
        """Count one failure for each of ``keys``."""
        now = self.clock()
        with self.db.transaction(_ACTOR) as tx:
            store.forget_failures_before(tx.session, now - self.window)
            if keys:
                store.insert_failures(tx.session, _digests(keys), now)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys`` (a right password was given)."""
        if not keys:
            return
        with self.db.transaction(_ACTOR) as tx:
            store.clear_failures(tx.session, _digests(keys))
