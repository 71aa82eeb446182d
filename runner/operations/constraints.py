"""create_unique_constraint, create_primary_key, create_foreign_key, create_check_constraint
and drop_constraint.

A constraint lives in the state as create_table writes it (`{unique: [a, b], name: uq}`), so a
dropped constraint can be re-created from what the state remembers, and SQLite, which cannot
add or drop a constraint in place, gets its table rebuilt from that definition.
"""

from __future__ import annotations

import copy
import re
from typing import Any, ClassVar

from runner.errors import MigrationError
from runner.operations.base import Operation
from runner.state import SchemaState, TableState

# create_table's constraint key -> drop_constraint's `type`
KINDS = {"primary_key": "primary", "unique": "unique", "check": "check", "foreign_key": "foreignkey"}


class _CreateConstraint(Operation):
    """What the four create_* operations share; each says how it writes its constraint."""

    needs_rebuild_on_sqlite = True
    kind: ClassVar[str]  # the key of create_table's constraint shape

    @property
    def table_name(self) -> str:
        return self.args["table_name"]

    def columns(self) -> list[str]:
        return list(self.args.get("columns", []))

    def spec(self) -> dict[str, Any]:
        """The constraint in create_table's shape."""
        return {self.kind: list(self.args["columns"]), "name": self.args["constraint_name"]}

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.table_name, self.schema, self)
        name = self.args["constraint_name"]
        if find_constraint(table, name) is not None:
            state.problem(self.location, f"constraint {name} already exists on table {table.name}")
        elif self.kind == "primary_key" and any("primary_key" in c for c in
                                                [*table.constraints, *implied_constraints(table)]):
            state.problem(self.location, f"table {table.name} already has a primary key")
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

    def reverse(self, state: SchemaState) -> list[Operation]:
        args = {"constraint_name": self.args["constraint_name"], "table_name": self.table_name,
                "type": KINDS[self.kind]}
        if self.schema:
            args["schema"] = self.schema
        return [self.derive(DropConstraint, args)]

    def ddl(self, dialect: Any) -> list[Any]:
        import sqlalchemy as sa

        from runner.ddl import build_constraint, ensure_fk_targets

        refuse_on_sqlite(self, self.table_name, dialect)
        metadata = sa.MetaData()
        columns = [sa.Column(c, sa.types.NULLTYPE) for c in self.columns()]
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
        return {"check": self.args["condition"], "name": self.args["constraint_name"]}


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
        target = ".".join(filter(None, [self.args.get("referent_schema"), self.args["referent_table"]]))
        fk: dict[str, Any] = {"columns": list(self.args["local_cols"]),
                              "references": [f"{target}.{c}" for c in self.args["remote_cols"]]}
        for option in ("ondelete", "onupdate", "deferrable", "initially"):
            if self.args.get(option) is not None:
                fk[option] = self.args[option]
        return {"foreign_key": fk, "name": self.args["constraint_name"]}

    def state_forwards(self, state: SchemaState) -> None:
        super().state_forwards(state)
        schema, name = self.args.get("referent_schema"), self.args["referent_table"]
        referent = state.table(name, schema)
        if state.opaque or (referent is not None and not referent.known):
            return
        if referent is None:
            state.problem(self.location, f"table {_qualified(name, schema)} does not exist at this point")
            return
        for column in self.args["remote_cols"]:
            if column not in referent.columns:
                state.problem(self.location, f"column {referent.name}.{column} does not exist")


class DropConstraint(Operation):
    name = "drop_constraint"
    needs_rebuild_on_sqlite = True

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        name = self.args["constraint_name"]
        found = find_constraint(table, name)
        if found is None:
            if table.known and not state.opaque:
                state.problem(self.location, f"constraint {name} does not exist on table {table.name}")
            return
        kind = KINDS[_kind(found)]
        if self.args.get("type") and self.args["type"] != kind:
            state.problem(self.location, f"constraint {name} is of type {kind}, not {self.args['type']}")
        remove_constraint(table, name)

    def rebuild_error(self, table: TableState) -> str | None:
        """On SQLite a rebuild stands in for DROP CONSTRAINT, which fails on a name the table lacks."""
        if find_constraint(table, self.args["constraint_name"]) is None:
            return f"table {table.name} has no constraint named {self.args['constraint_name']}"
        return None

    def reverse(self, state: SchemaState) -> list[Operation]:
        table = state.table(self.args["table_name"], self.schema)
        found = find_constraint(table, self.args["constraint_name"]) if table is not None else None
        if found is None:
            raise MigrationError(
                f"cannot derive the downgrade of drop_constraint {self.args['constraint_name']}: "
                f"the revisions before it do not define that constraint on {self.args['table_name']}",
                location=self.location,
                hint="write a `downgrade:` with the create_* operation that restores it",
            )
        return [self.derive(*create_operation(found, table))]

    def ddl(self, dialect: Any) -> list[Any]:
        import sqlalchemy as sa

        refuse_on_sqlite(self, self.args["table_name"], dialect)
        kind = self.args.get("type")
        if kind is None and dialect.name in ("mysql", "mariadb"):
            raise MigrationError(
                f"MySQL drops each kind of constraint with its own statement: drop_constraint "
                f"{self.args['constraint_name']} needs its `type`",
                location=self.location,
                hint="add `type: foreignkey`, `unique`, `check` or `primary`",
            )
        table = sa.Table(self.args["table_name"], sa.MetaData(), schema=self.schema)
        name = self.args["constraint_name"]
        factories = {
            "foreignkey": lambda: sa.ForeignKeyConstraint([], [], name=name),
            "primary": lambda: sa.PrimaryKeyConstraint(name=name),
            "unique": lambda: sa.UniqueConstraint(name=name),
            "check": lambda: sa.CheckConstraint("", name=name),
            None: lambda: sa.schema.Constraint(name=name),
        }
        constraint = factories[kind]()
        table.append_constraint(constraint)
        return [sa.schema.DropConstraint(constraint)]


