"""Running a plan against a database: the version table, transactions, locking.

One transaction per revision by default (all in one with
`transaction_per_migration = false`). A connection handed in through
`config.attributes["connection"]` is used inside the caller's transaction,
each revision in a savepoint, so a failure never leaves half a revision.

An operation that the database refuses inside a transaction (PostgreSQL's
CREATE INDEX CONCURRENTLY) splits its transaction, as Alembic's
autocommit_block does: what ran before it is committed, it runs in autocommit,
and the rest runs in a new transaction, which writes the version row.
"""

from __future__ import annotations

import logging
import zlib
from contextlib import contextmanager, nullcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc

from runner.errors import MigrationError

log = logging.getLogger("runner")


class VersionTable:
    """Alembic's version table, so a database that Alembic manages reads as it is."""

    def __init__(self, name: str = "alembic_version", schema: str | None = None):
        self.table = sa.Table(
            name, sa.MetaData(),
            sa.Column("version_num", sa.String(32), nullable=False),
            sa.PrimaryKeyConstraint("version_num", name=f"{name}_pkc"),
            schema=schema,
        )

    def exists(self, connection: sa.Connection) -> bool:
        return sa.inspect(connection).has_table(self.table.name, schema=self.table.schema)

    def create(self, connection: sa.Connection) -> None:
        self.table.create(connection, checkfirst=True)

    def heads(self, connection: sa.Connection) -> tuple[str, ...]:
        if not self.exists(connection):
            return ()
        rows = connection.execute(sa.select(self.table.c.version_num)).scalars()
        return tuple(sorted(rows))

    def statements(self, step) -> list[tuple[Any, bool]]:
        """The version-table changes of one step, as Alembic makes them.

        Each comes with whether it must touch exactly one existing row.
        """
        t, col = self.table, self.table.c.version_num
        out: list[tuple[Any, bool]] = []
        for old, new in step.update:
            out.append((t.update().where(col == sa.literal(old)).values(version_num=sa.literal(new)), True))
        out += [(t.delete().where(col == sa.literal(old)), True) for old in step.delete]
        out += [(t.insert().values(version_num=sa.literal(new)), False) for new in step.insert]
        return out


def migrate(connection: sa.Connection, config, plan, ops_for) -> list:
    """Read the version rows, plan with `plan(current_rows)`, and run each step.

    Every step's operations (`ops_for(step)`) are prepared before anything runs,
    so an irreversible revision is refused before the database is touched.
    """
    version_table = VersionTable(config.version_table, config.version_table_schema)
    per_migration = config.transaction_per_migration
    caller_transaction = connection.in_transaction()
    with _lock(connection, version_table):
        current = version_table.heads(connection)
        if not caller_transaction and connection.in_transaction():
            connection.commit()
        steps = plan(current)
        prepared = [(step, ops_for(step)) for step in steps]
        if caller_transaction:
            _refuse_autocommit(connection, prepared)
        with nullcontext() if per_migration else _splittable_transaction(connection):
            with _splittable_transaction(connection) if per_migration else nullcontext():
                version_table.create(connection)
            split: list = []  # where the current transaction was committed for an autocommit statement
            for step, ops in prepared:
                with _splittable_transaction(connection) if per_migration else nullcontext():
                    _run_step(connection, step, ops, version_table, split if not per_migration else [])
    return steps


def _refuse_autocommit(connection: sa.Connection, prepared) -> None:
    """In the caller's transaction nothing can run outside one: refuse before anything runs."""
    for step, ops in prepared:
        for op in ops:
            if op.runs_outside_transaction(connection.dialect):
                raise MigrationError(
                    f"{op.name} {op.args.get('index_name', '')} in revision {step.revision.revision} "
                    f"must run outside a transaction on {connection.dialect.name} (postgresql_concurrently), "
                    f"but the connection given in config.attributes['connection'] is in a transaction "
                    f"of yours, which yamig does not commit",
                    location=op.location,
                    hint="pass a connection with no transaction begun (yamig then commits before the "
                         "statement and begins again after it), let yamig connect on its own, "
                         "or leave out postgresql_concurrently",
                )


def stamp(connection: sa.Connection, config, plan, purge: bool = False) -> None:
    """Set the version rows to what `plan(current_rows)` says, running no migration."""
    version_table = VersionTable(config.version_table, config.version_table_schema)
    caller_transaction = connection.in_transaction()
    with _lock(connection, version_table):
        current = version_table.heads(connection)
        if not caller_transaction and connection.in_transaction():
            connection.commit()
        with _transaction(connection):
            version_table.create(connection)
            if purge:
                connection.execute(version_table.table.delete())
                current = ()
            for step in plan(current):
                log.info("Stamping %s", ", ".join(step.rows_after) or "base")
                for statement, _ in version_table.statements(step):
                    connection.execute(statement)


