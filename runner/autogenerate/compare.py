"""Models against a database (or the schema state at head), in one normalised shape.

The three sources are all turned into SQLAlchemy Tables first: the models are
Tables, a database is reflected into Tables, and the replayed schema state is
built into Tables with the same code that runs its DDL (runner.sql.ddl). One
normaliser then reduces a Table to what the database would really hold on the
target dialect: types and server defaults as that dialect's DDL spells them,
comments only where the dialect keeps them, schema names with the default schema
as None, and PostgreSQL's names for constraints that were left unnamed. So the
database and its replayed state compare the same way, and reflection noise
(VARCHAR vs String, '0'::numeric vs '0') is gone before anything is compared.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from runner.errors import ConfigError
from runner.schema.constraints import columns_named
from runner.schema.references import ForeignKeyRef, qualified
from runner.sql.dialects import impl_for


@dataclass
class ColumnShape:
    name: str
    type: str                  # the dialect's DDL for the type: what is compared
    type_text: str | None      # yamig's type string: what is written
    nullable: bool
    default: str | None        # the server default as DDL, normalised: compared
    default_value: Any         # yamig's server_default form: written
    comment: str | None
    primary_key: bool
    source: Any = field(default=None, compare=False, repr=False)


@dataclass
class IndexShape:
    name: str
    columns: tuple[str, ...]   # names, or "(expression)" for expressions
    unique: bool
    options: dict[str, Any] = field(default_factory=dict)  # dialect options, for writing
    source: Any = field(default=None, compare=False, repr=False)


@dataclass
class UniqueShape:
    name: str | None
    columns: tuple[str, ...]
    source: Any = field(default=None, compare=False, repr=False)


@dataclass
class ForeignKeyShape:
    name: str | None
    columns: tuple[str, ...]
    ref_schema: str | None
    ref_table: str
    ref_columns: tuple[str, ...]
    ondelete: str | None
    onupdate: str | None
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple:
        return (self.columns, self.ref_schema, self.ref_table, self.ref_columns)


@dataclass
class CheckShape:
    name: str | None
    sqltext: str
    source: Any = field(default=None, compare=False, repr=False)


@dataclass
class TableShape:
    name: str
    schema: str | None
    columns: dict[str, ColumnShape]
    primary_key: tuple[str, ...]
    indexes: dict[str, IndexShape]
    uniques: list[UniqueShape]
    foreign_keys: list[ForeignKeyShape]
    checks: list[CheckShape]
    comment: str | None
    table: Any = None          # the SQLAlchemy Table it came from (models: written from it)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.schema, self.name)

    @property
    def qualified(self) -> str:
        return qualified(self.name, self.schema)


# -- what to compare ----------------------------------------------------------------------------

class Filters:
    """What the config leaves out of the comparison, in Alembic's include_name / include_object
    terms: `autogenerate.exclude_tables` (table names, `schema.table`, or fnmatch patterns),
    `autogenerate.exclude_objects` (column, index and constraint names, or `table.name`),
    `autogenerate.include_schemas` (compare every schema, not just the default one).
    The version table and the applied-history table beside it are always left out."""

    def __init__(self, config) -> None:
        def patterns(key: str) -> list[str]:
            return [p for p in re.split(r"[,\s]+", config.get_main_option(key) or "") if p]

        self.tables = patterns("autogenerate.exclude_tables")
        self.objects = patterns("autogenerate.exclude_objects")
        self.include_schemas = config.get_bool("autogenerate.include_schemas", False)
        self.version_table = (config.version_table_schema, config.version_table)
        self.history_table = (config.version_table_schema, config.history_table)

    def table(self, name: str, schema: str | None) -> bool:
        shown = qualified(name, schema)
        return not any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(shown, p)
                       for p in self.tables)

    def object(self, table: str, name: str | None) -> bool:
        if name is None:
            return True
        return not any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(f"{table}.{name}", p)
                       for p in self.objects)


# -- Tables from each source --------------------------------------------------------------------

def model_tables(metadatas: list[Any]) -> list[Any]:
    """The models' Tables, in dependency order (referenced tables first)."""
    return [t for m in metadatas for t in m.sorted_tables]


def state_tables(state) -> list[Any]:
    """The replayed schema state as Tables, built as create_table / create_index build them."""
    from runner.sql.ddl import build_table, dialect_options

    tables = []
    for table_state in state.tables.values():
        if not table_state.known:
            continue
        table = build_table(sa.MetaData(), table_state.definition())
        for column in table.columns:
            column.info["yamig_type"] = table_state.columns[column.name]["type"]
        for name, spec in table_state.indexes.items():
            expressions = [table.c[c] if isinstance(c, str) and c in table.c else
                           sa.text(c["sql"] if isinstance(c, dict) else c)
                           for c in spec.get("columns", [])]
            sa.Index(name, *expressions, unique=bool(spec.get("unique")), _table=table,
                     **dialect_options(spec))
        tables.append(table)
    return tables


def database_tables(connection, schemas: list[str | None]) -> list[Any]:
    """The database's Tables, reflected schema by schema."""
    metadata = sa.MetaData()
    for schema in schemas:
        metadata.reflect(bind=connection, schema=schema, resolve_fks=False)
    return list(metadata.tables.values())


