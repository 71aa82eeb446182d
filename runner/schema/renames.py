"""Following a rename through the state: the renamed table or column, its indexes, constraints
and remembered constraint names, and the foreign keys of every other table that point at it."""

from __future__ import annotations

import re
from typing import Any

from runner.schema.constraints import rename_in_implied_names
from runner.schema.references import ForeignKeyRef
from runner.schema.state import SchemaState, TableState


def rename_table(state: SchemaState, table: TableState, new: str) -> None:
    """Rename a table in the state, with its indexes, and every foreign key that points at it."""
    old = table.name
    pin_implied_indexes(state, table)
    state.remove_table(old, table.schema)
    table.name = new
    for index in table.indexes.values():
        index["table_name"] = new
    state.add_table(table)
    unpin_implied_indexes(state, table)
    retarget_references(state, old, new, table.schema)


def rename_column(state: SchemaState, table: TableState, old: str, new: str) -> None:
    """Rename a column in the state, keeping its place, and every reference to it."""
    pin_implied_indexes(state, table, old)
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
    rename_in_implied_names(table, old, new)
    unpin_implied_indexes(state, table)
    retarget_references(state, table.name, table.name, table.schema, {old: new})


def pin_implied_indexes(state: SchemaState, table: TableState, column_name: str | None = None) -> None:
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


def unpin_implied_indexes(state: SchemaState, table: TableState) -> None:
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


def retarget_references(state: SchemaState, old: str, new: str, schema: str | None,
                        column_renames: dict[str, str] | None = None) -> None:
    """Foreign keys everywhere that point at table `old` (and at renamed columns of it) follow it.

    It changes tables of the whole state in place: a state owns its tables (SchemaState.copy
    copies them), so this reaches no other state."""
    renames = column_renames or {}

    def retarget(target: str) -> str:
        ref = ForeignKeyRef.parse(target)
        if ref.key != (schema, old):
            return target
        return ForeignKeyRef(schema, new, renames.get(ref.column, ref.column)).qualified

    for table in state.tables.values():
        for column in table.columns.values():
            fk = column.get("foreign_key")
            if fk and fk.get("column"):
                fk["column"] = retarget(fk["column"])
        for constraint in table.constraints:
            fk = constraint.get("foreign_key")
            if fk:
                fk["references"] = [retarget(r) for r in fk.get("references", [])]
