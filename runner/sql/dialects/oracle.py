"""Oracle: no statement terminator and `/` between statements in scripts, MODIFY for a
column's nullability, type and default, ADD without COLUMN, and COMMENT ON with '' for none."""

from __future__ import annotations

from sqlalchemy.ext.compiler import compiles

from runner.sql.ddl import AddColumn, RenameTable
from runner.sql.ddl_alter import ColumnComment, ColumnDefault, ColumnName, ColumnNullable, ColumnType
from runner.sql.dialects.base import (
    DefaultImpl,
    add_column_bare,
    alter_table,
    column,
    comment_on_column,
    default_text,
    literal,
    rename_column,
    rename_table_unqualified,
    type_text,
)
from runner.sql.dialects.traits import OracleTraits


class OracleImpl(DefaultImpl, OracleTraits):
    terminator = ""
    batch_separator = "/"


compiles(RenameTable, "oracle")(rename_table_unqualified)
compiles(AddColumn, "oracle")(add_column_bare)
compiles(ColumnName, "oracle")(rename_column)


@compiles(ColumnNullable, "oracle")
def _nullable(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} MODIFY {column(compiler, element.column_name)} "
            f"{'NULL' if element.nullable else 'NOT NULL'}")


@compiles(ColumnType, "oracle")
def _column_type(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} MODIFY {column(compiler, element.column_name)} "
            f"{type_text(compiler, element.type_)}")


@compiles(ColumnDefault, "oracle")
def _column_default(element, compiler, **kw) -> str:
    value = "NULL" if element.default is None else default_text(compiler, element.default)
    return f"{alter_table(compiler, element)} MODIFY {column(compiler, element.column_name)} DEFAULT {value}"


@compiles(ColumnComment, "oracle")
def _column_comment(element, compiler, **kw) -> str:
    # '' is NULL in Oracle: no comment
    return comment_on_column(element, compiler, literal(compiler, element.comment or ""))