def _run_step(connection: sa.Connection, step, ops, version_table: VersionTable, split: list) -> None:
    revision = step.revision
    if step.is_upgrade:
        log.info("Running upgrade %s -> %s, %s", ", ".join(revision.down_revision),
                 revision.revision, revision.message or "")
    else:
        log.info("Running downgrade %s -> %s, %s", revision.revision,
                 ", ".join(revision.down_revision), revision.message or "")
    for op in ops:
        autocommit = op.runs_outside_transaction(connection.dialect)
        if autocommit:
            isolation = _autocommit_on(connection)
        for statement in _statements(connection, op):
            try:
                if isinstance(statement, tuple):  # (statement, parameter sets): an executemany
                    connection.execute(*statement)
                else:
                    connection.execute(statement)
            except (exc.DBAPIError, exc.CompileError) as err:
                # CompileError: what this dialect cannot spell, e.g. a PostgreSQL Enum without a name
                reason = err.orig if isinstance(err, exc.DBAPIError) else err
                if autocommit:
                    _autocommit_off(connection, isolation, ok=False)
                raise MigrationError(
                    f"{op.name} failed in revision {revision.revision}: {_first_line(reason)}",
                    location=op.location,
                    hint=_rollback_hint(connection, revision.revision, step.is_upgrade,
                                        split[-1] if split else None, op if autocommit else None),
                ) from None
        if autocommit:
            _autocommit_off(connection, isolation, ok=True)
            connection.begin()
            split.append(op)
    for statement, expected in version_table.statements(step):
        result = connection.execute(statement)
        if expected and result.rowcount != 1:
            raise MigrationError(
                f"the version table did not hold the rows expected before revision "
                f"{revision.revision}: another process may be migrating this database",
                hint="check `yamig current` and run the command again",
            )


def _statements(connection: sa.Connection, op) -> list[Any]:
    """The op's DDL; on SQLite, a table rebuild where SQLite cannot alter in place."""
    if op.name == "bulk_insert":  # rows bound with the types of the table as the database has it
        return op.ddl(connection.dialect, op.types_from_database(connection), literal=False)
    if connection.dialect.name == "sqlite" and (
            op.name == "drop_column" or getattr(op, "needs_rebuild_on_sqlite", False)):
        from runner import rebuild

        table = rebuild.table_name_of(op)
        before = rebuild.reflect_table(connection, table, op.schema) if table else None
        if before is not None and rebuild.needs_rebuild(op, before):
            return rebuild.rebuild(op, before)
    return op.ddl(connection.dialect)


def _rollback_hint(connection: sa.Connection, rev_id: str, upgrade: bool,
                   committed=None, failed_outside=None) -> str:
    verb = "upgrade" if upgrade else "downgrade"
    if failed_outside is not None:
        return (f"{failed_outside.name} runs outside a transaction, so what ran before it was committed "
                f"and the version table does not record {rev_id}; PostgreSQL may leave an INVALID index "
                f"behind: drop it, then run the command again")
    if committed is not None:
        return (f"the {verb} of {rev_id} was rolled back only as far as {committed.name} at "
                f"{committed.location}, which ran outside a transaction: it and what ran before it "
                f"remain, and the version table does not record {rev_id}. Undo those statements or make "
                f"them runnable again (e.g. if_not_exists), then run the command again")
    if transactional_ddl(connection):
        return (f"the {verb} of {rev_id} was rolled back; the database and its version table are "
                f"as they were before it. Fix the revision and run the command again")
    return (f"{connection.dialect.name} cannot roll back DDL: statements of {rev_id} that ran before "
            f"this one remain, and the version table does not record {rev_id}")


def transactional_ddl(connection: sa.Connection) -> bool:
    name = connection.dialect.name
    if name == "sqlite":
        return connection.connection.dbapi_connection.isolation_level is None
    return name in ("postgresql", "mssql")


@contextmanager
def _splittable_transaction(connection: sa.Connection):
    """_transaction, for a unit that an operation run outside transactions may commit and begin
    again (never the caller's: _refuse_autocommit): on exit, whichever transaction is current
    then is committed, or rolled back on error."""
    if connection.in_transaction():
        with _transaction(connection):
            yield
        return
    connection.begin()
    try:
        yield
    except BaseException:
        if connection.in_transaction():
            connection.rollback()
        raise
    connection.commit()


def _autocommit_on(connection: sa.Connection) -> Any:
    """Commit the current transaction and switch to autocommit; the isolation level it had."""
    connection.commit()
    previous = connection.get_execution_options().get("isolation_level",
                                                        connection.default_isolation_level)
    connection.execution_options(isolation_level="AUTOCOMMIT")
    return previous


def _autocommit_off(connection: sa.Connection, previous: Any, ok: bool) -> None:
    """Back to `previous`, ending the (empty) transaction SQLAlchemy began for the statement."""
    if connection.in_transaction():
        connection.commit() if ok else connection.rollback()
    connection.execution_options(isolation_level=previous)


def _transaction(connection: sa.Connection):
    if not connection.in_transaction():
        return connection.begin()
    if connection.dialect.name == "sqlite" and not transactional_ddl(connection):
        return nullcontext()  # pysqlite's own transaction handling makes savepoints unreliable
    return connection.begin_nested()


@contextmanager
def _lock(connection: sa.Connection, version_table: VersionTable):
    """On PostgreSQL, an advisory lock so two deploys cannot migrate at once."""
    if connection.dialect.name != "postgresql":
        yield
        return
    name = f"yamig:{version_table.table.schema or ''}.{version_table.table.name}"
    key = zlib.crc32(name.encode()) - 2**31
    if connection.in_transaction():
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        yield
        return
    connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
    connection.commit()
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        connection.commit()


def _first_line(error: Any) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
