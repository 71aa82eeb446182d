"""What every operation is: plain data from a revision file, with four behaviours.

- `validate()`: what the schema cannot check (type strings, argument combinations);
- `state_forwards(state)`: apply to the in-memory schema state;
- `reverse(state)`: the operations that undo it, given the state before it;
- `ddl(dialect)`: the SQLAlchemy statements that do it on one dialect.

Modelled on Alembic's ops (plain data with `reverse()`) and Django's operations
(state_forwards / database_forwards).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from runner.errors import MigrationError, RevisionFileError

if TYPE_CHECKING:
    from runner.revision import Revision
    from runner.state import SchemaState

REGISTRY: dict[str, type[Operation]] = {}


class Operation:
    name: ClassVar[str]
    reversible: ClassVar[bool] = True

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "name" in cls.__dict__:
            REGISTRY[cls.name] = cls

    def __init__(self, args: dict[str, Any], *, revision: Revision | None = None,
                 path: tuple = (), derived_from: Operation | None = None):
        self.args = args
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
        from runner.loader import _KEY

        return self.arg_location(*keys, _KEY)

    def derive(self, cls: type[Operation], args: dict[str, Any]) -> Operation:
        """A reversing operation that reports errors at this operation's place in its file."""
        return cls(args, revision=self.revision, derived_from=self)

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

    def ddl(self, dialect: Any) -> list[Any]:
        raise NotImplementedError

    def runs_outside_transaction(self, dialect: Any) -> bool:
        """PostgreSQL builds or drops an index CONCURRENTLY only outside a transaction: the
        executor commits before it and begins again after it, as Alembic's autocommit_block,
        and offline scripts print the same COMMIT / BEGIN."""
        return dialect.name == "postgresql" and bool(self.args.get("postgresql_concurrently"))

    def __repr__(self) -> str:
        return f"<{self.name} {self.args!r}>"


def parse_operations(revision: Revision, section: str) -> list[Operation] | None:
    """The operations of `upgrade` or `downgrade`; None when the section is absent."""
    items = revision.data.get(section)
    if items is None:
        return None if section not in revision.data else []
    operations = []
    for index, item in enumerate(items):
        path = (section, index)
        if isinstance(item, dict):
            names = [k for k in item if k != "allow"]
        else:
            names = []
        if len(names) != 1:
            raise RevisionFileError(
                "an operation is a mapping with exactly one operation name",
                location=revision.where(*path),
                hint="e.g. `- create_table: {table_name: t, columns: [...]}`",
            )
        name = names[0]
        cls = REGISTRY.get(name)
        if cls is None:
            raise unknown_operation(name, revision.where(*path, name))
        args = item[name]
        if isinstance(args, str) and name == "execute":
            args = {"sqltext": args}
        operation = cls(args if isinstance(args, dict) else {}, revision=revision, path=path)
        operation.allow = tuple(item.get("allow", ()))
        operation.validate()
        operations.append(operation)
    return operations


def unknown_operation(name: str, location: str) -> RevisionFileError:
    import difflib

    close = difflib.get_close_matches(name, REGISTRY, n=1)
    hint = f"did you mean `{close[0]}`?" if close else "known operations: " + ", ".join(sorted(REGISTRY))
    return RevisionFileError(f"unknown operation `{name}`", location=location, hint=hint)


def check_type(operation: Operation, type_text: Any, *keys: Any) -> None:
    """A column type string must parse; the error points into the string."""
    from runner.types import TypeGrammarError, parse_type

    try:
        parse_type(type_text)
    except TypeGrammarError as exc:
        location = operation.arg_location(*keys)
        offset = getattr(exc, "offset", None)
        if offset and location.count(":") >= 2:
            path, line, column = location.rsplit(":", 2)
            location = f"{path}:{line}:{int(column) + offset}"
        raise RevisionFileError(exc.message, location=location, hint=exc.hint) from None



def operations(revision: Revision, section: str) -> list[Operation] | None:
    """The revision's operations for `section`, checked against the contract and parsed once."""
    if section not in revision.cache:
        from runner.checks import check_revision

        check_revision(revision)  # fills revision.cache for both sections
    return revision.cache[section]