def refuse_on_sqlite(op: Operation, table: str, dialect: Any) -> None:
    """SQLite has no ALTER for constraints: yamig rebuilds the table, which it must know."""
    if dialect.name == "sqlite":
        raise MigrationError(
            f"SQLite cannot {op.name.split('_')[0]} a constraint in place, and table {table} is not "
            "there to rebuild (online: not in the database; --sql: not defined by earlier revisions)",
            location=op.location,
            hint="check the table name; a table made by `execute` cannot be rebuilt offline",
        )


# -- constraints in a table's definition ---------------------------------------------------------

def _kind(spec: dict[str, Any]) -> str:
    return next(k for k in KINDS if k in spec)


def _implied(table: TableState) -> list[tuple[str, list[str], dict[str, Any]]]:
    """(kind, columns, spec) of each constraint that column definitions imply; a spec has a name
    only where the column's foreign key gives one."""
    found = []
    keys = [n for n, c in table.columns.items() if c.get("primary_key")]
    if keys:
        found.append(("primary_key", keys, {"primary_key": keys}))
    for name, column in table.columns.items():
        if column.get("unique"):
            found.append(("unique", [name], {"unique": [name]}))
        fk = column.get("foreign_key")
        if fk:
            spec = {"columns": [name], "references": [fk["column"]]}
            spec.update({k: fk[k] for k in ("ondelete", "onupdate", "deferrable", "initially") if k in fk})
            named = {"name": fk["name"]} if fk.get("name") else {}
            found.append(("foreign_key", [name], {"foreign_key": spec, **named}))
    return found


