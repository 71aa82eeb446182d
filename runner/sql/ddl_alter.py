"""The DDL elements alter_column becomes, and its arguments as SQLAlchemy values.

Each element is an ALTER on a table known by name only. Which elements one alter_column
becomes, in which order, and how each is spelled is the dialect's: its impl's
`alter_column_statements` and its module's `@compiles` in runner.sql.dialects, which follow
Alembic's (alembic/ddl/base.py, postgresql.py, mysql.py, mssql.py, oracle.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner.sql.ddl import AlterTable


class _NotGiven:
    """An argument the revision left out (server_default: null means "drop it")."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()


@dataclass
class ColumnChange:
    """One alter_column's arguments as SQLAlchemy values."""

    table_name: str
    column_name: str
    schema: str | None = None
    nullable: bool | None = None
    type_: Any = None
    using: str | None = None  # postgresql_using
    server_default: Any = NOT_GIVEN
    new_name: str | None = None
    comment: Any = NOT_GIVEN
    existing_type: Any = None
    existing_nullable: bool | None = None
    existing_server_default: Any = NOT_GIVEN
    existing_comment: str | None = None


class NeedsExistingType(Exception):
    """The dialect restates the column (MySQL's CHANGE/MODIFY, SQL Server's NULL/NOT NULL): its
    type must be known. `reason` says what the dialect restates, `hint` what to add."""

    def __init__(self, reason: str, hint: str):
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


# -- elements -------------------------------------------------------------------------------

class AlterColumn(AlterTable):
    def __init__(self, change: ColumnChange, **values: Any):
        super().__init__(change.table_name, change.schema)
        self.column_name = change.column_name
        self.change = change
        self.__dict__.update(values)


class ColumnNullable(AlterColumn):
    nullable: bool
    existing_type: Any


class ColumnType(AlterColumn):
    type_: Any


class ColumnDefault(AlterColumn):
    default: Any  # None drops it


class ColumnName(AlterColumn):
    new_name: str


class ColumnComment(AlterColumn):
    comment: str | None
