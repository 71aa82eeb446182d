"""Oracle: no statement terminator and `/` between statements in scripts, MODIFY for a
column's nullability, type and default, ADD without COLUMN, and COMMENT ON with '' for none."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from runner.schema.types import TypeSpec
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
    precision_problems,
    rename_column,
    rename_table_unqualified,
    string_length_problems,
    type_text,
)
from runner.sql.dialects.traits import OracleTraits


class OracleImpl(DefaultImpl, OracleTraits):
    title = "Oracle"
    terminator = ""
    batch_separator = "/"

    def type_limits(self, spec: TypeSpec) -> list[tuple[str, int | str | None]]:
        """VARCHAR2 needs a length, up to 4000 (MAX_STRING_SIZE STANDARD, the default; String and
        Unicode are VARCHAR2 here), NVARCHAR2 and CHAR up to 2000, NCHAR up to 1000, RAW up to
        2000; NUMBER up to 38 digits."""
        limits: dict[type, int] = {sa.NCHAR: 1000, sa.NVARCHAR: 2000, sa.CHAR: 2000,
                                          sa.String: 4000}
        if spec.name == "RAW":
            limits = {spec.sqlalchemy_class(): 2000}
        return (string_length_problems(spec, self.title, limits, needs_length=True)
                + precision_problems(spec, self.title, 38))


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
