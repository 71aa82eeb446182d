"""validate's safety rules: what an operation does to a table that already holds data.

Each rule reads one operation and the schema state just before it, and yields
(rule id, location, message); the ids, reasons and fixes are in runner.review.findings.
A table created earlier in the same revision holds no rows yet, so the lock,
scan and rewrite rules leave it alone. Rules about locks and rewrites are for
servers (not SQLite); those that name a PostgreSQL mechanism only fire when the
dialect is PostgreSQL (the URL, or `validate.dialect`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from runner.schema.references import ForeignKeyRef
from runner.schema.state import SchemaState

Found = tuple[str, str, str]


class Context:
    """What the revision did so far: the tables it created (they are empty) and the columns it
    added (no deployed code uses them yet)."""

    def __init__(self, dialect: str | None):
        self.dialect = dialect
        self.created: set[tuple[str | None, str]] = set()
        self.added: set[tuple[str | None, str, str]] = set()  # columns: no code reads them yet

    @property
    def postgresql(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def server(self) -> bool:
        return self.dialect != "sqlite"

    def existing(self, table: str, schema: str | None) -> bool:
        return (schema, table) not in self.created

    def applied(self, op) -> None:
        args = op.args
        if op.name == "create_table":
            self.created.add((args.get("schema"), args["table_name"]))
        elif op.name == "rename_table" and (args.get("schema"), args["old_table_name"]) in self.created:
            self.created.add((args.get("schema"), args["new_table_name"]))
        elif op.name == "add_column":
            self.added.add((args.get("schema"), args["table_name"], args["column"]["name"]))


def check(op, state: SchemaState, ctx: Context) -> Iterator[Found]:
    rule = _RULES.get(op.name)
    if rule is not None:
        yield from rule(op, op.args, state, ctx)


# -- drops ----------------------------------------------------------------------------------------

def _drop_table(op, args, state, ctx) -> Iterator[Found]:
    name, schema = args["table_name"], args.get("schema")
    yield "drop-table", op.location, f"drops table {name} and its data"
    for source, column, target in _references_to(state, name, schema):
        if source != name:
            yield ("drop-referenced", op.location,
                   f"table {source} still references {target} (foreign key on {source}.{column})")


def _drop_column(op, args, state, ctx) -> Iterator[Found]:
    name, column, schema = args["table_name"], args["column_name"], args.get("schema")
    also = ""
    table = state.table(name, schema)
    if table is not None:
        wider = [ix for ix, spec in table.indexes.items()
                 if column in spec.get("columns", []) and len(spec.get("columns", [])) > 1]
        if wider:
            also = f" (index {', '.join(sorted(wider))} over other columns too goes with it)"
    yield "drop-column", op.location, f"drops column {name}.{column} and its data{also}"
    for source, source_column, target in _references_to(state, name, schema, column):
        if (source, source_column) != (name, column):
            yield ("drop-referenced", op.location,
                   f"{source}.{source_column} still references {target} through a foreign key")


def _drop_constraint(op, args, state, ctx) -> Iterator[Found]:
    from runner.schema.constraints import find_constraint

    name, schema = args["table_name"], args.get("schema")
    table = state.table(name, schema)
    spec = find_constraint(table, args["constraint_name"]) if table is not None else None
    key = (spec or {}).get("primary_key") or (spec or {}).get("unique")
    if not key:
        return
    for source, column, target in _references_to(state, name, schema):
        if ForeignKeyRef.parse(target).column in key and source != name:
            yield ("drop-referenced", op.location,
                   f"{source}.{column} still references {target}, which this key makes unique")


def _references_to(state: SchemaState, table: str, schema: str | None, column: str | None = None):
    """(referencing table, its column, target text) for every foreign key into table(.column)."""
    for other in state.tables.values():
        for name, spec in other.columns.items():
            target = (spec.get("foreign_key") or {}).get("column")
            if target and _targets(target, table, schema, column):
                yield other.name, name, target
        for constraint in other.constraints:
            fk = constraint.get("foreign_key")
            if fk:
                for local, target in zip(fk.get("columns", []), fk.get("references", []), strict=False):
                    if _targets(target, table, schema, column):
                        yield other.name, local, target


def _targets(target: str, table: str, schema: str | None, column: str | None) -> bool:
    ref = ForeignKeyRef.parse(target)
    return ref.key == (schema, table) and (column is None or ref.column == column)


# -- renames --------------------------------------------------------------------------------------

def _rename_table(op, args, state, ctx) -> Iterator[Found]:
    if ctx.existing(args["old_table_name"], args.get("schema")):
        yield ("rename-table", op.location,
               f"renames table {args['old_table_name']} to {args['new_table_name']}")


# -- alter_column ---------------------------------------------------------------------------------

def _alter_column(op, args, state, ctx) -> Iterator[Found]:
    name, column, schema = args["table_name"], args["column_name"], args.get("schema")
    if not ctx.existing(name, schema):
        return
    table = state.table(name, schema)
    current = table.columns.get(column) if table is not None else None
    new_name = args.get("new_column_name")
    if new_name and new_name != column and (schema, name, column) not in ctx.added:
        yield "rename-column", op.location, f"renames column {name}.{column} to {new_name}"
    if args.get("nullable") is False:
        if current is not None:
            was = current.get("nullable", not current.get("primary_key", False))
        else:
            was = args.get("existing_nullable", True)
        if was is not False and ctx.server:
            yield ("set-not-null", op.location,
                   f"sets NOT NULL on existing column {name}.{column}")
    if "type" in args:
        old = current.get("type") if current is not None else args.get("existing_type")
        kind = type_change(old, args["type"], ctx.dialect)
        if kind == "narrowing":
            yield ("type-narrowing", op.arg_location("type"),
                   f"{name}.{column} changes from {old} to {args['type']}, which holds less")
        elif kind == "rewrite" and ctx.server:
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


def type_change(old: Any, new: Any, dialect: str | None) -> str:
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
        if now is None and was is not None and dialect in ("mysql", "mariadb"):
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
        return "safe" if s2 == s1 and dialect == "postgresql" else "rewrite"
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


# -- adding columns, constraints and indexes ------------------------------------------------------

_VOLATILE = re.compile(r"\b(random|clock_timestamp|timeofday|gen_random_uuid|gen_random_bytes|"
                       r"uuid_generate_v\w+|nextval)\s*\(", re.IGNORECASE)


def _add_column(op, args, state, ctx) -> Iterator[Found]:
    column, name, schema = args["column"], args["table_name"], args.get("schema")
    table = state.table(name, schema)
    if not ctx.existing(name, schema):
        return
    if (column.get("nullable") is False and column.get("server_default") is None
            and not column.get("primary_key") and (table is None or table.known)):
        yield ("not-null-without-default", op.location,
               f"{name}.{column['name']} is NOT NULL with no server_default")
    default = column.get("server_default")
    if ctx.postgresql and isinstance(default, dict) and _VOLATILE.search(str(default.get("sql", ""))):
        yield ("volatile-default", op.arg_location("column", "server_default"),
               f"{name}.{column['name']} gets the volatile default {default['sql']}: every row is "
               "rewritten")
    if ctx.server and column.get("primary_key"):
        yield "add-primary-key", op.location, f"adds primary key column {name}.{column['name']}"
    elif ctx.server and column.get("unique"):
        yield ("add-unique-constraint", op.location,
               f"adds unique column {name}.{column['name']} to an existing table")


def _create_foreign_key(op, args, state, ctx) -> Iterator[Found]:
    if ctx.server and ctx.existing(args["source_table"], args.get("source_schema")):
        yield ("add-foreign-key", op.location,
               f"adds foreign key {args.get('constraint_name') or ''} from existing table "
               f"{args['source_table']} to {args['referent_table']}".replace("  ", " "))


def _constraint_rule(rule: str, what: str):
    def check(op, args, state, ctx) -> Iterator[Found]:
        if ctx.server and ctx.existing(args["table_name"], args.get("schema")):
            yield (rule, op.location,
                   f"adds {what} {args.get('constraint_name') or ''} to existing table "
                   f"{args['table_name']}".replace("  ", " "))
    return check


def _create_index(op, args, state, ctx) -> Iterator[Found]:
    if (ctx.postgresql and not args.get("postgresql_concurrently")
            and ctx.existing(args["table_name"], args.get("schema"))):
        yield ("index-not-concurrently", op.location,
               f"index {args['index_name']} on existing table {args['table_name']} "
               "is built without postgresql_concurrently")


def _drop_index(op, args, state, ctx) -> Iterator[Found]:
    if not ctx.postgresql or args.get("postgresql_concurrently"):
        return
    table = state.find_index(args["index_name"], args.get("schema"))
    table_name = table.name if table is not None else args.get("table_name")
    if table_name is None or ctx.existing(table_name, args.get("schema")):
        yield ("drop-index-not-concurrently", op.location,
               f"index {args['index_name']} is dropped without postgresql_concurrently")


# -- raw SQL --------------------------------------------------------------------------------------

_DATA = {"INSERT", "UPDATE", "DELETE", "SELECT", "WITH", "MERGE", "SET", "RESET", "ANALYZE"}


def _execute(op, args, state, ctx) -> Iterator[Found]:
    if not data_only(op):
        yield "execute", op.location, "raw SQL: yamig cannot check what it does to the schema"


def data_only(op) -> bool:
    """Whether raw SQL only reads or writes rows (so the schema state stays known)."""
    statements = _statements(op.args.get("sqltext", ""))
    return statements is not None and bool(statements) and all(
        s.split(None, 1)[0].upper() in _DATA for s in statements)


def _statements(sql: str) -> list[str] | None:
    """The statements of a script, comments removed; None when it quotes with $$ (function bodies)."""
    if "$" in sql:
        return None
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    statements, current, quote = [], [], None
    i = 0
    while i < len(sql):
        char = sql[i]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif char == ";":
            statements.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


_RULES = {
    "drop_table": _drop_table,
    "drop_column": _drop_column,
    "rename_table": _rename_table,
    "alter_column": _alter_column,
    "add_column": _add_column,
    "create_foreign_key": _create_foreign_key,
    "create_unique_constraint": _constraint_rule("add-unique-constraint", "unique constraint"),
    "create_check_constraint": _constraint_rule("add-check-constraint", "check constraint"),
    "create_primary_key": _constraint_rule("add-primary-key", "primary key"),
    "create_index": _create_index,
    "drop_index": _drop_index,
    "drop_constraint": _drop_constraint,
    "execute": _execute,
}
