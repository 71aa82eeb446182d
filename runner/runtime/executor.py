"""Running a plan against a database: the version table, transactions, locking.

One transaction per revision by default (all in one with
`transaction_per_migration = false`). A connection handed in through
`config.attributes["connection"]` is used inside the caller's transaction,
each revision in a savepoint, so a failure never leaves half a revision.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from runner.errors import MigrationError
from runner.runtime.context import parts_of
from runner.runtime.online import OnlineContext
from runner.runtime.transactions import transaction, transactional_ddl
from runner.runtime.version_table import VersionTable
from runner.sql.dialects import impl_for

log = logging.getLogger("runner")


def migrate(connection: sa.Connection, config, plan, ops_for, graph=None) -> list:
    """Read the version rows, plan with `plan(current_rows)`, and run each step.

    Every step's operations (`ops_for(step)`) are prepared before anything runs,
    so an irreversible revision is refused before the database is touched. The
    revision `graph` lets the operations ask for the replayed schema as offline.
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
        prepared = [(step, _parts(connection, step, ops_for(step), own)) for step in steps]
        # In one transaction whose DDL rolls back too, only the net change of the version rows
        # is written. Where DDL commits by itself (MySQL), each revision's row still matters.
        net = not per_migration and bool(steps) and transactional_ddl(connection)
        context = OnlineContext(connection, version_table, current, net=net,
                                whole_run=not per_migration and not caller_transaction, graph=graph)
        context.run_steps(prepared, per_migration)
    return steps


def _parts(connection: sa.Connection, step, ops, own_transactions: bool) -> list:
    """The step's parts (runtime.context.parts_of). A part outside a transaction needs a
    transaction per revision that yamig owns; otherwise it is refused before anything runs."""
    parts = parts_of(connection.dialect, ops)
    if len(parts) > 1 and not own_transactions:
        op = next(op for op in ops if op.runs_outside_transaction(connection.dialect))
        raise MigrationError(
            f"{op.name} with postgresql_concurrently must run outside a transaction, and revision "
            f"{step.revision.revision} runs inside one that yamig does not commit per revision",
            location=op.location,
            hint="set transaction_per_migration = true and do not pass a connection in a transaction, "
                 "or leave postgresql_concurrently out")
    return parts


def stamp(connection: sa.Connection, config, plan, purge: bool = False) -> None:
    """Set the version rows to what `plan(current_rows)` says, running no migration."""
    version_table = VersionTable(config.version_table, config.version_table_schema)
    caller_transaction = connection.in_transaction()
    with _lock(connection, version_table):
        current = version_table.heads(connection)
        if not caller_transaction and connection.in_transaction():
            connection.commit()
        with transaction(connection):
            version_table.create(connection)
            if purge:
                connection.execute(version_table.table.delete())
                current = ()
            for step in plan(current):
                log.info("Stamping %s", ", ".join(step.rows_after) or "base")
                for statement, _ in version_table.statements(step):
                    connection.execute(statement)


def _lock(connection: sa.Connection, version_table: VersionTable):
    """The database's lock for a run, so two deploys cannot migrate at once (PostgreSQL: an
    advisory lock), named after the version table it guards."""
    table = version_table.table
    return impl_for(connection.dialect).lock(connection, f"yamig:{table.schema or ''}.{table.name}")
