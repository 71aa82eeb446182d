"""validate's replay: every revision applied, in upgrade order, to one in-memory schema state.

(`upgrade` and `downgrade` run the same checks on the revisions they are about to run,
check_run, so a revision that cannot work stops the run before its first statement.)

For each revision: each operation is checked against the state just before it
(what it names must exist, what it creates must not, its foreign keys must
have a target; and the safety rules: both from runner.review.rules), then applied. Then its
downgrade (as written, or derived) is applied too and the tables it touched are
compared, completely, with what they were before the upgrade; and the state is
put back to "after the upgrade" for the next revision.

Only the tables a revision touches are copied (a whole-state copy per revision
would make 5,000 revisions quadratic).
"""

from __future__ import annotations

import gc
import json
import marshal
import pickle
from collections import Counter
from typing import Any

from runner.errors import MigrationError
from runner.review import rules
from runner.review.findings import Collector
from runner.revisions.replay import state_at
from runner.schema.state import SchemaState, TableState
from runner.sql.dialects.traits import traits_for

Key = tuple  # (schema, table name)


def check_semantics(graph, collector: Collector, dialect: str | None, judge_types: bool = True) -> None:
    """validate's replay; `judge_types`: the dialect-type rule judges the types against
    `dialect` too (it needs SQLAlchemy: validate asks it only for a named validate.dialect)."""
    from runner.revisions.checks import operations

    state = SchemaState(traits_for(dialect), naming=graph.naming)
    paused = gc.isenabled()
    gc.disable()  # thousands of small dicts and no cycles: the cyclic GC would only rescan them
    try:
        for step in graph.upgrade_plan((), "heads"):
            rev = step.revision
            if rev.invalid:
                state.opaque = True  # what the unreadable revision does is unknown from here on
                continue
            _replay(rev, operations(rev, "upgrade") or [], operations(rev, "downgrade"), state,
                    collector, dialect, judge_types)
    finally:
        if paused:
            gc.enable()


def check_run(graph, current: tuple[str, ...], steps: list, ops_for,
              disabled: set[str] = frozenset(), dialect: str | None = None) -> list:
    """The error findings of the operations a run is about to apply (`ops_for(step)`), each checked
    against the schema as the revisions describe it at that point: replayed from base to the
    database's revisions `current`, then step by step.

    Upgrade operations get validate's `state` and `foreign-key` checks, downgrade operations (as
    in validate) the `state` one: what cannot work on the schema the revisions build. Both get
    the checks against the limits of the database `dialect` runs on (`dialect-type`): what it
    refuses fails halfway through the run. The safety rules are left out: they judge the data
    and locks of a production database, which is validate's business in CI, and a run on a
    database they do not fit is not wrong.
    """
    collector = Collector(set(disabled))
    context = rules.Context(dialect)
    paused = gc.isenabled()
    gc.disable()  # as in check_semantics
    try:
        state = state_at(graph, current, traits_for(dialect))
        state.problems.clear()  # those revisions ran already: not this run's business
        for step in steps:
            ops = ops_for(step)
            if step.is_upgrade:
                for op in ops:
                    check_operation(op, state, context, collector, safety=False)
            else:
                check_limits(ops, context, collector)
                apply_downgrade(ops, state, collector)
    finally:
        if paused:
            gc.enable()
    return [f for f in collector.findings if f.severity == "error"]


def run_refused(errors: list, shown: int = 10) -> MigrationError:
    """The error that stops a run before it starts: each finding as validate prints it."""
    first = errors[0]
    lines = [f"{f.location}: {f.severity} {f.rule}: {f.message}" for f in errors[1:shown]]
    if len(errors) > shown:
        lines.append(f"... and {len(errors) - shown} more")
    return MigrationError("\n".join([f"{first.severity} {first.rule}: {first.message}", *lines]),
                          location=first.location,
                          hint=f"{first.fix}. Nothing was run; `yamig validate` lists every finding "
                               "(--no-check runs the revisions without these checks)")


