"""The one thing an operation's `ddl(context)` is given: the dialect, and the schema before it.

An operation's statements depend on more than its arguments: bulk_insert binds rows with the
types of the columns they go into, alter_column to a PostgreSQL enum type creates the type when
it is not there yet, and SQLite rebuilds a table from the table as it is. Online the database
answers (reflected, so whatever raw SQL did counts); offline, with no database, the revisions
replayed up to the run's start answer, followed forward operation by operation. The operation
asks; it never needs to know which run it is in, and the runs never need to know which
operation they hold (Alembic's MigrationContext(as_sql) plays the same part).

`run(ops)` is one revision's walk for both runs: the statements of each group, then `emit`,
which executes them (OnlineContext) or prints them (OfflineContext), as Alembic's
`DefaultImpl._exec` and Django's `schema_editor(collect_sql=True)` do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from runner.schema.state import SchemaState, TableState


class MigrationContext:
    """What every run gives: `dialect`, and `as_sql` (statements printed with literal values).

    The schema questions answer "nothing known" here: a bare context renders an operation on
    its arguments alone (SQLite's rebuild re-creating indexes, a test building one statement).
    The runs use a subclass, whose `emit` executes a statement or prints it.
    """

    failures: tuple[type[Exception], ...] = ()  # what emit raises for a statement that fails

    def __init__(self, dialect: Any, as_sql: bool = False) -> None:
        self.dialect = dialect
        self.as_sql = as_sql

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

    def refuse_rebuild(self, op: Any, table: TableState) -> None:
        """Refuse a SQLite rebuild of `table` for `op` before it is built (see rebuild.py)."""

    def applied(self, ops: list) -> None:
        """`ops` have been emitted: what the context knows about the schema follows them."""

    # -- running a revision ------------------------------------------------------------------
    def emit(self, statement: Any) -> None:
        """Execute the statement (online) or print it (offline)."""
        raise NotImplementedError

    def outside_transaction(self, group: list) -> AbstractContextManager[None]:
        """Around a group that must run outside a transaction (postgresql_concurrently)."""
        return nullcontext()

    def run(self, ops: list, failed: Callable[[list, Exception], Exception]) -> None:
        """Emit the statements of one revision's `ops` in order. A statement that fails (one of
        `failures`) raises `failed(group, error)`, the error located at its operations."""
        for group, statements in self.statements(ops):
            with self.outside_transaction(group):
                try:
                    for statement in statements:
                        self.emit(statement)
                except self.failures as err:
                    raise failed(group, err) from None

    def statements(self, ops: list) -> Iterator[tuple[list, list[Any]]]:
        """(operations, statements) in order: each op alone, except on SQLite, where consecutive
        operations that rebuild one table do it in one rebuild of the table as it is. Each group
        is asked for once the caller has used the groups before it, so it sees what they did."""
        def plain(op: Any) -> list[Any]:
            return op.ddl(self)

        if self.dialect.name == "sqlite":
            from runner.sql import rebuild

            def before_of(op: Any) -> TableState | None:
                name = rebuild.table_name_of(op)
                return self.table(name, op.schema) if name else None

            groups = rebuild.batched_statements(ops, before_of, plain, self.refuse_rebuild, self)
        else:
            groups = (([op], plain(op)) for op in ops)
        for group, statements in groups:
            yield group, statements
            self.applied(group)


class OnlineContext(MigrationContext):
    """A run against a connection: the database says what is there, read when asked, so each
    answer sees the statements that ran before it. An operation that must run outside a
    transaction is given a run of its own by the executor (_split_at_autocommit)."""

    def __init__(self, connection: Any) -> None:
        from sqlalchemy import exc

        super().__init__(connection.dialect, as_sql=False)
        self.connection = connection
        # CompileError: what this dialect cannot spell, e.g. a PostgreSQL Enum without a name
        self.failures = (exc.DBAPIError, exc.CompileError)

    def emit(self, statement: Any) -> None:
        if isinstance(statement, tuple):  # (statement, parameter sets): an executemany
            self.connection.execute(*statement)
        else:
            self.connection.execute(statement)

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

    def refuse_rebuild(self, op: Any, table: TableState) -> None:
        from runner.sql.rebuild import refuse_if_rows_would_cascade

        refuse_if_rows_would_cascade(self.connection, op, table)


class OfflineContext(MigrationContext):
    """A script printed by `script` (runner.runtime.offline.Script): the schema is the revisions replayed
    up to `current` (version rows), then followed forward by each group emitted. The replay is
    made only when an operation first asks; the groups emitted before that are applied then."""

    def __init__(self, script: Any, graph: Any, current: tuple[str, ...]) -> None:
        from sqlalchemy import exc

        super().__init__(script.dialect, as_sql=True)
        self.script = script
        self.failures = (exc.CompileError,)  # what the dialect cannot spell
        self._graph, self._current = graph, current
        self._state: SchemaState | None = None
        self._pending: list = []

    def emit(self, statement: Any) -> None:
        self.script.statement(statement)

    def outside_transaction(self, group: list) -> AbstractContextManager[None]:
        """The script commits before the group and begins again after it, as online."""
        if self.script.transactional and any(op.runs_outside_transaction(self.dialect) for op in group):
            return self._committed()
        return nullcontext()

    @contextmanager
    def _committed(self) -> Iterator[None]:
        self.script.commit()
        yield
        self.script.begin()

    @property
    def state(self) -> SchemaState:
        if self._state is None:
            from runner.revisions.replay import state_at

            self._state = state_at(self._graph, self._current)
            for op in self._pending:
                op.state_forwards(self._state)
            self._pending = []
        return self._state

    def applied(self, ops: list) -> None:
        if self._state is None:
            self._pending += ops
        else:
            for op in ops:
                op.state_forwards(self._state)

    def column_types(self, table: str, schema: str | None) -> dict[str, Any]:
        from runner.schema.types import parse_type

        found = self.table(table, schema)
        if found is None:
            return {}
        return {name: parse_type(column["type"]).to_sqlalchemy() for name, column in found.columns.items()}

    def type_exists(self, key: tuple[str | None, str]) -> bool:
        return key in self.state.named_types

    def table(self, name: str, schema: str | None) -> TableState | None:
        table = self.state.table(name, schema)
        return table if table is not None and table.known else None