def database_schemas(connection, filters: Filters) -> list[str | None]:
    """The schemas to reflect: the default one, and with include_schemas every other one
    (a models' schema the database lacks has nothing to reflect)."""
    if not filters.include_schemas:
        return [None]
    inspector = sa.inspect(connection)
    default = inspector.default_schema_name
    found = [None]
    for name in inspector.get_schema_names():
        if name == default or name == "information_schema" or name.startswith("pg_"):
            continue
        found.append(name)
    return found


# -- the normaliser -----------------------------------------------------------------------------

class Normaliser:
    """Reduces Tables to TableShapes as `dialect` would hold them."""

    def __init__(self, dialect: Any, default_schema: str | None, filters: Filters):
        self.dialect = dialect
        self.default_schema = default_schema
        self.filters = filters
        self.ddl = dialect.ddl_compiler(dialect, None)
        self.comments = bool(dialect.supports_comments)
        self.impl = impl_for(dialect)
        self.version_table = (self.schema(filters.version_table[0]), filters.version_table[1])
        self.history_table = (self.schema(filters.history_table[0]), filters.history_table[1])

    def schema(self, schema: str | None) -> str | None:
        return None if schema == self.default_schema else schema

    def shapes(self, tables: list[Any]) -> dict[tuple[str | None, str], TableShape]:
        found: dict[tuple[str | None, str], TableShape] = {}
        for table in tables:
            schema = self.schema(table.schema)
            if schema is not None and not self.filters.include_schemas:
                continue
            if not self.filters.table(table.name, schema) or \
                    (schema, table.name) in (self.version_table, self.history_table):
                continue
            found[(schema, table.name)] = self.table(table, schema)
        return found

    def table(self, table: Any, schema: str | None) -> TableShape:
        keep = self.filters.object
        name = table.name
        columns = {c.name: self.column(c) for c in table.columns if keep(name, c.name)}
        indexes = {}
        for index in table.indexes:
            if index.name and keep(name, index.name) and not self.key_index(table, index):
                indexes[self.shortened(index.name)] = IndexShape(
                    self.shortened(index.name), tuple(self.expression(e) for e in index.expressions),
                    bool(index.unique), dict(index.dialect_kwargs), index)
        uniques, fks, checks = [], [], []
        for constraint in sorted(table.constraints, key=_constraint_order):
            cname = given_name(constraint)
            cname = self.shortened(cname) if cname else cname
            if not keep(name, cname):
                continue
            if isinstance(constraint, sa.UniqueConstraint):
                cols = tuple(c.name for c in constraint.columns)
                uniques.append(UniqueShape(cname or self.default_name(name, "unique", cols), cols,
                                           constraint))
            elif isinstance(constraint, sa.ForeignKeyConstraint):
                fks.append(self.foreign_key(table, constraint, cname))
            elif isinstance(constraint, sa.CheckConstraint):
                text = str(constraint.sqltext)
                checks.append(CheckShape(cname or self.check_name(table, text), text, constraint))
        primary_key = tuple(c.name for c in table.primary_key.columns)
        comment = table.comment if self.comments else None
        return TableShape(name, schema, columns, primary_key, indexes, uniques, fks, checks,
                          comment or None, table)

    def shortened(self, name: str) -> str:
        """A name as the database keeps it: one longer than the dialect's limit (an `{f: ...}`
        name, a convention's) is cut as SQLAlchemy's compiler cuts it, so the state's and the
        models' full names meet the reflected ones."""
        from runner.schema.naming import shorten

        limit = getattr(self.dialect, "max_identifier_length", None)
        return shorten(str(name), limit) if limit else str(name)

    def key_index(self, table: Any, index: Any) -> bool:
        """The index InnoDB makes for a foreign key (named after the constraint or its first
        column), left out on both sides as Alembic's MySQL impl does: the state and models do
        not hold it (runner.schema.key_indexes)."""
        if not self.impl.foreign_keys_make_index or index.unique:
            return False
        columns = [getattr(e, "name", None) for e in index.expressions]
        return any([c.name for c in fk.columns] == columns and index.name in (fk.name, columns[0])
                   for fk in table.foreign_key_constraints)

    def column(self, column: Any) -> ColumnShape:
        type_ = column.type
        try:
            type_ddl = type_.compile(dialect=self.dialect)
        except Exception:  # a reflected type the dialect cannot spell (NullType): compare its name
            type_ddl = type(type_).__name__
        default_ddl = None
        if isinstance(column.server_default, sa.DefaultClause):
            try:
                default_ddl = self.ddl.get_column_default_string(column)
            except Exception:  # pragma: no cover - an expression needing a bound value
                default_ddl = str(column.server_default.arg)
        default_ddl = normalise_default(default_ddl)
        if default_ddl and default_ddl.startswith("nextval(") and column.primary_key:
            default_ddl = None  # PostgreSQL's SERIAL: the models' autoincrement
        type_ddl = self.impl.normalise_type(type_ddl)
        if default_ddl is not None:
            default_ddl = self.impl.normalise_default(default_ddl, type_ddl)
        return ColumnShape(
            name=column.name, type=type_ddl,
            type_text=column.info.get("yamig_type") or _render(type_),
            nullable=bool(column.nullable), default=default_ddl,
            default_value=server_default_value(column.server_default) if default_ddl else None,
            comment=(column.comment or None) if self.comments else None,
            primary_key=bool(column.primary_key), source=column)

    def expression(self, expression: Any) -> str:
        if isinstance(expression, sa.Column):
            return expression.name
        if isinstance(expression, str):
            return expression
        try:
            text = str(expression.compile(dialect=self.dialect,
                                          compile_kwargs={"literal_binds": True}))
        except Exception:  # pragma: no cover
            text = str(expression)
        return f"({text})"

    def foreign_key(self, table: Any, constraint: Any, name: str | None) -> ForeignKeyShape:
        columns, ref_columns = [], []
        ref_schema, ref_table = None, ""
        for element in constraint.elements:
            columns.append(element.parent.name)
            target = ForeignKeyRef.parse(element.target_fullname)
            ref_columns.append(target.column)
            ref_schema, ref_table = target.key
        cols = tuple(columns)
        return ForeignKeyShape(name or self.default_name(table.name, "foreign_key", cols), cols,
                               self.schema(ref_schema), ref_table, tuple(ref_columns),
                               _action(constraint.ondelete), _action(constraint.onupdate), constraint)

    def default_name(self, table: str, kind: str, columns: tuple[str, ...]) -> str | None:
        """The name the database gives an unnamed constraint (PostgreSQL), so it can be dropped."""
        return self.impl.default_constraint_name(table, kind, columns)

    def check_name(self, table: Any, text: str) -> str | None:
        columns = columns_named(text, [c.name for c in table.columns])
        return self.impl.default_constraint_name(table.name, "check", columns)


