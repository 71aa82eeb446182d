"""Transactions on a live connection: what a rollback undoes, a transaction or savepoint, and
running outside one (autocommit_block, postgresql_concurrently). The run loop (runtime.context)
asks for them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import sqlalchemy as sa

from runner.sql.dialects import impl_for


def transactional_ddl(connection: sa.Connection) -> bool:
    """Whether a rollback undoes DDL on this connection, as its dialect says."""
    return impl_for(connection.dialect).transactional_ddl_on(connection)


def transaction(connection: sa.Connection):
    """A transaction, or a savepoint inside the caller's (none where savepoints are unreliable)."""
    impl = impl_for(connection.dialect)
    if not connection.in_transaction():
        begun = connection.begin()
        impl.begin_on_driver(connection)
        return begun
    if not impl.savepoints_work(connection):
        return nullcontext()
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
