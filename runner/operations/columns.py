"""add_column and drop_column."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from runner.errors import MigrationError
from runner.operations.base import ArgAt, Derived, Operation, check_generated, check_type, column_names
from runner.schema.constraints import (
    constraint_name,
    forget_implied_names,
    implied_constraints,
    index_involves,
    remember_implied_names,
    remove_constraint,
    written_name,
)
from runner.schema.key_indexes import forget_key_indexes
from runner.schema.state import SchemaState, TableState

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext


class AddColumn(Operation):
    name = "add_column"

    def validate(self) -> None:
        check_type(self, self.args["column"].get("type"), "column", "type")
        check_generated(self, self.args["column"], "column")

    def given_names(self) -> list[tuple[str, str, tuple]]:
        return column_names(self.args["column"], "column")

    @property
    def needs_rebuild_on_sqlite(self) -> bool:
        """Whether SQLite needs the rebuild to add this column as Alembic's batch block does.

        SQLite's ADD COLUMN refuses UNIQUE (with `index: true` the unique index, made in place,
        is all SQLAlchemy makes anyway). It takes a foreign key only inline (`CONSTRAINT name
        REFERENCES ...`), and SQLAlchemy's reflection, which yamig's later rebuilds and Alembic's
        autogenerate read, parses only table-level FOREIGN KEY clauses: a name or ON DELETE /
        ON UPDATE / DEFERRABLE would be lost to every reader. A plain reference stays in place.
        A STORED generated column is refused too."""
        column = self.args["column"]
        if column.get("unique") and not column.get("index"):
            return True
        if (column.get("computed") or {}).get("persisted"):
            return True  # ADD COLUMN takes a VIRTUAL generated column only
        foreign_key = column.get("foreign_key") or {}
        return any(value is not None for key, value in foreign_key.items() if key != "column")

    def rebuild_error(self, table: TableState) -> str | None:
        """On SQLite a rebuild stands in for ADD COLUMN, which fails on a column the table has."""
        name = self.args["column"]["name"]
        return f"table {table.name} already has a column named {name}" if name in table.columns else None

    def rebuild_forwards(self, table_state: SchemaState) -> None:
        """state_forwards for the rebuilt table: the new column's UNIQUE becomes a constraint
        named uq_<table>_<column>, as Alembic's batch block needs a name for it."""
        self.state_forwards(table_state)
        table = table_state.require_table(self.args["table_name"], self.schema, self)
        column = table.columns[self.args["column"]["name"]]
        if column.pop("unique", False):
            table.constraints.append({"unique": [column["name"]], "name": unique_name(table.name, column)})

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        column = self.args["column"]
        if column["name"] in table.columns:
            state.problem(self.location, f"column {table.name}.{column['name']} already exists")
        table.columns[column["name"]] = copy.deepcopy(column)
        remember_implied_names(table, [column["name"]])
        from runner.operations.tables import add_named_types

        add_named_types(state, [(column.get("type"), ArgAt(self, "column", "type"))],
                        as_written=self.derived.creates_types)

    def reverse(self, state: SchemaState) -> list[Operation]:
        args = {"table_name": self.args["table_name"], "column_name": self.args["column"]["name"]}
        if self.schema:
            args["schema"] = self.schema
        if self.args["column"].get("server_default") is not None:
            args["mssql_drop_default"] = True  # the default it adds would block the drop there
        from runner.operations.tables import new_named_types, sequences

        foreign_key = self.args["column"].get("foreign_key")
        return [self.derive(DropColumn, args, Derived(
            owned_types=tuple(new_named_types(state, [self.args["column"]["type"]])),
            owned_sequences=sequences([self.args["column"]]),
            drops_foreign_key=bool(foreign_key),
            foreign_key_name=foreign_key.get("name") if foreign_key else None))]

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        from runner.operations.tables import comment_statements
        from runner.sql import ddl

        dialect = context.dialect
        impl = context.impl
        self.refuse_long_names(impl)
        metadata = context.metadata()
        column = ddl.build_column(self.args["column"])
        table = sa.Table(self.args["table_name"], metadata, column, schema=self.schema)
        ddl.ensure_fk_targets(metadata, table)
        inline = not impl.alters_constraints  # SQLite: the foreign key goes inline, UNIQUE an index
        indexes = sorted(table.indexes, key=lambda ix: ix.name or "")  # from `index: true`
        from runner.operations.tables import create_sequences, create_types

        creates = self.derived.creates_types
        statements: list[Any] = create_types(context, [self.args["column"]["type"]]) if creates else []
        if creates:
            statements += create_sequences(context, [column])
        statements.append(ddl.AddColumn(table.name, column, self.schema, inline_references=inline))
        if not inline:
            for fk in sorted(column.foreign_keys, key=lambda f: f.target_fullname):
                statements.append(sa.schema.AddConstraint(fk.constraint))
        if column.unique and not column.index:  # with index: true, its unique index is the constraint
            if inline:  # where the table is not known to rebuild it: a unique index does the same job
                statements.append(sa.schema.CreateIndex(
                    sa.Index(unique_name(table.name, self.args["column"]), column, unique=True)))
            else:
                statements.append(sa.schema.AddConstraint(sa.UniqueConstraint(column)))
        statements += [sa.schema.CreateIndex(ix) for ix in indexes]
        if column.comment:
            statements += [s for s in comment_statements(table, dialect)
                           if isinstance(s, sa.schema.SetColumnComment)]
        return statements


