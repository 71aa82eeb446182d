"""rename_table and alter_column."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from runner.errors import MigrationError, RevisionFileError
from runner.operations.base import Operation, check_type
from runner.state import SchemaState, TableState, named_type

_CHANGES = ("nullable", "type", "server_default", "new_column_name", "comment")
_RESTORABLE = ("type", "nullable", "server_default", "comment")  # what a reverse puts back


def _qualified(name: str, schema: str | None) -> str:
    return f"{schema}.{name}" if schema else name


class RenameTable(Operation):
    name = "rename_table"

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
            state.problem(self.location, f"table {_qualified(new, schema)} already exists at this point")
        _pin_implied_indexes(state, table)
        state.remove_table(old, schema)
        table.name = new
        for index in table.indexes.values():
            index["table_name"] = new
        state.add_table(table)
        _unpin_implied_indexes(state, table)
        _retarget_references(state, old, new, schema)

    def reverse(self, state: SchemaState) -> list[Operation]:
        args = {"old_table_name": self.args["new_table_name"], "new_table_name": self.args["old_table_name"]}
        if self.schema:
            args["schema"] = self.schema
        return [self.derive(RenameTable, args)]

    def ddl(self, dialect: Any) -> list[Any]:
        from runner.ddl import RenameTable as RenameTableDDL

        return [RenameTableDDL(self.args["old_table_name"], self.args["new_table_name"], self.schema)]


class AlterColumn(Operation):
    """Alembic's alter_column: any of nullable, type, server_default, comment, and a new name.

    `existing_*` describe the column as it is: MySQL and SQL Server restate
    some of it, and the derived downgrade falls back on them where the replayed
    state does not know the column.
    """

    name = "alter_column"
    owned_types: list[str] = []  # when derived: the PostgreSQL enum type the upgrade created, dropped

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
        drop_named_types(state, self.owned_types)
        if "type" in self.args:
            add_named_types(state, [self.args["type"]])
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
        if given is not None and _compiled(given) != _compiled(column["type"]):
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
        reverse = self.derive(AlterColumn, undo)
        if not state.opaque:
            reverse.owned_types = self.new_types(lambda key: key in state.named_types)
        return [reverse]

    def new_types(self, exists: Callable[[tuple[str | None, str]], bool]) -> list[str]:
        """The new type, when it is a PostgreSQL enum type that `exists` (schema, name) says is
        not there yet: it is created before the column is altered to it."""
        key = named_type(self.args.get("type"))
        return [self.args["type"]] if key is not None and not exists(key) else []

    # -- ddl ----------------------------------------------------------------------------------
    def ddl(self, dialect: Any, new_types: list[str] = ()) -> list[Any]:
        """`new_types`: enum types to create first (see new_types); the owned ones go after."""
        from runner import ddl_alter
        from runner.ddl import create_types, drop_named_types

        args = self.args
        if dialect.name == "sqlite" and self.needs_rebuild_on_sqlite:
            changes = ", ".join(k for k in ("nullable", "type", "server_default") if k in args)
            raise MigrationError(
                f"SQLite cannot alter_column {args['table_name']}.{args['column_name']} in place "
                f"(it changes {changes}) and the table to rebuild is not known",
                location=self.location,
                hint="yamig rebuilds a SQLite table from the database (online) or from the tables the "
                     "revisions create (offline); check that the table exists at this point",
            )
        change = self.change()
        if dialect.name == "sqlite":
            change.comment = ddl_alter.NOT_GIVEN  # SQLite keeps no comments
        try:
            return [*create_types(list(new_types), dialect),
                    *ddl_alter.alter_column_statements(change, dialect.name),
                    *drop_named_types(self.owned_types, dialect)]
        except ddl_alter.MySQLNeedsType:
            raise MigrationError(
                f"MySQL's CHANGE/MODIFY COLUMN restates the whole column: alter_column "
                f"{args['table_name']}.{args['column_name']} needs `existing_type` (or `type`)",
                location=self.location,
                hint="add existing_type, and existing_nullable, existing_server_default and "
                     "existing_comment, which MySQL would otherwise reset") from None
        except ddl_alter.MSSQLNeedsType:
            raise MigrationError(
                f"SQL Server's ALTER COLUMN ... NULL/NOT NULL restates the type: alter_column "
                f"{args['table_name']}.{args['column_name']} needs `existing_type` (or `type`)",
                location=self.location, hint="add existing_type") from None

    def change(self) -> Any:
        """The arguments as SQLAlchemy values, for runner.ddl_alter."""
        from runner import ddl_alter
        from runner.ddl import server_default
        from runner.types import parse_type

        args = self.args

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


def _compiled(type_text: str) -> str:
    """A type as generic SQL, so String(50) and VARCHAR(50) compare equal (the text itself if not)."""
    from runner.types import parse_type

    try:
        return str(parse_type(type_text).to_sqlalchemy().compile())
    except Exception:  # a dialect type the generic compiler cannot spell
        return str(type_text)


# -- following a rename through the state -------------------------------------------------------

def rename_column(state: SchemaState, table: TableState, old: str, new: str) -> None:
    """Rename a column in the state, keeping its place, and every reference to it."""
    _pin_implied_indexes(state, table, old)
    table.columns = {(new if key == old else key): value for key, value in table.columns.items()}
    table.columns[new]["name"] = new
    for index in table.indexes.values():
        index["columns"] = [new if c == old else c for c in index.get("columns", [])]
    pattern = re.compile(rf"\b{re.escape(old)}\b")
    for constraint in table.constraints:
        for kind in ("primary_key", "unique"):
            if kind in constraint:
                constraint[kind] = [new if c == old else c for c in constraint[kind]]
        fk = constraint.get("foreign_key")
        if fk:
            fk["columns"] = [new if c == old else c for c in fk.get("columns", [])]
        if "check" in constraint:
            constraint["check"] = pattern.sub(new, constraint["check"])
    from runner.operations.constraints import rename_in_implied_names

    rename_in_implied_names(table, old, new)
    _unpin_implied_indexes(state, table)
    _retarget_references(state, table.name, table.name, table.schema, {old: new})


def _pin_implied_indexes(state: SchemaState, table: TableState, column_name: str | None = None) -> None:
    """A column's `index: true` index is named after the table and column; a rename keeps that name.

    So before a rename of the table (or of `column_name`) such indexes become named ones in the state.
    """
    for column in table.columns.values():
        if column_name in (None, column["name"]) and column.pop("index", False):
            name = table.implied_index_name(column["name"])
            spec: dict[str, Any] = {"index_name": name, "table_name": table.name, "columns": [column["name"]]}
            if column.pop("unique", False):  # unique and index: SQLAlchemy makes one unique index
                spec["unique"] = True
            if table.schema:
                spec["schema"] = table.schema
            state.add_index(table, name, spec)
            table.pinned_indexes.add(name)


def _unpin_implied_indexes(state: SchemaState, table: TableState) -> None:
    """After a rename, a pinned index whose name `index: true` would give again is implied again.

    So renaming back restores the state as it was, and a written downgrade compares equal.
    """
    for name in sorted(table.pinned_indexes):
        spec = table.indexes.get(name)
        columns = spec.get("columns", []) if spec else []
        if spec is None or len(columns) != 1 or columns[0] not in table.columns:
            table.pinned_indexes.discard(name)  # dropped or changed since
        elif name == table.implied_index_name(columns[0]):
            column = table.columns[columns[0]]
            state.remove_index(table, name)
            table.pinned_indexes.discard(name)
            column["index"] = True
            if spec.get("unique"):
                column["unique"] = True


def _retarget_references(state: SchemaState, old: str, new: str, schema: str | None,
                         column_renames: dict[str, str] | None = None) -> None:
    """Foreign keys everywhere that point at table `old` (and at renamed columns of it) follow it."""
    prefix = f"{schema}." if schema else ""

    def retarget(target: str) -> str:
        table, _, column = target.rpartition(".")
        if table != prefix + old:
            return target
        return f"{prefix}{new}.{(column_renames or {}).get(column, column)}"

    for table in state.tables.values():
        for column in table.columns.values():
            fk = column.get("foreign_key")
            if fk and fk.get("column"):
                fk["column"] = retarget(fk["column"])
        for constraint in table.constraints:
            fk = constraint.get("foreign_key")
            if fk:
                fk["references"] = [retarget(r) for r in fk.get("references", [])]
