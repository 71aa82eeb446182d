"""Running a plan against a database: the version table, transactions, locking.

One transaction per revision by default (all in one with
`transaction_per_migration = false`). A connection handed in through
`config.attributes["connection"]` is used inside the caller's transaction,
each revision in a savepoint, so a failure never leaves half a revision.
"""

from __future__ import annotations

import logging
import zlib
from contextlib import contextmanager, nullcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc

from runner.errors import MigrationError
from runner.runtime.context import OnlineContext

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
        self._online: tuple[Any, Any, Any] | None = None

    def exists(self, connection: sa.Connection) -> bool:
        return sa.inspect(connection).has_table(self.table.name, schema=self.table.schema)

    def create(self, connection: sa.Connection) -> None:
        self.table.create(connection, checkfirst=True)

    def heads(self, connection: sa.Connection) -> tuple[str, ...]:
        """The rows in the order the database returns them, as Alembic reads them: at several
        heads, `downgrade -1` steps down from the first (Alembic's rule), so sorting them
        would pick another head than Alembic on the same database."""
        if not self.exists(connection):
            return ()
        return tuple(connection.execute(sa.select(self.table.c.version_num)).scalars())

    def write(self, connection: sa.Connection, step) -> bool:
        """Make the step's changes online; False when a row it expected was not there.

        Same statements as `statements()`, but built once with bound parameters, so
        SQLAlchemy compiles them once per run instead of once per revision.
        """
        return self.write_rows(connection, step.update, step.delete, step.insert)

    def write_rows(self, connection: sa.Connection, update=(), delete=(), insert=()) -> bool:
        if self._online is None:
            t, col = self.table, self.table.c.version_num
            self._online = (
                t.update().where(col == sa.bindparam("old")).values(version_num=sa.bindparam("new")),
                t.delete().where(col == sa.bindparam("old")),
                t.insert().values(version_num=sa.bindparam("new")))
        update_rows, delete_rows, insert_rows = self._online
        for old, new in update:
            if connection.execute(update_rows, {"old": old, "new": new}).rowcount != 1:
                return False
        for old in delete:
            if connection.execute(delete_rows, {"old": old}).rowcount != 1:
                return False
        for new in insert:
            connection.execute(insert_rows, {"new": new})
        return True

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
        own = per_migration and not caller_transaction
        prepared = [(step, _split_at_autocommit(connection, step, ops_for(step), own)) for step in steps]
        # In one transaction whose DDL rolls back too, the intermediate version rows are never
        # seen by anyone: write only the net change at the end (Alembic writes one UPDATE per
        # revision). Where DDL commits by itself (MySQL), each revision's row still matters.
        # (No autocommit parts here: _split_at_autocommit refuses them outside own transactions.)
        net = not per_migration and bool(steps) and transactional_ddl(connection)
        with nullcontext() if per_migration else _transaction(connection):
            with _transaction(connection) if per_migration else nullcontext():
                version_table.create(connection)
            for step, parts in prepared:
                for index, (part, autocommit) in enumerate(parts):
                    committed = any(done for done, _ in parts[:index])
                    if autocommit:
                        _run_autocommit(connection, step, part, committed)
                        continue
                    with _transaction(connection) if per_migration else nullcontext():
                        last = index == len(parts) - 1
                        _run_step(connection, step, part, version_table if last and not net else None,
                                  committed, log_step=index == 0,
                                  whole_run=not per_migration and not caller_transaction)
            if net:
                _write_net(connection, version_table, current, steps[-1].rows_after)
    return steps


def _split_at_autocommit(connection: sa.Connection, step, ops, own_transactions: bool) -> list:
    """The step's operations in runs, each op that must run outside a transaction on its own.

    As Alembic's autocommit_block: what came before it in the revision is committed first, and
    the rest runs in a new transaction with the version table. That needs a transaction per
    revision that yamig owns; otherwise it is refused before anything runs.
    """
    if not any(op.runs_outside_transaction(connection.dialect) for op in ops):
        return [(ops, False)]
    if not own_transactions:
        op = next(op for op in ops if op.runs_outside_transaction(connection.dialect))
        raise MigrationError(
            f"{op.name} with postgresql_concurrently must run outside a transaction, and revision "
            f"{step.revision.revision} runs inside one that yamig does not commit per revision",
            location=op.location,
            hint="set transaction_per_migration = true and do not pass a connection in a transaction, "
                 "or leave postgresql_concurrently out")
    parts: list = [([], False)]
    for op in ops:
        if op.runs_outside_transaction(connection.dialect):
            parts += [([op], True), ([], False)]
        else:
            parts[-1][0].append(op)
    return parts


