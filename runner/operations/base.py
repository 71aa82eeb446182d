"""What every operation is: plain data from a revision file, with four behaviours.

- `validate()`: what the schema cannot check (type strings, argument combinations);
- `state_forwards(state)`: apply to the in-memory schema state;
- `reverse(state)`: the operations that undo it, given the state before it;
- `ddl(context)`: the SQLAlchemy statements that do it on the context's dialect; what they
  depend on beyond the arguments (the table before it) the operation asks the context
  (runner.runtime.context), which the database answers online and the replay offline.

An operation is complete and fixed once made (Django's rule): its arguments, its `allow`
list, and for a derived downgrade what it knows from the upgrade it undoes (`Derived`) are
all given to the constructor, compared by `==`, shown by `repr` and written by `to_dict()`,
which `from_dict()` reads back. Where it came from (`revision`, `path`, `derived_from`) only
says where to report it.

Modelled on Alembic's ops (plain data with `reverse()`) and Django's operations
(state_forwards / database_forwards).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

from runner.errors import MigrationError, RevisionFileError
from runner.revisions.revision import KEY

if TYPE_CHECKING:
    from runner.revisions.revision import Revision
    from runner.runtime.context import MigrationContext
    from runner.schema.state import SchemaState

REGISTRY: dict[str, type[Operation]] = {}


@dataclass(frozen=True)
class Derived:
    """What a derived downgrade knows from the upgrade it undoes, beyond its arguments.

    - owned_types: column types whose PostgreSQL enum types the upgrade created; dropped too;
    - creates_types: False when it restores a dropped table or column (the drop, as written,
      left the enum types in place, as Alembic does);
    - drops_foreign_key, foreign_key_name: the column add_column made had a foreign key (so
      named, or unnamed), which MySQL and SQL Server need dropped before the column;
    - owned_sequences: the sequences (`[schema.]name`) of the columns the upgrade made, which it
      created with them where the database has sequences; dropped too.
    """

    owned_types: tuple[str, ...] = ()
    creates_types: bool = True
    drops_foreign_key: bool = False
    foreign_key_name: str | None = None
    owned_sequences: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields that differ from an operation as written (lists for tuples)."""
        return {f.name: list(value) if isinstance(value, tuple) else value
                for f in fields(self) if (value := getattr(self, f.name)) != f.default}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Derived:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


AS_WRITTEN = Derived()