def _key(spec: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """What tells an unnamed constraint of a table apart: its kind and columns (a check's text)."""
    kind = _kind(spec)
    if kind == "check":
        return kind, (spec["check"],)
    return kind, tuple(spec["foreign_key"]["columns"] if kind == "foreign_key" else spec[kind])


def _default_name(spec: dict[str, Any], table: TableState) -> str:
    """The name PostgreSQL gives an unnamed constraint of the table as it is named now:
    <table>_<columns>_key / _fkey, <table>_pkey, <table>_<column>_check when the condition
    names one column, else <table>_check (the names autogenerate finds in the database)."""
    kind = _kind(spec)
    if kind == "check":
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'", "", spec["check"])))
        used = [c for c in table.columns if c in words]
        return f"{table.name}_{used[0]}_check"[:63] if len(used) == 1 else f"{table.name}_check"[:63]
    if kind == "primary_key":
        return f"{table.name}_pkey"[:63]
    columns = spec["foreign_key"]["columns"] if kind == "foreign_key" else spec[kind]
    return f"{table.name}_{'_'.join(columns)}_{'fkey' if kind == 'foreign_key' else 'key'}"[:63]


def constraint_name(spec: dict[str, Any], table: TableState) -> str:
    """A constraint's name: the one written, else the one the database gave it when it was made
    (remember_implied_names), else PostgreSQL's name for it under the table's current name."""
    name = spec.get("name") or spec.get("foreign_key", {}).get("name")
    if name:
        return name
    return table.implied_names.get(_key(spec)) or _default_name(spec, table)


def remember_implied_names(table: TableState, columns: list[str] | None = None) -> None:
    """Fix the names of the unnamed constraints of a new table (or those `columns` imply), as
    the table is named now: the database keeps them through later renames, so does the state."""
    specs = [spec for _, _, spec in _implied(table)]
    if columns is None:
        specs += table.constraints
    for spec in specs:
        key = _key(spec)
        if not (spec.get("name") or spec.get("foreign_key", {}).get("name")) and (
                columns is None or set(key[1]) & set(columns)):
            table.implied_names[key] = _default_name(spec, table)


def rename_in_implied_names(table: TableState, old: str, new: str) -> None:
    """A renamed column keeps the names of its constraints (their keys follow the new name)."""
    pattern = re.compile(rf"\b{re.escape(old)}\b")

    def renamed(key: tuple[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
        kind, parts = key
        if kind == "check":
            return kind, (pattern.sub(new, parts[0]),)
        return kind, tuple(new if c == old else c for c in parts)

    table.implied_names = {renamed(key): name for key, name in table.implied_names.items()}


def forget_implied_names(table: TableState, column: str) -> None:
    table.implied_names = {key: name for key, name in table.implied_names.items() if column not in key[1]}


def implied_constraints(table: TableState) -> list[dict[str, Any]]:
    """The named constraints that column definitions imply, in create_table's shape.

    A column's foreign key may carry a name; otherwise it, a key or a unique column has the
    name PostgreSQL gave it when it was made, the one a later drop_constraint will use.
    """
    return [{**spec, "name": constraint_name(spec, table)} for _, _, spec in _implied(table)]


def find_constraint(table: TableState, name: str) -> dict[str, Any] | None:
    """The constraint called `name` on `table`, table-level or implied by a column."""
    for spec in [*table.constraints, *implied_constraints(table)]:
        if constraint_name(spec, table) == name:
            named = spec.get("name") or spec.get("foreign_key", {}).get("name")
            return spec if named else {**spec, "name": name}
    return None


def autoincrement_column(table: TableState) -> str | None:
    """The key column SQLAlchemy makes autoincrementing (SERIAL on PostgreSQL) for `table` as the
    state has it: a sole integer key with autoincrement "auto" (no foreign key, no default), or the
    key column marked `autoincrement: true`. SQLAlchemy's own rule decides, on the key columns."""
    import sqlalchemy as sa

    from runner.ddl import build_column
    from runner.types import TypeGrammarError

    keys = {n for n, c in table.columns.items() if c.get("primary_key")}
    for spec in table.constraints:
        keys |= set(spec.get("primary_key") or ())
    try:
        columns = [build_column({**c, "primary_key": True}) for n, c in table.columns.items() if n in keys]
        return getattr(sa.Table(table.name, sa.MetaData(), *columns).autoincrement_column, "name", None)
    except (TypeGrammarError, sa.exc.ArgumentError):  # a bad type is reported where it is written
        return None


def remove_constraint(table: TableState, name: str) -> None:
    found = find_constraint(table, name)
    if found is not None and "primary_key" in found:
        # the database keeps what generated a key's values (PostgreSQL: the SERIAL's sequence
        # default): record it, so that adding the key back restores the column as it was
        generated = autoincrement_column(table)
        for column in found["primary_key"]:
            if column in table.columns:
                table.columns[column]["autoincrement"] = column == generated
    kept = [c for c in table.constraints if constraint_name(c, table) != name]
    if len(kept) != len(table.constraints):
        for spec in table.constraints:
            if spec not in kept:
                table.implied_names.pop(_key(spec), None)
        table.constraints = kept
        return
    for kind, columns, spec in _implied(table):
        if constraint_name(spec, table) != name:
            continue
        table.implied_names.pop(_key(spec), None)
        for column_name in columns:
            column = table.columns[column_name]
            if kind == "foreign_key":
                del column["foreign_key"]
            elif kind == "unique":
                column["unique"] = False
            else:
                column["primary_key"] = False
                column["nullable"] = False  # dropping the key leaves the column NOT NULL
        return


def create_operation(spec: dict[str, Any], table: TableState) -> tuple[type[Operation], dict[str, Any]]:
    """The create_* operation (class and arguments) that adds `spec` to `table`."""
    kind = _kind(spec)
    name = spec.get("name") or spec.get("foreign_key", {}).get("name")
    schema = {"schema": table.schema} if table.schema else {}
    if kind == "check":
        return CreateCheckConstraint, {"constraint_name": name, "table_name": table.name,
                                       "condition": spec["check"], **schema}
    if kind in ("unique", "primary_key"):
        cls = CreateUniqueConstraint if kind == "unique" else CreatePrimaryKey
        return cls, {"constraint_name": name, "table_name": table.name, "columns": list(spec[kind]),
                     **schema}
    fk = spec["foreign_key"]
    parts = [r.split(".") for r in fk["references"]]
    args: dict[str, Any] = {"constraint_name": name, "source_table": table.name,
                            "referent_table": parts[0][-2], "local_cols": list(fk["columns"]),
                            "remote_cols": [p[-1] for p in parts]}
    args.update({k: fk[k] for k in ("ondelete", "onupdate", "deferrable", "initially") if k in fk})
    if table.schema:
        args["source_schema"] = table.schema
    if len(parts[0]) > 2:
        args["referent_schema"] = ".".join(parts[0][:-2])
    return CreateForeignKey, copy.deepcopy(args)


def _qualified(name: str, schema: str | None) -> str:
    return f"{schema}.{name}" if schema else name
