"""What the applied history says about today's files: a revision applied, then edited.

Each applied revision (the version rows and their ancestors) is compared with its latest
successful row in the history table (runner.runtime.history): a checksum that differs means
the file changed after it ran, and `upgrade`/`downgrade`/`current --check` refuse, naming the
first changed operation. `--allow-changed` runs anyway (the rows say so), `repair` accepts
today's files. A database taken over without the table (Alembic-managed, or an older yamig)
gets a `baseline` row per applied revision at the first run, with today's checksum: from then
on every applied revision has one to be compared with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner.errors import MigrationError, RevisionsChanged
from runner.revisions.checksum import Checksum, checksum, first_change
from runner.runtime.history import HistoryTable, now
from runner.runtime.transactions import transaction


@dataclass
class Changed:
    """An applied revision whose operations differ from those it was applied with."""

    revision: Any   # runner.revisions.revision.Revision
    location: str   # file:line:column of its first changed operation
    applied: dict   # its latest successful history row


class AppliedHistory:
    """The history table of one run, with the graph whose files it is compared with."""

    def __init__(self, config: Any, graph: Any, allow_changed: bool = False) -> None:
        self.table = HistoryTable(config.history_table, config.version_table_schema)
        self.graph = graph
        self.allow_changed = allow_changed
        self.reason: str | None = None  # said on every row of this run (--allow-changed)
        self.dealt_with: list[str] = []  # repair: revisions whose failure's leftovers it cleared
        self._checksums: dict[str, Checksum] = {}
        self.squashed: list[str] = []  # applied revisions whose file a squash rewrote: accepted

    def checksum(self, rev_id: str) -> Checksum:
        found = self._checksums.get(rev_id)
        if found is None:
            found = self._checksums[rev_id] = checksum(self.graph.revisions[rev_id])
        return found

    def applied(self, rows: tuple[str, ...]) -> list[str]:
        """The revisions the version rows mean are applied, oldest first (rows no file defines
        are left to the command's own refusal)."""
        known = [self.graph.nodes[row] for row in rows if row in self.graph.nodes]
        ids = self.graph.ancestors(known) if known else set()
        return [rev_id for rev_id in self.graph.order if rev_id in ids]

    # -- at the start of a run, under the lock -----------------------------------------------
    def prepare(self, connection: Any, current: tuple[str, ...], caller_transaction: bool = False,
                check: bool = True) -> None:
        """Make the table (a `baseline` row per applied revision when it is new), then refuse
        the run (`check`) when an applied revision changed, unless allow_changed. What is read
        is read outside a transaction unless the caller holds one (as the version rows are)."""
        exists = self.table.exists(connection)
        _end_read(connection, caller_transaction)
        if not exists:
            with transaction(connection):
                self.table.create(connection)
                started = now()
                for rev_id in self.applied(current):
                    self.table.write(connection, rev_id, "baseline", self.checksum(rev_id), started,
                                     reason="taken over: the database had no history table")
        if not check:
            return
        changed = self.changed(connection, current)
        _end_read(connection, caller_transaction)
        if self.squashed:
            with transaction(connection):
                started = now()
                for rev_id in self.squashed:
                    replaced = ", ".join(self.graph.revisions[rev_id].squashes)
                    self.table.write(connection, rev_id, "baseline", self.checksum(rev_id), started,
                                     reason=f"squashed: its file replaces {replaced} (yamig squash)")
        if not changed:
            return
        if not self.allow_changed:
            raise refusal(changed)
        self.reason = "--allow-changed: " + ", ".join(c.revision.revision for c in changed) + " changed"

    def changed(self, connection: Any, current: tuple[str, ...]) -> list[Changed]:
        """Applied revisions whose checksum differs from their latest successful row."""
        accepted = self.table.accepted(connection)
        found = []
        for rev_id in self.applied(current):
            row = accepted.get(rev_id)
            if row is None:
                continue
            now_sum = self.checksum(rev_id)
            if row["checksum"] != now_sum.value:
                revision = self.graph.revisions[rev_id]
                if revision.squashes:  # the squash rewrote it on purpose: the schema is the same
                    self.squashed.append(rev_id)
                    continue
                found.append(Changed(revision, first_change(revision, row["operations"], now_sum), row))
        return found

    # -- as the run goes ---------------------------------------------------------------------
    def step(self, connection: Any, step: Any, started: Any, outcome: str = "success",
             failed_operation: int | None = None, partial: dict | None = None) -> None:
        """The row of a step that ran (upgrade or downgrade); `partial`: what a failure where DDL
        commits itself completed, undid and left (runner.runtime.undo.Undo.record)."""
        rev_id = step.revision.revision
        self.table.write(connection, rev_id, "upgrade" if step.is_upgrade else "downgrade",
                         self.checksum(rev_id), started, outcome, failed_operation, self.reason,
                         partial)

    def refuse_left_behind(self, connection: Any, steps: list, caller_transaction: bool = False) -> None:
        """Refuse a run with a step of a revision whose failure left operations in the database
        that could not be undone, until `repair` says they were dealt with: running it again
        would fail on them, or run its operations twice."""
        left = self.table.left_behind(connection)
        _end_read(connection, caller_transaction)
        for step in steps:
            row = left.get(step.revision.revision)
            if row is not None:
                raise left_behind_refusal(row)

    def stamped(self, connection: Any, before: tuple[str, ...], after: tuple[str, ...],
                started: Any) -> None:
        """A `stamp` row per revision the stamp marked applied (with its checksum) or no longer
        applied (without one)."""
        was, now_applied = self.applied(before), self.applied(after)
        for rev_id in now_applied:
            if rev_id not in was:
                self.table.write(connection, rev_id, "stamp", self.checksum(rev_id), started)
        for rev_id in reversed(was):
            if rev_id not in now_applied:
                self.table.write(connection, rev_id, "stamp", None, started,
                                 reason="stamped below: no longer applied")

    def repair(self, connection: Any, rev_id: str, reason: str | None) -> None:
        """Accept today's file of `rev_id`: its checksum becomes the one compared with, and what
        a failure of it left behind counts as dealt with (the row is its latest)."""
        self.table.write(connection, rev_id, "repair", self.checksum(rev_id), now(), reason=reason)


def _end_read(connection: Any, caller_transaction: bool) -> None:
    """End the transaction SQLAlchemy began for a read, so the run's own begins afresh."""
    if not caller_transaction and connection.in_transaction():
        connection.commit()


def refusal(changed: list[Changed]) -> RevisionsChanged:
    """The error listing each changed revision at its first changed operation."""
    lines = [f"  {c.location}: {c.revision.revision} ({_when(c.applied)})" for c in changed]
    count = len(changed)
    return RevisionsChanged(
        f"{count} applied revision{'s' if count > 1 else ''} changed since "
        f"{'they were' if count > 1 else 'it was'} applied:\n" + "\n".join(lines),
        hint="undo the edit (write a new revision for a new change), or accept today's files "
             "with `yamig repair --reason ...`; --allow-changed runs this once anyway")


def left_behind_refusal(row: dict) -> MigrationError:
    """The error naming the revision, what its failure left in the database, and repair."""
    rev_id = row["revision"]
    lines = [f"  operation {item['operation'] + 1}, {item['name']}: {item['why']}"
             + "".join(f"\n      {statement}" for statement in item["statements"])
             for item in row["left_behind"]]
    return MigrationError(
        f"revision {rev_id} failed on this database (its {row['direction']} at {_at(row)} UTC) "
        "and left operations that could not be undone:\n" + "\n".join(lines),
        hint=f"undo them by hand (or finish the revision by hand and `yamig stamp {rev_id}`), then "
             f"say so with `yamig repair {rev_id} --reason ...`; until then runs of {rev_id} are refused")


def _when(row: dict) -> str:
    return f"checksum of its {row['direction']} at {_at(row)} UTC"


def _at(row: dict) -> str:
    started = row["started_at"]
    return started.strftime("%Y-%m-%d %H:%M:%S") if hasattr(started, "strftime") else str(started)
