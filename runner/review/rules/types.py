"""The type rules: column types the database refuses as written; alter_column's type changes
that lose data (narrowing) or rewrite the table; and the coarse type families a foreign key's
two sides must share (runner.review.rules.replay)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from runner.review.rules.base import Context, Found, Rule, current_column

TYPE_NARROWING = Rule("type-narrowing", "error", "the new type holds less than the old one: the change "
                      "fails, or truncates values, as soon as a row does not fit",
                      "check the data fits first (and keep the old type if unsure); allow: "
                      "[type-narrowing] once it is checked")
TYPE_REWRITE = Rule("type-rewrite", "warning", "the database rewrites the whole table (and its indexes) "
                    "under an exclusive lock to change the type",
                    "add a column of the new type, backfill it in batches, then switch over; or "
                    "allow: [type-rewrite] for a small table")

TYPE_NOT_SUPPORTED = Rule("type-not-supported", "error", "the database refuses the column type as "
                          "written: the statement that creates or changes the column fails",
                          "give the type what the database needs, e.g. String(255) on MySQL and "
                          "MariaDB, whose VARCHAR has no default length")

RULES = (TYPE_NOT_SUPPORTED, TYPE_NARROWING, TYPE_REWRITE)


def _types(op, ctx, where: tuple[Any, ...], type_text: Any) -> Iterator[Found]:
    for problem in ctx.type_problems(type_text):
        yield ("type-not-supported", op.arg_location(*where), problem)


def _create_table(op, state, ctx) -> Iterator[Found]:
    for i, column in enumerate(op.args.get("columns") or []):
        if isinstance(column, dict):
            yield from _types(op, ctx, ("columns", i, "type"), column.get("type"))


def _add_column(op, state, ctx) -> Iterator[Found]:
    column = op.args.get("column")
    if isinstance(column, dict):
        yield from _types(op, ctx, ("column", "type"), column.get("type"))


def _alter_column(op, state, ctx) -> Iterator[Found]:
    args = op.args
    if "type" in args:
        yield from _types(op, ctx, ("type",), args["type"])
    name, column = args["table_name"], args["column_name"]
    if "type" not in args or not ctx.existing(name, args.get("schema")):
        return
    current = current_column(state, args)
    old = current.get("type") if current is not None else args.get("existing_type")
    kind = type_change(old, args["type"], ctx)
    if kind == "narrowing":
        yield ("type-narrowing", op.arg_location("type"),
               f"{name}.{column} changes from {old} to {args['type']}, which holds less")
    elif kind == "rewrite" and ctx.takes_locks:
        what = f"from {old} " if old else "(from a type yamig does not know) "
        yield ("type-rewrite", op.arg_location("type"),
               f"{name}.{column} changes {what}to {args['type']}: the table is rewritten")


_INTEGERS = {"TINYINT": 0, "SMALLINT": 1, "SmallInteger": 1, "MEDIUMINT": 1.5, "Integer": 2,
             "INTEGER": 2, "INT": 2, "BigInteger": 3, "BIGINT": 3}
_FLOATS = {"REAL": 1, "Float": 2, "FLOAT": 2, "Double": 2, "DOUBLE": 2, "DOUBLE_PRECISION": 2}
_STRINGS = {"String", "VARCHAR", "Unicode", "NVARCHAR", "Text", "TEXT", "UnicodeText", "CLOB",
            "TINYTEXT", "MEDIUMTEXT", "LONGTEXT"}
_UNBOUNDED = {"Text", "TEXT", "UnicodeText", "CLOB", "LONGTEXT"}
_NUMERICS = {"Numeric", "NUMERIC", "DECIMAL"}
_DATETIMES = {"DateTime": 2, "DATETIME": 2, "TIMESTAMP": 2, "Date": 1, "DATE": 1}


def type_change(old: Any, new: Any, ctx: Context) -> str:
    """'same', 'safe' (no rewrite), 'narrowing' (may fail or lose data) or 'rewrite'."""
    from runner.schema.types import TypeGrammarError, parse_type

    try:
        before, after = parse_type(old), parse_type(new)
    except TypeGrammarError:
        return "rewrite"
    if before == after:
        return "same"
    a, b = before.name, after.name
    if a in _STRINGS and b in _STRINGS:
        was, now = _arg(before, 0, "length"), _arg(after, 0, "length")
        was = None if a in _UNBOUNDED else was
        now = None if b in _UNBOUNDED else now
        if now is not None and (was is None or now < was):
            return "narrowing"
        if now is None and was is not None and ctx.copies_table_to_text:
            return "rewrite"  # VARCHAR to TEXT copies the table there
        return "safe"
    if a in _INTEGERS and b in _INTEGERS:
        return "narrowing" if _INTEGERS[b] < _INTEGERS[a] else "rewrite"
    if a in _FLOATS and b in _FLOATS:
        return "narrowing" if _FLOATS[b] < _FLOATS[a] else "rewrite"
    if a in _NUMERICS and b in _NUMERICS:
        p1, s1 = _arg(before, 0, "precision"), _arg(before, 1, "scale") or 0
        p2, s2 = _arg(after, 0, "precision"), _arg(after, 1, "scale") or 0
        if (p2 is not None and (p1 is None or p2 < p1)) or s2 < s1:
            return "narrowing"
        return "safe" if s2 == s1 and ctx.widens_numeric_in_place else "rewrite"
    if (a in _NUMERICS or a in _FLOATS) and b in _INTEGERS:
        return "narrowing"  # fractions are lost
    if a in _DATETIMES and b in _DATETIMES and _DATETIMES[b] < _DATETIMES[a]:
        return "narrowing"  # the time of day is lost
    return "rewrite"


_FAMILIES = [("number", set(_INTEGERS) | set(_FLOATS) | _NUMERICS),
             ("text", _STRINGS | {"CHAR", "NCHAR", "CITEXT", "Enum", "ENUM"}),
             ("uuid", {"Uuid", "UUID"}), ("boolean", {"Boolean", "BOOLEAN"}),
             ("time", set(_DATETIMES) | {"Time", "TIME", "Interval", "INTERVAL"})]


def type_family(text: Any) -> str | None:
    """A coarse family (number, text, uuid, boolean, time) for comparing key types; None if other."""
    from runner.schema.types import TypeGrammarError, parse_type

    try:
        name = parse_type(text).name
    except TypeGrammarError:
        return None
    return next((family for family, names in _FAMILIES if name in names), None)


def _arg(spec, position: int, keyword: str) -> Any:
    if len(spec.args) > position:
        return spec.args[position]
    return dict(spec.kwargs).get(keyword)


SAFETY = {"alter_column": _alter_column, "create_table": _create_table, "add_column": _add_column}
