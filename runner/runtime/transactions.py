"""Transactions on a live connection: what a rollback undoes, a transaction or savepoint, and
running outside one (postgresql_concurrently). The run loop (runtime.context) asks for them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import sqlalchemy as sa


def transactional_ddl(connection: sa.Connection) -> bool:
    """Whether a rollback undoes DDL: on SQLite, when the driver's transaction is explicit (our
    engines), or open (begin_on_driver)."""
    name = connection.dialect.name
    if name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        return dbapi_connection.isolation_level is None or bool(
            getattr(dbapi_connection, "in_transaction", False))
    return name in ("postgresql", "mssql")


def transaction(connection: sa.Connection):
    """A transaction, or a savepoint inside the caller's (none where savepoints are unreliable)."""
    if not connection.in_transaction():
        from runner.runtime.engine import begin_on_driver

        begun = connection.begin()
        begin_on_driver(connection)
        return begun
    if connection.dialect.name == "sqlite" and not transactional_ddl(connection):
        return nullcontext()  # pysqlite's own transaction handling makes savepoints unreliable
    return connection.begin_nested()


@contextmanager
def autocommit(connection: sa.Connection) -> Iterator[None]:
    """Run the block with each statement committing itself, as Alembic's autocommit_block: what
    is open is committed first, and the isolation level is put back afterwards."""
    level = connection.get_isolation_level()
    if connection.in_transaction():
        connection.commit()
    connection.execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield
    finally:
        if connection.in_transaction():  # SQLAlchemy's autobegin, empty under AUTOCOMMIT
            connection.rollback()
        connection.execution_options(isolation_level=level)
