"""Waiting for a run's lock, the same on every database: try, say who holds it after a short
delay, give up after `lock_timeout` with a message that names the holder and says what to do.

The dialects poll a try-lock instead of blocking on the database: a PostgreSQL session that
blocks in `pg_advisory_lock` holds a snapshot, and the holder's CREATE INDEX CONCURRENTLY then
waits for it, a deadlock. Between tries the waiter is idle in no transaction. SQLite's lock is
a file beside the database (LockFile), flock'ed, so the OS releases it when a runner dies.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from runner.config import DEFAULT_LOCK_TIMEOUT
from runner.errors import MigrationError

log = logging.getLogger("runner")

REPORT_AFTER = 2.0  # seconds a runner waits quietly before it says who holds the lock
POLL = 0.1  # seconds between tries, with some jitter so that waiters do not march in step


def wait_for(take: Callable[[], bool], holder: Callable[[], str], what: str,
             timeout: float = DEFAULT_LOCK_TIMEOUT, hint: str = "") -> None:
    """Call `take` until it returns True; `holder()` describes who holds the lock on `what`.
    After `timeout` seconds raise MigrationError: nothing has run then."""
    start = time.monotonic()
    reported = False
    while not take():
        waited = time.monotonic() - start
        if waited >= timeout:
            raise MigrationError(
                f"gave up waiting for the lock on {what} after {timeout:g} s: it is held by "
                f"{holder()}",
                hint="nothing was run. Another run is migrating this database: let it finish and "
                     f"run the command again, or raise lock_timeout in the config{hint}")
        if not reported and waited >= REPORT_AFTER:
            log.warning("waiting for the lock on %s, held by %s (lock_timeout = %g s)",
                        what, holder(), timeout)
            reported = True
        time.sleep(min(POLL * random.uniform(0.5, 1.5), max(timeout - waited, 0.0)))


def since(moment: datetime) -> str:
    """`since 12:00:01 (42 s ago)`: when a holder took the lock, in local time."""
    now = datetime.now(timezone.utc)
    ago = max((now - moment).total_seconds(), 0.0)
    return f"since {moment.astimezone().isoformat(timespec='seconds')} ({ago:.0f} s ago)"


class LockFile:
    """An exclusive flock on `path`, which says who holds it (pid, user, host, since).

    The holder removes the file when it lets go; a runner that locked a file another has
    removed meanwhile (its inode is no longer at `path`) tries again on the new one.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    def take(self) -> bool:
        """Try once; True when this process holds the lock now."""
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise MigrationError(f"cannot create the lock file {self.path}: {err.strerror}",
                                 hint="yamig locks a SQLite database with a file beside it: "
                                      "the folder must be writable, as for SQLite's journal") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        try:
            same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the previous holder removed it between our open and our flock
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_who()).encode())
        self.fd = fd
        return True

    def holder(self) -> str:
        """What the holder wrote (it may be writing it still: then less is known)."""
        try:
            with open(self.path, encoding="utf-8") as f:
                who = json.load(f)
            moment = datetime.fromisoformat(who["since"])
            return f"pid {who['pid']} of {who['user']} on {who['host']}, {since(moment)}"
        except (OSError, ValueError, KeyError, TypeError):
            return f"another process (see {self.path})"

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self.fd)  # closing lets the flock go
        self.fd = None


def _who() -> dict[str, Any]:
    try:
        import getpass

        user = getpass.getuser()
    except (ImportError, KeyError, OSError):
        user = "?"
    return {"pid": os.getpid(), "user": user, "host": socket.gethostname(),
            "since": datetime.now(timezone.utc).isoformat()}
