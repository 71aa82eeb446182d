"""rename_table and alter_column."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runner.errors import MigrationError, RevisionFileError
from runner.operations.base import AS_WRITTEN, ArgAt, Derived, Operation, check_type
from runner.schema.references import qualified
from runner.schema.renames import rename_column, rename_table
from runner.schema.state import SchemaState, TableState, named_type

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext

_CHANGES = ("nullable", "type", "server_default", "new_column_name", "comment")
_RESTORABLE = ("type", "nullable", "server_default", "comment")  # what a reverse puts back


class RenameTable(Operation):
    name = "rename_table"
    gives = {"new_table_name": "table"}

    def validate(self) -> None:
        if self.args["old_table_name"] == self.args["new_table_name"]:
            raise RevisionFileError("rename_table gives the table its own name",
                                    location=self.arg_location("new_table_name"),
                                    hint="write the table's new name, or remove the operation")

    def state_forwards(self, state: SchemaState) -> None:
        old, new, schema = self.args["old_table_name"], self.args["new_table_name"], self.schema
        table = state.require_table(old, schema, self)
        existing = state.table(new, schema)
        if existing is not None and existing.known:
            state.problem(self.location, f"table {qualified(new, schema)} already exists at this point")
        rename_table(state, table, new)

    def tables_changed(self, state: SchemaState) -> None:
        return None  # foreign keys in other tables follow the new name

    def reverse(self, state: SchemaState) -> list[Operation]:
        args = {"old_table_name": self.args["new_table_name"], "new_table_name": self.args["old_table_name"]}
        if self.schema:
            args["schema"] = self.schema
        return [self.derive(RenameTable, args)]

    def ddl(self, context: MigrationContext) -> list[Any]:
        from runner.sql.ddl import RenameTable as RenameTableDDL

        return [RenameTableDDL(self.args["old_table_name"], self.args["new_table_name"], self.schema)]


class AlterColumn(Operation):
    """Alembic's alter_column: any of nullable, type, server_default, comment, and a new name.

    `existing_*` describe the column as it is: MySQL and SQL Server restate
    some of it, and the derived downgrade falls back on them where the replayed
    state does not know the column.
    """

    name = "alter_column"
    gives = {"new_column_name": "column"}

    def tables_changed(self, state: SchemaState) -> set[tuple[str | None, str]] | None:
        if self.args.get("new_column_name"):
            return None  # foreign keys in other tables follow the new name
        return super().tables_changed(state)

    @property
    def needs_rebuild_on_sqlite(self) -> bool:
        """SQLite renames a column in place (and keeps no comments); anything else rebuilds the table."""
        return any(key in self.args for key in ("nullable", "type", "server_default"))

    def rebuild_error(self, table: TableState) -> str | None:
        """On SQLite a rebuild stands in for ALTER COLUMN, which fails on a column the table lacks."""
        name, new_name = self.args["column_name"], self.args.get("new_column_name")
        if name not in table.columns:
            return f"table {table.name} has no column named {name}"
        if new_name and new_name in table.columns:
            return f"table {table.name} already has a column named {new_name}"
        return None

    def validate(self) -> None:
        args = self.args
        for key in ("type", "existing_type"):
            if key in args:
                check_type(self, args[key], key)
        if not any(key in args for key in _CHANGES):
            raise RevisionFileError(
                f"alter_column {args['table_name']}.{args['column_name']} changes nothing",
                location=self.location,
                hint="give at least one of " + ", ".join(_CHANGES))
        if args.get("new_column_name") == args["column_name"]:
            raise RevisionFileError("alter_column renames the column to its own name",
                                    location=self.arg_location("new_column_name"),
                                    hint="write the column's new name, or leave new_column_name out")
        if "postgresql_using" in args and "type" not in args:
            raise RevisionFileError("postgresql_using is only used with a new `type`",
                                    location=self.arg_location("postgresql_using"),
                                    hint="add the column's new type, or remove postgresql_using")

    # -- state --------------------------------------------------------------------------------
    def state_forwards(self, state: SchemaState) -> None:
        from runner.operations.tables import add_named_types, drop_named_types

        table = state.require_table(self.args["table_name"], self.schema, self)
        drop_named_types(state, self.derived.owned_types)
        if "type" in self.args:
            add_named_types(state, [(self.args["type"], ArgAt(self, "type"))])
        name = self.args["column_name"]
        column = table.columns.get(name)
        if column is None:
            if table.known and not state.opaque:
                state.problem(self.location, f"column {table.name}.{name} does not exist at this point")
            return
        new_name = self.args.get("new_column_name")
        if new_name and new_name in table.columns:
            state.problem(self.location, f"column {table.name}.{new_name} already exists")
        if not state.opaque:
            self._check_existing(state, table.name, column)
        for key in ("nullable", "type"):
            if key in self.args:
                column[key] = self.args[key]
        for key in ("server_default", "comment"):
            if key in self.args:
                if self.args[key] is None:
                    column.pop(key, None)
                else:
                    column[key] = copy.deepcopy(self.args[key])
        if new_name:
            rename_column(state, table, name, new_name)

    def _check_existing(self, state: SchemaState, table: str, column: dict[str, Any]) -> None:
        """existing_* that contradict the state would make MySQL restate the column wrongly."""
        where = f"{table}.{column['name']}"
        given = self.args.get("existing_type")
        if given is not None and not _same_type(given, column["type"]):
            state.problem(self.location, f"existing_type {given} does not match {where}, "
                                         f"which is {column['type']} at this point")
        nullable = column.get("nullable", not column.get("primary_key", False))
        if self.args.get("existing_nullable", nullable) != nullable:
            state.problem(self.location, f"existing_nullable {str(not nullable).lower()} does not match "
                                         f"{where}, which is {'' if nullable else 'NOT '}NULL at this point")

    # -- reverse ------------------------------------------------------------------------------
    def reverse(self, state: SchemaState) -> list[Operation]:
        """An alter_column back to the column as the state had it (or as `existing_*` say)."""
        args = self.args
        table = state.table(args["table_name"], self.schema)
        column = table.columns.get(args["column_name"]) if table is not None and table.known else None
        if column is not None:
            old = {"type": column["type"],
                   "nullable": column.get("nullable", not column.get("primary_key", False)),
                   "server_default": copy.deepcopy(column.get("server_default")),
                   "comment": column.get("comment")}
        else:
            old = {key: copy.deepcopy(args[f"existing_{key}"]) for key in _RESTORABLE
                   if f"existing_{key}" in args}
        missing = [f"existing_{key}" for key in _RESTORABLE if key in args and key not in old]
        if missing:
            raise MigrationError(
                f"cannot derive the downgrade of alter_column {args['table_name']}.{args['column_name']}: "
                f"the revisions before it do not define that column, and {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not given",
                location=self.location,
                hint=f"add {' and '.join(missing)} to the alter_column, or write a `downgrade:`",
            )
        new_name = args.get("new_column_name")
        undo: dict[str, Any] = {"table_name": args["table_name"],
                                "column_name": new_name or args["column_name"]}
        if new_name:
            undo["new_column_name"] = args["column_name"]
        for key in _RESTORABLE:
            if key in args:
                undo[key] = old[key]
        # the column as the forward operation leaves it, for dialects that restate it
        for key in _RESTORABLE:
            value = args[key] if key in args else old.get(key, _ABSENT)
            if value is not _ABSENT and not (key in ("type", "nullable") and value is None):
                undo[f"existing_{key}"] = copy.deepcopy(value)
        if self.schema:
            undo["schema"] = self.schema
        # the enum type the upgrade creates (when the state knows it is new) goes with the downgrade
        derived = AS_WRITTEN if state.opaque else Derived(
            owned_types=tuple(self.new_types(lambda key: key in state.named_types)))
        return [self.derive(AlterColumn, undo, derived)]

    def new_types(self, exists: Callable[[tuple[str | None, str]], bool]) -> list[str]:
        """The new type, when it is a PostgreSQL enum type that `exists` (schema, name) says is
        not there yet: it is created before the column is altered to it."""
        key = named_type(self.args.get("type"))
        return [self.args["type"]] if key is not None and not exists(key) else []

    # -- ddl ----------------------------------------------------------------------------------
    def ddl(self, context: MigrationContext) -> list[Any]:
        """A new PostgreSQL enum type (see new_types) is created first, the owned ones dropped after."""
        from runner.sql import ddl_alter
        from runner.sql.ddl import sqlalchemy_types

        impl = context.impl
        new_types = self.new_types(context.type_exists) if impl.named_enum_types else []
        args = self.args
        if not impl.alters_columns and self.needs_rebuild_on_sqlite:
            changes = ", ".join(k for k in ("nullable", "type", "server_default") if k in args)
            raise MigrationError(
                f"SQLite cannot alter_column {args['table_name']}.{args['column_name']} in place "
                f"(it changes {changes}) and the table to rebuild is not known",
                location=self.location,
                hint="yamig rebuilds a SQLite table from the database (online) or from the tables the "
                     "revisions create (offline); check that the table exists at this point",
            )
        known = None
        if impl.alter_column_needs_existing:
            table = context.defined_table(args["table_name"], self.schema)
            known = table.columns.get(args["column_name"]) if table is not None else None
        change = self.change(known)
        if not impl.supports_comments:
            change.comment = ddl_alter.NOT_GIVEN  # SQLite keeps no comments
        try:
            return [*impl.create_named_types(sqlalchemy_types(new_types)),
                    *impl.alter_column_statements(change),
                    *impl.drop_named_types(sqlalchemy_types(self.derived.owned_types))]
        except ddl_alter.NeedsExistingType as err:
            raise MigrationError(
                f"{err.reason}: alter_column {args['table_name']}.{args['column_name']} needs "
                "`existing_type` (or `type`)", location=self.location, hint=err.hint) from None

    def change(self, known: dict[str, Any] | None = None) -> Any:
        """The arguments as SQLAlchemy values, for runner.sql.ddl_alter. `known`, the column as
        the state has it, stands in for each `existing_*` left out, so a dialect that restates
        the column keeps what the operation does not change; a written `existing_*` wins."""
        from runner.schema.types import parse_type
        from runner.sql import ddl_alter
        from runner.sql.ddl import server_default

        args = self.args
        if known is not None:
            existing = {"existing_type": known["type"],
                        "existing_nullable": known.get("nullable", not known.get("primary_key", False))}
            if known.get("server_default") is not None:  # none known: as not given
                existing["existing_server_default"] = known["server_default"]
            if known.get("comment") is not None:
                existing["existing_comment"] = known["comment"]
            args = {**existing, **args}

        def type_of(key: str) -> Any:
            return parse_type(args[key]).to_sqlalchemy() if key in args else None

        def default_of(key: str) -> Any:
            return server_default(args[key]) if key in args else ddl_alter.NOT_GIVEN

        return ddl_alter.ColumnChange(
            args["table_name"], args["column_name"], self.schema,
            nullable=args.get("nullable"), type_=type_of("type"), using=args.get("postgresql_using"),
            server_default=default_of("server_default"), new_name=args.get("new_column_name"),
            comment=args["comment"] if "comment" in args else ddl_alter.NOT_GIVEN,
            existing_type=type_of("existing_type"), existing_nullable=args.get("existing_nullable"),
            existing_server_default=default_of("existing_server_default"),
            existing_comment=args.get("existing_comment"),
        )


_ABSENT = object()


def _same_type(one: str, other: str) -> bool:
    """Whether two type strings name one type: as written or parsed (no SQLAlchemy: validate's
    replay asks), else as generic SQL, so String(50) and VARCHAR(50) are one type."""
    from runner.schema.types import TypeGrammarError, parse_type

    if one == other:
        return True
    try:
        if parse_type(one) == parse_type(other):
            return True
    except TypeGrammarError:
        pass
    return _compiled(one) == _compiled(other)


def _compiled(type_text: str) -> str:
    """A type as generic SQL, so String(50) and VARCHAR(50) compare equal (the text itself if not)."""
    from runner.schema.types import parse_type

    try:
        return str(parse_type(type_text).to_sqlalchemy().compile())
    except Exception:  # a dialect type the generic compiler cannot spell
        return str(type_text)
