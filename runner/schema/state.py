"""The schema as the revisions describe it, replayed in memory without a database.

Tables keep their column and index definitions exactly as the revision files
wrote them (plain dicts), so a dropped table or column can be re-created from
what the state remembers, and so the state can be compared with models later.
"""

from __future__ import annotations

import copy
import marshal
from dataclasses import dataclass, field
from typing import Any

from runner.schema.references import qualified


@dataclass
class TableState:
    name: str
    schema: str | None = None
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    constraints: list[dict[str, Any]] = field(default_factory=list)
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)
    comment: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # create_table's mysql_engine, ...
    known: bool = True  # False when the table only shows up through operations on it
    # indexes that a column's `index: true` made, named for good when a rename changed that name
    pinned_indexes: set[str] = field(default_factory=set)
    # (kind, columns) -> the name the database gave a constraint that a column definition implies
    # (PostgreSQL's <table>_pkey, <table>_<col>_key, <table>_<col>_fkey), fixed when it was made:
    # renaming the table or the column later does not rename the constraint
    implied_names: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    # name -> columns of the indexes a drop_index made for a foreign key it left without one, on
    # a database that needs an index for each key (InnoDB; runner.schema.key_indexes)
    key_indexes: dict[str, list[str]] = field(default_factory=dict)
    # the config's naming convention when the table was made (runner.schema.naming), which names
    # its unnamed constraints and indexes; None: the database's own names
    naming: dict[str, str] | None = None

    def implied_index_name(self, column: str) -> str:
        """The name of the index that `column`'s `index: true` makes on this table."""
        if self.naming is not None:
            from runner.schema.naming import database_name

            name = database_name(self.naming, "index", None, table=self.name, schema=self.schema,
                                 columns=[column])
            if name is not None:
                return name
        return implied_index_name(self.name, self.schema, column)

    def __deepcopy__(self, memo: dict) -> TableState:
        """Tables hold plain data: marshal copies it in C, several times faster than deepcopy
        (shared objects stay shared), which replaying thousands of revisions does a lot."""
        new = object.__new__(type(self))
        try:
            new.__dict__ = marshal.loads(marshal.dumps(self.__dict__))
        except ValueError:  # something marshal cannot hold: the general way
            new.__dict__ = copy.deepcopy(self.__dict__, memo)
        return new

    def definition(self) -> dict[str, Any]:
        """create_table arguments that re-create this table (indexes are separate operations)."""
        columns = copy.deepcopy(list(self.columns.values()))
        args: dict[str, Any] = {"table_name": self.name, "columns": columns}
        if self.constraints:
            args["constraints"] = copy.deepcopy(self.constraints)
        if self.comment is not None:
            args["comment"] = self.comment
        args.update(copy.deepcopy(self.options))
        if self.schema is not None:
            args["schema"] = self.schema
        return args


class Problem:
    """Something an operation assumed that the replayed state contradicts.

    `where` is a location string or the operation itself: an operation's location decodes its
    file's positions, which replaying thousands of revisions should pay for only when one is
    actually reported."""

    __slots__ = ("message", "_where")

    def __init__(self, where: Any, message: str):
        self._where = where
        self.message = message

    @property
    def location(self) -> str:
        return self._where if isinstance(self._where, str) else self._where.location

    def __repr__(self) -> str:
        return f"Problem({self.location!r}, {self.message!r})"


