"""create_index and drop_index."""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

from runner.errors import MigrationError
from runner.operations.base import Operation
from runner.schema.key_indexes import (
    forget_key_indexes,
    key_index_name,
    key_indexes_replaced,
    keys_left_without_index,
    remember_key_indexes,
)
from runner.schema.naming import database_name, final
from runner.schema.state import SchemaState, implied_index_prefix
from runner.schema.types import OPTION_PREFIXES

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext

log = logging.getLogger("runner")


def check_dialect_options(op: Operation, kind: str = "index") -> None:
    """Each `<dialect>_<option>` must be one SQLAlchemy's dialect takes for an index (or a
    table): a misspelt one would otherwise fail deep in SQLAlchemy, or be dropped without a word."""
    keys = [key for key in op.args if key.startswith(OPTION_PREFIXES)]
    if not keys:
        return
    import difflib

    import sqlalchemy as sa
    from sqlalchemy.dialects import registry

    from runner.errors import RevisionFileError

    element = {"index": sa.Index, "table": sa.Table}[kind]
    for key in keys:
        dialect, _, option = key.partition("_")
        accepted = next((sorted(args) for cls, args in registry.load(dialect).construct_arguments or []
                         if cls is element), [])
        if option not in accepted and "*" not in accepted:  # "*": any (MySQL's table options)
            known = [f"{dialect}_{name}" for name in accepted]
            close = difflib.get_close_matches(key, known, n=1)
            raise RevisionFileError(
                f"{op.name} takes no option `{key}`: SQLAlchemy's {dialect} dialect does not know it",
                location=op.key_location(key),
                hint=f"did you mean `{close[0]}`?" if close else
                     f"{dialect} {kind} options: " + (", ".join(known) or "none"))


class CreateIndex(Operation):
    name = "create_index"
    gives = {"index_name": "index"}

    def validate(self) -> None:
        check_dialect_options(self)

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        name = index_name(table, self.args)
        implied = _implied_index(state, {**self.args, "index_name": name})
        if (implied or state.find_index(name, self.schema)) and not self.args.get("if_not_exists"):
            state.problem(self.location, f"index {name} already exists at this point")
        if table.known and not state.opaque:
            for column in self.args.get("columns", []):
                if isinstance(column, str) and column not in table.columns:
                    state.problem(self.location, f"column {table.name}.{column} does not exist")
        if implied is None:
            forget_key_indexes(table, self.args.get("columns") or [])
            spec = copy.deepcopy(self.args)
            if table.naming is not None:  # the database's name, final: re-created exactly
                spec["index_name"] = {"f": name}
            state.add_index(table, name, spec)

    def reverse(self, state: SchemaState) -> list[Operation]:
        table = state.table(self.args["table_name"], self.schema)
        name = self.args.get("index_name")
        if table is not None and table.naming is not None:
            name = {"f": index_name(table, self.args)}
        args = {"index_name": name, "table_name": self.args["table_name"]}
        if self.schema:
            args["schema"] = self.schema
        return [self.derive(DropIndex, args)]

    def ddl(self, context: MigrationContext) -> list[Any]:
        """The CREATE INDEX; before it, the DROP of an INVALID index of that name (a build that
        failed or was killed left it, and IF NOT EXISTS would take it as done); after it, online,
        the dialect's check that the build made a valid index."""
        from runner.schema.state import TableState
        from runner.sql.ddl import create_index

        self.refuse_long_names(context.impl)
        name = index_name(TableState(self.args["table_name"], self.schema, naming=context.naming), self.args)
        statements = [create_index(self.args, context.naming),
                      *_drop_replaced_key_indexes(context, self.args)]
        if context.index_valid(name, self.schema) is False:
            log.warning("index %s is INVALID, left by a build that did not finish: dropping it and "
                        "building it again", name)
            statements.insert(0, self._drop_invalid(name))
        check = None if context.as_sql else context.impl.index_build_check({**self.args, "index_name": name})
        return statements + ([check] if check is not None else [])

    def left_behind(self, context: MigrationContext) -> str | None:
        """A failed CONCURRENTLY build leaves its index, INVALID: said with how to drop it."""
        from runner.schema.state import TableState

        if not self.runs_outside_transaction(context.dialect):
            return None
        name = index_name(TableState(self.args["table_name"], self.schema, naming=context.naming), self.args)
        if context.index_valid(name, self.schema) is not False:
            return None
        drop = str(self._drop_invalid(name).compile(dialect=context.dialect)).strip()
        return (f"the failed build left index {name} behind, INVALID (unused by queries, still "
                f"updated by writes): running the command again drops and rebuilds it, or drop it "
                f"yourself with `{drop}`")

    def _drop_invalid(self, name: str) -> Any:
        import sqlalchemy as sa

        from runner.sql.ddl import dialect_options, stub_table

        table = stub_table(self.args["table_name"], self.schema, [])
        index = sa.Index(sa.sql.elements.conv(name), _table=table, **dialect_options(self.args))
        return sa.schema.DropIndex(index, if_exists=True)


