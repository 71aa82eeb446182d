"""Running a plan against a database: the version table, transactions, locking.

One transaction per revision by default (all in one with
`transaction_per_migration = false`, where DDL is transactional). A connection handed in through
`config.attributes["connection"]` is used inside the caller's transaction,
each revision in a savepoint, so a failure never leaves half a revision.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import exc

from runner.errors import MigrationError
from runner.runtime.context import parts_of
from runner.runtime.online import OnlineContext
from runner.runtime.transactions import transaction, transactional_ddl
from runner.runtime.undo import undo_failed
from runner.runtime.version_table import VersionTable
from runner.sql.dialects import impl_for

log = logging.getLogger("runner")
progress = logging.getLogger("runner.progress")


def migrate(connection: sa.Connection, config, plan, ops_for, history=None, graph=None) -> list:
    """Read the version rows, plan with `plan(current_rows)`, and run each step.

    Every step's operations (`ops_for(step)`) are prepared before anything runs,
    so an irreversible revision is refused before the database is touched. `history`
    (runner.runtime.drift.AppliedHistory) refuses a run over changed applied revisions
    first, and records each step. The revision `graph` lets the operations ask for the
    replayed schema as offline.
    """
    version_table = VersionTable(config.version_table, config.version_table_schema)
    per_migration = config.transaction_per_migration
    caller_transaction = connection.in_transaction()
    with _lock_conflicts(connection), lock(connection, config):
        current = version_table.heads(connection)
        if not caller_transaction and connection.in_transaction():
            connection.commit()
        if not per_migration and not caller_transaction:
            per_migration = _ddl_commits_itself(connection)
        steps = plan(current)
        own = per_migration and not caller_transaction
        prepared = [(step, _parts(connection, step, ops_for(step), own)) for step in steps]
        if history is not None:  # after planning and preparing: a refused run changes nothing
            history.prepare(connection, current, caller_transaction)
            history.refuse_left_behind(connection, steps, caller_transaction)
        # In one transaction whose DDL rolls back too, only the net change of the version rows
        # is written. Where DDL commits by itself (MySQL), each revision's row still matters.
        net = not per_migration and bool(steps) and transactional_ddl(connection)
        context = OnlineContext(connection, version_table, current, net=net,
                                whole_run=not per_migration and not caller_transaction,
                                history=history, graph=graph, config=config)
        started = time.monotonic()
        try:
            context.run_steps(prepared, per_migration)
        except MigrationError as err:
            undone = _undo(connection, context, prepared, graph)
            if undone is not None:
                err.hint = undone.hint()
            if history is not None and (context.failed is not None or undone is not None):
                _record_failure(connection, history, context, prepared, undone)
            raise
        _summary(steps, time.monotonic() - started)
    return steps


def _summary(steps: list, seconds: float) -> None:
    """The run in one line, after the last commit (shown on a terminal: runner.cli)."""
    if not steps:
        return
    up = sum(1 for step in steps if step.is_upgrade)
    counts = [f"{n} {verb}" for n, verb in ((up, "upgraded"), (len(steps) - up, "downgraded")) if n]
    progress.info("Done: %s in %.2f s", ", ".join(counts), seconds, extra={"yamig_summary": True})


def _ddl_commits_itself(connection: sa.Connection) -> bool:
    """Where each DDL statement commits (MySQL), one transaction for the whole run would hold
    only the version rows, and a failure would roll back those of revisions whose DDL stays:
    each revision gets its own transaction there (asked in one, as SQLite's answer depends on it)."""
    with transaction(connection):
        return not transactional_ddl(connection)


def _step_ops(step, prepared) -> list:
    return [o for s, parts in prepared if s is step for part, _ in parts for o in part]


def _undo(connection: sa.Connection, context: OnlineContext, prepared, graph):
    """Where DDL commits itself, undo what the failed step ran (runtime.undo); None elsewhere."""
    if context.step is None:
        return None
    try:
        return undo_failed(connection, context, _step_ops(context.step, prepared), graph)
    except Exception as err:  # the run's own error matters more; the history row says what ran
        log.warning("could not undo what revision %s ran: %s", context.step.revision.revision, err)
        return None


def _record_failure(connection: sa.Connection, history, context: OnlineContext, prepared,
                    undone) -> None:
    """The failed step's history row, after its rollback, in a transaction of its own (where
    DDL is not transactional, with what ran of it, what was undone and what is left)."""
    if context.failed is not None:
        step, op, started = context.failed
    else:  # an operation refused before its statements (undone is not None)
        step, op, started = undone.step, None, context.started
    ops = _step_ops(step, prepared)
    index = next((i for i, o in enumerate(ops) if o is op), None)
    partial = None
    if undone is not None:
        index, partial = undone.failed_index, undone.record()
    try:
        with transaction(connection):
            history.step(connection, step, started, "failed", index, partial)
    except sa.exc.DBAPIError as err:  # the run's own error matters more
        log.warning("could not record the failure in %s: %s", history.table.name, err)


def _parts(connection: sa.Connection, step, ops, own_transactions: bool) -> list:
    """The step's parts (runtime.context.parts_of). A part outside a transaction (an
    autocommit_block, a postgresql_concurrently index) needs a
    transaction per revision that yamig owns; otherwise it is refused before anything runs."""
    parts = parts_of(connection.dialect, ops)
    if len(parts) > 1 and not own_transactions:
        op = next(op for op in ops if op.runs_outside_transaction(connection.dialect))
        what = op.name if op.contents else f"{op.name} with postgresql_concurrently"
        raise MigrationError(
            f"{what} must run outside a transaction, and revision "
            f"{step.revision.revision} runs inside one that yamig does not commit per revision",
            location=op.location,
            hint="set transaction_per_migration = true and do not pass a connection in a transaction, "
                 "or leave " + ("the autocommit_block" if op.contents else "postgresql_concurrently")
                 + " out")
    return parts


def stamp(connection: sa.Connection, config, plan, purge: bool = False, history=None) -> None:
    """Set the version rows to what `plan(current_rows)` says, running no migration; `history`
    records a `stamp` row per revision that became applied or stopped being applied."""
    version_table = VersionTable(config.version_table, config.version_table_schema)
    caller_transaction = connection.in_transaction()
    with _lock_conflicts(connection), lock(connection, config):
        current = version_table.heads(connection)
        if not caller_transaction and connection.in_transaction():
            connection.commit()
        before, started = current, None
        if history is not None:
            from runner.runtime.history import now

            history.prepare(connection, current, caller_transaction, check=False)
            started = now()
        with transaction(connection):
            version_table.create(connection)
            if purge:
                connection.execute(version_table.table.delete())
                current = ()
            for step in plan(current):
                log.info("Stamping %s", ", ".join(step.rows_after) or "base")
                for statement, _ in version_table.statements(step):
                    connection.execute(statement)
                current = step.rows_after
            if history is not None:
                history.stamped(connection, before, current, started)


def lock(connection: sa.Connection, config):
    """The database's lock for a run, so that two deploys cannot migrate at once (PostgreSQL:
    an advisory lock named after the version table it guards; MySQL: GET_LOCK, likewise;
    SQLite: a lock file beside the database), waited for at most `lock_timeout` seconds.
    Migrations re-read the version table once they hold it, so a run that waited finds the
    work done."""
    table = VersionTable(config.version_table, config.version_table_schema).table
    return impl_for(connection.dialect).lock(connection, f"yamig:{table.schema or ''}.{table.name}",
                                             config.lock_timeout)


@contextmanager
def _lock_conflicts(connection: sa.Connection) -> Iterator[None]:
    """Another connection's lock in the way of a statement outside a revision's operations
    (the version table, a COMMIT; SQLite's "database is locked"), as a MigrationError."""
    try:
        yield
    except exc.DBAPIError as err:
        if not impl_for(connection.dialect).is_lock_conflict(err):
            raise
        raise MigrationError(
            f"another connection holds a lock on the database: {str(err.orig).strip()}",
            hint="something else is writing to it (an application, a shell); what this run had not "
                 "committed was rolled back. Run the command again when it is done, or raise "
                 "lock_timeout (the seconds yamig waits for it)") from None


def repair(connection: sa.Connection, config, history, targets: list[str], reason: str | None) -> list[str]:
    """Accept today's files of applied revisions (`targets`: identifiers; none: every changed
    one, and every one whose failure left operations behind) with a `repair` row each, under
    the run's lock; `history.dealt_with` names those whose left-behind operations the row
    clears. Returns the ids accepted."""
    version_table = VersionTable(config.version_table, config.version_table_schema)
    caller_transaction = connection.in_transaction()
    with _lock_conflicts(connection), lock(connection, config):
        current = version_table.heads(connection)
        if not caller_transaction and connection.in_transaction():
            connection.commit()
        history.prepare(connection, current, caller_transaction, check=False)
        applied = history.applied(current)
        left = history.table.left_behind(connection)  # failures that left operations (runtime.undo)
        if targets:
            ids = [rev_id for target in targets for rev_id in history.graph.resolve(target, current)]
            for rev_id in ids:
                if rev_id not in applied and rev_id not in left:
                    raise MigrationError(f"revision {rev_id} is not applied to this database: there "
                                         "is nothing to accept", hint="repair takes applied revisions")
        else:
            ids = [c.revision.revision for c in history.changed(connection, current)] + list(left)
        ids = list(dict.fromkeys(ids))
        history.dealt_with = [rev_id for rev_id in ids if rev_id in left]
        if not caller_transaction and connection.in_transaction():
            connection.commit()
        with transaction(connection):
            for rev_id in ids:
                history.repair(connection, rev_id, reason)
    return ids
