"""The replay rules: what an operation relies on that the schema, replayed from base, must hold.

The reference checks here run before an operation is applied (runner.review.semantics, in
validate and before a run): the foreign keys it declares need a target of the right kind, the
constraint it names must not be there yet. What the operation itself finds missing or already
there (`state`) comes from its state_forwards; semantics finds the downgrade rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.review.rules.base import Found, Rule
from runner.review.rules.types import type_family
from runner.schema.references import ForeignKeyRef, qualified
from runner.schema.state import SchemaState, TableState

STATE = Rule("state", "error", "the operation does not match the schema at that point",
             "fix the names, or the order of the operations")
FOREIGN_KEY = Rule("foreign-key", "error", "the foreign key cannot be created as written",
                   "point it at an existing table and columns that have a primary key or unique "
                   "constraint, with as many columns on both sides")
DOWNGRADE_MISMATCH = Rule("downgrade-mismatch", "error", "the downgrade does not bring the schema "
                          "back to what it was before the upgrade",
                          "make the downgrade undo exactly what the upgrade did")
IRREVERSIBLE = Rule("irreversible", "error", "the revision cannot be downgraded",
                    "write a `downgrade:` list (`downgrade: []` if nothing needs undoing)")
IRREVERSIBLE_REVISION = Rule("irreversible-revision", "warning", "the revision file says it cannot be "
                             "downgraded (`downgrade: irreversible`)",
                             "nothing to fix if that is meant; a downgrade through it is refused")

RULES = (STATE, FOREIGN_KEY, DOWNGRADE_MISMATCH, IRREVERSIBLE, IRREVERSIBLE_REVISION)


def _create_table(op, state: SchemaState) -> Iterator[Found]:
    args = op.args
    own = TableState(name=args["table_name"], schema=args.get("schema"),
                     columns={c["name"]: c for c in args.get("columns", [])},
                     constraints=list(args.get("constraints") or []))
    for i, column in enumerate(args.get("columns", [])):
        fk = column.get("foreign_key")
        if fk and not _waits(fk, [fk["column"]], state):
            yield from _fk_target(state, own, [column["name"]], [fk["column"]],
                                  lambda i=i: op.arg_location("columns", i, "foreign_key"), op=op)
    for i, constraint in enumerate(args.get("constraints") or []):
        fk = constraint.get("foreign_key")
        names = [] if fk else constraint.get("primary_key") or constraint.get("unique") or []
        for name in names:
            if name not in own.columns:
                yield ("state", op.arg_location("constraints", i),
                       f"the constraint names column {name}, which table {own.name} does not have")
        if fk:
            for name in fk.get("columns", []):
                if name not in own.columns:
                    yield ("foreign-key", op.arg_location("constraints", i),
                           f"the foreign key names column {name}, which table {own.name} does not have")
            if not _waits(fk, fk.get("references", []), state):
                yield from _fk_target(state, own, fk.get("columns", []), fk.get("references", []),
                                      lambda i=i: op.arg_location("constraints", i), op=op)


def _waits(fk: dict, targets: list[str], state: SchemaState) -> bool:
    """A `use_alter: true` foreign key to a table that does not exist yet waits for it: the
    create_table of that table adds it (a cycle of tables)."""
    if not fk.get("use_alter") or not targets:
        return False
    ref = ForeignKeyRef.parse(targets[0])
    return state.table(ref.table, ref.schema) is None


def _add_column(op, state: SchemaState) -> Iterator[Found]:
    args = op.args
    fk = args["column"].get("foreign_key")
    table = state.table(args["table_name"], args.get("schema"))
    if args["column"].get("primary_key") and table is not None and _has_primary_key(table):
        yield "state", op.location, f"table {table.name} already has a primary key"
    if fk and table is not None:
        yield from _fk_target(state, table, [args["column"]["name"]], [fk["column"]],
                              lambda: op.arg_location("column", "foreign_key"),
                              [args["column"].get("type")], op=op)


def _create_foreign_key(op, state: SchemaState) -> Iterator[Found]:
    args = op.args
    schema, name = args.get("referent_schema"), args["referent_table"]
    if state.does("foreign_key_target_later") and state.table(name, schema) is None:
        # the operation leaves a missing target to this check there (CreateForeignKey.state_forwards)
        if not _created_later(op, schema, name):
            yield "state", op.location, f"table {qualified(name, schema)} does not exist at this point"
        yield from _constraint_exists(op, state, state.table(args["source_table"], args.get("source_schema")))
        return
    source = state.table(args["source_table"], args.get("source_schema"))
    if source is not None and source.known:  # else the operation reports a missing source table
        for name in args["local_cols"]:
            if name not in source.columns:
                yield ("foreign-key", op.arg_location("local_cols"),
                       f"table {source.name} has no column {name}")
        schema = args.get("referent_schema")
        prefix = f"{schema}." if schema else ""
        yield from _fk_target(state, source, args["local_cols"],
                              [f"{prefix}{args['referent_table']}.{c}" for c in args["remote_cols"]],
                              lambda: op.arg_location("referent_table"), op=op)
    yield from _constraint_exists(op, state, source)


def _create_constraint(op, state: SchemaState) -> Iterator[Found]:
    yield from _constraint_exists(op, state, state.table(op.args["table_name"], op.args.get("schema")))


def _constraint_exists(op, state: SchemaState, table: TableState | None) -> Iterator[Found]:
    """A constraint name already on the table, or a second primary key."""
    if table is None or not table.known:
        return
    name = op.args.get("constraint_name")
    if name and any(c.get("name") == name for c in table.constraints):
        if state.does("rebuild_replaces_constraints"):
            return  # SQLite's rebuild puts the new one in its place, as Alembic's batch mode does
        yield ("state", op.location, f"constraint {name} already exists on table {table.name}")
    elif op.name == "create_primary_key" and _has_primary_key(table):
        if state.does("rebuild_replaces_constraints"):
            return  # the new key takes the place of the old one in the rebuild, as above
        yield ("state", op.location, f"table {table.name} already has a primary key")


def _has_primary_key(table: TableState) -> bool:
    return (any(c.get("primary_key") for c in table.columns.values())
            or any(c.get("primary_key") for c in table.constraints))


def _fk_target(state: SchemaState, own: TableState, local: list[str], targets: list[str], where,
               local_types: list | None = None, op=None):
    """The referenced table exists, has the columns, they are its primary key or a unique key, and
    each referencing column's type is of the same family (a number cannot reference text).
    `where()` gives the location, looked up only for a finding. Where the database takes a key
    to a table that is not there yet (SQLite), the table may be created later in `op`'s revision."""
    if len(local) != len(targets):
        yield ("foreign-key", where(), f"{len(local)} referencing column(s) but {len(targets)} referenced")
        return
    parsed = [ForeignKeyRef.parse(t) for t in targets]
    tables = {ref.key for ref in parsed}
    if len(tables) != 1:
        yield ("foreign-key", where(), "the referenced columns are not all in one table")
        return
    schema, name = tables.pop()
    if (schema, name) == (own.schema, own.name):
        table = own
    else:
        table = state.table(name, schema)
    shown = f"{schema}.{name}" if schema else name
    if table is None:
        if state.does("foreign_key_target_later") and _created_later(op, schema, name):
            return
        yield ("foreign-key", where(), f"the foreign key references table {shown}, which does not exist "
                                     "at this point")
        return
    if not table.known:
        return
    columns = [ref.column for ref in parsed]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        yield ("foreign-key", where(), f"the foreign key references {shown}.{missing[0]}, which does not "
                                     "exist at this point")
        return
    if not _is_unique_key(table, columns):
        yield ("foreign-key", where(), f"the referenced column(s) {shown}({', '.join(columns)}) are "
                                     "neither its primary key nor a unique key")
    if local_types is None:
        local_types = [own.columns[c].get("type") if c in own.columns else None for c in local]
    for name_, type_, column in zip(local, local_types, columns, strict=True):
        target_type = table.columns[column].get("type")
        mine, theirs = type_family(type_), type_family(target_type)
        if mine and theirs and mine != theirs:
            yield ("foreign-key", where(), f"{own.name}.{name_} is {type_} but references {shown}.{column}, "
                                         f"which is {target_type}")