class DropColumn(Operation):
    name = "drop_column"
    deletes_data = True

    @property
    def drops_column(self) -> str:
        """The column dropped: SQLite rebuilds the table when a constraint or index holds it."""
        return self.args["column_name"]

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        name = self.args["column_name"]
        if name not in table.columns and table.known and not state.opaque:
            state.problem(self.location, f"column {table.name}.{name} does not exist at this point")
        self._drop_from_key(state, table, name)
        table.columns.pop(name, None)
        forget_implied_names(table, name)
        forget_key_indexes(table, dropped_column=name)
        from runner.operations.tables import drop_named_types

        drop_named_types(state, self.derived.owned_types)
        # the database drops the indexes and table constraints that involve a dropped column
        for ix_name, index in list(table.indexes.items()):
            if index_involves(index, name):
                state.remove_index(table, ix_name)
        table.constraints = [c for c in table.constraints if not involves(c, name)]

    @staticmethod
    def _drop_from_key(state: SchemaState, table: TableState, name: str) -> None:
        """A column of a primary key over other columns too: the database takes the column out of
        the key (SQLite's rebuild, MySQL), or drops the whole key (PostgreSQL): Traits."""
        key = composite_key(table, name)
        if key is None:
            return
        if state.does("drop_column_shrinks_key"):
            if key in table.constraints:  # a key on columns' primary_key shrinks as they go
                key["primary_key"] = [c for c in key["primary_key"] if c != name]
            return
        remove_constraint(table, constraint_name(key, table))

    def reverse(self, state: SchemaState) -> list[Operation]:
        from runner.operations.indexes import CreateIndex

        table = state.table(self.args["table_name"], self.schema)
        name = self.args["column_name"]
        if table is None or name not in table.columns:
            raise MigrationError(
                f"cannot derive the downgrade of drop_column {self.args['table_name']}.{name}: "
                "the revisions before it do not define that column",
                location=self.location,
                hint="write a `downgrade:` with the add_column that restores it",
            )
        args: dict[str, Any] = {"table_name": table.name, "column": copy.deepcopy(table.columns[name])}
        if self.schema:
            args["schema"] = self.schema
        key = composite_key(table, name)
        if key is not None:  # the column comes back, then the key over it and the others
            args["column"].pop("primary_key", None)
            args["column"]["nullable"] = False
        # a drop_column as written keeps its enum type, as Alembic does: the restored column finds it
        restored = [self.derive(AddColumn, args, Derived(creates_types=bool(self.derived.owned_types)))]
        if key is not None:
            from runner.operations.constraints import CreatePrimaryKey

            key_args = {"constraint_name": constraint_name(key, table), "table_name": table.name,
                        "columns": list(key["primary_key"])}
            if self.schema:
                key_args["schema"] = self.schema
            restored.append(self.derive(CreatePrimaryKey, key_args))
        restored += [self.derive(CreateIndex, copy.deepcopy(ix)) for ix in table.indexes.values()
                     if index_involves(ix, name)]
        from runner.operations.constraints import create_operation  # the database dropped these too

        # (a create_* operation needs a name: an unnamed table constraint cannot be added back)
        restored += [self.derive(*create_operation(c, table)) for c in table.constraints
                     if involves(c, name) and written_name(c) and c is not key]
        return restored

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        from runner.sql import ddl, ddl_alter

        impl = context.impl
        change = ddl_alter.ColumnChange(self.args["table_name"], self.args["column_name"], self.schema)
        statements: list[Any] = impl.before_drop_column(change, self.args)  # SQL Server: its DEFAULT
        statements += self._drop_foreign_key(context, change)
        statements += self._drop_checks(context)
        statements += [ddl.DropColumn(self.args["table_name"], self.args["column_name"], self.schema),
                       *impl.drop_named_types(ddl.sqlalchemy_types(self.derived.owned_types))]
        if context.dialect.supports_sequences:
            from runner.operations.tables import sequence_of

            statements += [sa.schema.DropSequence(sequence_of(n)) for n in self.derived.owned_sequences]
        return statements

    def _drop_checks(self, context: MigrationContext) -> list[Any]:
        """MariaDB refuses to drop a column that a check on other columns too names (error 1054):
        drop the checks that name it first, by name, or looked up where the database named them.
        The state forgets them with the column (as PostgreSQL drops them), and a derived
        downgrade adds the named ones back."""
        if not context.impl.drops_checks_first:
            return []
        table = context.defined_table(self.args["table_name"], self.schema)
        checks = [c for c in (table.constraints if table is not None else [])
                  if "check" in c and involves(c, self.args["column_name"])]
        if not checks:
            return []
        import sqlalchemy as sa

        from runner.sql import ddl_alter

        stub = sa.Table(self.args["table_name"], sa.MetaData(), schema=self.schema)
        statements = []
        for check in checks:
            if written_name(check):
                constraint = sa.CheckConstraint("", name=written_name(check))
                stub.append_constraint(constraint)
                statements.append(sa.schema.DropConstraint(constraint))
        if any(not written_name(c) for c in checks):
            change = ddl_alter.ColumnChange(self.args["table_name"], self.args["column_name"], self.schema)
            statements += context.impl.drop_unnamed_checks(change)
        return statements

    def _drop_foreign_key(self, context: MigrationContext, change: Any) -> list[Any]:
        """MySQL and SQL Server refuse to drop a column a foreign key uses: drop that key first,
        as an Alembic downgrade does (PostgreSQL, Oracle and SQLite drop it with the column).
        A written drop_column on MySQL drops the keys the replayed state gives the column."""
        impl = context.impl
        if not impl.drops_foreign_key_first:
            return []
        if self.derived.drops_foreign_key:
            names: list[str | None] = [self.derived.foreign_key_name]
        elif self.derived_from is None and impl.drops_column_foreign_keys:
            names = column_foreign_keys(context.defined_table(self.args["table_name"], self.schema),
                                        self.args["column_name"])
        else:
            return []
        import sqlalchemy as sa

        statements: list[Any] = []
        for name in dict.fromkeys(names):
            if name is None:
                unnamed = impl.drop_unnamed_foreign_key(change)
                if not unnamed:
                    raise MigrationError(
                        f"cannot derive the downgrade of add_column {self.args['table_name']}."
                        f"{self.args['column_name']} on {impl.name}: its foreign key has no name, "
                        "and the database named it itself",
                        location=self.location,
                        hint="give the column's foreign_key a `name`, or write a `downgrade:` that "
                             "drops it by the name the database gave it",
                    )
                statements += unnamed
                continue
            table = sa.Table(self.args["table_name"], sa.MetaData(), schema=self.schema)
            constraint = sa.ForeignKeyConstraint([], [], name=name)
            table.append_constraint(constraint)
            statements.append(sa.schema.DropConstraint(constraint))
        return statements


