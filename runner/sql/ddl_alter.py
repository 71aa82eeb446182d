"""DDL for alter_column, spelled per dialect as Alembic spells it.

Each element is an ALTER on a table known by name only; `@compiles` picks the
dialect's spelling (alembic/ddl/base.py, postgresql.py, mysql.py, mssql.py,
oracle.py). Which elements one alter_column becomes, and in which order, is
`alter_column_statements`, which follows each dialect's `Impl.alter_column`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import sqltypes

from runner.sql.ddl import AlterTable, quoted_table


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


class MySQLNeedsType(Exception):
    """MySQL's CHANGE/MODIFY COLUMN restates the column: its type must be known."""


class MSSQLNeedsType(Exception):
    """SQL Server's ALTER COLUMN ... NULL/NOT NULL restates the column's type."""


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


class MySQLModifyColumn(AlterColumn):
    """MODIFY c <type> NULL|NOT NULL [DEFAULT ...] [COMMENT ...]: MySQL restates the whole column."""

    new_name: str
    type_: Any
    nullable: bool
    default: Any
    comment: str | None


class MySQLChangeColumn(MySQLModifyColumn):
    """CHANGE old new <spec>: the same restatement under a (possibly) new name."""


class MySQLAlterDefault(ColumnDefault):
    pass


class MSSQLDropDefault(AlterColumn):
    """SQL Server names a column's DEFAULT constraint itself: look the name up, drop it by it."""


class MSSQLDropForeignKey(AlterColumn):
    """SQL Server names an unnamed foreign key itself: look up the one on the column, drop it by it."""


def _alter(compiler, element: AlterTable) -> str:
    return f"ALTER TABLE {quoted_table(compiler, element.table_name, element.schema)}"


def _col(compiler, name: str) -> str:
    return compiler.preparer.quote(name)


def _type(compiler, type_: Any) -> str:
    return compiler.dialect.type_compiler.process(type_)


def _default(compiler, default: Any) -> str:
    return compiler.get_column_default_string(sa.Column("x", sa.Integer, server_default=default))


def _literal(compiler, value: str, type_: Any = None) -> str:
    return compiler.sql_compiler.render_literal_value(value, type_ if type_ is not None else sa.String())


@compiles(ColumnNullable)
def _nullable(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} ALTER COLUMN {_col(compiler, element.column_name)} "
            f"{'DROP NOT NULL' if element.nullable else 'SET NOT NULL'}")


@compiles(ColumnNullable, "mssql")
def _nullable_mssql(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} ALTER COLUMN {_col(compiler, element.column_name)} "
            f"{_type(compiler, element.existing_type)} {'NULL' if element.nullable else 'NOT NULL'}")


@compiles(ColumnNullable, "oracle")
def _nullable_oracle(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} MODIFY {_col(compiler, element.column_name)} "
            f"{'NULL' if element.nullable else 'NOT NULL'}")


@compiles(ColumnType)
def _column_type(element, compiler, **kw) -> str:
    using = f" USING {element.change.using}" if element.change.using else ""
    return (f"{_alter(compiler, element)} ALTER COLUMN {_col(compiler, element.column_name)} "
            f"TYPE {_type(compiler, element.type_)}{using}")


@compiles(ColumnType, "mssql")
def _column_type_mssql(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} ALTER COLUMN {_col(compiler, element.column_name)} "
            f"{_type(compiler, element.type_)}")


@compiles(ColumnType, "oracle")
def _column_type_oracle(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} MODIFY {_col(compiler, element.column_name)} "
            f"{_type(compiler, element.type_)}")


@compiles(ColumnDefault)
@compiles(MySQLAlterDefault)
def _column_default(element, compiler, **kw) -> str:
    action = ("DROP DEFAULT" if element.default is None
              else f"SET DEFAULT {_default(compiler, element.default)}")
    return f"{_alter(compiler, element)} ALTER COLUMN {_col(compiler, element.column_name)} {action}"


