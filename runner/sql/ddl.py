"""SQLAlchemy constructs for the DDL that operations emit.

SQLAlchemy has CREATE/DROP TABLE and INDEX but no ALTER TABLE ... ADD/DROP
COLUMN; those are small DDL elements here. Their spellings are not: each dialect's
module in runner.sql.dialects registers its own (`@compiles(Element, "dialect")`,
the default ones in dialects/base.py), as Alembic's ddl/ does. The constructs reach
a compiler only through an operation, which asks runner.sql.dialects for its
dialect's impl first, so the spellings are registered by then. Only operations
import this module, so graph-only commands never pay for SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import DDLElement

from runner.schema.references import ForeignKeyRef
from runner.schema.types import OPTION_PREFIXES, parse_type


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


class EnumTypeChange(DDLElement):
    """ALTER TYPE on a named enum type (PostgreSQL's; runner.operations.enums)."""

    inherit_cache = False

    def __init__(self, name: str, schema: str | None):
        self.name = name
        self.schema = schema


class AddEnumValue(EnumTypeChange):
    def __init__(self, name: str, schema: str | None, value: str, before: str | None = None,
                 after: str | None = None, if_not_exists: bool = False):
        super().__init__(name, schema)
        self.value, self.before, self.after, self.if_not_exists = value, before, after, if_not_exists


class RenameEnumValue(EnumTypeChange):
    def __init__(self, name: str, schema: str | None, old: str, new: str):
        super().__init__(name, schema)
        self.old, self.new = old, new


def quoted_table(compiler, name: str, schema: str | None) -> str:
    quoted = compiler.preparer.quote(name)
    return f"{compiler.preparer.quote_schema(schema)}.{quoted}" if schema else quoted


@compiles(EnumTypeChange)
@compiles(AlterTable)
def _not_registered(element: AlterTable, compiler, **kw) -> str:
    raise CompileError(f"{type(element).__name__} has no spelling yet: its compilers are registered "
                       "by runner.sql.dialects, which must be imported before it is compiled")


# -- building Table and Column objects from the revision's plain data ---------------------

def naming_metadata(naming: dict[str, str] | None) -> sa.MetaData:
    """A MetaData that names unnamed constraints and indexes by the config's convention, as
    Alembic's operations do with target_metadata's (SQLAlchemy's own naming, and shortening)."""
    from runner.schema.naming import convention_of

    return sa.MetaData(naming_convention=convention_of(naming)) if naming is not None else sa.MetaData()


def sqlalchemy_name(name: Any) -> Any:
    """A revision's name for SQLAlchemy: `{f: x}` is final (`conv`, Alembic's op.f), shortened to
    the dialect's limit; a plain name goes through a convention with %(constraint_name)s."""
    if isinstance(name, dict):
        from sqlalchemy.sql.elements import conv

        return conv(name["f"])
    return name or None


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
                                  onupdate=fk.get("onupdate"), name=sqlalchemy_name(fk.get("name")),
                                  deferrable=fk.get("deferrable"), initially=fk.get("initially"),
                                  use_alter=bool(fk.get("use_alter"))))
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
    args += generated(spec)
    return sa.Column(spec["name"], parse_type(spec["type"]).to_sqlalchemy(), *args, **kwargs)


def generated(spec: dict[str, Any]) -> list[Any]:
    """A column's `identity`, `computed` and `sequence` as SQLAlchemy's Identity, Computed and
    Sequence: each dialect then writes what it has of them (GENERATED ... AS IDENTITY, GENERATED
    ALWAYS AS (...), a CREATE SEQUENCE before the table and its nextval() as the default), as
    with Alembic's op.create_table and op.add_column."""
    found: list[Any] = []
    if spec.get("identity") is not None:
        found.append(sa.Identity(**spec["identity"]))
    computed = spec.get("computed")
    if computed is not None:
        found.append(sa.Computed(sa.text(computed["sqltext"]), persisted=computed.get("persisted")))
    sequence = spec.get("sequence")
    if sequence is not None:
        found.append(sa.Sequence(**sequence))
    return found


