"""SQLite: DDL in transactions only when the driver's transaction is explicit, no ALTER for
columns or constraints (the table is rebuilt: runner.sql.rebuild), no comments.

Python's sqlite3 module begins a transaction only before INSERT, UPDATE and DELETE, so DDL
runs outside one and commits at once. yamig's own engines follow the recipe of SQLAlchemy's
pysqlite documentation (no implicit transactions, an explicit BEGIN: prepare_engine); on a
connection from any other engine, begin_on_driver issues the BEGIN itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.compiler import compiles

from runner.sql.ddl import RenameTable
from runner.sql.ddl_alter import ColumnName
from runner.sql.dialects.base import DefaultImpl, rename_column, rename_table_unqualified


class SQLiteImpl(DefaultImpl):
    names = ("sqlite",)
    transactional_ddl = True  # inside the driver's transaction: see transactional_ddl_on
    script_transactions = True  # yamig runs SQLite in transactions online too (Alembic prints none)
    default_schema = "main"
    supports_comments = False
    alters_columns = False
    alters_constraints = False
    shared_server = False  # an embedded file: the findings about live sessions do not apply

    def transactional_ddl_on(self, connection: Any) -> bool:
        """When the driver's transaction is explicit (our engines), or open (begin_on_driver)."""
        dbapi_connection = connection.connection.dbapi_connection
        return dbapi_connection.isolation_level is None or bool(
            getattr(dbapi_connection, "in_transaction", False))

    def savepoints_work(self, connection: Any) -> bool:
        """pysqlite's own transaction handling makes savepoints unreliable."""
        return self.transactional_ddl_on(connection)

    def prepare_engine(self, engine: Any) -> None:
        """No implicit transactions, an explicit BEGIN (pysqlite only: other drivers differ)."""
        if engine.dialect.driver != "pysqlite":
            return

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _explicit_begin(connection):
            connection.exec_driver_sql("BEGIN")

    def begin_on_driver(self, connection: Any) -> None:
        """Open the driver's transaction when SQLAlchemy's has begun but the driver's has not
        (pysqlite's legacy transaction control), so that the DDL that follows is inside it: the
        transaction's rollback then undoes it, and savepoints nest in it."""
        if not connection.in_transaction():
            return
        if getattr(connection.connection.dbapi_connection, "in_transaction", True) is False:
            connection.exec_driver_sql("BEGIN")

    def statement_groups(self, ops: list, context: Any) -> Iterator[tuple[list, list[Any]]]:
        """Consecutive operations that rebuild one table do it in one rebuild of the table as
        `context` has it (runner.sql.rebuild)."""
        from runner.sql import rebuild

        def before_of(op: Any) -> Any:
            name = rebuild.table_name_of(op)
            return context.table(name, op.schema) if name else None

        return rebuild.batched_statements(ops, before_of, lambda op: op.ddl(context),
                                          context.refuse_rebuild)


compiles(RenameTable, "sqlite")(rename_table_unqualified)
compiles(ColumnName, "sqlite")(rename_column)
