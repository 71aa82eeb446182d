"""PostgreSQL: transactional DDL, an advisory lock for the run, enums as types of their own,
CONCURRENTLY outside a transaction, and the names it gives unnamed constraints."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.compiler import compiles

from runner.config import DEFAULT_LOCK_TIMEOUT
from runner.schema.constraints import postgresql_default_name
from runner.schema.types import TypeSpec
from runner.sql.ddl import AddEnumValue, RenameEnumValue, RenameTable, quoted_table
from runner.sql.ddl_alter import ColumnChange, ColumnType
from runner.sql.dialects.base import (
    DefaultImpl,
    default_alter_column,
    rename_table_unqualified,
    string_length_problems,
)
from runner.sql.dialects.locking import since, wait_for
from runner.sql.dialects.traits import PostgresqlTraits

# who holds a bigint advisory lock: its high and low 32 bits are classid and objid, objsubid 1
_HOLDER = sa.text(
    "SELECT a.pid, a.application_name, a.client_addr::text, a.backend_start FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid::bigint = :c AND l.objid::bigint = :o AND l.objsubid = 1 LIMIT 1")


def _native(spec: TypeSpec) -> bool:
    """Whether an Enum is the database's own enum type (native_enum=False makes it a VARCHAR)."""
    given = spec.argument("native_enum")
    return given is None or given[1] is not False


