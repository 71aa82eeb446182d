"""create_unique_constraint, create_primary_key, create_foreign_key, create_check_constraint
and drop_constraint.

A constraint lives in the state as create_table writes it (`{unique: [a, b], name: uq}`), so a
dropped constraint can be re-created from what the state remembers, and SQLite, which cannot
add or drop a constraint in place, gets its table rebuilt from that definition.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

from runner.errors import MigrationError
from runner.operations.base import Operation
from runner.schema.constraints import (
    KINDS,
    constraint_kind,
    constraint_name,
    dropped_name,
    find_constraint,
    implied_constraints,
    remember_name,
    remove_constraint,
    written_name,
)
from runner.schema.key_indexes import key_index_of
from runner.schema.references import ForeignKeyRef, qualified
from runner.schema.state import SchemaState, TableState

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext


class _CreateConstraint(Operation):
    """What the four create_* operations share; each says how it writes its constraint."""

    needs_rebuild_on_sqlite = True
    kind: ClassVar[str]  # the key of create_table's constraint shape
    gives = {"constraint_name": "constraint"}

    @property
    def table_name(self) -> str:
        return self.args["table_name"]

    def columns(self) -> list[str]:
        return list(self.args.get("columns", []))

    def spec(self) -> dict[str, Any]:
        """The constraint in create_table's shape."""
        return {self.kind: list(self.args["columns"]), **self.written()}

    def written(self) -> dict[str, Any]:
        """`name:` as written (a name or `{f: name}`); nothing when unnamed (the convention's)."""
        name = self.args.get("constraint_name")
        return {"name": name} if name else {}

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.table_name, self.schema, self)
        name = constraint_name(self.spec(), table)
        if find_constraint(table, name) is not None:
            if not state.does("rebuild_replaces_constraints"):
                state.problem(self.location, f"constraint {name} already exists on table {table.name}")
            # the new one takes its place: in SQLite's rebuild, as in Alembic's batch mode (where
            # the database refuses the name, the run stops there, and a replay goes on as if)
            remove_constraint(table, name)
        elif self.kind == "primary_key" and primary_key_of(table) is not None:
            if not state.does("rebuild_replaces_constraints"):
                state.problem(self.location, f"table {table.name} already has a primary key")
            remove_constraint(table, constraint_name(primary_key_of(table), table))  # as above
        if table.known and not state.opaque:
            for column in self.columns():
                if column not in table.columns:
                    state.problem(self.location, f"column {table.name}.{column} does not exist")
        if self.kind == "primary_key":
            for column in self.columns():  # the database makes key columns NOT NULL
                if column in table.columns:
                    table.columns[column]["nullable"] = False
                    # and gives a key added later no sequence: a re-created table must not either
                    table.columns[column].setdefault("autoincrement", False)
        table.constraints.append(self.spec())
        remember_name(table, self.spec())

    def reverse(self, state: SchemaState) -> list[Operation]:
        table = state.table(self.table_name, self.schema) or \
            TableState(name=self.table_name, schema=self.schema, naming=state.naming)
        args = {"constraint_name": drop_name(self.args.get("constraint_name"),
                                             constraint_name(self.spec(), table), table),
                "table_name": self.table_name, "type": KINDS[self.kind]}
        if self.schema:
            args["schema"] = self.schema
        undo = [self.derive(DropConstraint, args)]
        table = state.table(self.table_name, self.schema)
        replaced = find_constraint(table, self.args["constraint_name"]) if table is not None else None
        if replaced is None and self.kind == "primary_key" and table is not None:
            replaced = primary_key_of(table)
        if replaced is not None:  # it took the place of one of its name (state_forwards): restore that
            undo.append(self.derive(*create_operation(replaced, table)))
        return undo

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        from runner.sql.ddl import build_constraint, ensure_fk_targets

        refuse_on_sqlite(self, self.table_name, context.impl)
        self.refuse_long_names(context.impl)
        metadata = context.metadata()
        # a column named twice (UNIQUE (a, a)) is the database's to judge, as in create_table
        columns = [sa.Column(c, sa.types.NULLTYPE) for c in dict.fromkeys(self.columns())]
        table = sa.Table(self.table_name, metadata, *columns, schema=self.schema)
        constraint = build_constraint(self.spec())
        table.append_constraint(constraint)
        ensure_fk_targets(metadata, table)
        return [sa.schema.AddConstraint(constraint)]


class CreateUniqueConstraint(_CreateConstraint):
    name = "create_unique_constraint"
    kind = "unique"


class CreatePrimaryKey(_CreateConstraint):
    name = "create_primary_key"
    kind = "primary_key"


class CreateCheckConstraint(_CreateConstraint):
    name = "create_check_constraint"
    kind = "check"

    def columns(self) -> list[str]:
        return []

    def spec(self) -> dict[str, Any]:
        return {"check": self.args["condition"], **self.written()}


