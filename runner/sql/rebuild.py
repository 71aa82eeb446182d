"""SQLite's move-and-copy: what SQLite cannot ALTER in place, done by rebuilding the table.

As Alembic's batch mode does, but without a batch block for the user to write:
create the new table under a temporary name, copy the rows across, drop the
old table, rename the new one, re-create the indexes. The table as it is comes
from the database online (reflected, so whatever raw SQL did is kept) and from
the replayed schema state offline; the operation itself says what changes, by
applying its `state_forwards` to that table. SQLiteImpl.statement_groups
(runner.sql.dialects.sqlite) is where a run reaches it.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from runner.schema.constraints import index_involves
from runner.schema.state import SchemaState, TableState


def needs_rebuild(op: Any, table: TableState | None) -> bool:
    """Whether `op` must rebuild its table on SQLite, given the table as it is."""
    if getattr(op, "needs_rebuild_on_sqlite", False):
        return True
    column = getattr(op, "drops_column", None)
    return column is not None and table is not None and _constrained(table, column)


def table_name_of(op: Any) -> str | None:
    args = op.args
    return args.get("table_name") or args.get("source_table")


def _constrained(table: TableState, column: str) -> bool:
    """SQLite's DROP COLUMN refuses key, unique, indexed, foreign-key and checked columns."""
    spec = table.columns.get(column, {})
    if spec.get("primary_key") or spec.get("unique") or spec.get("index") or spec.get("foreign_key"):
        return True
    for constraint in table.constraints:
        for kind in ("primary_key", "unique"):
            if column in constraint.get(kind, []):
                return True
        if column in constraint.get("foreign_key", {}).get("columns", []):
            return True
        if "check" in constraint and column in constraint["check"]:
            return True
    return any(index_involves(ix, column) for ix in table.indexes.values())


def rebuilds(op: Any) -> bool:
    """Whether `op` may have to rebuild its table on SQLite (needs_rebuild says, given the table)."""
    return getattr(op, "drops_column", None) is not None or getattr(op, "needs_rebuild_on_sqlite", False)


def batched_statements(ops: list, before_of: Callable[[Any], TableState | None],
                       plain: Callable[[Any], list[Any]],
                       check: Callable[[Any, TableState], None] | None = None,
                       traits: Any = None) -> Iterator[tuple[list, list[Any]]]:
    """(operations, their statements) in order, for SQLite: consecutive operations that each
    rebuild the same table share one rebuild, as Alembic's batch mode would do them.

    `before_of(op)` is the table as it is before `op` (reflected online, the replayed state
    offline; None when there is none to rebuild), `plain(op)` the op's own statements. Both are
    asked only when the caller has used the groups before, so they see what those did.
    `check(op, before)` may refuse a rebuild before it is built (online: rows a DROP would lose).
    `traits`: what the rebuild does where databases differ (SchemaState.traits: SQLite's impl).
    """
    position = 0
    while position < len(ops):
        op = ops[position]
        before = before_of(op) if rebuilds(op) else None
        if before is None or not needs_rebuild(op, before):
            yield [op], plain(op)
            position += 1
            continue
        if check is not None:
            check(op, before)
        group: list = []
        after, renames = before, {}
        while position < len(ops) and _same_table(ops[position], after) and rebuilds(ops[position]) \
                and needs_rebuild(ops[position], after):
            after = _applied(ops[position], after, renames, traits)
            group.append(ops[position])
            position += 1
        yield group, rebuild_statements(before, after, renames)


def culprit(group: list, message: str) -> Any:
    """Of operations rebuilt together, the one a database error most likely comes from: the last
    that names a constraint or column the message names (SQLite says `NOT NULL constraint failed:
    t.c`, `CHECK constraint failed: ck`), else the first."""
    import re

    for op in reversed(group):
        args = op.args
        names = [args.get(k) for k in ("constraint_name", "column_name", "new_column_name")]
        names += list(args.get("columns", [])) + list(args.get("local_cols", []))
        if any(isinstance(n, str) and re.search(rf"\b{re.escape(n)}\b", message) for n in names):
            return op
    return group[0]