def _replay(rev, ops: list, written: list | None, state: SchemaState, collector: Collector,
            dialect: str | None, judge_types: bool = True) -> None:
    touched = _touched(ops + (written or []), state)
    before = _snapshot(state, touched)
    types_before = _types(state)
    was_opaque = state.opaque
    context = rules.Context(dialect, judge_types)
    undo: list[list] = []
    irreversible: MigrationError | None = None
    declared = rev.irreversible  # `downgrade: irreversible`: nothing to derive or compare
    confused = False  # an operation did not match the state: comparing afterwards would only echo it
    for op in ops:
        if written is None and irreversible is None and declared is None:
            try:
                undo.append(op.reverse(state))
            except MigrationError as err:
                irreversible = err
        confused = check_operation(op, state, context, collector) or confused
    if written is not None:
        check_limits(written, context, collector)  # a written downgrade runs what it says too
    if declared is not None:
        collector.add("irreversible-revision", rev.where("downgrade"),
                      f"revision {rev.revision} is declared irreversible"
                      + (f": {declared}" if declared else "") + "; downgrade refuses to run it")
        return
    if irreversible is not None:
        collector.add("irreversible", irreversible.location, irreversible.message)
        return
    down = written if written is not None else [op for group in reversed(undo) for op in group]
    if confused or was_opaque or state.opaque or any(
            not t.known for t in [*before.values(), *_snapshot(state, touched, copied=False).values()]):
        return  # raw SQL or unknown tables: nothing reliable to compare with
    after, types_after = _snapshot(state, touched), _types(state)
    apply_downgrade(down, state, collector)
    if not state.opaque:
        differences = _differences(before, _snapshot(state, touched, copied=False))
        differences += _type_differences(types_before, state.named_types, _enum_types(ops))
        if differences:
            where = rev.where("downgrade") if written is not None else rev.where("upgrade")
            kind = "downgrade" if written is not None else "derived downgrade"
            collector.add("downgrade-mismatch", where,
                          f"after the {kind} of {rev.revision}, " + "; ".join(differences[:3]))
    _restore(state, touched, after)
    state.named_types = types_after
    state.opaque = False


def check_operation(op, state: SchemaState, context: rules.Context | None, collector: Collector,
                    safety: bool = True) -> bool:
    """Check one upgrade operation against the state just before it, then apply it; True when
    what it names did not match the state. Without a `context`, the database's limits and the
    safety rules are left out; with `safety` False, the safety rules only. An autocommit_block's
    operations are checked one by one."""
    if op.contents:
        confused = False
        for inner in op.contents:
            confused = check_operation(inner, state, context, collector, safety) or confused
        return confused
    allow = op.allow
    pending = [] if state.opaque else list(rules.references(op, state))
    if context is not None:
        check_limits([op], context, collector, state)
        for rule, location, message in (rules.safety(op, state, context) if safety else ()):
            collector.add(rule, location, message, allow)
    opaque = state.opaque
    start = len(state.problems)
    op.state_forwards(state)
    problems = state.problems[start:]
    for problem in problems:
        collector.add("state", problem.location, problem.message, allow)
    if not problems:  # the operation's own check comes first; these add what it does not see
        for rule, location, message in pending:
            collector.add(rule, location, message, allow)
    if rules.data_only(op):
        state.opaque = opaque  # UPDATE, INSERT, DELETE: the schema is as it was
    if context is not None:
        context.applied(op)
    return bool(problems)


def check_limits(ops: list, context: rules.Context, collector: Collector, state=None) -> None:
    """The operations against the database's limits (runner.review.rules.limits)."""
    for op in (inner for each in ops for inner in (each.contents or (each,))):
        for rule, location, message in rules.limits(op, context, state):
            collector.add(rule, location, message, op.allow)