class SchemaState:
    """Tables by (schema, name). `opaque` is set once raw SQL ran: from then on,
    a missing table or column may simply be one the SQL created."""

    def __init__(self, traits: Any = None, naming: dict[str, str] | None = None) -> None:
        # the config's naming convention (runner.schema.naming.convention_of), given to new tables
        self.naming = None if naming is None else _convention(naming)
        self.tables: dict[tuple[str | None, str], TableState] = {}
        self.opaque = False
        # what the database the revisions are judged for does (a runner.sql.dialects.traits
        # class; None: no database named), where databases differ in what an operation does
        self.traits = traits
        self.problems: list[Problem] = []
        # index name -> its table, so finding an index does not scan every table
        self._index_tables: dict[tuple[str | None, str], TableState] = {}
        # (schema, name) -> the values, in order, of the enum types the revisions have created
        # (a named Enum column, create_enum); PostgreSQL makes each a type of its own
        self.named_types: dict[tuple[str | None, str], list[str]] = {}

    def copy(self) -> SchemaState:
        """An independent state: every table deep-copied (TableState.__deepcopy__ marshals it).

        Nothing in the replay copies a whole state (validate snapshots only the tables a
        revision touches, semantics._snapshot), so this is for callers that want two states.
        """
        other = SchemaState(self.traits)
        other.naming = self.naming
        for table in self.tables.values():
            other.add_table(copy.deepcopy(table))
        other.opaque = self.opaque
        other.named_types = {k: list(v) for k, v in self.named_types.items()}
        return other

    def add_table(self, table: TableState) -> None:
        key = (table.schema, table.name)
        replaced = self.tables.pop(key, None)
        if replaced is not None:
            for index in replaced.indexes:
                self._index_tables.pop((table.schema, index), None)
        self.tables[key] = table
        for name in table.indexes:
            self._index_tables[(table.schema, name)] = table

    def remove_table(self, name: str, schema: str | None = None) -> TableState | None:
        table = self.tables.pop((schema, name), None)
        if table is not None:
            for index in table.indexes:
                self._index_tables.pop((schema, index), None)
        return table

    def add_index(self, table: TableState, name: str, spec: dict[str, Any]) -> None:
        table.indexes[name] = spec
        self._index_tables[(table.schema, name)] = table

    def remove_index(self, table: TableState, name: str) -> None:
        table.indexes.pop(name, None)
        self._index_tables.pop((table.schema, name), None)

    def table(self, name: str, schema: str | None = None) -> TableState | None:
        return self.tables.get((schema, name))

    def require_table(self, name: str, schema: str | None, where: Any) -> TableState:
        """The table, or an unknown stand-in (and a problem noted at `where`, a location or the
        operation) when the state lacks it."""
        table = self.tables.get((schema, name))
        if table is None:
            if not self.opaque:
                self.problem(where, f"table {qualified(name, schema)} does not exist at this point")
            table = TableState(name=name, schema=schema, known=False, naming=self.naming)
            self.add_table(table)
        return table

    def does(self, fact: str) -> bool:
        """Whether the database judged for does `fact` (a Traits attribute); False for none named."""
        return bool(getattr(self.traits, fact, False))

    def problem(self, where: Any, message: str) -> None:
        self.problems.append(Problem(where, message))

    def find_index(self, name: str, schema: str | None = None) -> TableState | None:
        table = self._index_tables.get((schema, name))
        return table if table is not None and name in table.indexes else None


def _convention(naming: dict[str, str]) -> dict[str, str]:
    from runner.schema.naming import convention_of

    return convention_of(naming)


def named_type(type_text: Any) -> tuple[str | None, str] | None:
    """(schema, name) of the type of its own that a column type makes on PostgreSQL: a native
    Enum with a name (`Enum('a', 'b', name='mood')`); None for any other type, and for one
    with `create_type=False`, which uses an existing type and never makes it."""
    found = enum_type_use(type_text)
    return None if found is None or not found[2] else found[0]


def enum_type_use(type_text: Any) -> tuple[tuple[str | None, str], list[str], bool] | None:
    """((schema, name), values, creates) of the named native enum type a column type uses;
    `creates` is False for `create_type=False`. None for any other type."""
    if not isinstance(type_text, str) or "enum" not in type_text.lower():
        return None
    from runner.schema.types import ENUM_TYPES, TypeGrammarError, parse_type

    try:
        spec = parse_type(type_text)
    except TypeGrammarError:
        return None
    options = dict(spec.kwargs)
    if (spec.dialect, spec.name) not in ENUM_TYPES or not options.get("name") \
            or options.get("native_enum") is False:
        return None
    values = [v for v in spec.args if isinstance(v, str)]
    return (options.get("schema"), options["name"]), values, options.get("create_type") is not False


def enum_type_users(state: SchemaState, key: tuple[str | None, str]) -> list[str]:
    """The columns (`table.column`) whose type is the enum type `key`."""
    found = []
    for table in state.tables.values():
        for column in table.columns.values():
            use = enum_type_use(column.get("type"))
            if use is not None and use[0] == key:
                found.append(f"{qualified(table.name, table.schema)}.{column['name']}")
    return found


def implied_index_name(table: str, schema: str | None, column: str) -> str:
    """The one place that names a column's `index: true` index, as SQLAlchemy (and so Alembic)
    does: its default naming convention `ix_%(column_0_label)s`, the label being
    `[<schema>_]<table>_<column>` with a schema's dots as underscores (`ix_app_invoice_total`).

    (A dialect shortens a name longer than its identifier limit when it compiles the DDL.)
    """
    return f"{implied_index_prefix(schema)}{table}_{column}"


def implied_index_prefix(schema: str | None) -> str:
    """What every implied index name in `schema` starts with: `ix_`, `ix_<schema>_`."""
    return f"ix_{schema.replace('.', '_')}_" if schema else "ix_"
