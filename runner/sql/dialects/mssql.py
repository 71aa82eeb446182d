"""SQL Server: `GO` between statements and BEGIN TRANSACTION in scripts, sp_rename, ADD
without COLUMN, ALTER COLUMN restating the type, DEFAULT and unnamed foreign-key constraints
it names itself (looked up and dropped by that name), comments as extended properties, and
IDENTITY_INSERT for explicit key values."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from runner.schema.types import TypeSpec
from runner.sql.ddl import AddColumn, RenameTable, quoted_table
from runner.sql.ddl_alter import (
    NOT_GIVEN,
    AlterColumn,
    ColumnChange,
    ColumnComment,
    ColumnDefault,
    ColumnName,
    ColumnNullable,
    ColumnType,
    NeedsExistingType,
)
from runner.sql.dialects.base import (
    DefaultImpl,
    add_column_bare,
    alter_table,
    column,
    default_alter_column,
    default_text,
    literal,
    precision_problems,
    string_length_problems,
    type_text,
)
from runner.sql.dialects.traits import MSSQLTraits


class MSSQLDropDefault(AlterColumn):
    """SQL Server names a column's DEFAULT constraint itself: look the name up, drop it by it."""


class MSSQLDropForeignKey(AlterColumn):
    """SQL Server names an unnamed foreign key itself: look up the one on the column, drop it by it."""


class MSSQLImpl(DefaultImpl, MSSQLTraits):
    title = "SQL Server"
    transactional_ddl = True
    batch_separator = "GO"
    begin_text = "BEGIN TRANSACTION"
    script_transactions = True
    default_schema = "dbo"
    alter_column_needs_existing = True  # ALTER COLUMN restates the type and NULL / NOT NULL
    drops_foreign_key_first = True
    identity_insert = True

    def type_limits(self, spec: TypeSpec) -> list[tuple[str, int | str | None]]:
        """VARCHAR, CHAR and the binary types up to 8000 bytes, NVARCHAR and NCHAR up to 4000
        characters (no length: VARCHAR(max), as SQLAlchemy writes it); DECIMAL up to 38 digits."""
        found = string_length_problems(spec, self.title, {sa.Unicode: 4000, sa.String: 8000,
                                                          sa.VARBINARY: 8000, sa.BINARY: 8000})
        return found + precision_problems(spec, self.title, 38)

    def prepare_offline_dialect(self, dialect: Any) -> None:
        """A connection would report the default schema; comments need it."""
        if dialect.default_schema_name is None:
            dialect.default_schema_name = self.default_schema

    def alter_column_statements(self, change: ColumnChange) -> list[AlterColumn]:
        """MSSQLImpl: NULL/NOT NULL restates the type; the default constraint is dropped before
        a new one."""
        nullable, type_, existing_type = change.nullable, change.type_, change.existing_type
        if nullable is not None:
            if type_ is not None:
                existing_type, type_ = type_, None
            elif existing_type is None:
                raise NeedsExistingType("SQL Server's ALTER COLUMN ... NULL/NOT NULL restates the type",
                                        "add existing_type")
        elif change.existing_nullable is not None and type_ is not None:
            nullable, existing_type, type_ = change.existing_nullable, type_, None
        out: list[AlterColumn] = []
        # ADD DEFAULT fails while a default constraint exists: drop it first when one may exist
        if change.server_default is not NOT_GIVEN and (
                change.existing_server_default is not NOT_GIVEN or change.server_default is None):
            out.append(MSSQLDropDefault(change))
        out += default_alter_column(change, nullable=nullable, server_default=NOT_GIVEN, type_=type_,
                                    new_name=None, existing_type=existing_type)
        if change.server_default is not NOT_GIVEN and change.server_default is not None:
            out.append(ColumnDefault(change, default=change.server_default))
        if change.new_name is not None:
            out.append(ColumnName(change, new_name=change.new_name))
        return out

    def before_drop_column(self, change: ColumnChange, args: dict[str, Any]) -> list[Any]:
        """SQL Server refuses to drop a column with a DEFAULT constraint (mssql_drop_default) or
        a foreign key (mssql_drop_foreign_key), as Alembic's flags say."""
        return [*([MSSQLDropDefault(change)] if args.get("mssql_drop_default") else []),
                *([MSSQLDropForeignKey(change)] if args.get("mssql_drop_foreign_key") else [])]

    def drop_unnamed_foreign_key(self, change: ColumnChange) -> list[Any]:
        """Alembic's mssql_drop_foreign_key."""
        return [MSSQLDropForeignKey(change)]


