"""create_table and drop_table."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from runner.operations.base import ArgAt, Derived, Operation, check_generated, check_type, column_names
from runner.schema.constraints import remember_implied_names
from runner.schema.references import qualified
from runner.schema.state import SchemaState, TableState, enum_type_use, named_type
from runner.schema.types import OPTION_PREFIXES

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext


class CreateTable(Operation):
    name = "create_table"

    def validate(self) -> None:
        from runner.operations.indexes import check_dialect_options

        seen: set[str] = set()
        for i, column in enumerate(self.args.get("columns", [])):
            check_type(self, column.get("type"), "columns", i, "type")
            check_generated(self, column, "columns", i)
            if (column.get("foreign_key") or {}).get("use_alter") and not column["foreign_key"].get("name"):
                raise _unnamed_use_alter(self.arg_location("columns", i, "foreign_key"))
            if column.get("name") in seen:
                from runner.errors import RevisionFileError

                raise RevisionFileError(
                    f"table {self.args['table_name']} has two columns named {column['name']}",
                    location=self.arg_location("columns", i, "name"),
                    hint="give each column its own name")
            seen.add(column.get("name"))
        for i, constraint in enumerate(self.args.get("constraints") or []):
            fk = constraint.get("foreign_key") or {}
            if fk.get("use_alter") and not (constraint.get("name") or fk.get("name")):
                raise _unnamed_use_alter(self.arg_location("constraints", i))
        check_dialect_options(self, "table")

    def given_names(self) -> list[tuple[str, str, tuple]]:
        found = [("table", self.args["table_name"], ("table_name",))]
        for i, column in enumerate(self.args.get("columns", [])):
            found += column_names(column, "columns", i)
        for i, constraint in enumerate(self.args.get("constraints") or []):
            if isinstance(constraint.get("name"), str):
                found.append(("constraint", constraint["name"], ("constraints", i, "name")))
        return found

    def state_forwards(self, state: SchemaState) -> None:
        name, schema = self.args["table_name"], self.schema
        if state.table(name, schema) is not None and state.table(name, schema).known:
            state.problem(self.location, f"table {name} already exists at this point")
        table = TableState(
            name=name,
            schema=schema,
            columns={c["name"]: copy.deepcopy(c) for c in self.args.get("columns", [])},
            constraints=copy.deepcopy(self.args.get("constraints") or []),
            comment=self.args.get("comment"),
            options={k: v for k, v in self.args.items() if k.startswith(OPTION_PREFIXES)},
            naming=state.naming,
        )
        remember_implied_names(table)
        state.add_table(table)
        add_named_types(state, [(c.get("type"), ArgAt(self, "columns", i, "type"))
                                for i, c in enumerate(self.args.get("columns", []))],
                        as_written=self.derived.creates_types)

    def reverse(self, state: SchemaState) -> list[Operation]:
        args = {"table_name": self.args["table_name"]}
        if self.schema:
            args["schema"] = self.schema
        columns = self.args.get("columns", [])
        owned = tuple(new_named_types(state, [c["type"] for c in columns]))
        return [self.derive(DropTable, args, Derived(owned_types=owned, owned_sequences=sequences(columns)))]

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        from runner.sql.ddl import build_table

        dialect = context.dialect
        self.refuse_long_names(context.impl)
        table = build_table(context.metadata(), self.args)
        creates = self.derived.creates_types
        columns = self.args.get("columns", [])
        statements: list[Any] = create_types(context, [c["type"] for c in columns]) if creates else []
        if creates:
            statements += create_sequences(context, table.columns)
        statements.append(sa.schema.CreateTable(table))
        statements += [sa.schema.CreateIndex(ix) for ix in sorted(table.indexes, key=_ix_name)]
        statements += comment_statements(table, dialect)
        statements += self.deferred_foreign_keys(context, table)
        return statements

    def deferred_foreign_keys(self, context: MigrationContext, table: Any) -> list[Any]:
        """`use_alter: true` foreign keys, added by ALTER TABLE once both of their tables exist,
        as SQLAlchemy's create_all does (a cycle of tables each referencing the next): this
        table's own whose table exists (itself included), then those of the tables before it
        that reference this one and waited for it. Where constraints are not altered (SQLite,
        which takes a reference to a table that does not exist yet), they stay in CREATE TABLE."""
        import sqlalchemy as sa

        from runner.sql.ddl import build_table

        if not context.impl.alters_constraints:
            return []
        here = (self.schema, self.args["table_name"])
        statements = []
        for constraint in sorted(table.foreign_key_constraints, key=lambda c: c.name or ""):
            if constraint.use_alter:
                target = (constraint.referred_table.schema, constraint.referred_table.name)
                if target == here or context.defined_table(target[1], target[0]) is not None:
                    statements.append(sa.schema.AddConstraint(constraint))
        state = context.state
        for other in list(state.tables.values()) if state is not None else []:
            if (other.schema, other.name) == here or not other.known:
                continue
            if not any(use_alter_target(c) == here for c in waiting_keys(other)):
                continue
            built = build_table(sa.MetaData(), other.definition())
            for constraint in sorted(built.foreign_key_constraints, key=lambda c: c.name or ""):
                referred = constraint.elements[0].column.table
                if constraint.use_alter and (referred.schema, referred.name) == here:
                    statements.append(sa.schema.AddConstraint(constraint))
        return statements


def _unnamed_use_alter(location: str) -> Exception:
    from runner.errors import RevisionFileError

    return RevisionFileError("a `use_alter: true` foreign key needs a name",
                             location=location, hint="add `name: fk_...`: it is added, and dropped, "
                             "by ALTER TABLE on its own, as SQLAlchemy requires")


def _ix_name(index: Any) -> str:
    return index.name or ""


def comment_statements(table: Any, dialect: Any) -> list[Any]:
    """Dialects that take comments only through COMMENT ON get them as separate statements."""
    import sqlalchemy as sa

    if not dialect.supports_comments or dialect.inline_comments:
        return []
    statements: list[Any] = []
    if table.comment:
        statements.append(sa.schema.SetTableComment(table))
    statements += [sa.schema.SetColumnComment(c) for c in table.columns if c.comment]
    return statements


class DropTable(Operation):
    name = "drop_table"
    deletes_data = True

    def state_forwards(self, state: SchemaState) -> None:
        name, schema = self.args["table_name"], self.schema
        state.require_table(name, schema, self)
        state.remove_table(name, schema)
        drop_named_types(state, self.derived.owned_types)

    def reverse(self, state: SchemaState) -> list[Operation]:
        from runner.errors import MigrationError
        from runner.operations.indexes import CreateIndex

        table = state.table(self.args["table_name"], self.schema)
        if table is None or not table.known:
            raise MigrationError(
                f"cannot derive the downgrade of drop_table {self.args['table_name']}: "
                "the revisions before it do not define that table",
                location=self.location,
                hint="write a `downgrade:` that re-creates the table",
            )
        # a drop_table as written keeps its enum types, as Alembic does: the restored table finds them
        restored = [self.derive(CreateTable, table.definition(),
                                Derived(creates_types=bool(self.derived.owned_types)))]
        restored += [self.derive(CreateIndex, copy.deepcopy(ix)) for ix in table.indexes.values()]
        return restored

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        from runner.sql.ddl import sqlalchemy_types

        table = sa.Table(self.args["table_name"], sa.MetaData(), schema=self.schema)
        owned = sqlalchemy_types(self.derived.owned_types)
        statements: list[Any] = [*self.referencing_foreign_keys(context), sa.schema.DropTable(table),
                                 *context.impl.drop_named_types(owned)]
        if context.dialect.supports_sequences:
            statements += [sa.schema.DropSequence(sequence_of(name)) for name in self.derived.owned_sequences]
        return statements

    def referencing_foreign_keys(self, context: MigrationContext) -> list[Any]:
        """The `use_alter` foreign keys of other tables that reference this one are dropped first
        (their create_table added them by ALTER once this table existed), as SQLAlchemy's
        drop_all does, so a cycle of tables comes down in any order. The state keeps them, as
        keys waiting for the table again: the create_table that brings it back adds them."""
        import sqlalchemy as sa

        state = context.state
        if state is None or not context.impl.alters_constraints:
            return []
        here = (self.schema, self.args["table_name"])
        statements = []
        for other in state.tables.values():
            if (other.schema, other.name) == here or not other.known:
                continue
            for constraint in waiting_keys(other):
                if use_alter_target(constraint) == here and constraint.get("name"):
                    stub = sa.Table(other.name, sa.MetaData(), schema=other.schema)
                    fk = sa.ForeignKeyConstraint([], [], name=constraint["name"])
                    stub.append_constraint(fk)
                    statements.append(sa.schema.DropConstraint(fk))
        return statements


class CreateTableComment(Operation):
    name = "create_table_comment"

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        table.comment = self.args["comment"]

    def reverse(self, state: SchemaState) -> list[Operation]:
        previous = _previous_comment(self, state)
        return [_comment_operation(self, previous, self.args["comment"])]

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        dialect = context.dialect
        if not dialect.supports_comments:  # SQLite: nothing to store a comment in
            return []
        table = sa.Table(self.args["table_name"], sa.MetaData(), schema=self.schema,
                         comment=self.args["comment"])
        return [sa.schema.SetTableComment(table)]


class DropTableComment(Operation):
    name = "drop_table_comment"

    def state_forwards(self, state: SchemaState) -> None:
        table = state.require_table(self.args["table_name"], self.schema, self)
        table.comment = None

    def reverse(self, state: SchemaState) -> list[Operation]:
        previous = _previous_comment(self, state)
        return [] if previous is None else [_comment_operation(self, previous, None)]

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        dialect = context.dialect
        if not dialect.supports_comments:
            return []
        table = sa.Table(self.args["table_name"], sa.MetaData(), schema=self.schema)
        return [sa.schema.DropTableComment(table)]


def _previous_comment(op: Operation, state: SchemaState) -> str | None:
    """The comment before `op`: its existing_comment when written, else what the state knows."""
    if "existing_comment" in op.args:
        return op.args["existing_comment"]
    table = state.table(op.args["table_name"], op.schema)
    if table is None or not table.known:
        from runner.errors import MigrationError

        raise MigrationError(
            f"cannot derive the downgrade of {op.name} on {op.args['table_name']}: "
            "the comment it replaces is not known from the revisions before it",
            location=op.location,
            hint="give `existing_comment:` (null for none), or write a `downgrade:`",
        )
    return table.comment


def _comment_operation(op: Operation, comment: str | None, existing: str | None) -> Operation:
    args: dict[str, Any] = {"table_name": op.args["table_name"]}
    if op.schema:
        args["schema"] = op.schema
    if comment is None:
        return op.derive(DropTableComment, {**args, "existing_comment": existing})
    return op.derive(CreateTableComment, {**args, "comment": comment, "existing_comment": existing})


def add_named_types(state: SchemaState, uses: list[tuple[Any, Any]], as_written: bool = True) -> None:
    """The named enum types these (column type, where written) use. A type that creates its enum
    type makes it known, once: a second column (in the same revision or a later one) uses the
    type that exists, as PostgreSQL needs; its values must then be the type's, unless the
    operation restores a dropped table or column (not `as_written`: the type it left behind may
    have gained values since). One with `create_type=False` needs the type to exist already."""
    for text, where in uses:
        use = enum_type_use(text)
        if use is None:
            continue
        key, values, creates = use
        known = state.named_types.get(key)
        shown = qualified(key[1], key[0])
        if known is None:
            if creates:
                state.named_types[key] = list(values)
            elif not state.opaque:
                state.problem(where, f"enum type {shown} does not exist at this point "
                                     "(create_type=False uses an existing type: create it first, "
                                     "with create_enum)")
        elif creates and as_written and values != known and not state.opaque:
            state.problem(where, f"enum type {shown} already exists at this point with the values "
                                 f"{_values(known)}, not {_values(values)}: the column would use the "
                                 "existing type (write the type's values, or another name)")


def _values(values: list[str]) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


def new_named_types(state: SchemaState, type_texts: list[Any]) -> list[Any]:
    """Those of these column types that make an enum type the state does not know yet, one per
    type: the ones a derived downgrade drops (not one an earlier operation made)."""
    found, seen = [], set()
    for text in type_texts:
        key = named_type(text)
        if key is not None and key not in seen and key not in state.named_types:
            seen.add(key)
            found.append(text)
    return found


def create_types(context: MigrationContext, type_texts: list[Any]) -> list[Any]:
    """CREATE TYPE for the enum types these column types make that do not exist yet (online the
    database says, offline the replayed state), each once: several tables or columns of one
    revision can share a type, and only the first creates it."""
    from runner.sql.ddl import sqlalchemy_types

    impl = context.impl
    if not impl.named_enum_types:
        return []
    wanted, seen = [], set()
    for text in type_texts:
        key = named_type(text)
        if key is not None and key not in seen and not context.type_exists(key):
            seen.add(key)
            wanted.append(text)
    return impl.create_named_types(sqlalchemy_types(wanted))


def drop_named_types(state: SchemaState, type_texts: list[Any]) -> None:
    """The enum types a derived downgrade drops along with what made them."""
    for key in map(named_type, type_texts):
        state.named_types.pop(key, None)


def waiting_keys(table: TableState) -> list[dict[str, Any]]:
    """The table's `use_alter: true` foreign keys as {name, foreign_key: {columns, references}}:
    its constraints' and its columns' (those a column declares, in the same terms)."""
    found = [c for c in table.constraints if (c.get("foreign_key") or {}).get("use_alter")]
    for column in table.columns.values():
        fk = column.get("foreign_key") or {}
        if fk.get("use_alter"):
            found.append({"name": fk.get("name"),
                          "foreign_key": {"columns": [column["name"]], "references": [fk["column"]]}})
    return [{**c, "name": c.get("name") or c["foreign_key"].get("name")} for c in found]


def use_alter_target(constraint: dict[str, Any]) -> tuple[str | None, str]:
    """(schema, table) a table-level foreign key constraint references."""
    from runner.schema.references import ForeignKeyRef

    return ForeignKeyRef.parse(constraint["foreign_key"]["references"][0]).key


def sequences(columns: list[dict[str, Any]]) -> tuple[str, ...]:
    """The `[schema.]name` of these columns' sequences."""
    found = []
    for column in columns:
        sequence = column.get("sequence")
        if sequence is not None:
            found.append(qualified(sequence["name"], sequence.get("schema")))
    return tuple(found)


def sequence_of(qualified_name: str) -> Any:
    import sqlalchemy as sa

    schema, _, name = qualified_name.rpartition(".")
    return sa.Sequence(name, schema=schema or None)


def create_sequences(context: MigrationContext, columns: Any) -> list[Any]:
    """CREATE SEQUENCE for the columns' `sequence:` before their table or column, where the
    database has sequences (PostgreSQL, MariaDB, SQL Server, Oracle), as SQLAlchemy's create_all
    does. (Alembic's op.create_table and op.add_column create none: the column then names a
    sequence that does not exist.)"""
    import sqlalchemy as sa

    if not context.dialect.supports_sequences:
        return []
    return [sa.schema.CreateSequence(c.default) for c in columns if isinstance(c.default, sa.Sequence)]