class PostgresqlImpl(DefaultImpl, PostgresqlTraits):
    title = "PostgreSQL"
    transactional_ddl = True
    script_transactions = True
    default_schema = "public"
    named_enum_types = True
    type_equivalents = {"FLOAT": "DOUBLE PRECISION", "FLOAT(53)": "DOUBLE PRECISION",
                        "DOUBLE": "DOUBLE PRECISION", "TIMESTAMP": "TIMESTAMP WITHOUT TIME ZONE",
                        "TIME": "TIME WITHOUT TIME ZONE", "DECIMAL": "NUMERIC"}

    def type_limits(self, spec: TypeSpec) -> list[tuple[str, int | str | None]]:
        """VARCHAR(n) and CHAR(n) up to 10485760; a native enum is a type of its own (CREATE TYPE),
        so it needs a name, and each of its labels fits in 63 bytes. (NUMERIC's precision up to
        1000 and the fractional seconds up to 6 are every database's limits:
        schema.type_arguments.check_arguments.)"""
        found = string_length_problems(spec, self.title, {sa.String: 10485760})
        if issubclass(spec.sqlalchemy_class(), sa.Enum) and _native(spec):
            name = spec.argument("name")
            if name is None or not name[1]:
                found.append(("PostgreSQL makes an enum a type of its own (CREATE TYPE), which needs a "
                              "name: add name='...' (or native_enum=False for a VARCHAR)", None))
            for i, label in enumerate(spec.args):
                if isinstance(label, str) and len(label.encode()) > 63:
                    found.append((f"the label '{label[:20]}...' is {len(label.encode())} bytes; "
                                  "PostgreSQL takes at most 63", i))
        return found

    @contextmanager
    def lock(self, connection: Any, name: str, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
        """An advisory lock on `name`: for the transaction when one is open (a caller's), else
        for the session, taken and held outside any transaction, so that the holder's CREATE
        INDEX CONCURRENTLY, which waits for every open snapshot, waits for no waiting runner:
        those poll pg_try_advisory_lock, idle in no transaction between tries."""
        key = zlib.crc32(name.encode()) - 2**31
        own = not connection.in_transaction()
        function = "pg_try_advisory_lock" if own else "pg_try_advisory_xact_lock"

        def take() -> bool:
            taken = connection.execute(sa.text(f"SELECT {function}(:k)"), {"k": key}).scalar()
            if own:
                connection.commit()
            return bool(taken)

        def holder() -> str:
            found = connection.execute(_HOLDER, {"c": (key >> 32) & 0xFFFFFFFF,
                                                 "o": key & 0xFFFFFFFF}).first()
            if own:
                connection.commit()
            if found is None:
                return "another session (it has just let go)"
            pid, application, client, started = found
            where = f" from {client}" if client else ""
            what = f"application_name {application!r}" if application else "no application_name"
            return (f"PostgreSQL backend pid {pid} ({what}{where}), connected "
                    + (since(started) if started else "since an unknown time"))

        wait_for(take, holder, f"{name} (advisory lock {key})", timeout,
                 hint="; a session that is stuck can be ended with SELECT pg_terminate_backend(pid)")
        if not own:
            yield
            return
        try:
            yield
        finally:
            if connection.in_transaction():
                connection.rollback()
            connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()

    def prepare_engine(self, engine: Any, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        """application_name `yamig` unless the URL names one, so a waiting run can tell who
        holds the lock (psycopg and psycopg2, which take it as a connect argument)."""
        if engine.dialect.driver not in ("psycopg", "psycopg2"):
            return

        @event.listens_for(engine, "do_connect")
        def _application_name(_dialect, _record, _args, params):
            params.setdefault("application_name", "yamig")

        @event.listens_for(engine, "connect")
        def _notice_a_dead_client(dbapi_connection, _record):
            """A backend waiting on a lock reads nothing from its socket, so a runner killed while
            a CONCURRENTLY build waits would leave the build going on, to finish unrecorded (the
            rerun then fails on an index that exists). From PostgreSQL 14 the server can check
            the client while it waits: then the killed build aborts, INVALID, which the rerun
            drops and builds again."""
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT current_setting('server_version_num')::int")
                if cursor.fetchone()[0] >= 140000:
                    cursor.execute("SET client_connection_check_interval = 1000")
            finally:
                cursor.close()
            dbapi_connection.commit()

    def runs_outside_transaction(self, args: dict[str, Any]) -> bool:
        """CREATE / DROP INDEX CONCURRENTLY refuses to run inside a transaction."""
        return bool(args.get("postgresql_concurrently"))

    def index_validity(self, connection: Any, name: str, schema: str | None) -> bool | None:
        """pg_index.indisvalid: false for an index a CONCURRENTLY build did not finish (it
        failed, or was killed), which PostgreSQL keeps and IF NOT EXISTS takes as there."""
        return connection.execute(sa.text(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())"),
            {"name": name, "schema": schema}).scalar()

    def index_build_check(self, args: dict[str, Any]) -> Any | None:
        """After a CONCURRENTLY build, an error unless its index is valid (a concurrent IF NOT
        EXISTS may have found another's unfinished one)."""
        if not args.get("postgresql_concurrently"):
            return None
        name, schema = _literal(args["index_name"]), _literal(args.get("schema"))
        return sa.text((
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE c.relname = {name} AND n.nspname = coalesce({schema}, current_schema()) "
            f"AND NOT i.indisvalid) THEN RAISE EXCEPTION 'index % is INVALID after its build', {name}; "
            "END IF; END $$").replace(":", "\\:"))

    def create_named_types(self, types: list[Any]) -> list[Any]:
        """A named native Enum is created before the table or column that uses it."""
        from sqlalchemy.dialects.postgresql.named_types import CreateEnumType

        return [CreateEnumType(t) for t in types if _named_enum(t)]

    def drop_named_types(self, types: list[Any]) -> list[Any]:
        from sqlalchemy.dialects.postgresql.named_types import DropEnumType

        return [DropEnumType(t) for t in types if _named_enum(t)]

    def alter_column_statements(self, change: ColumnChange) -> list[Any]:
        """PostgresqlImpl: the type first, then the rest as the default implementation does."""
        first = [ColumnType(change, type_=change.type_)] if change.type_ is not None else []
        return first + default_alter_column(change, type_=None)

    def default_constraint_name(self, table: str, kind: str, columns: list[str] | tuple[str, ...]
                                ) -> str | None:
        return postgresql_default_name(table, kind, columns)


def _literal(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def _named_enum(type_: Any) -> bool:
    """A native Enum with a name that makes its type (create_type=False uses an existing one)."""
    return (isinstance(type_, sa.Enum) and bool(type_.native_enum) and bool(type_.name)
            and getattr(type_, "create_type", True) is not False)


compiles(RenameTable, "postgresql")(rename_table_unqualified)


def _string(compiler, value: str) -> str:
    return compiler.sql_compiler.render_literal_value(value, sa.String())


@compiles(AddEnumValue, "postgresql")
def _add_enum_value(element: AddEnumValue, compiler, **kw) -> str:
    text = f"ALTER TYPE {quoted_table(compiler, element.name, element.schema)} ADD VALUE "
    text += ("IF NOT EXISTS " if element.if_not_exists else "") + _string(compiler, element.value)
    if element.before is not None:
        text += f" BEFORE {_string(compiler, element.before)}"
    elif element.after is not None:
        text += f" AFTER {_string(compiler, element.after)}"
    return text


@compiles(RenameEnumValue, "postgresql")
def _rename_enum_value(element: RenameEnumValue, compiler, **kw) -> str:
    return (f"ALTER TYPE {quoted_table(compiler, element.name, element.schema)} RENAME VALUE "
            f"{_string(compiler, element.old)} TO {_string(compiler, element.new)}")
