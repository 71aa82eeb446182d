"""A database's schema as the inspector reads it, normalised so that two databases of one kind
compare equal when their schemas are the same: what `convert --verify` and the Alembic
equivalence tests compare after each revision.

Reflection noise is left out: list order where the database defines none, whitespace and outer
parentheses in SQL text (defaults, checks, index expressions), and the version tables. Types are
compiled by the database's dialect, so one type reflected twice reads the same.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

VERSION_TABLES = frozenset({"alembic_version", "yamig_history"})


def snapshot(url: str, skip: frozenset[str] | set[str] = VERSION_TABLES) -> dict[str, Any]:
    """The normalised schema (and rows) of the database at `url`, without the tables in `skip`."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return inspect_connection(connection, skip)
    finally:
        engine.dispose()


def inspect_connection(connection: sa.Connection, skip=VERSION_TABLES) -> dict[str, Any]:
    from runner.sql.dialects import impl_for

    insp = sa.inspect(connection)
    impl = impl_for(connection.dialect)
    schema: dict[str, Any] = {}
    owners: list[str | None] = [None]
    if impl.default_schema and impl.shared_server:  # a server's other schemas (SQLite's are files)
        owners += sorted(s for s in insp.get_schema_names()
                         if s not in (impl.default_schema, "information_schema")
                         and not s.startswith(("pg_", "sys", "db_", "INFORMATION_SCHEMA", "guest")))
    for owner in owners:
        for name in sorted(insp.get_table_names(schema=owner)):
            if name not in skip:
                schema[f"{owner}.{name}" if owner else name] = _table(insp, impl, name, owner)
    if impl.named_enum_types:
        schema["<enums>"] = sorted((e["name"], tuple(e["labels"])) for e in insp.get_enums())
    return schema


def sql_text(value: Any) -> str | None:
    """SQL text without its incidental spelling: whitespace runs and outer parentheses."""
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value)).strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _table(insp, impl, name: str, owner: str | None) -> dict[str, Any]:
    kw = {"schema": owner}
    dialect = insp.bind.dialect
    pk = insp.get_pk_constraint(name, **kw)
    table: dict[str, Any] = {
        "columns": [(c["name"], c["type"].compile(dialect=dialect), c["nullable"],
                     sql_text(c.get("default")), c.get("comment")) for c in insp.get_columns(name, **kw)],
        "primary_key": (pk.get("name"), tuple(pk.get("constrained_columns") or ())),
        "indexes": sorted(_index(ix) for ix in insp.get_indexes(name, **kw)),
        "unique": sorted((u["name"] or "", tuple(u["column_names"]))
                         for u in insp.get_unique_constraints(name, **kw)),
        "foreign_keys": sorted(
            (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"],
             tuple(fk["referred_columns"]), sorted((fk.get("options") or {}).items()))
            for fk in insp.get_foreign_keys(name, **kw)),
        "checks": sorted((c["name"] or "", sql_text(c["sqltext"]))
                         for c in insp.get_check_constraints(name, **kw)),
    }
    quoted = dialect.identifier_preparer.format_table(sa.table(name, schema=owner))
    table["rows"] = sorted(map(repr, insp.bind.exec_driver_sql(f"SELECT * FROM {quoted}")))
    if not impl.shared_server:  # SQLite: its inspector leaves out expression indexes
        table["index_sql"] = sorted(sql_text(sql) for sql, in insp.bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (name,)))
    if impl.supports_comments:
        table["comment"] = insp.get_table_comment(name, **kw)["text"]
    return table


def _index(ix: dict[str, Any]) -> tuple:
    options = sorted((k, sql_text(v)) for k, v in (ix.get("dialect_options") or {}).items())
    expressions = tuple(map(sql_text, ix.get("expressions") or ()))
    return (ix["name"], tuple(ix.get("column_names") or ()), expressions, bool(ix.get("unique")), options)


def any_column_order(schema: dict) -> dict:
    """A snapshot whose tables' columns compare as a set: a column a downgrade adds back comes
    last (in Alembic as in yamig), and Alembic's SQLite batch may put an added one among the old
    ones; the same columns, types and constraints are the same schema to the code that uses it."""
    return {name: {**table, "columns": sorted(table["columns"], key=repr)}
            if isinstance(table, dict) and isinstance(table.get("columns"), list) else table
            for name, table in schema.items()}


def differences(expected: dict[str, Any], actual: dict[str, Any], left: str = "Alembic",
                right: str = "yamig") -> list[str]:
    """Readable lines for what differs between two snapshots: each table and aspect by name."""
    found = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            found.append(f"{name}: only in {left}'s database")
        elif name not in expected:
            found.append(f"{name}: only in {right}'s database")
        elif expected[name] != actual[name]:
            if not isinstance(expected[name], dict):
                found.append(f"{name}: {left} has {expected[name]!r}, {right} has {actual[name]!r}")
                continue
            for aspect in sorted(set(expected[name]) | set(actual[name])):
                ours, theirs = expected[name].get(aspect), actual[name].get(aspect)
                if ours != theirs:
                    found.append(f"{name} {aspect}: {_compared(ours, theirs, left, right)}")
    return found


def _compared(ours: Any, theirs: Any, left: str, right: str) -> str:
    """For lists, the items that only one side has (in order); else both values."""
    if isinstance(ours, list) and isinstance(theirs, list):
        only_left = [item for item in ours if item not in theirs]
        only_right = [item for item in theirs if item not in ours]
        if only_left or only_right:
            parts = [f"only {left} has {', '.join(map(repr, only_left))}" if only_left else "",
                     f"only {right} has {', '.join(map(repr, only_right))}" if only_right else ""]
            return "; ".join(p for p in parts if p)
        return f"the same items in another order: {left} {ours!r}, {right} {theirs!r}"
    return f"{left} has {ours!r}, {right} has {theirs!r}"
