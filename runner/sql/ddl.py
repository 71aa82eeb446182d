"""SQLAlchemy constructs for the DDL that operations emit.

SQLAlchemy has CREATE/DROP TABLE and INDEX but no ALTER TABLE ... ADD/DROP
COLUMN; those are small DDL elements here whose per-dialect spelling is chosen
by SQLAlchemy's compiler dispatch (`@compiles(Element, "dialect")`), the way
Alembic does it. Only operations import this module, so graph-only commands
never pay for SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import DDLElement

from runner.schema.references import ForeignKeyRef
from runner.schema.types import parse_type


class AlterTable(DDLElement):
    """ALTER TABLE on a table known by name only (no Table object needed)."""

    inherit_cache = False

    def __init__(self, table_name: str, schema: str | None = None):
        self.table_name = table_name
        self.schema = schema


class AddColumn(AlterTable):
    def __init__(self, table_name: str, column: sa.Column, schema: str | None = None,
                 inline_references: bool = False):
        super().__init__(table_name, schema)
        self.column = column
        self.inline_references = inline_references


class DropColumn(AlterTable):
    def __init__(self, table_name: str, column_name: str, schema: str | None = None):
        super().__init__(table_name, schema)
        self.column_name = column_name


class RenameTable(AlterTable):
    def __init__(self, table_name: str, new_table_name: str, schema: str | None = None):
        super().__init__(table_name, schema)
        self.new_table_name = new_table_name


@compiles(RenameTable)
def _rename_table(element: RenameTable, compiler, **kw) -> str:
    return (f"ALTER TABLE {quoted_table(compiler, element.table_name, element.schema)} "
            f"RENAME TO {quoted_table(compiler, element.new_table_name, element.schema)}")


@compiles(RenameTable, "postgresql")
@compiles(RenameTable, "sqlite")
@compiles(RenameTable, "oracle")
def _rename_table_unqualified(element: RenameTable, compiler, **kw) -> str:
    # these refuse a schema on the new name: the table stays in its schema
    return (f"ALTER TABLE {quoted_table(compiler, element.table_name, element.schema)} "
            f"RENAME TO {compiler.preparer.quote(element.new_table_name)}")


@compiles(RenameTable, "mssql")
def _rename_table_mssql(element: RenameTable, compiler, **kw) -> str:
    return (f"EXEC sp_rename '{quoted_table(compiler, element.table_name, element.schema)}', "
            f"{compiler.preparer.quote(element.new_table_name)}")


def quoted_table(compiler, name: str, schema: str | None) -> str:
    quoted = compiler.preparer.quote(name)
    return f"{compiler.preparer.quote_schema(schema)}.{quoted}" if schema else quoted


@compiles(AddColumn)
def _add_column(element: AddColumn, compiler, **kw) -> str:
    text = (f"ALTER TABLE {quoted_table(compiler, element.table_name, element.schema)} "
            f"ADD COLUMN {compiler.get_column_specification(element.column)}")
    return text + _inline_references(element, compiler)


@compiles(AddColumn, "mssql")
@compiles(AddColumn, "oracle")
def _add_column_bare(element: AddColumn, compiler, **kw) -> str:
    # SQL Server and Oracle spell it ADD without COLUMN (a syntax error there), as Alembic does
    return (f"ALTER TABLE {quoted_table(compiler, element.table_name, element.schema)} "
            f"ADD {compiler.get_column_specification(element.column)}")


def _inline_references(element: AddColumn, compiler) -> str:
    """SQLite cannot add a constraint later, so a new column's foreign key goes inline."""
    if not element.inline_references or len(element.column.foreign_keys) != 1:
        return ""
    fk = next(iter(element.column.foreign_keys))
    target = fk.column
    text = f" CONSTRAINT {compiler.preparer.quote(fk.name)}" if fk.name else ""  # SQLite keeps it
    text += f" REFERENCES {quoted_table(compiler, target.table.name, target.table.schema)} "
    text += f"({compiler.preparer.quote(target.name)})"
    if fk.ondelete:
        text += f" ON DELETE {fk.ondelete}"
    if fk.onupdate:
        text += f" ON UPDATE {fk.onupdate}"
    return text


@compiles(DropColumn)
def _drop_column(element: DropColumn, compiler, **kw) -> str:
    return (f"ALTER TABLE {quoted_table(compiler, element.table_name, element.schema)} "
            f"DROP COLUMN {compiler.preparer.quote(element.column_name)}")


# -- building Table and Column objects from the revision's plain data ---------------------

