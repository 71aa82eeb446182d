"""`yamig squash A:B`: a linear stretch of revisions as one, derived from the replayed state.

As Django's squashmigrations, but from the schema state rather than by optimising the
operations: the state before A and the state at B are compared with autogenerate's machinery
(runner.autogenerate), so the new revision creates the tables as they are at B (referenced
tables first) and makes only the net change to the tables that existed before A. Data
operations (execute, bulk_insert, run_python) follow, in their order; each must still mean
what it meant, so none may touch a table that a later operation of the stretch changes.
The result is replayed and compared with the state at B before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from runner.errors import MigrationError, RewriteRefused
from runner.review.rules.raw_sql import data_only
from runner.revisions.checks import operations
from runner.revisions.replay import state_at
from runner.schema.references import qualified
from runner.schema.state import SchemaState

DATA = ("execute", "bulk_insert", "run_python")
_WORD = re.compile(r"[A-Za-z_][\w$]*")


@dataclass
class Squash:
    """What the squashed revision holds; `downgrade` None: derived; a str: irreversible (why)."""

    ids: list[str]
    parent: str | None
    upgrade: list[dict[str, Any]]
    downgrade: list[dict[str, Any]] | str | None
    labels: list[str] = field(default_factory=list)
    depends: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _DataOp:
    op: Any
    tables: set | None  # None: any table (run_python)


def plan_squash(config, graph, ids: list[str]) -> Squash:
    """The squashed revision of the stretch `ids` (oldest first, as stretch.linear_stretch)."""
    first = graph.revisions[ids[0]]
    parent = first.down_revision[0] if first.down_revision else None
    depends = [d for rid in ids for d in graph.nodes[rid].deps if d not in ids]
    before = state_at(graph, ((parent,) if parent else ()) + tuple(dict.fromkeys(depends)))
    state, data = _replay_stretch(graph, ids, before)
    notes: list[str] = []
    upgrade = _schema_operations(config, before, state, notes, check=True)
    upgrade += [d.op.to_dict() for d in data]
    labels = list(dict.fromkeys(label for rid in ids for label in graph.revisions[rid].branch_labels))
    return Squash(ids, parent, upgrade, _downgrade(config, graph, ids, before, state, data, upgrade),
                  labels, list(dict.fromkeys(depends)), notes)


# -- the replay of the stretch --------------------------------------------------------------

def _replay_stretch(graph, ids: list[str], before: SchemaState) -> tuple[SchemaState, list[_DataOp]]:
    """The state at the end of the stretch and its data operations, each checked to keep its
    meaning when it runs after every schema change of the stretch."""
    state = before.copy()
    known = len(state.problems)
    created: set[tuple] = set()  # tables the stretch creates (under their current names)
    data: list[_DataOp] = []
    for rev_id in ids:
        for op in operations(graph.revisions[rev_id], "upgrade") or []:
            if op.name == "autocommit_block":
                raise RewriteRefused("squash cannot carry an autocommit_block: its operations must "
                                     "run outside the transaction, in their place",
                                     location=op.location, hint="end the stretch before this revision")
            if op.name in DATA:
                data.append(_data_operation(op, state, before))
                op.state_forwards(state)
                continue
            changed = op.tables_changed(state)
            changed = set(state.tables) if changed is None else changed
            _refuse_rename(op, before, created)
            for earlier in data:
                hit = changed if earlier.tables is None else changed & earlier.tables
                if hit:
                    raise _lost_meaning(earlier.op, op, hit)
            op.state_forwards(state)
            _track_created(op, created)
    if len(state.problems) > known:
        problem = state.problems[known]
        raise RewriteRefused(f"the stretch does not replay cleanly: {problem.message}",
                             location=problem.location, hint="fix what `yamig validate` reports first")
    unknown = [t for t in state.tables.values() if not t.known]
    if unknown:
        raise RewriteRefused(f"the revisions change table {qualified(unknown[0].name, unknown[0].schema)} "
                             "without a revision that creates it, so its definition is unknown",
                             hint="squash a stretch whose tables the revisions define")
    return state, data


def _data_operation(op, state: SchemaState, before: SchemaState) -> _DataOp:
    if op.name == "run_python":
        return _DataOp(op, None)
    if op.name == "bulk_insert":
        return _DataOp(op, {(op.args.get("schema"), op.args["table_name"])})
    if not data_only(op):
        raise RewriteRefused("this execute changes the schema in a way the replay cannot follow, so "
                             "the stretch's net effect cannot be derived", location=op.location,
                             hint="write the change as operations, or end the stretch before it")
    words = {w.lower() for w in _WORD.findall(op.args.get("sqltext", ""))}
    keys = set(state.tables) | set(before.tables)
    return _DataOp(op, {key for key in keys if key[1].lower() in words})


def _lost_meaning(data_op, later, tables: set) -> RewriteRefused:
    names = ", ".join(sorted(qualified(name, schema) for schema, name in tables))
    touched = "may touch any table" if data_op.name == "run_python" else f"touches {names}"
    return RewriteRefused(
        f"this {data_op.name} {touched}; {later.name} at {later.location} changes "
        f"{names} later in the stretch: in the squashed revision the {data_op.name} would run on "
        "the schema as it is at the end, so it would lose its meaning",
        location=data_op.location,
        hint="squash the revisions before it and after it separately")


def _refuse_rename(op, before: SchemaState, created: set) -> None:
    """A rename of what existed before the stretch would come out as a drop and an add (its
    rows lost): refused."""
    schema = op.args.get("schema")
    if op.name == "rename_table":
        key = (schema, op.args["old_table_name"])
        if key not in created and key in before.tables:
            raise RewriteRefused(f"the stretch renames table {qualified(key[1], schema)}, which exists "
                                 "before it: squash derives drops and creates, which would lose its rows",
                                 location=op.location, hint="end the stretch before this revision, "
                                 "or start it after")
    if op.name == "alter_column" and op.args.get("new_column_name"):
        key = (schema, op.args["table_name"])
        table = before.tables.get(key)
        if key not in created and table is not None and op.args["column_name"] in table.columns:
            raise RewriteRefused(f"the stretch renames column {qualified(key[1], schema)}."
                                 f"{op.args['column_name']}, which exists before it: squash derives "
                                 "a drop and an add, which would lose its values", location=op.location,
                                 hint="end the stretch before this revision, or start it after")


def _track_created(op, created: set) -> None:
    schema = op.args.get("schema")
    if op.name == "create_table":
        created.add((schema, op.args["table_name"]))
    elif op.name == "drop_table":
        created.discard((schema, op.args["table_name"]))
    elif op.name == "rename_table" and (schema, op.args["old_table_name"]) in created:
        created.discard((schema, op.args["old_table_name"]))
        created.add((schema, op.args["new_table_name"]))


# -- the schema operations, from two states ------------------------------------------------------

def _schema_operations(config, start: SchemaState, end: SchemaState, notes: list[str],
                       check: bool = False) -> list[dict[str, Any]]:
    """The operations that take a database from `start` to `end` (autogenerate's diff, `end`
    playing the models); with `check`, replayed on `start` and compared with `end`."""
    from runner.autogenerate.diff import differences, report
    from runner.autogenerate.generate import Comparison, operations_for

    normaliser = _normaliser(config)
    target = _referenced_first(normaliser.shapes(_tables(end)))
    current = normaliser.shapes(_tables(start))
    comparison = Comparison(config, [], normaliser.dialect, True, differences(target, current),
                            target, current)
    ops, found_notes = operations_for(comparison)
    notes += [n for n in found_notes if n not in notes]
    items = [op.to_dict() for op in ops]
    if check:
        from runner.operations import from_dict

        replayed = start.copy()
        for item in items:
            from_dict(item).state_forwards(replayed)
        left = differences(target, normaliser.shapes(_tables(replayed)))
        if left:
            raise RewriteRefused("the derived operations do not rebuild the schema at the end of the "
                                 "stretch (autogenerate cannot express this change): "
                                 + "; ".join(report(left)),
                                 hint="squash a shorter stretch, leaving out the revision that makes it")
    return items


def _tables(state: SchemaState) -> list[Any]:
    from runner.autogenerate.compare import state_tables

    return state_tables(state)


class _EveryTable:
    """autogenerate's Filters with nothing left out but the version tables: a squash keeps all."""

    def __init__(self, config) -> None:
        self.tables: list[str] = []
        self.objects: list[str] = []
        self.include_schemas = True
        self.version_table = (config.version_table_schema, config.version_table)
        self.history_table = (config.version_table_schema, config.history_table)

    def table(self, name: str, schema: str | None) -> bool:
        return True

    def object(self, table: str, name: str | None) -> bool:
        return True