class Operation:
    name: ClassVar[str]
    reversible: ClassVar[bool] = True
    # it deletes rows or values (drop_table, drop_column): its reverse restores the structure
    # only, so a failed revision's undo (runner.runtime.undo) stops there
    deletes_data: ClassVar[bool] = False
    # the argument a list written as the operation's value is (autocommit_block: its operations)
    list_argument: ClassVar[str | None] = None

    gives: ClassVar[dict[str, str]] = {}  # argument -> what the name it holds is given to (given_names)

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "name" in cls.__dict__:
            REGISTRY[cls.name] = cls

    def __init__(self, args: dict[str, Any], *, revision: Revision | None = None,
                 path: tuple = (), derived_from: Operation | None = None,
                 allow: tuple[str, ...] = (), derived: Derived = AS_WRITTEN):
        self.args = args
        self.allow = tuple(allow)  # the review rules accepted for this operation
        self.derived = derived
        self.revision = revision
        self.path = path
        self.derived_from = derived_from

    # -- where it came from ----------------------------------------------------------------
    @property
    def location(self) -> str:
        if self.derived_from is not None:
            return self.derived_from.location
        if self.revision is None:
            return "<generated>"
        return self.revision.where(*self.path)

    def arg_location(self, *keys: Any) -> str:
        if self.revision is None:
            return self.location
        return self.revision.where(*self.path, self.name, *keys)

    def key_location(self, *keys: Any) -> str:
        """Where an argument's key is written (arg_location is its value): for a key that is wrong."""
        return self.arg_location(*keys, KEY)

    def derive(self, cls: type[Operation], args: dict[str, Any], derived: Derived = AS_WRITTEN) -> Operation:
        """A reversing operation that reports errors at this operation's place in its file."""
        return cls(args, revision=self.revision, derived_from=self, derived=derived)

    @property
    def schema(self) -> str | None:
        return self.args.get("schema")

    # -- behaviours --------------------------------------------------------------------------
    def validate(self) -> None:
        """Checks beyond the JSON Schema; raise RevisionFileError with arg_location()."""

    def state_forwards(self, state: SchemaState) -> None:
        raise NotImplementedError

    def reverse(self, state: SchemaState) -> list[Operation]:
        raise MigrationError(
            f"`{self.name}` cannot be reversed automatically",
            location=self.location,
            hint="write a `downgrade:` list for this revision (`downgrade: []` if nothing needs undoing)",
        )

    def ddl(self, context: MigrationContext) -> list[Any]:
        raise NotImplementedError

    def left_behind(self, context: MigrationContext) -> str | None:
        """What a failed run of this operation leaves that no rollback undoes, for the failure's
        hint (asked of the context right after the failure); None: nothing."""
        return None

    def given_names(self) -> list[tuple[str, str, tuple]]:
        """(what, name, argument keys) of each name this operation gives a table, column, index
        or constraint (`what` is one of those words): what a database's identifier limit judges."""
        return [(what, self.args[key], (key,)) for key, what in self.gives.items()
                if isinstance(self.args.get(key), str)]

    def refuse_long_names(self, impl: Any) -> None:
        """SQLAlchemy refuses an index or constraint name over the database's limit with an error
        of its own (IdentifierError): say where it is written instead. (A longer table or column
        name the database cuts, as under Alembic; validate's `identifier-length` reports both.)"""
        for what, name, keys in self.given_names():
            why = impl.identifier_too_long(name) if what in ("index", "constraint") else None
            if why:
                raise MigrationError(f"{what} name {name} is {why} on {impl.title}",
                                     location=self.arg_location(*keys), hint="give it a shorter name")

    def tables_changed(self, state: SchemaState) -> set[tuple[str | None, str]] | None:
        """The (schema, table) keys whose state this changes, given the state before it; None
        when it may change any (a rename re-points other tables' foreign keys). validate's
        replay copies only these to compare a downgrade with."""
        if "table_name" in self.args:
            return {(self.args.get("schema"), self.args["table_name"])}
        return set()

    @property
    def contents(self) -> tuple[Operation, ...]:
        """The operations an autocommit_block holds, run outside a transaction; () for any other."""
        return ()

    def refuse_offline(self) -> None:
        """Raise MigrationError if `--sql` cannot print this operation (run_python without `sql`):
        asked of every operation of a run before the script's first line."""

    def runs_outside_transaction(self, dialect: Any) -> bool:
        """PostgreSQL builds or drops an index CONCURRENTLY only outside a transaction: the
        executor commits before it and begins again after it, as Alembic's autocommit_block,
        and offline scripts print the same COMMIT / BEGIN."""
        from runner.sql.dialects import impl_for

        return impl_for(dialect).runs_outside_transaction(self.args)

    # -- as data ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The operation as a revision file's list item (`{name: args}`, `allow` beside it), plus
        a derived operation's `derived:`; runner.revisions.emit writes it, from_dict reads it back."""
        data: dict[str, Any] = {self.name: copy.deepcopy(self.args)}
        if self.allow:
            data["allow"] = list(self.allow)
        if self.derived != AS_WRITTEN:
            data["derived"] = self.derived.to_dict()
        return data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Operation):
            return NotImplemented
        return (type(self) is type(other) and self.args == other.args and self.allow == other.allow
                and self.derived == other.derived)

    __hash__ = None  # type: ignore[assignment]  (equal by value, and args is a dict)

    def __repr__(self) -> str:
        extra = f" allow={list(self.allow)!r}" if self.allow else ""
        if self.derived != AS_WRITTEN:
            extra += f" derived={self.derived!r}"
        return f"<{self.name} {self.args!r}{extra}>"


def parse_operations(revision: Revision, section: str) -> list[Operation] | None:
    """The operations of `upgrade` or `downgrade`; None when the section is absent."""
    items = revision.data.get(section)
    if items is None:
        return None if section not in revision.data else []
    if section == "downgrade" and not isinstance(items, list):
        return None  # `downgrade: irreversible` (Revision.irreversible): no operations to run
    return [from_item(item, ("allow",), revision, (section, index)) for index, item in enumerate(items)]


def from_dict(data: dict[str, Any]) -> Operation:
    """The operation that Operation.to_dict() wrote (a derived one's `derived:` included)."""
    return from_item(data, ("allow", "derived"), None, ())