def build_table(metadata: sa.MetaData, args: dict[str, Any]) -> sa.Table:
    """A Table from create_table arguments, with stub tables for its foreign keys' targets."""
    columns = [build_column(c) for c in args.get("columns", [])]
    constraints = [build_constraint(c) for c in args.get("constraints", []) or []]
    table = sa.Table(args["table_name"], metadata, *columns, *constraints,
                     schema=args.get("schema"), comment=args.get("comment"), **dialect_options(args))
    ensure_fk_targets(metadata, table)
    return table


def build_constraint(spec: dict[str, Any]) -> sa.Constraint:
    """A table-level constraint of create_table: primary_key, unique, check or foreign_key."""
    name = sqlalchemy_name(spec.get("name"))
    if "primary_key" in spec:
        return sa.PrimaryKeyConstraint(*spec["primary_key"], name=name)
    if "unique" in spec:
        return sa.UniqueConstraint(*spec["unique"], name=name)
    if "check" in spec:
        return sa.CheckConstraint(spec["check"], name=name)
    fk = spec["foreign_key"]
    return sa.ForeignKeyConstraint(
        fk["columns"], fk["references"], name=name or sqlalchemy_name(fk.get("name")),
        ondelete=fk.get("ondelete"), onupdate=fk.get("onupdate"),
        deferrable=fk.get("deferrable"), initially=fk.get("initially"),
        use_alter=bool(fk.get("use_alter")),
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


# -- indexes ---------------------------------------------------------------------------------

def dialect_options(args: dict[str, Any]) -> dict[str, Any]:
    """The `<dialect>_<option>` arguments of an index or a table, as SQLAlchemy takes them."""
    options = {}
    for key, value in args.items():
        if key.startswith(OPTION_PREFIXES):
            if key.endswith("_where") and isinstance(value, str):
                value = sa.text(value)
            options[key] = value
    return options


def stub_table(name: str, schema: str | None, names: list[str],
               naming: dict[str, str] | None = None) -> sa.Table:
    """A table with just the columns a statement names, for SQLAlchemy to render them from."""
    return sa.Table(name, naming_metadata(naming), *[sa.Column(c, sa.types.NULLTYPE) for c in names],
                    schema=schema)


def create_index(args: dict[str, Any], naming: dict[str, str] | None = None) -> sa.schema.CreateIndex:
    """CREATE INDEX from create_index's arguments (also how a rebuild re-creates an index)."""
    columns = args.get("columns", [])
    table = stub_table(args["table_name"], args.get("schema"), _named_columns(args), naming)
    expressions = [table.c[c] if isinstance(c, str) else sa.text(c["sql"]) for c in columns]
    index = sa.Index(sqlalchemy_name(args.get("index_name")), *expressions, unique=bool(args.get("unique")),
                     _table=table, **dialect_options(args))
    return sa.schema.CreateIndex(index, if_not_exists=bool(args.get("if_not_exists")))


def _named_columns(args: dict[str, Any]) -> list[str]:
    """The columns an index names: its own, and those of dialect options (`postgresql_include` ...)."""
    names = [c for c in args.get("columns", []) if isinstance(c, str)]
    for key, value in args.items():
        if key.startswith(OPTION_PREFIXES) and key.endswith("_include"):
            names += [c for c in ([value] if isinstance(value, str) else value) if isinstance(c, str)]
        elif key.startswith(OPTION_PREFIXES) and isinstance(value, dict):  # postgresql_ops, mysql_length ...
            names += [c for c in value if isinstance(c, str)]
    return list(dict.fromkeys(names))


def sqlalchemy_types(type_texts: list[str]) -> list[Any]:
    """The SQLAlchemy types of these column type strings."""
    return [parse_type(text).to_sqlalchemy() for text in type_texts]