def unique_constraints_as_written(database: dict, revisions: dict) -> None:
    """Where the database keeps a unique constraint as a unique index and cannot tell them
    apart (MySQL and MariaDB reflect both as an index), take the revisions' word for which one
    each is, so a dropped constraint is dropped as one, as `check --offline` says."""
    for key, table in database.items():
        written = revisions.get(key)
        if written is None:
            continue
        constraints = {u.name: u for u in written.uniques if u.name}
        for name, index in list(table.indexes.items()):
            unique = constraints.get(name)
            if index.unique and unique is not None and unique.columns == index.columns \
                    and name not in written.indexes:
                del table.indexes[name]
                table.uniques.append(UniqueShape(name, index.columns, index.source))


def _constraint_order(constraint: Any) -> tuple:
    return (type(constraint).__name__, given_name(constraint) or "",
            tuple(c.name for c in getattr(constraint, "columns", ())))


def given_name(constraint: Any) -> str | None:
    name = constraint.name
    if name is None or type(name).__name__ == "_NoneName":
        return None
    return str(name)


def _action(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.upper().split())
    return None if value == "NO ACTION" else value


def _render(type_: Any) -> str | None:
    from runner.schema.typerender import UnrenderableType, render_type

    try:
        return render_type(type_)
    except UnrenderableType:
        return None


def server_default_value(server_default: Any) -> Any:
    """A server default in yamig's form: a literal string, a boolean, or {sql: expression}."""
    arg = server_default.arg
    if isinstance(arg, str):
        return arg
    if isinstance(arg, sa.sql.elements.True_):
        return True
    if isinstance(arg, sa.sql.elements.False_):
        return False
    if isinstance(arg, sa.sql.elements.TextClause):
        return {"sql": arg.text}
    return {"sql": str(arg.compile(compile_kwargs={"literal_binds": True}))}


# -- normalising DDL text -----------------------------------------------------------------------

_CAST = re.compile(r"::\"?[A-Za-z_][\w ]*\"?(\([\d, ]*\))?(\[\])*")
_QUOTED_PLAIN = re.compile(r"^'(-?\d+(\.\d+)?|true|false)'$", re.I)


def normalise_default(text: str | None) -> str | None:
    """One spelling for a server default: casts, outer parentheses and case folded away."""
    if text is None:
        return None
    text = text.strip()
    previous = None
    while previous != text:
        previous = text
        text = _CAST.sub("", text).strip()
        if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
            text = text[1:-1].strip()
    if _QUOTED_PLAIN.match(text):
        text = text[1:-1]
    parts = re.split(r"('(?:[^']|'')*')", text)  # keep quoted literals as they are
    text = "".join(p if p.startswith("'") else " ".join(p.lower().split()) for p in parts)
    return text or None


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def check_renderable(shapes: dict) -> None:
    """Every model column must have a type yamig can write."""
    for shape in shapes.values():
        for column in shape.columns.values():
            if column.type_text is None:
                raise ConfigError(
                    f"cannot write the type of model column {shape.qualified}.{column.name} "
                    f"({type(shape.table.c[column.name].type).__name__}) as a yamig type",
                    hint="use a SQLAlchemy type, or a TypeDecorator over one "
                         "(its `impl` is what gets written)")
