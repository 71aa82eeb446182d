"""SQLite: DDL in transactions only when the driver's transaction is explicit, no ALTER for
columns or constraints (the table is rebuilt: runner.sql.rebuild), no comments.

Python's sqlite3 module begins a transaction only before INSERT, UPDATE and DELETE, so DDL
runs outside one and commits at once. yamig's own engines follow the recipe of SQLAlchemy's
pysqlite documentation (no implicit transactions, an explicit BEGIN: prepare_engine); on a
connection from any other engine, begin_on_driver issues the BEGIN itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.compiler import compiles

from runner.config import DEFAULT_LOCK_TIMEOUT
from runner.sql.ddl import RenameTable
from runner.sql.ddl_alter import ColumnName
from runner.sql.dialects.base import DefaultImpl, rename_column, rename_table_unqualified
from runner.sql.dialects.locking import LockFile, wait_for
from runner.sql.dialects.traits import SQLiteTraits

_IMMEDIATE = "yamig.begin_immediate"  # connection.info: this run's transactions write


class SQLiteImpl(DefaultImpl, SQLiteTraits):
    title = "SQLite"
    transactional_ddl = True  # inside the driver's transaction: see transactional_ddl_on
    script_transactions = True  # yamig runs SQLite in transactions online too (Alembic prints none)
    default_schema = "main"
    supports_comments = False
    alters_columns = False
    alters_constraints = False

    def transactional_ddl_on(self, connection: Any) -> bool:
        """When the driver's transaction is explicit (our engines), or open (begin_on_driver)."""
        dbapi_connection = connection.connection.dbapi_connection
        return dbapi_connection.isolation_level is None or bool(
            getattr(dbapi_connection, "in_transaction", False))

    def savepoints_work(self, connection: Any) -> bool:
        """pysqlite's own transaction handling makes savepoints unreliable."""
        return self.transactional_ddl_on(connection)

    def prepare_engine(self, engine: Any, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        """No implicit transactions, an explicit BEGIN (IMMEDIATE in a run that holds the lock:
        its transactions write, and a deferred one that reads first can be refused at once
        when another connection writes), and a busy timeout of `lock_timeout`, unless the URL
        gives `?timeout=` (pysqlite only: other drivers differ)."""
        if engine.dialect.driver != "pysqlite":
            return
        busy_ms = None if "timeout" in engine.url.query else int(min(lock_timeout, 2**31 // 1000) * 1000)

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            if busy_ms is not None:
                dbapi_connection.execute(f"PRAGMA busy_timeout = {busy_ms}")

        @event.listens_for(engine, "begin")
        def _explicit_begin(connection):
            if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return  # an autocommit_block: SQLAlchemy's autobegin, with each statement its own
            connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get(_IMMEDIATE) else "BEGIN")

    @contextmanager
    def lock(self, connection: Any, name: str, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
        """A flock on `<database file>.yamig-lock`, which the OS lets go when the runner dies
        (kill -9 included); nothing for a database in memory, which no other process sees.
        Not `BEGIN IMMEDIATE` held across the run: each revision commits on its own."""
        began = connection.in_transaction()
        rows = connection.exec_driver_sql("PRAGMA database_list").fetchall()
        if not began and connection.in_transaction():
            connection.rollback()
        path = next((row[2] for row in rows if row[1] == "main"), "")
        if not path:
            yield
            return
        lock_file = LockFile(f"{path}.yamig-lock")
        wait_for(lock_file.take, lock_file.holder, path, timeout,
                 hint=f"; {lock_file.path} names the holder")
        connection.info[_IMMEDIATE] = True
        try:
            yield
        finally:
            connection.info.pop(_IMMEDIATE, None)
            lock_file.release()

    def is_lock_conflict(self, error: Any) -> bool:
        """SQLITE_BUSY or SQLITE_LOCKED: "database is locked", "database table is locked"."""
        text = str(getattr(error, "orig", error))
        return "database is locked" in text or "database table is locked" in text \
            or getattr(getattr(error, "orig", None), "sqlite_errorcode", None) in (5, 6)

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
            table = context.table(name, op.schema) if name else None
            if table is not None and table.naming is None and context.naming is not None:
                rebuild.adopt_naming(table, context.naming)  # reflected: new constraints get named
            return table

        return rebuild.batched_statements(ops, before_of, lambda op: op.ddl(context),
                                          context.refuse_rebuild, traits=self)


compiles(RenameTable, "sqlite")(rename_table_unqualified)
compiles(ColumnName, "sqlite")(rename_column)