class DropIndex(Operation):
    name = "drop_index"

    def dropped(self, state: SchemaState) -> str | None:
        """The database's name of the index this drops: the convention's for a plain name with
        %(constraint_name)s; unnamed, the one index of the table on `columns`."""
        table = state.table(self.args.get("table_name") or "", self.schema)
        written = self.args.get("index_name")
        if table is None or table.naming is None:
            return final(written)
        if written:
            return index_name(table, self.args)
        columns = list(self.args.get("columns") or [])
        found = [n for n, ix in table.indexes.items() if list(ix.get("columns") or []) == columns]
        found += [table.implied_index_name(c) for c in columns[:1]
                  if len(columns) == 1 and table.columns.get(c, {}).get("index")]
        return found[0] if len(found) == 1 else None

    def state_forwards(self, state: SchemaState) -> None:
        name = self.dropped(state)
        if name is None:
            state.problem(self.location, "an unnamed drop_index needs a [naming_convention] in the config "
                                         "and the `columns` of exactly one index of the table")
            return
        table = state.find_index(name, self.schema)
        if table is not None:
            remember_key_indexes(table, name)
            state.remove_index(table, name)
            return
        implied = _implied_index(state, {**self.args, "index_name": name})
        if implied is not None:
            table = state.table(self.args.get("table_name") or "", self.schema)
            if table is not None:
                remember_key_indexes(table, name)
            implied["index"] = False
            implied.pop("unique", None)  # unique and index made one unique index, now gone
        elif not state.opaque and not self.args.get("if_exists"):
            state.problem(self.location, f"index {name} does not exist at this point")

    def tables_changed(self, state: SchemaState) -> set[tuple[str | None, str]]:
        """The table named, or else the one holding the index."""
        if "table_name" in self.args:
            return super().tables_changed(state)
        table = state.find_index(self.args["index_name"], self.schema)
        return {(table.schema, table.name)} if table is not None else set()

    def reverse(self, state: SchemaState) -> list[Operation]:
        name = self.dropped(state) or ""
        table = state.find_index(name, self.schema)
        implied = _implied_index(state, {**self.args, "index_name": name}) if table is None else None
        if implied is not None:
            args = {"index_name": {"f": name} if state.naming else name,
                    "table_name": self.args["table_name"], "columns": [implied["name"]]}
            if implied.get("unique"):
                args["unique"] = True
            if self.schema:
                args["schema"] = self.schema
            return [self.derive(CreateIndex, args)]
        if table is None:
            raise MigrationError(
                f"cannot derive the downgrade of drop_index {name or '(unnamed)'}: "
                "the revisions before it do not create that index",
                location=self.location,
                hint="write a `downgrade:` with the create_index that restores it",
            )
        args = copy.deepcopy(table.indexes[name])
        if table.naming is not None:
            args["index_name"] = {"f": name}
        return [self.derive(CreateIndex, args)]

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        from runner.sql.ddl import dialect_options, sqlalchemy_name, stub_table

        table = stub_table(self.args.get("table_name") or "_", self.schema, [], context.naming)
        name = self.args.get("index_name")
        if not name:
            state = context.state
            found = self.dropped(state) if state is not None else None
            if found is None:
                raise MigrationError("drop_index has no index_name, and the revisions before it do not "
                                     "name a single index of the table on its `columns`",
                                     location=self.location, hint="give index_name")
            name = {"f": found}
        index = sa.Index(sqlalchemy_name(name), _table=table, **dialect_options(self.args))
        return [*_remake_key_indexes(context, {**self.args, "index_name": final(name)}),
                sa.schema.DropIndex(index, if_exists=bool(self.args.get("if_exists")))]