@compiles(ColumnDefault, "mssql")
def _column_default_mssql(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} ADD DEFAULT {_default(compiler, element.default)} "
            f"FOR {_col(compiler, element.column_name)}")


@compiles(ColumnDefault, "oracle")
def _column_default_oracle(element, compiler, **kw) -> str:
    value = "NULL" if element.default is None else _default(compiler, element.default)
    return f"{_alter(compiler, element)} MODIFY {_col(compiler, element.column_name)} DEFAULT {value}"


@compiles(ColumnName)
def _column_name(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} RENAME {_col(compiler, element.column_name)} "
            f"TO {_col(compiler, element.new_name)}")


@compiles(ColumnName, "sqlite")
@compiles(ColumnName, "oracle")
def _column_name_column(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} RENAME COLUMN {_col(compiler, element.column_name)} "
            f"TO {_col(compiler, element.new_name)}")


@compiles(ColumnName, "mssql")
def _column_name_mssql(element, compiler, **kw) -> str:
    return (f"EXEC sp_rename '{quoted_table(compiler, element.table_name, element.schema)}."
            f"{_col(compiler, element.column_name)}', {_col(compiler, element.new_name)}, 'COLUMN'")


@compiles(ColumnComment)
def _column_comment(element, compiler, **kw) -> str:
    # PostgreSQL's spelling; on Oracle too, where Alembic leaves the names unquoted and drops
    # the schema (commenting a same-named table of the current schema instead)
    comment = _literal(compiler, element.comment) if element.comment is not None else "NULL"
    if compiler.dialect.name == "oracle":
        comment = _literal(compiler, element.comment or "")  # '' is NULL in Oracle: no comment
    return (f"COMMENT ON COLUMN {quoted_table(compiler, element.table_name, element.schema)}."
            f"{_col(compiler, element.column_name)} IS {comment}")


@compiles(ColumnComment, "mssql")
def _column_comment_mssql(element, compiler, **kw) -> str:
    schema = element.schema or compiler.dialect.default_schema_name or "dbo"
    target = (f"'schema', {compiler.preparer.quote_schema(schema)}, "
              f"'table', {compiler.preparer.quote(element.table_name)}, "
              f"'column', {compiler.preparer.quote(element.column_name)}")
    if element.comment is None:
        return f"exec sp_dropextendedproperty 'MS_Description', {target}"
    procedure = "sp_updateextendedproperty" if element.change.existing_comment is not None \
        else "sp_addextendedproperty"
    comment = _literal(compiler, element.comment, sa.NVARCHAR())
    return f"exec {procedure} 'MS_Description', {comment}, {target}"


def _mysql_colspec(element, compiler) -> str:
    spec = f"{_type(compiler, element.type_)} {'NULL' if element.nullable else 'NOT NULL'}"
    if element.default is not NOT_GIVEN and element.default is not None:
        spec += f" DEFAULT {_default(compiler, element.default)}"
    if element.comment is not None:
        spec += f" COMMENT {_literal(compiler, element.comment)}"
    return spec


@compiles(MySQLModifyColumn)
def _mysql_modify(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} MODIFY {_col(compiler, element.column_name)} "
            f"{_mysql_colspec(element, compiler)}")


@compiles(MySQLChangeColumn)
def _mysql_change(element, compiler, **kw) -> str:
    return (f"{_alter(compiler, element)} CHANGE {_col(compiler, element.column_name)} "
            f"{_col(compiler, element.new_name)} {_mysql_colspec(element, compiler)}")


@compiles(MSSQLDropDefault)
def _mssql_drop_default(element, compiler, **kw) -> str:
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
def _mssql_drop_foreign_key(element, compiler, **kw) -> str:
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


# -- which elements, in which order ---------------------------------------------------------