def _normaliser(config):
    import sqlalchemy as sa

    from runner.autogenerate.compare import Normaliser
    from runner.errors import ConfigError
    from runner.runtime.offline import dialect_for
    from runner.sql.dialects import impl_for

    try:
        dialect = dialect_for(config.url)
    except ConfigError:
        dialect = sa.engine.default.DefaultDialect()
    return Normaliser(dialect, impl_for(dialect).default_schema, _EveryTable(config))


def _referenced_first(shapes: dict) -> dict:
    """The tables ordered so each comes after the tables its foreign keys reference (in the
    state's order otherwise; a cycle keeps that order, autogenerate adds its keys afterwards)."""
    remaining = dict(shapes)
    ordered: dict = {}
    while remaining:
        ready = [key for key, table in remaining.items()
                 if all((fk.ref_schema, fk.ref_table) not in remaining or (fk.ref_schema, fk.ref_table) == key
                        for fk in table.foreign_keys)]
        for key in ready or [next(iter(remaining))]:
            ordered[key] = remaining.pop(key)
    return ordered


# -- the downgrade ------------------------------------------------------------------------------

def _downgrade(config, graph, ids: list[str], before: SchemaState, end: SchemaState,
               data: list[_DataOp], upgrade: list[dict]) -> list[dict] | str | None:
    """None when deriving it from the upgrade works; else written: the data operations'
    undoing (from the written downgrades of their revisions), then the schema back to `before`."""
    stuck = [rid for rid in ids if graph.revisions[rid].irreversible is not None]
    if stuck:
        return f"squashes {', '.join(stuck)}, which cannot be downgraded"
    if not data:
        from runner.operations import from_dict
        from runner.revisions.derive import reverse_operations

        try:
            reverse_operations([from_dict(item) for item in upgrade], before.copy())
            return None
        except MigrationError:
            pass
    undo: list[dict] = []
    with_data = [rid for rid in ids if any(d.op.revision is graph.revisions[rid] for d in data)]
    for rid in reversed(with_data):
        written = operations(graph.revisions[rid], "downgrade")
        if written is not None:
            undo += [op.to_dict() for op in written if op.name in DATA]
            continue
        for d in reversed([d for d in data if d.op.revision is graph.revisions[rid]]):
            try:
                undo += [op.to_dict() for op in d.op.reverse(end)]
            except MigrationError:
                return f"{d.op.name} at {d.op.location} cannot be undone"
    return undo + _schema_operations(config, end, before, [])


