"""The applied-history table: one row per revision applied, reverted, stamped, baselined or
repaired, beside Alembic's version table (which stays exactly Alembic's, so a database Alembic
manages is still taken over as it is).

Its name follows the version table's (Config.history_table: `yamig_history` beside
`alembic_version`, else `<version_table>_history`), in the same schema, so several projects
sharing a database with their own version tables keep their own histories too.
"""

from __future__ import annotations

import datetime
import getpass
import json
import socket
from typing import Any

import sqlalchemy as sa

DIRECTIONS = ("upgrade", "downgrade", "stamp", "baseline", "repair")
COLUMNS = ("id", "revision", "direction", "checksum", "operations", "started_at", "finished_at",
           "duration_ms", "outcome", "failed_operation", "completed", "undone", "left_behind",
           "yamig_version", "run_by", "reason")


def now() -> datetime.datetime:
    """UTC, without a zone: stored alike on every database (SQLite keeps no zone)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def run_by() -> str:
    """Who ran it: the OS user @ host."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        user = "?"
    return f"{user}@{socket.gethostname()}"


def yamig_version() -> str:
    from runner import __version__

    return __version__


class HistoryTable:
    """The table, and its rows read and written on a connection."""

    def __init__(self, name: str = "yamig_history", schema: str | None = None):
        self.table = sa.Table(
            name, sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("revision", sa.String(255), nullable=False),
            sa.Column("direction", sa.String(16), nullable=False),
            sa.Column("checksum", sa.String(64)),       # runner.revisions.checksum, of today's file
            sa.Column("operations", sa.Text),           # each operation's digest, for the report
            sa.Column("started_at", sa.DateTime, nullable=False),  # UTC
            sa.Column("finished_at", sa.DateTime, nullable=False),
            sa.Column("duration_ms", sa.Integer, nullable=False),
            sa.Column("outcome", sa.String(16), nullable=False),  # success, failed
            sa.Column("failed_operation", sa.Integer),  # index in its section, when it failed
            # where DDL commits itself (runner.runtime.undo), JSON: the indexes of the operations
            # that had run before the failure, those undone (in that order), and what is left
            sa.Column("completed", sa.Text),
            sa.Column("undone", sa.Text),
            sa.Column("left_behind", sa.Text),          # [{operation, name, statements, why}]
            sa.Column("yamig_version", sa.String(32), nullable=False),
            sa.Column("run_by", sa.String(255), nullable=False),  # OS user@host
            sa.Column("reason", sa.Text),               # repair's reason, --allow-changed, ...
            schema=schema,
        )
        self._insert: Any = None
        self._who = run_by()

    @property
    def name(self) -> str:
        return self.table.name

    def exists(self, connection: sa.Connection) -> bool:
        return sa.inspect(connection).has_table(self.table.name, schema=self.table.schema)

    def create(self, connection: sa.Connection) -> None:
        self.table.create(connection, checkfirst=True)

    def rows(self, connection: sa.Connection) -> list[dict[str, Any]]:
        """Every row, oldest first ([] when there is no table)."""
        if not self.exists(connection):
            return []
        result = connection.execute(sa.select(self.table).order_by(self.table.c.id))
        return [dict(row._mapping) for row in result]

    def accepted(self, connection: sa.Connection) -> dict[str, dict[str, Any]]:
        """Per revision, its latest successful row that carries a checksum: what was applied
        (or accepted by repair) last."""
        found: dict[str, dict[str, Any]] = {}
        for row in self.rows(connection):
            if row["outcome"] == "success" and row["checksum"] is not None:
                found[row["revision"]] = row
        return found

    def left_behind(self, connection: sa.Connection) -> dict[str, dict[str, Any]]:
        """Per revision whose latest row is a failure that left operations in the database (DDL
        that commits itself, not undone), that row, `left_behind` read back: nothing has said
        it was dealt with since (repair, stamp, or a run of it)."""
        if not self.exists(connection):
            return {}
        c = self.table.c
        failed = connection.execute(sa.select(c.id, c.revision).where(c.left_behind.is_not(None))).all()
        if not failed:
            return {}
        revisions = {row.revision for row in failed}
        latest = dict(connection.execute(sa.select(c.revision, sa.func.max(c.id))
                                         .where(c.revision.in_(revisions)).group_by(c.revision)).all())
        ids = [row.id for row in failed if latest.get(row.revision) == row.id]
        found = {}
        for row in connection.execute(sa.select(self.table).where(c.id.in_(ids))) if ids else ():
            found[row.revision] = {**row._mapping, "left_behind": json.loads(row.left_behind)}
        return found

    def write(self, connection: sa.Connection, revision: str, direction: str, checksum: Any,
              started: datetime.datetime, outcome: str = "success",
              failed_operation: int | None = None, reason: str | None = None,
              partial: dict[str, Any] | None = None) -> None:
        """One row; `checksum` a runner.revisions.checksum.Checksum, or None; `partial` the
        failure's `completed`, `undone` and `left_behind` (runner.runtime.undo), as JSON."""
        partial = partial or {}
        if self._insert is None:
            self._insert = self.table.insert()
        finished = now()
        connection.execute(self._insert, {
            "revision": revision, "direction": direction,
            "checksum": checksum.value if checksum is not None else None,
            "operations": checksum.operations_text() if checksum is not None else None,
            "started_at": started, "finished_at": finished,
            "duration_ms": max(0, int((finished - started).total_seconds() * 1000)),
            "outcome": outcome, "failed_operation": failed_operation,
            **{key: None if partial.get(key) is None else json.dumps(partial[key])
               for key in ("completed", "undone", "left_behind")},
            "yamig_version": yamig_version(), "run_by": self._who, "reason": reason,
        })
