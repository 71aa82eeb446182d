"""Enum types as operations of their own: create_enum, drop_enum, add_enum_value, rename_enum_value.

PostgreSQL makes a named enum a type of its own (CREATE TYPE ... AS ENUM), which a column's
`Enum(..., name=...)` creates with its table; these operate on the type itself, as an Alembic
history does with `postgresql.ENUM(...).create(op.get_bind())`, `op.execute("ALTER TYPE ...")`.

Every database replays them into the schema state (so validate checks them wherever the
revisions run), but only a database with named enum types runs anything: elsewhere an enum
column keeps its values in the column (SQLite: VARCHAR and, with create_constraint, a CHECK;
MySQL: ENUM(...)), so they emit nothing, as SQLAlchemy's `ENUM.create()` and the dialect check
an Alembic script guards such a statement with do. Changing the values of such a column is an
alter_column of its type there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runner.errors import MigrationError, RevisionFileError
from runner.operations.base import ArgAt, Operation
from runner.schema.references import qualified
from runner.schema.state import SchemaState, enum_type_users

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext


class EnumOperation(Operation):
    """What the four share: the type is `name` in `schema`."""

    @property
    def key(self) -> tuple[str | None, str]:
        return self.schema, self.args["name"]

    @property
    def shown(self) -> str:
        return qualified(self.args["name"], self.schema)

    def known_values(self, state: SchemaState) -> list[str] | None:
        """The type's values, or None (and a problem noted) when the state does not know it."""
        values = state.named_types.get(self.key)
        if values is None and not state.opaque:
            state.problem(ArgAt(self, "name"), f"enum type {self.shown} does not exist at this point")
        return values

    def tables_changed(self, state: SchemaState) -> set[tuple[str | None, str]]:
        return set()  # a type, not a table (validate's replay compares the types apart)

    def sqlalchemy_type(self, values: list[str] | tuple[str, ...] = ()) -> Any:
        import sqlalchemy as sa

        return sa.Enum(*values, name=self.args["name"], schema=self.schema)

    def type_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"name": self.args["name"]}
        if self.schema:
            args["schema"] = self.schema
        return args


class CreateEnum(EnumOperation):
    name = "create_enum"

    def validate(self) -> None:
        seen: set[str] = set()
        for i, value in enumerate(self.args.get("values", [])):
            if value in seen:
                raise RevisionFileError(f"create_enum {self.shown} lists the value {value!r} twice",
                                        location=self.arg_location("values", i),
                                        hint="each value of an enum type is written once")
            seen.add(value)

    def state_forwards(self, state: SchemaState) -> None:
        if self.key in state.named_types and not state.opaque:
            state.problem(ArgAt(self, "name"), f"enum type {self.shown} already exists at this point")
            return  # CREATE TYPE fails: the type keeps its values
        state.named_types[self.key] = list(self.args["values"])

    def reverse(self, state: SchemaState) -> list[Operation]:
        return [self.derive(DropEnum, self.type_args())]

    def ddl(self, context: MigrationContext) -> list[Any]:
        return context.impl.create_named_types([self.sqlalchemy_type(self.args["values"])])


class DropEnum(EnumOperation):
    name = "drop_enum"

    def state_forwards(self, state: SchemaState) -> None:
        self.known_values(state)
        users = enum_type_users(state, self.key)
        if users and not state.opaque:
            state.problem(ArgAt(self, "name"), f"enum type {self.shown} is still used by "
                          f"{'column' if len(users) == 1 else 'columns'} {', '.join(users)} at this point: "
                          "drop those columns or alter their type first")
        state.named_types.pop(self.key, None)

    def reverse(self, state: SchemaState) -> list[Operation]:
        values = state.named_types.get(self.key)
        if values is None:
            raise MigrationError(
                f"cannot derive the downgrade of drop_enum {self.shown}: the revisions before it "
                "do not define that type", location=self.location,
                hint="write a `downgrade:` that re-creates it (create_enum with its values)")
        return [self.derive(CreateEnum, {**self.type_args(), "values": list(values)})]

    def ddl(self, context: MigrationContext) -> list[Any]:
        return context.impl.drop_named_types([self.sqlalchemy_type()])


class AddEnumValue(EnumOperation):
    name = "add_enum_value"

    def validate(self) -> None:
        if "before" in self.args and "after" in self.args:
            raise RevisionFileError("add_enum_value takes `before` or `after`, not both",
                                    location=self.key_location("after"),
                                    hint="name the one value the new value goes next to")
        for key in ("before", "after"):
            if self.args.get(key) == self.args["value"]:
                raise RevisionFileError(f"add_enum_value puts {self.args['value']!r} {key} itself",
                                        location=self.arg_location(key),
                                        hint="name a value the type has already")

    def state_forwards(self, state: SchemaState) -> None:
        values = self.known_values(state)
        if values is None:
            return
        value = self.args["value"]
        if value in values:
            if not self.args.get("if_not_exists") and not state.opaque:
                state.problem(ArgAt(self, "value"), f"enum type {self.shown} already has the value "
                                                    f"{value!r} at this point (if_not_exists: true skips it)")
            return
        position = len(values)
        for key, offset in (("before", 0), ("after", 1)):
            if key in self.args:
                if self.args[key] in values:
                    position = values.index(self.args[key]) + offset
                elif not state.opaque:
                    state.problem(ArgAt(self, key), f"enum type {self.shown} has no value "
                                                    f"{self.args[key]!r} at this point")
        values.insert(position, value)

    def reverse(self, state: SchemaState) -> list[Operation]:
        raise MigrationError(
            f"add_enum_value {self.shown} {self.args['value']!r} cannot be reversed: PostgreSQL "
            "cannot remove a value from an enum type (there is no ALTER TYPE ... DROP VALUE)",
            location=self.location,
            hint="write a `downgrade:` for this revision: `downgrade: []` leaves the value in place "
                 "(as an Alembic downgrade usually does); to remove it, re-create the type with `execute`")

    def ddl(self, context: MigrationContext) -> list[Any]:
        from runner.sql.ddl import AddEnumValue as Statement

        if not context.impl.named_enum_types:
            return []
        args = self.args
        return [Statement(args["name"], self.schema, args["value"], before=args.get("before"),
                          after=args.get("after"), if_not_exists=bool(args.get("if_not_exists")))]


class RenameEnumValue(EnumOperation):
    name = "rename_enum_value"

    def validate(self) -> None:
        if self.args["old"] == self.args["new"]:
            raise RevisionFileError("rename_enum_value renames a value to itself",
                                    location=self.arg_location("new"), hint="write the value's new name")

    def state_forwards(self, state: SchemaState) -> None:
        values = self.known_values(state)
        if values is None:
            return
        old, new = self.args["old"], self.args["new"]
        if new in values and not state.opaque:
            state.problem(ArgAt(self, "new"), f"enum type {self.shown} already has the value {new!r} "
                                              "at this point")
        if old in values:
            values[values.index(old)] = new
        elif not state.opaque:
            state.problem(ArgAt(self, "old"), f"enum type {self.shown} has no value {old!r} at this point")

    def reverse(self, state: SchemaState) -> list[Operation]:
        return [self.derive(RenameEnumValue, {**self.type_args(), "old": self.args["new"],
                                              "new": self.args["old"]})]

    def ddl(self, context: MigrationContext) -> list[Any]:
        from runner.sql.ddl import RenameEnumValue as Statement

        if not context.impl.named_enum_types:
            return []
        return [Statement(self.args["name"], self.schema, self.args["old"], self.args["new"])]
