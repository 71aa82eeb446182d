"""Undoing what a failed revision ran where DDL commits itself (MySQL, MariaDB).

There a rollback undoes no DDL: each statement committed itself, so the operations of the
revision before the failing one stay, while the version table (written only once every
operation has run) still records the previous revision. The operations that completed are
undone with their derived reverses, as a derived downgrade's, each computed against the schema
just before it (the revisions replayed up to the step's start, then the step's earlier
operations) and run in reverse order, so the database is back where its version table says.
What cannot be undone (an operation without a reverse, one that deleted data, a failing op
that ran only some of its statements, an undo that fails) stops the undoing there; it and
what ran before it are said statement by statement and kept in the applied history's row,
which refuses the revision until `yamig repair` says it was dealt with. No peer undoes:
Flyway marks the migration failed and asks for repair; Liquibase leaves it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from runner.errors import MigrationError
from runner.revisions.replay import state_at
from runner.runtime.online import OnlineContext
from runner.runtime.transactions import transaction

log = logging.getLogger("runner")


@dataclass
class Ran:
    """An operation of the failed step that ran statements before the failure."""

    index: int        # in the step's operations, from 0 (the history's failed_operation too)
    op: Any
    statements: list  # as executed
    whole: bool       # False: the failing operation, which ran only these of its statements


@dataclass
class Undo:
    """What happened to the operations of a failed step that had run (`completed`)."""

    step: Any
    rows_before: tuple[str, ...]
    failed_index: int | None
    completed: list[Ran]
    undone: list[Ran] = field(default_factory=list)           # in the order undone
    left: list[tuple[Ran, str]] = field(default_factory=list)  # (what ran, why it stays)
    sql: Any = None  # the dialect, to show statements with

    @property
    def revision(self) -> str:
        return self.step.revision.revision

    def record(self) -> dict[str, Any]:
        """The history row's `completed`, `undone` and `left_behind` (left_behind None when
        nothing is left: that is what refuses the revision until repair)."""
        return {
            "completed": [ran.index for ran in self.completed if ran.whole],
            "undone": [ran.index for ran in self.undone],
            "left_behind": [{"operation": ran.index, "name": describe(ran.op), "why": why,
                             "statements": self.texts(ran)} for ran, why in self.left] or None,
        }

    def texts(self, ran: Ran) -> list[str]:
        return [sql_text(statement, self.sql) for statement in ran.statements]

    def hint(self) -> str:
        """What the database is at now, for the failure's hint."""
        rev_id, at = self.revision, ", ".join(self.rows_before) or "base"
        commits = "DDL commits itself on this database"
        if not self.left:
            done = [ran.index + 1 for ran in self.undone if ran.statements]
            if not done:
                return (f"{commits}, but nothing of {rev_id} had run before it: the database and its "
                        f"version table are at {at}. Fix the revision and run the command again")
            return (f"{commits}: the completed operation{'s' if len(done) > 1 else ''} "
                    f"{_span(sorted(done))} of {rev_id} {'were' if len(done) > 1 else 'was'} undone; "
                    f"the database is at {at}, as its version table says. Fix the revision and "
                    "run the command again")
        lines = []
        for ran, why in sorted(self.left, key=lambda item: item[0].index):
            lines.append(f"operation {ran.index + 1}, {describe(ran.op)}: {why}; it ran: "
                         + "; ".join(self.texts(ran)))
        undone = [ran.index + 1 for ran in self.undone if ran.statements]
        also = (f" (operation{'s' if len(undone) > 1 else ''} {_span(sorted(undone))} "
                f"{'were' if len(undone) > 1 else 'was'} undone)" if undone else "")
        return (f"{commits}, and what ran of {rev_id} could not all be undone{also}. Left in the "
                f"database: " + " | ".join(lines) + f". The version table records {at}. Undo these "
                f"by hand (or finish {rev_id} by hand and `yamig stamp {rev_id}`), then `yamig repair "
                f"{rev_id} --reason ...`: until then runs of {rev_id} are refused")


