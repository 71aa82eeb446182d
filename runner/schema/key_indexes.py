"""The indexes a foreign key needs, where the database needs one for each key (InnoDB).

InnoDB makes an index for a key that no index serves (one whose leading columns are the key's),
named after the constraint, or after the key's first column when the key has no name; it drops
that index once another index serves the key, and it refuses to drop the last index that serves
one (MariaDB's error 1553). On such a database a drop_index first makes the index InnoDB would
have made for the key, under its name (TableState.key_indexes remembers it, on every dialect:
only those that need the index make it), and a create_index that serves the key drops it
again, as InnoDB drops its own: the database ends as if the dropped index had never been made.
A drop_constraint of a key drops the index that was there only for the key (key_index_of).
"""

from __future__ import annotations

from typing import Any

from runner.schema.constraints import constraint_kind, implied_specs, written_name
from runner.schema.state import TableState


def foreign_keys(table: TableState) -> list[tuple[str | None, list[str]]]:
    """(written name, columns) of each foreign key of `table`, table-level or a column's."""
    specs = [spec for kind, _, spec in implied_specs(table) if kind == "foreign_key"]
    specs += [c for c in table.constraints if constraint_kind(c) == "foreign_key"]
    return [(written_name(spec), list(spec["foreign_key"]["columns"])) for spec in specs]


def key_index_name(name: str | None, columns: list[str]) -> str:
    """The name InnoDB gives the index it makes for a foreign key."""
    return name or columns[0]


def _leads(key: list[str], columns: list[str] | None) -> bool:
    return columns is not None and columns[:len(key)] == key


def _index_columns(spec: dict[str, Any]) -> list[str] | None:
    """An index's plain columns in order; None when an expression leads it."""
    columns = spec.get("columns") or []
    plain = []
    for column in columns:
        if not isinstance(column, str):
            break
        plain.append(column)
    return plain or None


def index_columns(table: TableState) -> dict[str, list[str]]:
    """The columns of each index the state knows on `table` by name (expressions cut off), and
    of its key and unique constraints, which are indexes too (under their kind's own keys)."""
    found = {name: cols for name, spec in table.indexes.items() if (cols := _index_columns(spec))}
    found.update(table.key_indexes)
    for column in table.columns.values():
        if column.get("index"):
            found[table.implied_index_name(column["name"])] = [column["name"]]
    for kind, columns, _ in implied_specs(table):
        if kind in ("primary_key", "unique"):
            found[f"<{kind} {','.join(columns)}>"] = list(columns)
    for spec in table.constraints:
        kind = constraint_kind(spec)
        if kind in ("primary_key", "unique"):
            found[f"<{kind} {','.join(spec[kind])}>"] = list(spec[kind])
    return found


def keys_left_without_index(table: TableState, index: str) -> list[tuple[str | None, list[str]]]:
    """The foreign keys that only the index `index` serves: InnoDB refuses to drop it."""
    indexes = index_columns(table)
    dropped = indexes.pop(index, None)
    return [(name, key) for name, key in foreign_keys(table)
            if _leads(key, dropped) and not any(_leads(key, cols) for cols in indexes.values())]


def key_indexes_replaced(table: TableState, columns: list[Any]) -> list[str]:
    """The indexes a drop_index made for foreign keys that a new index on `columns` serves."""
    new = _index_columns({"columns": columns})
    return [name for name, key in table.key_indexes.items() if _leads(key, new)]


def remember_key_indexes(table: TableState, index: str) -> None:
    """Before `index` is dropped: the indexes made for the keys it leaves without one."""
    for name, key in keys_left_without_index(table, index):
        table.key_indexes[key_index_name(name, key)] = key


def forget_key_indexes(table: TableState, columns: list[Any] | None = None,
                       dropped_column: str | None = None) -> None:
    """A new index on `columns` replaces the key indexes it serves; a dropped column takes its own."""
    gone = key_indexes_replaced(table, columns) if columns is not None else [
        name for name, key in table.key_indexes.items() if dropped_column in key]
    for name in gone:
        del table.key_indexes[name]


def key_index_of(table: TableState, key_name: str) -> str | None:
    """The index that goes with the foreign key `key_name` once it is dropped: the one a drop_index
    made for it, or else, when no index the state knows serves it, the one InnoDB made (InnoDB
    keeps it after DROP FOREIGN KEY, an index the revisions never made)."""
    indexes = index_columns(table)
    for name, key in foreign_keys(table):
        if name != key_name:
            continue
        made = key_index_name(name, key)
        if made in table.key_indexes:
            return made
        if not any(_leads(key, cols) for cols in indexes.values()):
            return made
    return None