def apply_downgrade(ops: list, state: SchemaState, collector: Collector) -> None:
    """Apply a downgrade's operations; what they name that the state lacks is a `state` finding."""
    start = len(state.problems)
    for op in ops:
        opaque = state.opaque
        op.state_forwards(state)
        if rules.data_only(op):
            state.opaque = opaque
    for problem in state.problems[start:]:
        collector.add("state", problem.location, f"in the downgrade: {problem.message}")


# -- what a revision touches -------------------------------------------------------------------------

def _touched(ops: list, state: SchemaState) -> set[Key] | None:
    """The tables these operations change (None: possibly any, e.g. a rename re-points foreign keys)."""
    keys: set[Key] = set()
    for op in ops:
        changed = op.tables_changed(state)
        if changed is None:
            return None
        keys |= changed
    return keys


def _snapshot(state: SchemaState, keys: set[Key] | None, copied: bool = True) -> dict[Key, TableState]:
    """The tables named by `keys` (all when None), as copies or, with copied=False, as they are.

    A table is plain data (dicts, lists, strings, numbers), so a marshal round trip copies it
    many times faster than deepcopy (and than pickling the dataclass)."""
    tables = state.tables if keys is None else {k: state.tables[k] for k in keys if k in state.tables}
    if not copied:
        return dict(tables)
    fields = [vars(t) for t in tables.values()]
    try:
        copies = marshal.loads(marshal.dumps(fields))
    except ValueError:  # something that is not plain data: slower, but it copies anything
        copies = pickle.loads(pickle.dumps(fields, pickle.HIGHEST_PROTOCOL))
    return {key: TableState(**f) for key, f in zip(tables, copies, strict=True)}


def _types(state: SchemaState) -> dict:
    """A copy of the state's enum types (few: copied whole, unlike the tables)."""
    return {key: list(values) for key, values in state.named_types.items()}


def _enum_types(ops: list) -> set:
    """The enum types the upgrade's enum operations name: those its downgrade must give back. (A
    type a column made and a written drop_table left is harmless: the next upgrade uses it.)"""
    from runner.operations.enums import EnumOperation

    return {op.key for op in ops if isinstance(op, EnumOperation)}


def _type_differences(before: dict, after: dict, keys: set) -> list[str]:
    found = []
    for key in sorted(keys, key=lambda k: (k[0] or "", k[1])):
        old, new = before.get(key), after.get(key)
        if old == new or (old is not None and new is not None and [v for v in new if v in old] == old):
            continue  # values added and left: no database can take one out again (add_enum_value)
        name = f"{key[0]}.{key[1]}" if key[0] else key[1]
        if key not in after:
            found.append(f"enum type {name} is missing")
        elif key not in before:
            found.append(f"enum type {name} is still there")
        elif before[key] != after[key]:
            found.append(f"enum type {name} has the values {tuple(after[key])}, was {tuple(before[key])}")
    return found


def _restore(state: SchemaState, keys: set[Key] | None, tables: dict[Key, TableState]) -> None:
    for schema, name in list(state.tables if keys is None else keys):
        state.remove_table(name, schema)
    for table in tables.values():
        state.add_table(table)


# -- comparing two states, completely ----------------------------------------------------------------

_INDEX_HOW = {"if_not_exists", "postgresql_concurrently", "table_name", "schema"}  # how, not what


def _differences(before: dict[Key, TableState], after: dict[Key, TableState]) -> list[str]:
    found = []
    for key in sorted(set(before) | set(after), key=lambda k: (k[0] or "", k[1])):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue  # the common case, decided by the dataclass's own comparison
        name = f"{key[0]}.{key[1]}" if key[0] else key[1]
        if new is None:
            found.append(f"table {name} is missing")
        elif old is None:
            found.append(f"table {name} is still there")
        else:
            found += _table_differences(name, old, new)
    return found