def _created_later(op, schema: str | None, name: str) -> bool:
    """Whether an operation after `op` in its revision's list creates table `name`."""
    from runner.revisions.checks import operations

    if op is None or op.revision is None or op.derived_from is not None or len(op.path) != 2:
        return False
    later = (operations(op.revision, op.path[0]) or [])[op.path[1] + 1:]
    return any(o.name == "create_table" and (o.args.get("schema"), o.args["table_name"]) == (schema, name)
               for o in later)


def _is_unique_key(table: TableState, columns: list[str]) -> bool:
    wanted = set(columns)
    primary = {n for n, c in table.columns.items() if c.get("primary_key")}
    if primary == wanted:
        return True
    if len(wanted) == 1 and table.columns[columns[0]].get("unique"):
        return True
    for constraint in table.constraints:
        for key in ("primary_key", "unique"):
            if set(constraint.get(key) or ()) == wanted:
                return True
    for index in table.indexes.values():
        if index.get("unique") and not index.get("postgresql_where") and set(
                c for c in index.get("columns", []) if isinstance(c, str)) == wanted:
            return True
    return False


# operation name: its reference check, run unless the state is opaque
REFERENCES = {
    "create_table": _create_table,
    "add_column": _add_column,
    "create_foreign_key": _create_foreign_key,
    "create_unique_constraint": _create_constraint,
    "create_check_constraint": _create_constraint,
    "create_primary_key": _create_constraint,
}