def server_default(value: Any) -> Any:
    """The contract's server_default: a literal (string, number, boolean) or {sql: expr}."""
    if value is None:
        return None
    if isinstance(value, dict):
        return sa.text(value["sql"])
    if isinstance(value, bool):
        return sa.true() if value else sa.false()
    if isinstance(value, (int, float)):
        return sa.text(repr(value))
    return str(value)


def build_column(spec: dict[str, Any]) -> sa.Column:
    """A SQLAlchemy Column from a column mapping of a revision file."""
    args: list[Any] = []
    fk = spec.get("foreign_key")
    if fk:
        args.append(sa.ForeignKey(fk["column"], ondelete=fk.get("ondelete"),
                                  onupdate=fk.get("onupdate"), name=fk.get("name"),
                                  deferrable=fk.get("deferrable"), initially=fk.get("initially")))
    primary_key = bool(spec.get("primary_key", False))
    kwargs: dict[str, Any] = {
        "primary_key": primary_key,
        "nullable": spec.get("nullable", not primary_key),
        "unique": spec.get("unique") or None,
        "index": spec.get("index") or None,
        "comment": spec.get("comment"),
    }
    if "autoincrement" in spec:
        kwargs["autoincrement"] = spec["autoincrement"]
    default = server_default(spec.get("server_default"))
    if default is not None:
        kwargs["server_default"] = default
    return sa.Column(spec["name"], parse_type(spec["type"]).to_sqlalchemy(), *args, **kwargs)


def build_table(metadata: sa.MetaData, args: dict[str, Any]) -> sa.Table:
    """A Table from create_table arguments, with stub tables for its foreign keys' targets."""
    columns = [build_column(c) for c in args.get("columns", [])]
    constraints = [build_constraint(c) for c in args.get("constraints", []) or []]
    table = sa.Table(args["table_name"], metadata, *columns, *constraints,
                     schema=args.get("schema"), comment=args.get("comment"))
    ensure_fk_targets(metadata, table)
    return table


def build_constraint(spec: dict[str, Any]) -> sa.Constraint:
    """A table-level constraint of create_table: primary_key, unique, check or foreign_key."""
    name = spec.get("name")
    if "primary_key" in spec:
        return sa.PrimaryKeyConstraint(*spec["primary_key"], name=name)
    if "unique" in spec:
        return sa.UniqueConstraint(*spec["unique"], name=name)
    if "check" in spec:
        return sa.CheckConstraint(spec["check"], name=name)
    fk = spec["foreign_key"]
    return sa.ForeignKeyConstraint(
        fk["columns"], fk["references"], name=name or fk.get("name"),
        ondelete=fk.get("ondelete"), onupdate=fk.get("onupdate"),
        deferrable=fk.get("deferrable"), initially=fk.get("initially"),
    )


def ensure_fk_targets(metadata: sa.MetaData, table: sa.Table) -> None:
    """Give every foreign key a target table to resolve against, as Alembic does.

    Only the referenced column's name matters for DDL, so a stub table with
    NullType columns is enough when the real one is not in this metadata.
    """
    for fk in list(table.foreign_keys):
        ref = ForeignKeyRef.parse(fk.target_fullname)
        target = metadata.tables.get(ref.qualified_table)
        if target is None:
            target = sa.Table(ref.table, metadata, schema=ref.schema)
        if ref.column not in target.c:
            target.append_column(sa.Column(ref.column, sa.types.NULLTYPE))


def create_named_types(columns, dialect: Any) -> list[Any]:
    """PostgreSQL enums are types of their own, created before the table that uses them."""
    if dialect.name != "postgresql":
        return []
    from sqlalchemy.dialects.postgresql.named_types import CreateEnumType

    return [CreateEnumType(c.type) for c in columns
            if isinstance(c.type, sa.Enum) and c.type.native_enum and c.type.name]


def create_types(type_texts: list[str], dialect: Any) -> list[Any]:
    """CREATE TYPE for the enum types of these column types (alter_column to one that is new)."""
    if dialect.name != "postgresql":
        return []
    from sqlalchemy.dialects.postgresql.named_types import CreateEnumType

    types = [parse_type(text).to_sqlalchemy() for text in type_texts]
    return [CreateEnumType(t) for t in types if isinstance(t, sa.Enum) and t.native_enum and t.name]


def drop_named_types(type_texts: list[str], dialect: Any) -> list[Any]:
    """The enum types a table created, dropped with it (Alembic leaves them behind)."""
    if dialect.name != "postgresql":
        return []
    from sqlalchemy.dialects.postgresql.named_types import DropEnumType

    types = [parse_type(text).to_sqlalchemy() for text in type_texts]
    return [DropEnumType(t) for t in types if isinstance(t, sa.Enum) and t.native_enum and t.name]
