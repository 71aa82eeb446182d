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
from typing import TYPE_CHECKING, Any

from runner.operations.base import Operation
from runner.schema.state import SchemaState

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext


class BulkInsert(Operation):
    name = "bulk_insert"
    reversible = False

    def validate(self) -> None:
        """A whole number no database column holds (past 64 bits) fails in the driver halfway
        through a run: refused here, where it is written; a Numeric column takes it quoted."""
        for index, row in enumerate(self.args.get("rows") or ()):
            for key, value in (row.items() if isinstance(row, dict) else ()):
                if isinstance(value, int) and not isinstance(value, bool) and \
                        not -2 ** 63 <= value < 2 ** 63:
                    from runner.errors import RevisionFileError

                    raise RevisionFileError(
                        f"bulk_insert into {self.args.get('table_name')}: {key} is {value}, "
                        "larger than any integer column holds (64 bits)",
                        location=self.arg_location("rows", index, key),
                        hint=f"for a Numeric column quote it: {key}: '{value}'")

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        if not table.known or state.opaque:
            return
        for index, row in enumerate(self.args["rows"]):
            for key in row:
                if key not in table.columns:
                    state.problem(self.arg_location("rows", index, key),
                                  f"column {table.name}.{key} does not exist")

    # -- statements ---------------------------------------------------------------------------
    def ddl(self, context: MigrationContext) -> list[Any]:
        """Typed by the columns of the table before it (context.column_types). Offline
        (`as_sql`), one INSERT per row with literal values, as Alembic's --sql writes; online,
        (INSERT, rows) pairs, each an executemany over rows that set the same columns."""
        import sqlalchemy as sa

        rows, literal = self.args["rows"], context.as_sql
        known = context.column_types(self.args["table_name"], self.schema)
        names = list(dict.fromkeys(key for row in rows for key in row))
        types = {name: _type_of(name, known.get(name), rows) for name in names}
        table = sa.Table(self.args["table_name"], sa.MetaData(),
                         *[sa.Column(name, types[name]) for name in names], schema=self.schema)
        typed = [self._typed(i, row, types, literal) for i, row in enumerate(rows)]
        if literal:
            statements: list[Any] = [table.insert().values(row) for row in typed]
            if statements and self._identity_insert(context):
                name = context.dialect.identifier_preparer.format_table(table)
                statements = [f"SET IDENTITY_INSERT {name} ON", *statements,
                              f"SET IDENTITY_INSERT {name} OFF"]
            return statements
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

    def _identity_insert(self, context: MigrationContext) -> bool:
        """SQL Server refuses explicit values for an IDENTITY column unless told (offline only)."""
        if not context.impl.identity_insert:
            return False
        table = context.table(self.args["table_name"], self.schema)
        if table is None:
            return False
        keys = [c for c in table.columns.values() if c.get("primary_key")]
        if len(keys) != 1 or keys[0].get("autoincrement") is False:
            return False
        import sqlalchemy as sa

        from runner.schema.types import parse_type

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