def _same_table(op: Any, table: TableState) -> bool:
    return table_name_of(op) == table.name and op.schema == table.schema


def _applied(op: Any, before: TableState, renames: dict[str, str], traits: Any = None) -> TableState:
    """`before` with `op` applied (a copy); `renames` (new column name -> the name in the table
    being rebuilt) follows any column the op renames."""
    check = getattr(op, "rebuild_error", None)  # what ALTER would refuse, a rebuild must refuse too
    error = check(before) if check is not None else None
    if error:
        from runner.errors import MigrationError

        raise MigrationError(error, location=op.location, hint="check the name against the table")
    state = SchemaState(traits, naming=before.naming)
    state.add_table(copy.deepcopy(before))
    getattr(op, "rebuild_forwards", op.state_forwards)(state)  # what the rebuilt table has
    after = state.table(op.args.get("new_table_name") or before.name, before.schema)
    if after is None:  # pragma: no cover - every rebuilding op keeps its table
        raise AssertionError(f"{op.name} removed table {before.name}")
    if op.args.get("new_column_name"):
        old = op.args["column_name"]
        renames[op.args["new_column_name"]] = renames.pop(old, old)
    return after


def refuse_if_rows_would_cascade(connection: sa.Connection, op: Any, table: TableState) -> None:
    """With foreign keys enforced, DROP TABLE deletes the rows first, firing ON DELETE actions of
    the tables that reference it (their rows go too). PRAGMA foreign_keys cannot change inside a
    transaction, so a rebuild of such a table is refused rather than let it lose rows."""
    if not connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        return
    names = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").scalars().all()
    referencing = sorted(other for other in names if other != table.name and any(
        row[2] == table.name
        for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list({_quote(other)})")))
    if referencing:
        from runner.errors import MigrationError

        raise MigrationError(
            f"{op.name} rebuilds table {table.name}, and this connection enforces foreign keys "
            f"(PRAGMA foreign_keys=ON): dropping the old table would delete or block the rows of "
            f"{', '.join(referencing)} that reference it",
            location=op.location,
            hint="run yamig on a connection with foreign keys off (SQLite's default, which yamig's own "
                 "engine keeps; PRAGMA foreign_keys=OFF before the transaction begins)")


def rebuild_statements(before: TableState, after: TableState, renames: dict[str, str]) -> list[Any]:
    from runner.schema.types import parse_type
    from runner.sql.ddl import RenameTable, build_table, create_index

    temp = f"_yamig_tmp_{after.name}"[:60]
    args = after.definition()
    if after.naming is not None:
        _name_constraints(args, after)
    args["table_name"] = temp
    for column in args["columns"]:
        column.pop("index", None)  # indexes are re-created under their own names below
    metadata = sa.MetaData()
    new_table = build_table(metadata, args)
    old = sa.table(before.name, *[sa.column(c) for c in before.columns], schema=before.schema)
    targets, sources = [], []
    for name, spec in after.columns.items():
        source = renames.get(name, name)
        if source not in before.columns or spec.get("computed") or before.columns[source].get("computed"):
            continue  # a new column: its default fills it; a generated one computes itself
        expression: Any = old.c[source]
        if before.columns[source].get("type") != spec.get("type"):
            expression = sa.cast(expression, parse_type(spec["type"]).to_sqlalchemy())
        targets.append(name)
        sources.append(expression)
    statements: list[Any] = [sa.schema.CreateTable(new_table)]
    if targets:
        statements.append(new_table.insert().from_select(targets, sa.select(*sources)))
    statements.append(sa.schema.DropTable(sa.Table(before.name, sa.MetaData(), schema=before.schema)))
    statements.append(RenameTable(temp, after.name, after.schema))
    statements += [create_index(index, after.naming) for index in after.indexes.values()]
    for name, spec in after.columns.items():
        if spec.get("index"):
            statements.append(create_index({"index_name": {"f": after.implied_index_name(name)},
                                            "table_name": after.name, "columns": [name],
                                            "schema": after.schema}))
    return statements


def adopt_naming(table: TableState, naming: dict[str, str]) -> None:
    """A reflected table under the config's naming convention: the names it has are the
    database's, final (the convention is not applied to them again); new ones get named."""
    table.naming = naming
    for spec in table.constraints:
        if isinstance(spec.get("name"), str):
            spec["name"] = {"f": spec["name"]}
    for column in table.columns.values():
        fk = column.get("foreign_key")
        if fk and isinstance(fk.get("name"), str):
            fk["name"] = {"f": fk["name"]}


def _name_constraints(args: dict[str, Any], table: TableState) -> None:
    """Each constraint of the rebuilt table under the name the database has for it (the naming
    convention's, made under the table's name, not the temporary one's): final names, with a
    column's key and unique constraint as table-level ones so they can carry theirs."""
    from runner.schema.constraints import constraint_name, implied_specs

    constraints = []
    for spec in args.get("constraints", []):
        constraints.append({**spec, "name": {"f": constraint_name(spec, table)}})
    columns = {c["name"]: c for c in args["columns"]}
    for kind, names, spec in implied_specs(table):
        name = {"f": constraint_name(spec, table)}
        if kind == "foreign_key":
            columns[names[0]]["foreign_key"] = {**columns[names[0]]["foreign_key"], "name": name}
            continue
        if kind == "unique":  # a key's columns keep primary_key: the named constraint takes them over
            columns[names[0]].pop("unique", None)
        constraints.append({kind: list(names), "name": name})
    args["constraints"] = constraints


def reflect_table(connection: sa.Connection, name: str, schema: str | None = None) -> TableState | None:
    """The table as the database has it, in the state's terms (None when it does not exist)."""
    with warnings.catch_warnings():  # expression indexes: _sqlite_indexes reads them itself
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        return _reflect_table(connection, name, schema)


def _reflect_table(connection: sa.Connection, name: str, schema: str | None) -> TableState | None:
    inspector = sa.inspect(connection)
    if not inspector.has_table(name, schema=schema):
        return None
    dialect = connection.dialect
    pk = inspector.get_pk_constraint(name, schema=schema)
    pk_columns = pk.get("constrained_columns") or []
    table = TableState(name=name, schema=schema)
    for column in inspector.get_columns(name, schema=schema):
        spec: dict[str, Any] = {"name": column["name"],
                                "type": column["type"].compile(dialect=dialect),
                                "nullable": bool(column["nullable"])}
        if column.get("default") is not None:
            spec["server_default"] = {"sql": column["default"]}
        if column.get("comment"):
            spec["comment"] = column["comment"]
        computed = column.get("computed")
        if computed:  # a generated column is made again as such, never copied into
            spec["computed"] = {"sqltext": computed["sqltext"]}
            if computed.get("persisted") is not None:
                spec["computed"]["persisted"] = bool(computed["persisted"])
        table.columns[column["name"]] = spec
    if pk_columns:
        constraint: dict[str, Any] = {"primary_key": list(pk_columns)}
        if pk.get("name"):
            constraint["name"] = pk["name"]
        table.constraints.append(constraint)
    actions = _fk_actions(connection, name)
    for fk in inspector.get_foreign_keys(name, schema=schema):
        target = ".".join(filter(None, [fk.get("referred_schema"), fk["referred_table"]]))
        spec = {"columns": fk["constrained_columns"],
                "references": [f"{target}.{c}" for c in fk["referred_columns"]]}
        spec.update(actions.get(tuple(fk["constrained_columns"]), {}))
        spec.update({k: v for k, v in (fk.get("options") or {}).items() if k in ("deferrable", "initially")})
        constraint = {"foreign_key": spec}
        if fk.get("name"):
            constraint["name"] = fk["name"]
        table.constraints.append(constraint)
    uniques = inspector.get_unique_constraints(name, schema=schema)
    for unique in uniques + _unparsed_uniques(inspector, name, schema, uniques, pk_columns):
        constraint = {"unique": unique["column_names"]}
        if unique.get("name"):
            constraint["name"] = unique["name"]
        table.constraints.append(constraint)
    for check in inspector.get_check_constraints(name, schema=schema):
        constraint = {"check": check["sqltext"]}
        if check.get("name"):
            constraint["name"] = check["name"]
        table.constraints.append(constraint)
    table.indexes.update(_sqlite_indexes(connection, name, schema))
    return table


def _sqlite_indexes(connection: sa.Connection, table: str, schema: str | None) -> dict[str, dict]:
    """The table's own indexes as create_index arguments, expressions and WHERE included.

    SQLAlchemy's reflection skips expression indexes and yamig would lose them in a
    rebuild, so each index is read from the SQL SQLite keeps for it, with PRAGMA
    index_xinfo saying which of its terms are plain columns.
    """
    master = f"{_quote(schema)}.sqlite_master" if schema else "sqlite_master"
    rows = connection.exec_driver_sql(
        f"SELECT name, sql FROM {master} WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,)).all()
    indexes = {}
    for name, sql in rows:
        prefix = f"{_quote(schema)}." if schema else ""
        info = connection.exec_driver_sql(f"PRAGMA {prefix}index_xinfo({_quote(name)})").all()
        keys = [row[2] for row in sorted(info, key=lambda r: r[0]) if row[5]]  # key terms, in order
        terms, where = _index_terms(sql)
        columns: list[Any] = []
        for position, column in enumerate(keys):
            if column is not None:
                columns.append(column)
            elif position < len(terms):
                columns.append({"sql": terms[position]})
        spec: dict[str, Any] = {"index_name": name, "table_name": table, "columns": columns,
                                "unique": sql.lstrip().upper().startswith("CREATE UNIQUE")}
        if where:
            spec["sqlite_where"] = where
        if schema:
            spec["schema"] = schema
        indexes[name] = spec
    return indexes


def _index_terms(sql: str) -> tuple[list[str], str | None]:
    """The terms between the parentheses of `CREATE INDEX ... ON t (a, lower(b))`, and its WHERE."""
    start = sql.index("(", sql.upper().index(" ON "))
    terms, depth, quote, current = [], 0, None, ""
    for position in range(start + 1, len(sql)):
        char = sql[position]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"`[":
            quote = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                terms.append(current.strip())
                rest = sql[position + 1:].strip()
                where = rest[5:].strip() if rest.upper().startswith("WHERE") else None
                return terms, where or None
            depth -= 1
        elif char == "," and depth == 0:
            terms.append(current.strip())
            current = ""
            continue
        current += char
    return terms, None


def _unparsed_uniques(inspector, name: str, schema: str | None, uniques: list, pk: list) -> list:
    """UNIQUE constraints that SQLAlchemy's parse of the table's SQL misses (an inline UNIQUE
    after a type with arguments, e.g. `code VARCHAR(20) UNIQUE`): SQLite's own indexes show them."""
    known = {tuple(u["column_names"]) for u in uniques} | {tuple(pk)}
    found = []
    for index in inspector.get_indexes(name, schema=schema, include_auto_indexes=True):
        columns = tuple(index["column_names"])
        if (index.get("name") or "").startswith("sqlite_autoindex") and columns not in known:
            found.append({"name": None, "column_names": list(columns)})
            known.add(columns)
    return found


def _fk_actions(connection: sa.Connection, name: str) -> dict[tuple, dict[str, str]]:
    """ON DELETE / ON UPDATE of each foreign key, which SQLAlchemy's reflection can miss."""
    rows = connection.exec_driver_sql(f"PRAGMA foreign_key_list({_quote(name)})").all()
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    actions = {}
    for group in grouped.values():
        group.sort(key=lambda r: r[1])
        columns = tuple(r[3] for r in group)
        found = {}
        if group[0][6] and group[0][6] != "NO ACTION":
            found["ondelete"] = group[0][6]
        if group[0][5] and group[0][5] != "NO ACTION":
            found["onupdate"] = group[0][5]
        actions[columns] = found
    return actions


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
