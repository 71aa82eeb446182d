"""bulk_insert: rows written as YAML, bound with the types of the columns they go into.

YAML gives strings, numbers and booleans; a Date, DateTime, Numeric or JSON column needs the
Python value its type binds, so each value is converted by its column's type. Online the types
come from the table as the database has it (reflected); offline, from the replayed schema state,
and the rows become INSERT statements with literal values, one per row, as Alembic's --sql does.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import Any

from runner.operations.base import Operation
from runner.state import SchemaState


class BulkInsert(Operation):
    name = "bulk_insert"
    reversible = False

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        if not table.known or state.opaque:
            return
        for index, row in enumerate(self.args["rows"]):
            for key in row:
                if key not in table.columns:
                    state.problem(self.arg_location("rows", index, key),
                                  f"column {table.name}.{key} does not exist")

    # -- the column types ---------------------------------------------------------------------
    def types_from_state(self, state: SchemaState) -> dict[str, Any]:
        """SQLAlchemy types of the columns, as the replayed state defines them."""
        from runner.types import parse_type

        table = state.table(self.args["table_name"], self.schema)
        if table is None or not table.known:
            return {}
        return {name: parse_type(column["type"]).to_sqlalchemy() for name, column in table.columns.items()}

    def types_from_database(self, connection: Any) -> dict[str, Any]:
        """SQLAlchemy types of the columns, as the database has them (also what raw SQL made)."""
        import sqlalchemy as sa

        inspector, name = sa.inspect(connection), self.args["table_name"]
        if not inspector.has_table(name, schema=self.schema):
            return {}
        return {c["name"]: c["type"] for c in inspector.get_columns(name, schema=self.schema)}

    # -- statements ---------------------------------------------------------------------------
    def ddl(self, dialect: Any, types: dict[str, Any] | None = None, literal: bool = True) -> list[Any]:
        """Offline (`literal`), one INSERT per row with literal values, as Alembic's --sql writes;
        online, (INSERT, rows) pairs, each an executemany over rows that set the same columns."""
        import sqlalchemy as sa

        rows = self.args["rows"]
        names = list(dict.fromkeys(key for row in rows for key in row))
        types = {name: _type_of(name, (types or {}).get(name), rows) for name in names}
        table = sa.Table(self.args["table_name"], sa.MetaData(),
                         *[sa.Column(name, types[name]) for name in names], schema=self.schema)
        typed = [self._typed(i, row, types, literal) for i, row in enumerate(rows)]
        if literal:
            return [table.insert().values(row) for row in typed]
        groups: dict[tuple, list[dict[str, Any]]] = {}
        for row in typed:
            groups.setdefault(tuple(row), []).append(row)
        return [(table.insert(), group) for group in groups.values()]

    def _typed(self, index: int, row: dict[str, Any], types: dict[str, Any], literal: bool) -> dict:
        from runner.errors import MigrationError

        typed = {}
        for key, value in row.items():
            try:
                typed[key] = _value(value, types[key], literal)
            except (ValueError, TypeError, decimal.InvalidOperation):
                raise MigrationError(
                    f"bulk_insert into {self.args['table_name']}: {value!r} is not a value of "
                    f"column {key} ({types[key]})",
                    location=self.arg_location("rows", index, key),
                    hint="write booleans as true or false, dates as 2026-01-31, times as 10:00:00, "
                         "numbers as numbers",
                ) from None
        return typed

    def offline_ddl(self, dialect: Any, state: SchemaState) -> list[Any]:
        """The INSERTs with literal values, typed from the state before this operation."""
        statements: list[Any] = self.ddl(dialect, self.types_from_state(state))
        if statements and self._identity_insert(state, dialect):
            table = dialect.identifier_preparer.format_table(statements[0].table)
            statements = [f"SET IDENTITY_INSERT {table} ON", *statements, f"SET IDENTITY_INSERT {table} OFF"]
        return statements

    def _identity_insert(self, state: SchemaState, dialect: Any) -> bool:
        """SQL Server refuses explicit values for an IDENTITY column unless told (offline only)."""
        if dialect.name != "mssql":
            return False
        table = state.table(self.args["table_name"], self.schema)
        if table is None or not table.known:
            return False
        keys = [c for c in table.columns.values() if c.get("primary_key")]
        if len(keys) != 1 or keys[0].get("autoincrement") is False:
            return False
        import sqlalchemy as sa

        from runner.types import parse_type

        if not isinstance(parse_type(keys[0]["type"]).to_sqlalchemy(), sa.Integer):
            return False
        return any(keys[0]["name"] in row for row in self.args["rows"])


def _type_of(name: str, known: Any, rows: list[dict[str, Any]]) -> Any:
    """The column's type; for a column the state does not know, the type of its first value."""
    import sqlalchemy as sa

    if known is not None:
        return known
    for row in rows:
        value = row.get(name)
        if isinstance(value, (dict, list)):
            return sa.JSON()
        if value is not None:
            return sa.literal(value).type
    return sa.String()


def _value(value: Any, type_: Any, literal: bool) -> Any:
    """A YAML value as the Python value `type_` binds."""
    import sqlalchemy as sa

    if value is None:
        return None
    if isinstance(type_, sa.ARRAY) and isinstance(value, list):
        return _array(value, type_)
    if isinstance(value, (dict, list)) and (literal or not isinstance(type_, sa.JSON)):
        # no literal renderer for JSON; and a JSON column reflected as text (MariaDB) takes the text
        return sa.literal(json.dumps(value), sa.String()) if literal else json.dumps(value)
    if isinstance(type_, sa.JSON):
        return value
    if isinstance(type_, sa.Boolean) and not (isinstance(value, bool) or value in (0, 1)):
        raise ValueError("not a boolean")  # SQLAlchemy would fail on it while binding
    if isinstance(type_, (sa.Date, sa.DateTime, sa.Time)) and not isinstance(
            value, (str, datetime.date, datetime.time)):
        raise ValueError("not a date or time")
    if not isinstance(value, str):
        if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float) and not isinstance(value, bool):
            return decimal.Decimal(str(value))
        return value
    if isinstance(type_, sa.DateTime):
        return datetime.datetime.fromisoformat(value)
    if isinstance(type_, sa.Date):
        return datetime.date.fromisoformat(value)
    if isinstance(type_, sa.Time):
        return datetime.time.fromisoformat(value)
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
        return decimal.Decimal(value)
    if isinstance(type_, sa.Integer):  # SQLite would store the text as it is
        return int(value)
    if isinstance(type_, sa.Float):
        return float(value)
    if isinstance(type_, sa.Uuid) and type_.as_uuid:
        return uuid.UUID(value)
    if isinstance(type_, sa.LargeBinary):
        return value.encode("utf-8")
    return value


def _array(values: list[Any], type_: Any) -> list[Any]:
    """A YAML list for an ARRAY column: its items converted by the item type, nested lists kept."""
    return [_array(v, type_) if isinstance(v, list) else _value(v, type_.item_type, False) for v in values]
