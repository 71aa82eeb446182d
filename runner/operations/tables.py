"""create_table and drop_table."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from runner.operations.base import Derived, Operation, check_type, column_names
from runner.schema.constraints import remember_implied_names
from runner.schema.state import SchemaState, TableState, named_type
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
            if column.get("name") in seen:
                from runner.errors import RevisionFileError

                raise RevisionFileError(
                    f"table {self.args['table_name']} has two columns named {column['name']}",
                    location=self.arg_location("columns", i, "name"),
                    hint="give each column its own name")
            seen.add(column.get("name"))
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
        )
        remember_implied_names(table)
        state.add_table(table)
        add_named_types(state, [c.get("type") for c in self.args.get("columns", [])])

    def reverse(self, state: SchemaState) -> list[Operation]:
        args = {"table_name": self.args["table_name"]}
        if self.schema:
            args["schema"] = self.schema
        owned = tuple(c["type"] for c in self.args.get("columns", []))
        return [self.derive(DropTable, args, Derived(owned_types=owned))]

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        from runner.sql.ddl import build_table

        dialect = context.dialect
        self.refuse_long_names(context.impl)
        table = build_table(sa.MetaData(), self.args)
        creates = self.derived.creates_types
        impl = context.impl
        statements: list[Any] = impl.create_named_types([c.type for c in table.columns]) if creates else []
        statements.append(sa.schema.CreateTable(table))
        statements += [sa.schema.CreateIndex(ix) for ix in sorted(table.indexes, key=_ix_name)]
        statements += comment_statements(table, dialect)
        return statements


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
        return [sa.schema.DropTable(table), *context.impl.drop_named_types(owned)]


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


def add_named_types(state: SchemaState, type_texts: list[Any]) -> None:
    """The PostgreSQL enum types these column types create, now known to exist."""
    state.named_types.update(key for key in map(named_type, type_texts) if key is not None)


def drop_named_types(state: SchemaState, type_texts: list[Any]) -> None:
    """The enum types a derived downgrade drops along with what made them."""
    state.named_types.difference_update(map(named_type, type_texts))