def _defined_index_table(context: MigrationContext, args: dict[str, Any]) -> Any:
    """The table (in the state before the operation) of the index `args` names, where the
    dialect needs an index for each foreign key; None elsewhere, or when the state lacks it."""
    if not context.impl.foreign_keys_make_index:
        return None
    name = args.get("table_name")
    if name is None:
        state = context.state
        found = state.find_index(args["index_name"], args.get("schema")) if state is not None else None
        name = found.name if found is not None else None
    return context.defined_table(name, args.get("schema")) if name else None


def _remake_key_indexes(context: MigrationContext, args: dict[str, Any]) -> list[Any]:
    """InnoDB refuses to drop the last index a foreign key uses (MariaDB's error 1553): first
    make the index it would have made for the key itself, under its name."""
    table = _defined_index_table(context, args)
    if table is None:
        return []
    from runner.sql.ddl import create_index

    return [create_index({"index_name": key_index_name(name, columns), "table_name": table.name,
                          "columns": columns, "schema": table.schema})
            for name, columns in keys_left_without_index(table, args["index_name"])]


def _drop_replaced_key_indexes(context: MigrationContext, args: dict[str, Any]) -> list[Any]:
    """After a new index that serves a foreign key, the index a drop_index made for the key goes,
    as InnoDB drops the one it made itself (runner.schema.key_indexes)."""
    table = _defined_index_table(context, args)
    if table is None:
        return []
    import sqlalchemy as sa

    from runner.sql.ddl import stub_table

    stub = stub_table(table.name, table.schema, [])
    return [sa.schema.DropIndex(sa.Index(name, _table=stub))
            for name in key_indexes_replaced(table, list(args.get("columns") or []))]


def index_name(table: Any, args: dict[str, Any]) -> str:
    """The database's name of the index create_index's (or drop_index's) `args` make: as
    written, or through the table's naming convention (runner.schema.naming)."""
    written = args.get("index_name")
    if table is None or table.naming is None:
        return final(written) or ""
    columns = [c for c in args.get("columns") or [] if isinstance(c, str)]
    return database_name(table.naming, "index", written, table=table.name, schema=table.schema,
                         columns=columns) or final(written) or ""


def _implied_index(state: SchemaState, args: dict[str, Any]) -> dict[str, Any] | None:
    """The column whose `index: true` made the index `args` names, if one did (found from the
    name alone when drop_index gives no table_name)."""
    name, schema = args["index_name"], args.get("schema")
    if args.get("table_name"):
        tables = [args["table_name"]]
    else:  # ix_[<schema>_]<table>_<column>: each way of splitting the rest into table and column
        prefix = implied_index_prefix(schema)
        rest = name[len(prefix):] if name.startswith(prefix) else ""
        tables = [rest[:i] for i, char in enumerate(rest)
                  if char == "_" and (schema, rest[:i]) in state.tables]
    for table_name in tables:
        table = state.table(table_name, schema)
        for column in (table.columns.values() if table is not None else ()):
            if column.get("index") and table.implied_index_name(column["name"]) == name:
                return column
    return None
