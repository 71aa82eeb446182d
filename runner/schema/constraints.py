"""A table's constraints as the state holds them: what kind, which name, found and removed.

A constraint is kept in create_table's shape (`{unique: [a, b], name: uq}`), and a column's
`primary_key`, `unique` or `foreign_key` implies one. An unnamed one has the name the database
gave it when it was made (PostgreSQL's), which later renames do not change: the state
remembers it in TableState.implied_names, so a later drop_constraint can name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from runner.schema.naming import database_name, final, is_final
from runner.schema.references import ForeignKeyRef
from runner.schema.state import TableState

# create_table's constraint key -> drop_constraint's `type`
KINDS = {"primary_key": "primary", "unique": "unique", "check": "check", "foreign_key": "foreignkey"}


def written_name(spec: dict[str, Any]) -> str | None:
    """The name a constraint is given where it is written (a column's foreign key may carry one),
    as text (`{f: name}` is name)."""
    return final(spec.get("name") or spec.get("foreign_key", {}).get("name"))


def convention_name(spec: dict[str, Any], table: TableState, written: Any = None) -> str | None:
    """The name the table's naming convention gives `spec` (written `written`: None, a name or
    `{f: name}`), under the table's current name; None without a convention for it."""
    kind, parts = constraint_key(spec)
    columns: list[str] = [] if kind == "check" else list(parts)
    referred_table, referred_columns = None, []
    if kind == "foreign_key":
        targets = [ForeignKeyRef.parse(r) for r in spec["foreign_key"]["references"]]
        referred_table, referred_columns = targets[0].table, [t.column for t in targets]
    return database_name(table.naming, kind, written, table=table.name, schema=table.schema,
                         columns=columns, referred_table=referred_table,
                         referred_columns=referred_columns)


def constraint_kind(spec: dict[str, Any]) -> str:
    """primary_key, unique, check or foreign_key: the key of create_table's constraint shape."""
    return next(k for k in KINDS if k in spec)


def implied_specs(table: TableState) -> list[tuple[str, list[str], dict[str, Any]]]:
    """(kind, columns, spec) of each constraint that column definitions imply; a spec has a name
    only where the column's foreign key gives one."""
    found = []
    keys = [n for n, c in table.columns.items() if c.get("primary_key")]
    if keys:
        found.append(("primary_key", keys, {"primary_key": keys}))
    for name, column in table.columns.items():
        if column.get("unique"):
            found.append(("unique", [name], {"unique": [name]}))
        fk = column.get("foreign_key")
        if fk:
            spec = {"columns": [name], "references": [fk["column"]]}
            spec.update({k: fk[k] for k in ("ondelete", "onupdate", "deferrable", "initially") if k in fk})
            named = {"name": fk["name"]} if fk.get("name") else {}
            found.append(("foreign_key", [name], {"foreign_key": spec, **named}))
    return found