compiles(AddColumn, "mssql")(add_column_bare)


@compiles(RenameTable, "mssql")
def _rename_table(element: RenameTable, compiler, **kw) -> str:
    return (f"EXEC sp_rename '{quoted_table(compiler, element.table_name, element.schema)}', "
            f"{compiler.preparer.quote(element.new_table_name)}")


@compiles(ColumnNullable, "mssql")
def _nullable(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} ALTER COLUMN {column(compiler, element.column_name)} "
            f"{type_text(compiler, element.existing_type)} {'NULL' if element.nullable else 'NOT NULL'}")


@compiles(ColumnType, "mssql")
def _column_type(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} ALTER COLUMN {column(compiler, element.column_name)} "
            f"{type_text(compiler, element.type_)}")


@compiles(ColumnDefault, "mssql")
def _column_default(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} ADD DEFAULT {default_text(compiler, element.default)} "
            f"FOR {column(compiler, element.column_name)}")


@compiles(ColumnName, "mssql")
def _column_name(element, compiler, **kw) -> str:
    return (f"EXEC sp_rename '{quoted_table(compiler, element.table_name, element.schema)}."
            f"{column(compiler, element.column_name)}', {column(compiler, element.new_name)}, 'COLUMN'")


@compiles(ColumnComment, "mssql")
def _column_comment(element, compiler, **kw) -> str:
    schema = element.schema or compiler.dialect.default_schema_name or MSSQLImpl.default_schema
    target = (f"'schema', {compiler.preparer.quote_schema(schema)}, "
              f"'table', {compiler.preparer.quote(element.table_name)}, "
              f"'column', {compiler.preparer.quote(element.column_name)}")
    if element.comment is None:
        return f"exec sp_dropextendedproperty 'MS_Description', {target}"
    procedure = "sp_updateextendedproperty" if element.change.existing_comment is not None \
        else "sp_addextendedproperty"
    comment = literal(compiler, element.comment, sa.NVARCHAR())
    return f"exec {procedure} 'MS_Description', {comment}, {target}"


@compiles(MSSQLDropDefault)
def _drop_default(element, compiler, **kw) -> str:
    schema_dot = element.schema + "." if element.schema else ""
    return (
        "declare @const_name varchar(256)\n"
        "select @const_name = QUOTENAME([name]) from sys.default_constraints\n"
        f"where parent_object_id = object_id('{schema_dot}{element.table_name}')\n"
        f"and col_name(parent_object_id, parent_column_id) = '{element.column_name}'\n"
        f"exec('alter table {quoted_table(compiler, element.table_name, element.schema)} "
        "drop constraint ' + @const_name)"
    )


@compiles(MSSQLDropForeignKey)
def _drop_foreign_key(element, compiler, **kw) -> str:
    schema_dot = element.schema + "." if element.schema else ""
    return (
        "declare @const_name varchar(256)\n"
        "select @const_name = QUOTENAME([name]) from\n"
        "sys.foreign_keys fk join sys.foreign_key_columns fkc\n"
        "on fk.object_id=fkc.constraint_object_id\n"
        f"where fkc.parent_object_id = object_id('{schema_dot}{element.table_name}')\n"
        f"and col_name(fkc.parent_object_id, fkc.parent_column_id) = '{element.column_name}'\n"
        f"exec('alter table {quoted_table(compiler, element.table_name, element.schema)} "
        "drop constraint ' + @const_name)"
    )
