"""The drop rules: data deleted with a table or column, and drops that foreign keys in other
tables still point at."""

from __future__ import annotations

from collections.abc import Iterator

from runner.review.rules.base import Found, Rule
from runner.schema.references import ForeignKeyRef
from runner.schema.state import SchemaState

DROP_TABLE = Rule("drop-table", "warning", "dropping a table deletes its data",
                  "make sure no code reads it, and keep a backup; allow: [drop-table] to accept")
DROP_COLUMN = Rule("drop-column", "warning", "dropping a column deletes its data and breaks code "
                   "that reads it", "deploy code that no longer reads it first; allow: [drop-column] "
                   "to accept")
DROP_REFERENCED = Rule("drop-referenced", "error", "another table's foreign key still points at what "
                       "is dropped; the database refuses, or drops the foreign key with it",
                       "drop (drop_constraint) or re-point those foreign keys first")

RULES = (DROP_TABLE, DROP_COLUMN, DROP_REFERENCED)


def _drop_table(op, state, ctx) -> Iterator[Found]:
    args = op.args
    name, schema = args["table_name"], args.get("schema")
    yield "drop-table", op.location, f"drops table {name} and its data"
    for source, column, target in _references_to(state, name, schema):
        if source != name:
            yield ("drop-referenced", op.location,
                   f"table {source} still references {target} (foreign key on {source}.{column})")


def _drop_column(op, state, ctx) -> Iterator[Found]:
    args = op.args
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


def _drop_constraint(op, state, ctx) -> Iterator[Found]:
    from runner.schema.constraints import find_constraint

    args = op.args
    name, schema = args["table_name"], args.get("schema")
    table = state.table(name, schema)
    dropped = op.dropped(table) if table is not None else None
    spec = find_constraint(table, dropped) if dropped is not None else None
    key = (spec or {}).get("primary_key") or (spec or {}).get("unique")
    if not key or (ctx.rebuilds_for_constraints and _made_again_in_rebuild(op, key)):
        return
    for source, column, target in _references_to(state, name, schema):
        if ForeignKeyRef.parse(target).column in key and source != name:
            yield ("drop-referenced", op.location,
                   f"{source}.{column} still references {target}, which this key makes unique")


def _made_again_in_rebuild(op, key: list[str]) -> bool:
    """Whether an operation after `op` in the same rebuild of its table (the consecutive ones that
    rebuild it: runner.sql.rebuild) makes a key over the same columns again."""
    from runner.revisions.checks import operations

    if op.revision is None or op.derived_from is not None or len(op.path) != 2:
        return False
    table = (op.args.get("schema"), op.args["table_name"])
    for later in (operations(op.revision, op.path[0]) or [])[op.path[1] + 1:]:
        args = later.args
        if not getattr(later, "needs_rebuild_on_sqlite", False) or (
                args.get("schema", args.get("source_schema")),
                args.get("table_name", args.get("source_table"))) != table:
            return False
        if later.name in ("create_primary_key", "create_unique_constraint") and \
                set(args.get("columns") or ()) == set(key):
            return True
    return False


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


SAFETY = {"drop_table": _drop_table, "drop_column": _drop_column, "drop_constraint": _drop_constraint}