def constraint_key(spec: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """What tells an unnamed constraint of a table apart: its kind and columns (a check's text)."""
    kind = constraint_kind(spec)
    if kind == "check":
        return kind, (spec["check"],)
    return kind, tuple(spec["foreign_key"]["columns"] if kind == "foreign_key" else spec[kind])


def _default_name(spec: dict[str, Any], table: TableState) -> str:
    """The convention's name for `spec` under the table's current name, else PostgreSQL's."""
    if table.naming is not None:
        name = convention_name(spec, table)
        if name is not None:
            return name
    kind, parts = constraint_key(spec)
    return postgresql_default_name(table.name, kind,
                                   columns_named(parts[0], table.columns) if kind == "check" else parts)


def postgresql_default_name(table: str, kind: str, columns: Sequence[str]) -> str:
    """The name PostgreSQL gives an unnamed constraint of `table` (the names autogenerate finds in
    the database, and the ones the state remembers): <table>_pkey, <table>_<columns>_key and
    _fkey; for a check, whose `columns` are those its condition names, <table>_<column>_check
    when it names one, else <table>_check. Cut, as PostgreSQL does, at 63 characters."""
    if kind == "primary_key":
        name = f"{table}_pkey"
    elif kind == "check":
        name = f"{table}_{columns[0]}_check" if len(columns) == 1 else f"{table}_check"
    else:
        name = f"{table}_{'_'.join(columns)}_{'fkey' if kind == 'foreign_key' else 'key'}"
    return name[:63]


def columns_named(condition: str, columns: Iterable[str]) -> list[str]:
    """The `columns` a check's condition names (outside quoted text), in the columns' order."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'", "", condition)))
    return [c for c in columns if c in words]


def index_involves(spec: dict[str, Any], column: str) -> bool:
    """Whether an index (create_index's arguments) uses `column`: as a column, in an expression
    (`{sql: lower(email)}`) or in its WHERE. The database drops such an index with the column
    (PostgreSQL), or refuses the DROP COLUMN (SQLite, so yamig rebuilds the table without it)."""
    texts = [c["sql"] for c in spec.get("columns") or [] if isinstance(c, dict) and "sql" in c]
    texts += [v for k, v in spec.items() if k.endswith("_where") and isinstance(v, str)]
    return column in (spec.get("columns") or []) or any(column in columns_named(t, [column]) for t in texts)


def constraint_name(spec: dict[str, Any], table: TableState) -> str:
    """A constraint's name: the one written, else the one the database gave it when it was made
    (remember_implied_names), else PostgreSQL's name for it under the table's current name."""
    written = spec.get("name") or spec.get("foreign_key", {}).get("name")
    if written and table.naming is not None and not is_final(written):
        return convention_name(spec, table, written) or final(written)
    return final(written) or table.implied_names.get(constraint_key(spec)) or _default_name(spec, table)


def remember_implied_names(table: TableState, columns: list[str] | None = None) -> None:
    """Fix the names of the unnamed constraints of a new table (or those `columns` imply), as
    the table is named now: the database keeps them through later renames, so does the state."""
    specs = [spec for _, _, spec in implied_specs(table)]
    if columns is None:
        specs += table.constraints
    for spec in specs:
        key = constraint_key(spec)
        if not written_name(spec) and (columns is None or set(key[1]) & set(columns)):
            table.implied_names[key] = _default_name(spec, table)


def rename_in_implied_names(table: TableState, old: str, new: str) -> None:
    """A renamed column keeps the names of its constraints (their keys follow the new name)."""
    pattern = re.compile(rf"\b{re.escape(old)}\b")

    def renamed(key: tuple[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
        kind, parts = key
        if kind == "check":
            return kind, (pattern.sub(new, parts[0]),)
        return kind, tuple(new if c == old else c for c in parts)

    table.implied_names = {renamed(key): name for key, name in table.implied_names.items()}


def forget_implied_names(table: TableState, column: str) -> None:
    table.implied_names = {key: name for key, name in table.implied_names.items() if column not in key[1]}


def implied_constraints(table: TableState) -> list[dict[str, Any]]:
    """The named constraints that column definitions imply, in create_table's shape.

    A column's foreign key may carry a name; otherwise it, a key or a unique column has the
    name PostgreSQL gave it when it was made, the one a later drop_constraint will use.
    """
    return [{**spec, "name": constraint_name(spec, table)} for _, _, spec in implied_specs(table)]


def find_constraint(table: TableState, name: str) -> dict[str, Any] | None:
    """The constraint called `name` on `table`, table-level or implied by a column."""
    for spec in [*table.constraints, *implied_constraints(table)]:
        if constraint_name(spec, table) == name:
            return spec if written_name(spec) else {**spec, "name": name}
    return None


def autoincrement_column(table: TableState) -> str | None:
    """The key column SQLAlchemy makes autoincrementing (SERIAL on PostgreSQL) for `table` as the
    state has it: a sole integer key with autoincrement "auto" (no foreign key, no default), or the
    key column marked `autoincrement: true`. SQLAlchemy's own rule decides, on the key columns."""
    import sqlalchemy as sa

    from runner.schema.types import TypeGrammarError
    from runner.sql.ddl import build_column

    keys = {n for n, c in table.columns.items() if c.get("primary_key")}
    for spec in table.constraints:
        keys |= set(spec.get("primary_key") or ())
    try:
        columns = [build_column({**c, "primary_key": True}) for n, c in table.columns.items() if n in keys]
        return getattr(sa.Table(table.name, sa.MetaData(), *columns).autoincrement_column, "name", None)
    except (TypeGrammarError, sa.exc.ArgumentError):  # a bad type is reported where it is written
        return None


def remove_constraint(table: TableState, name: str) -> None:
    found = find_constraint(table, name)
    if found is not None and "primary_key" in found:
        # the database keeps what generated a key's values (PostgreSQL: the SERIAL's sequence
        # default): record it, so that adding the key back restores the column as it was
        generated = autoincrement_column(table)
        for column in found["primary_key"]:
            if column in table.columns:
                table.columns[column]["autoincrement"] = column == generated
    kept = [c for c in table.constraints if constraint_name(c, table) != name]
    if len(kept) != len(table.constraints):
        for spec in table.constraints:
            if spec not in kept:
                table.implied_names.pop(constraint_key(spec), None)
        table.constraints = kept
        return
    for kind, columns, spec in implied_specs(table):
        if constraint_name(spec, table) != name:
            continue
        table.implied_names.pop(constraint_key(spec), None)
        for column_name in columns:
            column = table.columns[column_name]
            if kind == "foreign_key":
                del column["foreign_key"]
            elif kind == "unique":
                column["unique"] = False
            else:
                column["primary_key"] = False
                column["nullable"] = False  # dropping the key leaves the column NOT NULL
        return


def dropped_name(table: TableState, written: Any, type_: str | None,
                 columns: list[str] | None = None) -> str | None:
    """The database's name of the constraint a drop_constraint means: a name as the convention
    makes it (a plain one through %(constraint_name)s); unnamed, the one constraint of `type_`
    (on `columns`, when given) the table has. None when none matches, or several do."""
    kind = next((k for k, t in KINDS.items() if t == type_), None)
    if written:
        if table.naming is None or is_final(written) or kind is None:
            return final(written)
        return database_name(table.naming, kind, written, table=table.name, schema=table.schema) \
            or final(written)
    if kind is None or table.naming is None:  # without a convention, each database names its own
        return None
    found = [spec for spec in [*table.constraints, *implied_constraints(table)]
             if constraint_kind(spec) == kind and (columns is None or
                                                   list(constraint_key(spec)[1]) == list(columns))]
    return constraint_name(found[0], table) if len(found) == 1 else None


def remember_name(table: TableState, spec: dict[str, Any]) -> None:
    """Fix the name of an unnamed constraint just added to the table (it keeps it through renames)."""
    if not written_name(spec):
        table.implied_names[constraint_key(spec)] = _default_name(spec, table)