def column_foreign_keys(table: Any, column: str) -> list[str | None]:
    """The names (None: the database's own) of the foreign keys a table's `column` is part of."""
    if table is None:
        return []
    found = []
    fk = table.columns.get(column, {}).get("foreign_key")
    if fk:
        found.append(fk.get("name"))
    found += [written_name(c) for c in table.constraints
              if "foreign_key" in c and column in c["foreign_key"]["columns"]]
    return found


def composite_key(table: TableState, column: str) -> dict[str, Any] | None:
    """The table's primary key (create_table's shape, as the table holds it or as its columns
    imply it) when it is over `column` and other columns too; else None."""
    for key in [*table.constraints, *implied_constraints(table)]:
        columns = key.get("primary_key") or []
        if column in columns and len(columns) > 1:
            return key
    return None


def unique_name(table: str, column: dict[str, Any]) -> str:
    """The name of the UNIQUE constraint (or index) that add_column makes on SQLite."""
    return f"uq_{table}_{column['name']}"


def involves(constraint: dict[str, Any], column: str) -> bool:
    """Whether a table constraint (create_table's shape) names `column`."""
    import re

    if column in constraint.get("primary_key", []) or column in constraint.get("unique", []):
        return True
    if column in constraint.get("foreign_key", {}).get("columns", []):
        return True
    check = constraint.get("check")
    return bool(check) and re.search(rf"\b{re.escape(column)}\b", check) is not None
