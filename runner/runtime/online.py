"""A run against a live connection: statements executed, transactions begun and committed,
version rows written as each step ends (or once, at the end, where that is the same)."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any

from runner.errors import MigrationError
from runner.operations.flow import FunctionFailed, PythonCall
from runner.runtime.context import MigrationContext
from runner.runtime.transactions import autocommit, transaction, transactional_ddl
from runner.schema.state import TableState

log = logging.getLogger("runner")
progress = logging.getLogger("runner.progress")  # each step's time: shown on a terminal (runner.cli)


class OnlineContext(MigrationContext):
    """The database says what is there, read when asked, so each answer sees the statements
    that ran before it. For a run (`run_steps`) it is given the version table, the rows the
    database held when the run started (`current`), and how the run is transacted: `net`
    writes only the net change of the version rows at the end, `whole_run` says one
    transaction of yamig's holds every step (for the failure's hint). `history`
    (runner.runtime.drift.AppliedHistory) gets each step's row in the transaction of its
    version rows; a failed step is kept in `failed` (step, operation, started) for the caller
    to record once the rollback is done. With the revision `graph`, `defined_table` answers
    as offline. For what a rollback does not undo (runner.runtime.undo) it keeps the running
    `step`, the version rows before it (`rows_before`), whether the step's rollback undoes its
    DDL, its `completed` groups (operations, the statements they ran) and the statements the
    failing group `ran` before it failed."""

    def __init__(self, connection: Any, version_table: Any = None, current: tuple[str, ...] = (),
                 net: bool = False, whole_run: bool = False, history: Any = None,
                 graph: Any = None, config: Any = None) -> None:
        from sqlalchemy import exc

        super().__init__(connection.dialect, as_sql=False, graph=graph, current=current)
        self.connection = connection
        self.config = config  # given to run_python's functions
        # CompileError: what this dialect cannot spell, e.g. a PostgreSQL Enum without a name;
        # FunctionFailed: run_python's function could not be imported, or raised
        self.failures = (exc.DBAPIError, exc.CompileError, FunctionFailed)
        self.version_table = version_table
        self.net, self.whole_run = net, whole_run
        self._rows_after: tuple[str, ...] | None = None
        self.history = history
        self.started: Any = None  # when the running step began
        self.failed: tuple[Any, Any, Any] | None = None
        self.step: Any = None  # the step running, until its version rows are written
        self.rollback_undoes_ddl = True
        self.rows_before = current
        self.completed: list[tuple[list, list]] = []
        self.ran: list = []

    def emit(self, statement: Any) -> None:
        if isinstance(statement, PythonCall):  # run_python: the function, in this transaction
            # no step: runtime.undo undoing a failed step's operations
            statement(self.connection, "upgrade" if self.step is not None and self.step.is_upgrade
                      else "downgrade", self.config)
        elif isinstance(statement, tuple):  # (statement, parameter sets): an executemany
            self.connection.execute(*statement)
        else:
            self.connection.execute(statement)
        self.ran.append(statement)

    def applied(self, ops: list) -> None:
        super().applied(ops)
        self.completed.append((ops, self.ran))
        self.ran = []

    # -- the schema before the operation -----------------------------------------------------
    def column_types(self, table: str, schema: str | None) -> dict[str, Any]:
        import sqlalchemy as sa

        inspector = sa.inspect(self.connection)
        if not inspector.has_table(table, schema=schema):
            return {}
        return {c["name"]: c["type"] for c in inspector.get_columns(table, schema=schema)}

    def type_exists(self, key: tuple[str | None, str]) -> bool:
        import sqlalchemy as sa

        return sa.inspect(self.connection).has_type(key[1], key[0])

    def table(self, name: str, schema: str | None) -> TableState | None:
        """The table as SQLite has it (online, only SQLite's rebuild asks)."""
        from runner.sql.rebuild import reflect_table

        return reflect_table(self.connection, name, schema)

    def index_valid(self, name: str, schema: str | None) -> bool | None:
        return self.impl.index_validity(self.connection, name, schema)

    def refuse_rebuild(self, op: Any, table: TableState) -> None:
        from runner.sql.rebuild import refuse_if_rows_would_cascade

        refuse_if_rows_would_cascade(self.connection, op, table)

    # -- walking a plan ----------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[Any]:
        return transaction(self.connection)

    def outside_transaction(self) -> AbstractContextManager[Any]:
        return autocommit(self.connection)

    def announce(self, step: Any) -> None:
        from runner.runtime.history import now

        self.started = now()
        self.step, self.completed, self.ran = step, [], []
        self.rollback_undoes_ddl = transactional_ddl(self.connection)  # asked in the step's transaction
        revision = step.revision
        at = {"yamig_progress": getattr(self, "progress", None)}  # [n/N] on a terminal (runner.cli)
        if step.is_upgrade:
            log.info("Running upgrade %s -> %s, %s", ", ".join(revision.down_revision),
                     revision.revision, revision.message or "", extra=at)
        else:
            log.info("Running downgrade %s -> %s, %s", revision.revision,
                     ", ".join(revision.down_revision), revision.message or "", extra=at)

    def before_steps(self, per_migration: bool) -> None:
        if per_migration:
            with transaction(self.connection):
                self.version_table.create(self.connection)
        else:
            self.version_table.create(self.connection)

    def record(self, step: Any) -> None:
        """The step's version rows (or, `net`, what they will be) and its history row."""
        self.step, self.rows_before = None, step.rows_after
        if self.net:
            self._rows_after = step.rows_after
        elif not self.version_table.write(self.connection, step):
            raise MigrationError(
                f"the version table did not hold the rows expected before revision "
                f"{step.revision.revision}: another process may be migrating this database",
                hint="check `yamig current` and run the command again",
            )
        if self.history is not None:
            self.history.step(self.connection, step, self.started)
        from runner.runtime.history import now

        seconds = (now() - self.started).total_seconds()
        progress.info("%s done in %.2f s", step.revision.revision, seconds, extra={"yamig_done": seconds})

    def after_steps(self) -> None:
        """In one transaction whose DDL rolls back too, the intermediate version rows are never
        seen by anyone: only the net change is written (Alembic writes one UPDATE per step)."""
        if self._rows_after is None:
            return
        gone = sorted(set(self.current) - set(self._rows_after))
        added = sorted(set(self._rows_after) - set(self.current))
        update = tuple(zip(gone, added, strict=False))
        n = len(update)
        if not self.version_table.write_rows(self.connection, update, gone[n:], added[n:]):
            raise MigrationError(
                "the version table did not hold the rows it held when this run started: another "
                "process may be migrating this database",
                hint="nothing was changed; check `yamig current` and run the command again")

    def failure(self, step: Any, group: list, err: Exception, committed: bool) -> MigrationError:
        """The error of a failed statement, located at the operation it came from."""
        from sqlalchemy import exc

        revision = step.revision
        message = _first_line(err.orig if isinstance(err, exc.DBAPIError) else err)
        op = group[0]
        together = ""
        if len(group) > 1:
            from runner.sql.rebuild import culprit, table_name_of

            op = culprit(group, message)
            together = f" (SQLite rebuilt table {table_name_of(op)} once for {len(group)} operations)"
        fix = "Fix the revision"
        if isinstance(err, exc.DBAPIError) and self.impl.is_lock_conflict(err):
            message += " (another connection holds a lock on the database, past lock_timeout)"
            fix = "Let the other connection finish"
        hint = self._rollback_hint(revision.revision, step.is_upgrade, committed, fix)
        left = op.left_behind(self)  # what no rollback undoes (an INVALID index), asked at once
        if left:
            hint = f"{left}; " + (hint if committed else
                                  f"the version table does not record {revision.revision}")
        self.failed = (step, op, self.started)
        return MigrationError(
            f"{op.name} failed in revision {revision.revision}: {message}{together}",
            location=op.location, hint=hint)

    def _rollback_hint(self, rev_id: str, upgrade: bool, committed: bool, fix: str) -> str:
        connection = self.connection
        verb = "upgrade" if upgrade else "downgrade"
        if self.whole_run and transactional_ddl(connection):
            return (f"the whole run was rolled back (transaction_per_migration = false), the revisions "
                    f"before {rev_id} included: the database and its version table are as they were "
                    f"before this command. {fix} and run the command again")
        if committed:
            return (f"the operations of {rev_id} before its autocommit part (an autocommit_block, or a "
                    f"postgresql_concurrently index) were committed (it runs outside a transaction) "
                    f"and the version table does not record {rev_id}; "
                    f"{fix.lower()}, undo or finish what ran by hand, then run the command again")
        if transactional_ddl(connection):
            return (f"the {verb} of {rev_id} was rolled back; the database and its version table are "
                    f"as they were before it. {fix} and run the command again")
        return (f"{connection.dialect.name} cannot roll back DDL: statements of {rev_id} that ran before "
                f"this one remain, and the version table does not record {rev_id}")


def _first_line(error: Any) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
