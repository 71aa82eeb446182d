"""The one thing an operation's `ddl(context)` is given: the dialect, and the schema before it.

An operation's statements depend on more than its arguments: bulk_insert binds rows with the
types of the columns they go into, alter_column to a PostgreSQL enum type creates the type when
it is not there yet, and SQLite rebuilds a table from the table as it is. Online the database
answers (reflected, so whatever raw SQL did counts); offline, with no database, the revisions
replayed up to the run's start answer, followed forward operation by operation. The operation
asks; it never needs to know which run it is in, and the runs never need to know which
operation they hold (Alembic's MigrationContext(as_sql) plays the same part). Where a statement
must restate what the operation does not mention (MySQL's MODIFY restates the whole column),
both runs answer from the replayed revisions (`defined_table`), so the statement printed by
`--sql` is the one executed.

`run_steps(prepared)` is the one walk of a plan both runs make, as Alembic's
`MigrationContext.run_migrations`: each step announced, its operations run in the transactions
the context opens (executed online, printed offline), its version rows recorded. `run(ops)` is
one revision's operations: the statements of each group, then `emit`, which executes them
(runtime.online) or prints them (runtime.offline), as Alembic's `DefaultImpl._exec` and
Django's `schema_editor(collect_sql=True)` do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from runner.schema.state import SchemaState, TableState
from runner.sql.dialects import impl_for


class MigrationContext:
    """What every run gives: `dialect`, and `as_sql` (statements printed with literal values).

    The schema questions answer "nothing known" here: a bare context renders an operation on
    its arguments alone (SQLite's rebuild re-creating indexes, a test building one statement).
    The runs use a subclass, whose `emit` executes a statement or prints it.
    """

    failures: tuple[type[Exception], ...] = ()  # what emit raises for a statement that fails

    def __init__(self, dialect: Any, as_sql: bool = False, graph: Any = None,
                 current: tuple[str, ...] = ()) -> None:
        self.dialect = dialect
        self.as_sql = as_sql
        self.impl = impl_for(dialect)  # what this database does (runner.sql.dialects)
        # the revisions and the version rows the run starts from, for defined_table
        self._graph, self.current = graph, current
        # the config's naming convention (runner.schema.naming), None without one
        self.naming = getattr(graph, "naming", None)
        if self.naming is not None:
            from runner.schema.naming import convention_of

            self.naming = convention_of(self.naming)
        self._state: SchemaState | None = None
        self._pending: list = []

    def metadata(self) -> Any:
        """A MetaData for an operation's statements: it names by the config's naming convention."""
        from runner.sql.ddl import naming_metadata

        return naming_metadata(self.naming)

    # -- the schema before the operation -----------------------------------------------------
    def column_types(self, table: str, schema: str | None) -> dict[str, Any]:
        """SQLAlchemy types of the table's columns by name ({} when the table is not known)."""
        return {}

    def type_exists(self, key: tuple[str | None, str]) -> bool:
        """Whether the named type (schema, name) exists (PostgreSQL enum types)."""
        return False

    def table(self, name: str, schema: str | None) -> TableState | None:
        """The table as it is, in the schema state's terms; None when there is none to use."""
        return None

    def index_valid(self, name: str, schema: str | None) -> bool | None:
        """Whether the index is usable (False: a CONCURRENTLY build left it INVALID); None when
        there is no such index or none can say (offline)."""
        return None

    def defined_table(self, name: str, schema: str | None) -> TableState | None:
        """The table as the revisions define it here: replayed up to the run's start, followed
        forward by each group emitted; the same online and offline. None when it is not known
        (no revisions given, or raw SQL made it opaque)."""
        state = self.state
        table = state.table(name, schema) if state is not None else None
        return table if table is not None and table.known else None

    @property
    def state(self) -> SchemaState | None:
        """The replayed schema (see defined_table), made when first asked for."""
        if self._state is None and self._graph is not None:
            from runner.revisions.replay import state_at

            self._state = state_at(self._graph, self.current, self.impl)
            for op in self._pending:
                op.state_forwards(self._state)
            self._pending = []
        return self._state

    def refuse_rebuild(self, op: Any, table: TableState) -> None:
        """Refuse a SQLite rebuild of `table` for `op` before it is built (see rebuild.py)."""

    def applied(self, ops: list) -> None:
        """`ops` have been emitted: what the context knows about the schema follows them."""
        if self._graph is None:
            return
        if self._state is None:
            self._pending += ops
        else:
            for op in ops:
                op.state_forwards(self._state)

    # -- running a revision ------------------------------------------------------------------
    def emit(self, statement: Any) -> None:
        """Execute the statement (online) or print it (offline)."""
        raise NotImplementedError

    def run(self, ops: list, failed: Callable[[list, Exception], Exception]) -> None:
        """Emit the statements of one revision's `ops` in order. A statement that fails (one of
        `failures`) raises `failed(group, error)`, the error located at its operations."""
        for group, statements in self.statements(ops):
            try:
                for statement in statements:
                    self.emit(statement)
            except self.failures as err:
                raise failed(group, err) from None

    # -- walking a plan ----------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[Any]:
        """A transaction around what runs inside it: begun and committed (online), or printed."""
        return nullcontext()

    def outside_transaction(self) -> AbstractContextManager[Any]:
        """Around a part that runs outside a transaction (an autocommit_block's operations)."""
        return nullcontext()

    def announce(self, step: Any) -> None:
        """Say which step runs now (a log line online, a comment in the script)."""

    def before_steps(self, per_migration: bool) -> None:
        """Make the version table where this run needs it before the first step."""

    def in_first_transaction(self) -> None:
        """What goes in the first step's transaction (the offline script's version table)."""

    def record(self, step: Any) -> None:
        """Write the step's version rows."""

    def after_steps(self) -> None:
        """What follows the last step inside the run's transaction (online: the net rows)."""

    def failure(self, step: Any, group: list, err: Exception, committed: bool) -> Exception:
        """The error of a statement of `group` that failed; `committed`: parts of this step
        before it were committed already (they ran before an autocommit part)."""
        return err

    def run_steps(self, prepared: list, per_migration: bool) -> None:
        """Run each (step, parts) in order: `parts` from `parts_of`, each (ops, outside). One
        transaction for the whole run, or one per step (`per_migration`), a part that must run
        outside one on its own, and the step's version rows in its last part."""
        with nullcontext() if per_migration else self.transaction():
            self.before_steps(per_migration)
            for index, (step, parts) in enumerate(prepared):
                for number, (ops, outside) in enumerate(parts):
                    committed = any(ran for ran, _ in parts[:number])
                    failed = (lambda s, c: lambda group, err: self.failure(s, group, err, c))(step, committed)
                    if outside:
                        with self.outside_transaction():
                            self.run(ops, failed)
                        continue
                    with self.transaction() if per_migration else nullcontext():
                        if number == 0:  # never outside: parts_of starts with a plain part
                            if index == 0:
                                self.in_first_transaction()
                            self.progress = (index + 1, len(prepared))
                            self.announce(step)
                        self.run(ops, failed)
                        if number == len(parts) - 1:
                            self.record(step)
            self.after_steps()

    def statements(self, ops: list) -> Iterator[tuple[list, list[Any]]]:
        """(operations, statements) in order: each op alone, except on SQLite, where consecutive
        operations that rebuild one table do it in one rebuild of the table as it is. Each group
        is asked for once the caller has used the groups before it, so it sees what they did."""
        for group, statements in self.impl.statement_groups(ops, self):
            yield group, statements
            self.applied(group)


def parts_of(dialect: Any, ops: list) -> list[tuple[list, bool]]:
    """A step's operations in parts, (ops, outside), as Alembic's autocommit_block: what comes
    before an autocommit_block (or an op that must run outside a transaction, a
    postgresql_concurrently index) is committed first, the block's operations run outside one,
    the rest in a new transaction with the version rows. Consecutive outside operations share
    one part, as in one Alembic block: no empty transaction between them. The parts start and
    end with a transaction's part (maybe empty): the step is announced and recorded there."""
    parts: list[tuple[list, bool]] = [([], False)]
    for op in ops:
        outside = list(op.contents) if op.contents else (
            [op] if op.runs_outside_transaction(dialect) else None)
        if outside is None:
            if parts[-1][1]:
                parts.append(([], False))
            parts[-1][0].append(op)
            continue
        if not parts[-1][1]:
            parts.append(([], True))
        parts[-1][0].extend(outside)
    if parts[-1][1]:
        parts.append(([], False))
    return parts
