"""The differences between two normalised schemas (runner.autogenerate.compare), models against a database.

Each Difference names its table and says itself in one line (`check` prints
them grouped by table); autogenerate turns them into operations. Matching:
tables and columns by name, indexes and check constraints by name, unique
constraints and foreign keys by their columns (their names are often made up
by the database). A unique index on one side and a unique constraint on the
other over the same columns are the same thing (databases that older yamig
versions migrated on SQLite hold an added unique column as a unique index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner.autogenerate.compare import ColumnShape, ForeignKeyShape, TableShape


@dataclass
class Difference:
    kind: str                  # add_table, remove_table, add_column, remove_column, modify_column,
    #                            add_index, remove_index, add_unique, remove_unique, add_fk, remove_fk,
    #                            add_check, remove_check, modify_comment
    table: TableShape          # the models' table, or the database's when it is being removed
    model: Any = None          # the models' side of the object
    db: Any = None             # the database's side
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # modify_column: (db, model)

    @property
    def line(self) -> str:
        return _LINES[self.kind](self)


def differences(models: dict, database: dict) -> list[Difference]:
    found: list[Difference] = []
    for key, table in models.items():
        if key not in database:
            found.append(Difference("add_table", table, model=table))
    for key, table in sorted(database.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        if key not in models:
            found.append(Difference("remove_table", table, db=table))
    for key, model in models.items():
        if key in database:
            found += table_differences(model, database[key])
    return found


def table_differences(model: TableShape, db: TableShape) -> list[Difference]:
    found: list[Difference] = []
    for name, column in model.columns.items():
        if name not in db.columns:
            found.append(Difference("add_column", model, model=column))
    for name, column in db.columns.items():
        if name not in model.columns:
            found.append(Difference("remove_column", model, db=column))
    for name, column in model.columns.items():
        if name in db.columns:
            changes = column_changes(column, db.columns[name])
            if changes:
                found.append(Difference("modify_column", model, model=column, db=db.columns[name],
                                        changes=changes))
    found += _index_differences(model, db)
    found += _unique_differences(model, db)
    found += _fk_differences(model, db)
    model_checks = {c.name: c for c in model.checks if c.name}
    db_checks = {c.name: c for c in db.checks if c.name}
    found += [Difference("remove_check", model, db=c) for n, c in db_checks.items() if n not in model_checks]
    found += [Difference("add_check", model, model=c) for n, c in model_checks.items() if n not in db_checks]
    if model.comment != db.comment:
        found.append(Difference("modify_comment", model, model=model.comment, db=db.comment))
    return found


def column_changes(model: ColumnShape, db: ColumnShape) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    if model.type != db.type:
        changes["type"] = (db.type, model.type)
    if model.nullable != db.nullable and not (model.primary_key or db.primary_key):
        changes["nullable"] = (db.nullable, model.nullable)
    if model.default != db.default:
        changes["server_default"] = (db.default, model.default)
    if model.comment != db.comment:
        changes["comment"] = (db.comment, model.comment)
    return changes


def _index_differences(model: TableShape, db: TableShape) -> list[Difference]:
    found = []
    model_unique = {u.columns for u in model.uniques}
    db_unique = {u.columns for u in db.uniques}
    for name, index in db.indexes.items():
        other = model.indexes.get(name)
        if other is None:
            if not (index.unique and index.columns in model_unique):
                found.append(Difference("remove_index", model, db=index))
        elif not _same_index(other, index):
            found.append(Difference("remove_index", model, db=index))
    for name, index in model.indexes.items():
        other = db.indexes.get(name)
        if other is None:
            if not (index.unique and index.columns in db_unique):
                found.append(Difference("add_index", model, model=index))
        elif not _same_index(index, other):
            found.append(Difference("add_index", model, model=index))
    return found


def _same_index(a, b) -> bool:
    if a.unique != b.unique:
        return False
    expressions = any(c.startswith("(") for c in a.columns + b.columns)
    return expressions or a.columns == b.columns  # expression text is the database's to rewrite


def _unique_differences(model: TableShape, db: TableShape) -> list[Difference]:
    found = []
    model_cols = {u.columns for u in model.uniques}
    db_cols = {u.columns for u in db.uniques}
    model_ix = {i.columns for n, i in model.indexes.items() if i.unique and n not in db.indexes}
    db_ix = {i.columns for n, i in db.indexes.items() if i.unique and n not in model.indexes}
    for unique in db.uniques:
        if unique.columns not in model_cols and unique.columns not in model_ix:
            found.append(Difference("remove_unique", model, db=unique))
    for unique in model.uniques:
        if unique.columns not in db_cols and unique.columns not in db_ix:
            found.append(Difference("add_unique", model, model=unique))
    return found


def _fk_differences(model: TableShape, db: TableShape) -> list[Difference]:
    found = []
    model_fks = {fk.key: fk for fk in model.foreign_keys}
    db_fks = {fk.key: fk for fk in db.foreign_keys}
    for key, fk in db_fks.items():
        other = model_fks.get(key)
        if other is None or (other.ondelete, other.onupdate) != (fk.ondelete, fk.onupdate):
            found.append(Difference("remove_fk", model, db=fk))
    for key, fk in model_fks.items():
        other = db_fks.get(key)
        if other is None or (other.ondelete, other.onupdate) != (fk.ondelete, fk.onupdate):
            found.append(Difference("add_fk", model, model=fk))
    return found


# -- one line each ------------------------------------------------------------------------------

def _columns(columns) -> str:
    return ", ".join(columns)


def _column(column: ColumnShape) -> str:
    text = f"{column.name} {column.type}"
    if not column.nullable and not column.primary_key:
        text += " NOT NULL"
    if column.default is not None:
        text += f" DEFAULT {column.default}"
    return text


def _fk(fk: ForeignKeyShape) -> str:
    target = f"{fk.ref_schema}.{fk.ref_table}" if fk.ref_schema else fk.ref_table
    text = f"({_columns(fk.columns)}) -> {target}({_columns(fk.ref_columns)})"
    if fk.ondelete:
        text += f" ON DELETE {fk.ondelete}"
    if fk.onupdate:
        text += f" ON UPDATE {fk.onupdate}"
    return text


def _named(kind: str, name: str | None) -> str:
    return f"{kind} {name}" if name else f"{kind} (unnamed)"


def _modify(d: Difference) -> str:
    parts = []
    for key, (old, new) in d.changes.items():
        if key == "nullable":
            parts.append("NULL -> NOT NULL" if old and not new else "NOT NULL -> NULL")
        else:
            label = {"type": "type", "server_default": "default", "comment": "comment"}[key]
            parts.append(f"{label} {_show(old)} -> {_show(new)}")
    return f"~ column {d.model.name}: " + ", ".join(parts)


def _show(value: Any) -> str:
    return "none" if value is None else str(value)


_LINES = {
    "add_table": lambda d: f"+ table ({_columns(d.model.columns)})",
    "remove_table": lambda d: "- table",
    "add_column": lambda d: f"+ column {_column(d.model)}",
    "remove_column": lambda d: f"- column {d.db.name}",
    "modify_column": _modify,
    "add_index": lambda d: f"+ {'unique ' if d.model.unique else ''}index {d.model.name} "
                           f"({_columns(d.model.columns)})",
    "remove_index": lambda d: f"- index {d.db.name}",
    "add_unique": lambda d: f"+ {_named('unique', d.model.name)} ({_columns(d.model.columns)})",
    "remove_unique": lambda d: f"- {_named('unique', d.db.name)} ({_columns(d.db.columns)})",
    "add_fk": lambda d: f"+ {_named('foreign key', d.model.name)} {_fk(d.model)}",
    "remove_fk": lambda d: f"- {_named('foreign key', d.db.name)} {_fk(d.db)}",
    "add_check": lambda d: f"+ check {d.model.name}: {d.model.sqltext}",
    "remove_check": lambda d: f"- check {d.db.name}",
    "modify_comment": lambda d: f"~ table comment {_show(d.db)} -> {_show(d.model)}",
}


def report(found: list[Difference]) -> list[str]:
    """The differences, one line each, under their tables: tables by name, and in each table
    additions (+), removals (-), then changes (~), so that any source gives the same report."""
    lines: list[str] = []
    by_table: dict[str, list[str]] = {}
    for difference in found:
        by_table.setdefault(difference.table.qualified, []).append(difference.line)
    for table in sorted(by_table):
        lines.append(f"{table}:")
        lines += [f"  {entry}" for entry in sorted(by_table[table], key=_line_order)]
    return lines


def _line_order(line: str) -> tuple[int, str]:
    return ("+-~".index(line[0]), line)