# -- the files ----------------------------------------------------------------------------------

def render(graph, squash: Squash) -> str:
    """The squashed revision's YAML: B's id and schema comment, A's parent, the operations."""
    import datetime
    import json

    from runner.revisions.emit import section

    last = graph.revisions[squash.ids[-1]]
    with open(last.path, encoding="utf-8") as handle:
        first_line = handle.readline().rstrip("\n")
    lines = [first_line] if first_line.startswith("# yaml-language-server:") else []
    lines.append(f"# Squashed from {len(squash.ids)} revisions by `yamig squash`:")
    for rid in squash.ids:
        message = graph.revisions[rid].message
        lines.append(f"#   {rid}" + (f"  {message}" if message else ""))
    lines += [f"# {note}" for note in squash.notes]
    lines += [f"revision: {json.dumps(last.revision)}",
              f"down_revision: {json.dumps(squash.parent)}"]
    if squash.labels:
        lines.append("branch_labels: [" + ", ".join(map(json.dumps, squash.labels)) + "]")
    if squash.depends:
        lines.append("depends_on: [" + ", ".join(map(json.dumps, squash.depends)) + "]")
    lines.append("squashes: [" + ", ".join(map(json.dumps, squash.ids)) + "]")
    message = last.message or f"squashed {squash.ids[0]}..{squash.ids[-1]}"
    lines += [f"message: {json.dumps(message)}",
              f"create_date: {json.dumps(datetime.datetime.now().strftime('%Y-%m-%d %H:%M:%S'))}",
              "", *section("upgrade", squash.upgrade), ""]
    if isinstance(squash.downgrade, str):
        lines += [f"downgrade: {{irreversible: {json.dumps(squash.downgrade)}}}", ""]
    elif squash.downgrade is not None:
        lines += [*section("downgrade", squash.downgrade), ""]
    return "\n".join(lines)


def write_squash(config, graph, squash: Squash, keep: str | None) -> str:
    """Replace the stretch's files by the squashed revision (in B's file); the others are removed,
    or moved into `keep`. Checked by loading the new file and the graph: on a problem every file
    is put back. Returns the new file's path."""
    from pathlib import Path

    from runner.graph import RevisionGraph
    from runner.revisions.loader import load_revision_file, load_revisions

    paths = [Path(graph.revisions[rid].path) for rid in squash.ids]
    folder = Path(keep) if keep else None
    if folder is not None:
        kept = folder.resolve()
        inside = [loc for loc in config.version_locations
                  if kept == Path(loc).resolve() or Path(loc).resolve() in kept.parents]
        if inside:
            raise RewriteRefused(f"--keep {keep} is inside the version location {inside[0]}: the kept "
                                 "files would still be loaded", hint="keep them outside the versions folder")
    saved = {path: path.read_text(encoding="utf-8") for path in paths}
    text = render(graph, squash)
    try:
        for path in paths[:-1]:
            path.unlink()
        paths[-1].write_text(text, encoding="utf-8")
        load_revision_file(paths[-1], check=True)
        RevisionGraph(load_revisions(config.version_locations))
    except BaseException:
        for path, old in saved.items():
            path.write_text(old, encoding="utf-8")
        raise
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for path, old in saved.items():
            (folder / path.name).write_text(old, encoding="utf-8")
    return str(paths[-1])