def undo_failed(connection: Any, context: OnlineContext, ops: list, graph: Any) -> Undo | None:
    """Undo what the step that failed in `context` (a run's OnlineContext) ran, `ops` its
    operations in order; None where a rollback undid it (transactional DDL), or no step was
    running. Logs each operation undone."""
    step = context.step
    if step is None or context.rollback_undoes_ddl:
        return None
    index_of = {id(op): i for i, op in enumerate(ops)}
    completed = [Ran(index_of[id(op)], op, statements, True)
                 for group, statements in context.completed for op in group if id(op) in index_of]
    if context.failed is not None:  # a statement failed
        failed_index: int | None = index_of.get(id(context.failed[1]))
    else:  # the operation's ddl() refused before it ran anything
        failed_index = len(completed) if len(completed) < len(ops) else None
    if context.ran and failed_index is not None:  # the failing operation ran part of its statements
        completed.append(Ran(failed_index, ops[failed_index], list(context.ran), False))
    result = Undo(step, context.rows_before, failed_index, completed, sql=connection.dialect)
    if graph is None:
        result.left = [(ran, "no revisions to derive its reverse from") for ran in completed
                       if ran.statements]
        return result
    reverses = _reverses(graph, context.rows_before, completed)
    undoing = OnlineContext(connection, graph=graph, current=context.rows_before, config=context.config)
    undoing.applied([ran.op for ran in completed])  # the schema as it is now, for defined_table
    for position in range(len(completed) - 1, -1, -1):
        ran, reverse = completed[position], reverses[position]
        if not ran.statements:  # it emitted nothing here (e.g. an execute for another dialect)
            result.undone.append(ran)
            continue
        why = reverse if isinstance(reverse, str) else _run(connection, undoing, reverse)
        if why is not None:
            result.left.append((ran, why))
            result.left += [(before, f"not undone: operation {ran.index + 1}, after it, could not be")
                            for before in completed[:position] if before.statements]
            break
        log.warning("undid %s (revision %s, operation %d)", describe(ran.op), result.revision,
                    ran.index + 1)
        result.undone.append(ran)
    return result


def _reverses(graph: Any, rows_before: tuple[str, ...], completed: list[Ran]) -> list:
    """Each operation's reverse, against the state just before it; a str says why there is none."""
    state = state_at(graph, rows_before)
    found: list = []
    for ran in completed:
        if not ran.whole:
            found.append("it failed after only some of its statements ran, which its reverse "
                         "does not undo exactly")
        elif ran.op.deletes_data:
            found.append("its data is gone: re-creating the structure would not bring it back")
        else:
            try:
                found.append(ran.op.reverse(state))
            except MigrationError as err:
                found.append(err.message)
        ran.op.state_forwards(state)
    return found


def _run(connection: Any, context: OnlineContext, reverse: list) -> str | None:
    """Run one operation's reverse; None when it ran, else why it failed (and what it ran)."""
    def failed(group: list, err: Exception) -> Exception:
        return err

    context.ran, start = [], len(context.completed)
    try:
        with transaction(connection):
            context.run(reverse, failed)
    except (*context.failures, MigrationError) as err:
        message = getattr(err, "orig", None) or err
        text = (str(message).strip().splitlines() or [type(err).__name__])[0]
        ran = [s for _, statements in context.completed[start:] for s in statements] + context.ran
        return f"its undo failed: {text}" + (
            "; the undo ran " + "; ".join(sql_text(s, connection.dialect) for s in ran) if ran else "")
    return None


def describe(op: Any) -> str:
    """The operation and what it works on: `add_column account.phone`, `create_index ix on t`."""
    args = op.args
    table = args.get("table_name") or args.get("old_table_name") or ""
    column = args.get("column_name")
    if column is None and isinstance(args.get("column"), dict):
        column = args["column"].get("name")
    name = args.get("index_name") or args.get("constraint_name")
    if name:
        return f"{op.name} {name} on {table}" if table else f"{op.name} {name}"
    if table:
        return f"{op.name} {table}.{column}" if column else f"{op.name} {table}"
    return op.name


def sql_text(statement: Any, dialect: Any) -> str:
    """A statement as the database was sent it (an executemany: with its row count)."""
    if isinstance(statement, tuple):
        inner, rows = statement
        return f"{sql_text(inner, dialect)} ({len(rows)} rows)"
    if isinstance(statement, str):
        return statement
    try:
        return " ".join(str(statement.compile(dialect=dialect)).split())
    except Exception:  # what cannot be compiled alone still says what it was
        return str(statement)


def _span(numbers: list[int]) -> str:
    """1, 2, 3 -> "1-3"; 1, 3 -> "1, 3"."""
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{numbers[-1]}"
    if len(numbers) == 2 and numbers[1] == numbers[0] + 1:
        return f"{numbers[0]}-{numbers[1]}"
    return ", ".join(map(str, numbers))