def alter_column_statements(change: ColumnChange, dialect_name: str) -> list[AlterColumn]:
    if dialect_name in ("mysql", "mariadb"):
        return _mysql(change)
    if dialect_name == "mssql":
        return _mssql(change)
    if dialect_name == "postgresql":
        # PostgresqlImpl: the type first, then the rest as the default implementation does
        first = [ColumnType(change, type_=change.type_)] if change.type_ is not None else []
        return first + _default_impl(change, type_=None)
    return _default_impl(change)


def _default_impl(change: ColumnChange, **override: Any) -> list[AlterColumn]:
    """DefaultImpl.alter_column: nullable, default, type, comment, and the new name last."""
    c = {"nullable": change.nullable, "server_default": change.server_default, "type_": change.type_,
         "comment": change.comment, "new_name": change.new_name, "existing_type": change.existing_type}
    c.update(override)
    out: list[AlterColumn] = []
    if c["nullable"] is not None:
        out.append(ColumnNullable(change, nullable=c["nullable"], existing_type=c["existing_type"]))
    if c["server_default"] is not NOT_GIVEN:
        out.append(ColumnDefault(change, default=c["server_default"]))
    if c["type_"] is not None:
        out.append(ColumnType(change, type_=c["type_"]))
    if c["comment"] is not NOT_GIVEN:
        out.append(ColumnComment(change, comment=c["comment"]))
    if c["new_name"] is not None:
        out.append(ColumnName(change, new_name=c["new_name"]))
    return out


def _mysql(change: ColumnChange) -> list[AlterColumn]:
    """MySQLImpl: CHANGE for a rename, MODIFY for the rest, ALTER COLUMN for a default alone."""
    type_ = change.type_ if change.type_ is not None else change.existing_type
    # as Alembic: a DateTime column goes through CHANGE unless the default is being dropped
    datetime_default = (type_ is not None and type_._type_affinity is sqltypes.DateTime
                        and change.server_default is not None)
    if change.new_name is not None or datetime_default:
        cls: type[MySQLModifyColumn] = MySQLChangeColumn
    elif change.nullable is not None or change.type_ is not None or change.comment is not NOT_GIVEN:
        cls = MySQLModifyColumn
    elif change.server_default is not NOT_GIVEN:
        return [MySQLAlterDefault(change, default=change.server_default)]
    else:
        return []
    if type_ is None:
        raise MySQLNeedsType()
    nullable = change.nullable if change.nullable is not None else (
        change.existing_nullable if change.existing_nullable is not None else True)
    default = change.server_default if change.server_default is not NOT_GIVEN \
        else change.existing_server_default
    comment = change.comment if change.comment is not NOT_GIVEN else change.existing_comment
    return [cls(change, new_name=change.new_name or change.column_name, type_=type_,
                nullable=nullable, default=default, comment=comment)]


def _mssql(change: ColumnChange) -> list[AlterColumn]:
    """MSSQLImpl: NULL/NOT NULL restates the type; the default constraint is dropped before a new one."""
    nullable, type_, existing_type = change.nullable, change.type_, change.existing_type
    if nullable is not None:
        if type_ is not None:
            existing_type, type_ = type_, None
        elif existing_type is None:
            raise MSSQLNeedsType()
    elif change.existing_nullable is not None and type_ is not None:
        nullable, existing_type, type_ = change.existing_nullable, type_, None
    out: list[AlterColumn] = []
    # ADD DEFAULT fails while a default constraint exists: drop it first when one may exist
    if change.server_default is not NOT_GIVEN and (
            change.existing_server_default is not NOT_GIVEN or change.server_default is None):
        out.append(MSSQLDropDefault(change))
    out += _default_impl(change, nullable=nullable, server_default=NOT_GIVEN, type_=type_,
                         new_name=None, existing_type=existing_type)
    if change.server_default is not NOT_GIVEN and change.server_default is not None:
        out.append(ColumnDefault(change, default=change.server_default))
    if change.new_name is not None:
        out.append(ColumnName(change, new_name=change.new_name))
    return out