def _table_differences(name: str, old: TableState, new: TableState) -> list[str]:
    found = []
    for column in old.columns:
        if column not in new.columns:
            found.append(f"table {name} lacks column {column}")
    for column in new.columns:
        if column not in old.columns:
            found.append(f"table {name} still has column {column}")
    from runner.schema.constraints import autoincrement_column

    old_auto, new_auto = autoincrement_column(old), autoincrement_column(new)
    for column, spec in old.columns.items():
        if column in new.columns:
            was, now = _column(spec, column == old_auto), _column(new.columns[column], column == new_auto)
            for attr in was:
                if was[attr] != now[attr]:
                    found.append(f"column {name}.{column} has {attr} {_show(now[attr], attr)}, "
                                 f"was {_show(was[attr], attr)}")
    old_c, new_c = _multiset(_constraints(old)), _multiset(_constraints(new))
    for text in old_c - new_c:
        found.append(f"table {name} lacks constraint {text}")
    for text in new_c - old_c:
        found.append(f"table {name} still has constraint {text}")
    old_ix, new_ix = _indexes(old), _indexes(new)
    for index in old_ix:
        if index not in new_ix:
            found.append(f"table {name} lacks index {index}")
        elif old_ix[index] != new_ix[index]:
            found.append(f"index {index} on {name} is defined differently")
    for index in new_ix:
        if index not in old_ix:
            found.append(f"table {name} still has index {index}")
    if (old.comment or None) != (new.comment or None):
        found.append(f"table {name} has comment {_show(new.comment)}, was {_show(old.comment)}")
    return found


def _column(spec: dict[str, Any], generated: bool) -> dict[str, Any]:
    """A column's own meaning, with the defaults spelled out and the type in canonical form.

    What it implies elsewhere is compared there: `primary_key`, `unique` and `foreign_key` as
    constraints (_constraints), `index: true` as the index ix_<table>_<column> (_indexes).
    `autoincrement` "auto" means what it does in its table: `generated`, whether SQLAlchemy makes
    the column autoincrementing there (a key that drop_constraint left records true or false)."""
    from runner.schema.types import TypeGrammarError, parse_type

    try:
        type_text = str(parse_type(spec.get("type")))
    except TypeGrammarError:
        type_text = spec.get("type")
    default = spec.get("server_default")
    primary = bool(spec.get("primary_key"))
    autoincrement = spec.get("autoincrement", "auto")
    return {
        "type": type_text,
        "nullable": spec.get("nullable", not primary),
        "server_default": default if isinstance(default, dict) or default is None else str(default),
        "comment": spec.get("comment"),
        "autoincrement": autoincrement if isinstance(autoincrement, bool) else generated,
    }


def _indexes(table: TableState) -> dict[str, dict[str, Any]]:
    """Named indexes and those implied by `index: true`, each by what it indexes."""
    found = {name: {k: v for k, v in spec.items() if k not in _INDEX_HOW and v not in (None, False)}
             for name, spec in table.indexes.items()}
    for column in table.columns.values():
        if column.get("index"):
            name = table.implied_index_name(column["name"])
            found[name] = {"index_name": name, "columns": [column["name"]]}
            if column.get("unique"):
                found[name]["unique"] = True
    return found


def _show(value: Any, attr: str = "") -> str:
    if value is None:
        return "none"
    return value if attr == "type" else json.dumps(value)


def _constraints(table: TableState) -> list[dict[str, Any]]:
    """Every constraint by the name the database gives it, the ones column definitions imply
    (primary_key, unique, foreign_key) included: a foreign key declared on a column and one
    added by create_foreign_key are the same thing in the database."""
    from runner.schema.constraints import constraint_name, implied_constraints

    indexed = {n for n, c in table.columns.items() if c.get("index")}  # unique + index: an index
    implied = [c for c in implied_constraints(table) if not set(c.get("unique") or ()) & indexed]
    return [{**c, "name": constraint_name(c, table)} for c in table.constraints] + implied


def _multiset(constraints: list[dict[str, Any]]) -> Counter:
    return Counter(json.dumps(c, sort_keys=True) for c in constraints)