def _run_autocommit(connection: sa.Connection, step, ops, committed: bool) -> None:
    level = connection.get_isolation_level()
    if connection.in_transaction():
        connection.commit()
    connection.execution_options(isolation_level="AUTOCOMMIT")
    try:
        _run_step(connection, step, ops, None, committed, log_step=False)
    finally:
        if connection.in_transaction():  # SQLAlchemy's autobegin, empty under AUTOCOMMIT
            connection.rollback()
        connection.execution_options(isolation_level=level)


def _write_net(connection: sa.Connection, version_table: VersionTable, before: tuple[str, ...],
               after: tuple[str, ...]) -> None:
    gone = sorted(set(before) - set(after))
    added = sorted(set(after) - set(before))
    update = tuple(zip(gone, added, strict=False))
    n = len(update)
    if not version_table.write_rows(connection, update, gone[n:], added[n:]):
        raise MigrationError(
            "the version table did not hold the rows it held when this run started: another "
            "process may be migrating this database",
            hint="nothing was changed; check `yamig current` and run the command again")


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


def _run_step(connection: sa.Connection, step, ops, version_table: VersionTable | None,
              committed: bool = False, log_step: bool = True, whole_run: bool = False) -> None:
    """Run `ops`, then the version-table change (when given). `committed`: operations of this
    revision before these were committed already (see _split_at_autocommit); `whole_run`: one
    transaction holds every revision of the command (transaction_per_migration = false)."""
    revision = step.revision
    if log_step and step.is_upgrade:
        log.info("Running upgrade %s -> %s, %s", ", ".join(revision.down_revision),
                 revision.revision, revision.message or "")
    elif log_step:
        log.info("Running downgrade %s -> %s, %s", revision.revision,
                 ", ".join(revision.down_revision), revision.message or "")
    OnlineContext(connection).run(
        ops, lambda group, err: _failure(connection, step, group, err, committed, whole_run))
    if version_table is not None and not version_table.write(connection, step):
        raise MigrationError(
            f"the version table did not hold the rows expected before revision "
            f"{revision.revision}: another process may be migrating this database",
            hint="check `yamig current` and run the command again",
        )


def _failure(connection: sa.Connection, step, group: list, err: Exception, committed: bool,
             whole_run: bool) -> MigrationError:
    """The error of a failed statement, located at the operation it came from."""
    revision = step.revision
    message = _first_line(err.orig if isinstance(err, exc.DBAPIError) else err)
    op = group[0]
    together = ""
    if len(group) > 1:
        from runner.sql.rebuild import culprit, table_name_of

        op = culprit(group, message)
        together = f" (SQLite rebuilt table {table_name_of(op)} once for {len(group)} operations)"
    return MigrationError(
        f"{op.name} failed in revision {revision.revision}: {message}{together}",
        location=op.location,
        hint=_rollback_hint(connection, revision.revision, step.is_upgrade, committed, whole_run),
    )


def _rollback_hint(connection: sa.Connection, rev_id: str, upgrade: bool, committed: bool = False,
                   whole_run: bool = False) -> str:
    verb = "upgrade" if upgrade else "downgrade"
    if whole_run and transactional_ddl(connection):
        return (f"the whole run was rolled back (transaction_per_migration = false), the revisions "
                f"before {rev_id} included: the database and its version table are as they were "
                "before this command. Fix the revision and run the command again")
    if committed:
        return (f"the operations of {rev_id} before its postgresql_concurrently index were committed "
                f"(it runs outside a transaction) and the version table does not record {rev_id}; "
                "fix the revision, undo or finish what ran by hand, then run the command again")
    if transactional_ddl(connection):
        return (f"the {verb} of {rev_id} was rolled back; the database and its version table are "
                f"as they were before it. Fix the revision and run the command again")
    return (f"{connection.dialect.name} cannot roll back DDL: statements of {rev_id} that ran before "
            f"this one remain, and the version table does not record {rev_id}")


def transactional_ddl(connection: sa.Connection) -> bool:
    """Whether a rollback undoes DDL: on SQLite, when the driver's transaction is explicit (our
    engines), or open (begin_on_driver)."""
    name = connection.dialect.name
    if name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        return dbapi_connection.isolation_level is None or bool(
            getattr(dbapi_connection, "in_transaction", False))
    return name in ("postgresql", "mssql")


def _transaction(connection: sa.Connection):
    if not connection.in_transaction():
        from runner.runtime.engine import begin_on_driver

        transaction = connection.begin()
        begin_on_driver(connection)
        return transaction
    if connection.dialect.name == "sqlite" and not transactional_ddl(connection):
        return nullcontext()  # pysqlite's own transaction handling makes savepoints unreliable
    return connection.begin_nested()


transaction = _transaction  # the public name other modules use (command's `stamp` setup)


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