class CreateForeignKey(_CreateConstraint):
    name = "create_foreign_key"
    kind = "foreign_key"

    @property
    def table_name(self) -> str:
        return self.args["source_table"]

    @property
    def schema(self) -> str | None:
        return self.args.get("source_schema")

    def validate(self) -> None:
        from runner.errors import RevisionFileError

        local, remote = self.args["local_cols"], self.args["remote_cols"]
        if len(local) != len(remote):
            raise RevisionFileError(
                f"create_foreign_key has {len(local)} local_cols but {len(remote)} remote_cols",
                location=self.arg_location("remote_cols"),
                hint="name one referenced column for each local column, in the same order",
            )

    def columns(self) -> list[str]:
        return list(self.args["local_cols"])

    def spec(self) -> dict[str, Any]:
        schema, table = self.args.get("referent_schema"), self.args["referent_table"]
        fk: dict[str, Any] = {"columns": list(self.args["local_cols"]), "references": [
            ForeignKeyRef(schema, table, c).qualified for c in self.args["remote_cols"]]}
        for option in ("ondelete", "onupdate", "deferrable", "initially"):
            if self.args.get(option) is not None:
                fk[option] = self.args[option]
        return {"foreign_key": fk, **self.written()}

    def state_forwards(self, state: SchemaState) -> None:
        super().state_forwards(state)
        schema, name = self.args.get("referent_schema"), self.args["referent_table"]
        referent = state.table(name, schema)
        if state.opaque or (referent is not None and not referent.known):
            return
        if referent is None:
            if not state.does("foreign_key_target_later"):  # else validate's replay rule judges
                state.problem(self.location, f"table {qualified(name, schema)} does not exist at this point")
            return
        for column in self.args["remote_cols"]:
            if column not in referent.columns:
                state.problem(self.location, f"column {referent.name}.{column} does not exist")

    def tables_changed(self, state: SchemaState) -> set[tuple[str | None, str]]:
        return {(self.schema, self.table_name)}


class DropConstraint(Operation):
    name = "drop_constraint"
    needs_rebuild_on_sqlite = True

    def dropped(self, table: TableState) -> str | None:
        """The database's name of the constraint this drops (runner.schema.constraints.dropped_name)."""
        return dropped_name(table, self.args.get("constraint_name"), self.args.get("type"),
                            self.args.get("columns"))

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        name = self.dropped(table)
        if name is None:
            if table.known and not state.opaque:
                state.problem(self.location, self._unnamed_problem(table))
            return
        found = find_constraint(table, name)
        if found is None:
            if table.known and not state.opaque:
                state.problem(self.location, f"constraint {name} does not exist on table {table.name}")
            return
        kind = KINDS[constraint_kind(found)]
        if self.args.get("type") and self.args["type"] != kind:
            state.problem(self.location, f"constraint {name} is of type {kind}, not {self.args['type']}")
        table.key_indexes.pop(key_index_of(table, name) or "", None)
        remove_constraint(table, name)

    def _unnamed_problem(self, table: TableState) -> str:
        if self.args.get("type") is None:
            return "an unnamed drop_constraint needs its `type` to find the constraint"
        if table.naming is None:
            return ("drop_constraint has no constraint_name, and the config has no [naming_convention] "
                    "to name the constraint by")
        return (f"table {table.name} has no single {self.args['type']} constraint"
                + (f" on {', '.join(self.args['columns'])}" if self.args.get("columns") else "")
                + " for this unnamed drop_constraint: give constraint_name (or columns)")

    def rebuild_error(self, table: TableState) -> str | None:
        """On SQLite a rebuild stands in for DROP CONSTRAINT, which fails on a name the table lacks."""
        name = self.dropped(table)
        if name is None:
            return self._unnamed_problem(table)
        if find_constraint(table, name) is None:
            return f"table {table.name} has no constraint named {name}"
        return None

    def reverse(self, state: SchemaState) -> list[Operation]:
        table = state.table(self.args["table_name"], self.schema)
        name = self.dropped(table) if table is not None else None
        found = find_constraint(table, name) if name is not None else None
        if found is None:
            raise MigrationError(
                f"cannot derive the downgrade of drop_constraint {name or '(unnamed)'}: "
                f"the revisions before it do not define that constraint on {self.args['table_name']}",
                location=self.location,
                hint="write a `downgrade:` with the create_* operation that restores it",
            )
        return [self.derive(*create_operation(found, table))]

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        refuse_on_sqlite(self, self.args["table_name"], context.impl)
        kind = self.args.get("type")
        if kind is None and context.impl.drop_constraint_needs_type:
            raise MigrationError(
                f"MySQL drops each kind of constraint with its own statement: drop_constraint "
                f"{self.args['constraint_name']} needs its `type`",
                location=self.location,
                hint="add `type: foreignkey`, `unique`, `check` or `primary`",
            )
        table = sa.Table(self.args["table_name"], context.metadata(), schema=self.schema)
        name = self._ddl_name(context)
        factories = {
            "foreignkey": lambda: sa.ForeignKeyConstraint([], [], name=name),
            "primary": lambda: sa.PrimaryKeyConstraint(name=name),
            "unique": lambda: sa.UniqueConstraint(name=name),
            "check": lambda: sa.CheckConstraint("", name=name),
            None: lambda: sa.schema.Constraint(name=name),
        }
        constraint = factories[kind]()
        table.append_constraint(constraint)
        return [sa.schema.DropConstraint(constraint), *self._drop_key_index(context, kind)]

    def _ddl_name(self, context: MigrationContext) -> Any:
        """The name for DROP CONSTRAINT: as written (SQLAlchemy applies the convention to a plain
        one, as Alembic's); unnamed, the state's constraint's, final (SQLAlchemy's conv)."""
        from runner.sql.ddl import sqlalchemy_name

        written = self.args.get("constraint_name")
        if written:
            return sqlalchemy_name(written)
        defined = context.defined_table(self.args["table_name"], self.schema)
        name = self.dropped(defined) if defined is not None else None
        if name is None:
            raise MigrationError(
                self._unnamed_problem(defined) if defined is not None else
                f"drop_constraint has no constraint_name, and table {self.args['table_name']} is not "
                "defined by the revisions before it, so its constraint cannot be named",
                location=self.location, hint="give constraint_name")
        return sqlalchemy_name({"f": name})

    def _drop_key_index(self, context: MigrationContext, kind: str | None) -> list[Any]:
        """InnoDB keeps the index it made for a foreign key after DROP FOREIGN KEY: drop it too,
        as the state has no such index (runner.schema.key_indexes)."""
        if kind != "foreignkey" or not context.impl.foreign_keys_make_index:
            return []
        defined = context.defined_table(self.args["table_name"], self.schema)
        name = key_index_of(defined, self.dropped(defined) or "") if defined is not None else None
        if name is None:
            return []
        import sqlalchemy as sa

        from runner.sql.ddl import stub_table

        stub = stub_table(self.args["table_name"], self.schema, [])
        return [sa.schema.DropIndex(sa.Index(name, _table=stub))]