def from_item(item: Any, extras: tuple[str, ...], revision: Revision | None, path: tuple) -> Operation:
    """One list item at `path` of `revision`: `{name: args}` with the `extras` keys beside the
    name (an autocommit_block parses the items it holds with it too)."""
    def where(*keys: Any) -> str:
        return revision.where(*path, *keys) if revision is not None else "<generated>"

    names = [k for k in item if k not in extras] if isinstance(item, dict) else []
    if len(names) != 1:
        raise RevisionFileError(
            "an operation is a mapping with exactly one operation name",
            location=where(),
            hint="e.g. `- create_table: {table_name: t, columns: [...]}`",
        )
    name = names[0]
    cls = REGISTRY.get(name)
    if cls is None:
        raise unknown_operation(name, where(name))
    args = item[name]
    if isinstance(args, str) and name == "execute":
        args = {"sqltext": args}
    elif isinstance(args, list) and cls.list_argument:
        args = {cls.list_argument: args}
    derived = Derived.from_dict(item["derived"]) if "derived" in item else AS_WRITTEN
    operation = cls(args if isinstance(args, dict) else {}, revision=revision, path=path,
                    allow=tuple(item.get("allow", ())), derived=derived)
    operation.validate()
    return operation


def unknown_operation(name: str, location: str) -> RevisionFileError:
    import difflib

    close = difflib.get_close_matches(str(name), REGISTRY, n=1)  # a key may be null or a number
    hint = f"did you mean `{close[0]}`?" if close else "known operations: " + ", ".join(sorted(REGISTRY))
    return RevisionFileError(f"unknown operation `{name}`", location=location, hint=hint)


class ArgAt:
    """Where an operation's argument is written, worked out only when a problem is reported
    there (a state Problem's `where`): decoding a file's positions costs, and a replay of
    thousands of revisions reports few. A derived operation reports at its upgrade's place."""

    __slots__ = ("operation", "keys")

    def __init__(self, operation: Operation, *keys: Any):
        self.operation, self.keys = operation, keys

    @property
    def location(self) -> str:
        op = self.operation
        return op.location if op.derived_from is not None else op.arg_location(*self.keys)


def check_generated(operation: Operation, column: dict[str, Any], *keys: Any) -> None:
    """A column has at most one of `identity`, `computed`, `sequence`, and none of them with a
    `server_default` (the database makes the value; SQLAlchemy refuses the pair)."""
    given = [key for key in ("identity", "computed", "sequence") if column.get(key) is not None]
    if len(given) > 1:
        raise RevisionFileError(f"column {column.get('name')} has both `{given[0]}` and `{given[1]}`",
                                location=operation.key_location(*keys, given[1]),
                                hint="a column's value comes from one of identity, computed, sequence")
    if given and column.get("server_default") is not None:
        raise RevisionFileError(f"column {column.get('name')} has both `{given[0]}` and `server_default`",
                                location=operation.key_location(*keys, "server_default"),
                                hint=f"the database makes the value of a column with `{given[0]}`: "
                                     "leave server_default out")


def column_names(column: dict[str, Any], *keys: Any) -> list[tuple[str, str, tuple]]:
    """given_names of a column definition at `keys`: its name, and its foreign key's."""
    found = [("column", column["name"], (*keys, "name"))] if isinstance(column.get("name"), str) else []
    name = (column.get("foreign_key") or {}).get("name")
    if isinstance(name, str):
        found.append(("constraint", name, (*keys, "foreign_key", "name")))
    return found


def check_type(operation: Operation, type_text: Any, *keys: Any) -> None:
    """A column type string must parse and its arguments suit the type's constructor and the
    databases' limits (schema.type_arguments.check_arguments); the error points into the string."""
    from runner.schema.type_arguments import check_arguments
    from runner.schema.types import TypeGrammarError, parse_type

    try:
        parse_type(type_text)
        check_arguments(type_text)
    except TypeGrammarError as exc:
        raise RevisionFileError(exc.message, location=type_location(operation, exc.offset, *keys),
                                hint=exc.hint) from None


def type_location(operation: Operation, offset: int, *keys: Any) -> str:
    """Where the character `offset` of the type string at `keys` is written: file:line:column."""
    location = operation.arg_location(*keys)
    if offset and location.count(":") >= 2:
        path, line, column = location.rsplit(":", 2)
        location = f"{path}:{line}:{int(column) + offset}"
    return location