def drop_name(written: Any, database: str, table: TableState) -> Any:
    """How a derived operation names a constraint: as written without a convention, else the
    database's name, final (`{f: name}`), so the convention is not applied again."""
    if table.naming is None:
        return written if written else database
    return {"f": database}


def primary_key_of(table: TableState) -> dict[str, Any] | None:
    """The table's primary key in create_table's shape (implied by its columns, or its own)."""
    return next((c for c in [*table.constraints, *implied_constraints(table)] if "primary_key" in c), None)


def refuse_on_sqlite(op: Operation, table: str, impl: Any) -> None:
    """SQLite has no ALTER for constraints: yamig rebuilds the table, which it must know."""
    if not impl.alters_constraints:
        raise MigrationError(
            f"SQLite cannot {op.name.split('_')[0]} a constraint in place, and table {table} is not "
            "there to rebuild (online: not in the database; --sql: not defined by earlier revisions)",
            location=op.location,
            hint="check the table name; a table made by `execute` cannot be rebuilt offline",
        )


# -- the operation that adds a constraint back ---------------------------------------------------

def create_operation(spec: dict[str, Any], table: TableState) -> tuple[type[Operation], dict[str, Any]]:
    """The create_* operation (class and arguments) that adds `spec` to `table`."""
    kind = constraint_kind(spec)
    name = drop_name(written_name(spec), constraint_name(spec, table), table)
    schema = {"schema": table.schema} if table.schema else {}
    if kind == "check":
        return CreateCheckConstraint, {"constraint_name": name, "table_name": table.name,
                                       "condition": spec["check"], **schema}
    if kind in ("unique", "primary_key"):
        cls = CreateUniqueConstraint if kind == "unique" else CreatePrimaryKey
        return cls, {"constraint_name": name, "table_name": table.name, "columns": list(spec[kind]),
                     **schema}
    fk = spec["foreign_key"]
    targets = [ForeignKeyRef.parse(r) for r in fk["references"]]
    args: dict[str, Any] = {"constraint_name": name, "source_table": table.name,
                            "referent_table": targets[0].table, "local_cols": list(fk["columns"]),
                            "remote_cols": [t.column for t in targets]}
    args.update({k: fk[k] for k in ("ondelete", "onupdate", "deferrable", "initially") if k in fk})
    if table.schema:
        args["source_schema"] = table.schema
    if targets[0].schema:
        args["referent_schema"] = targets[0].schema
    return CreateForeignKey, copy.deepcopy(args)

