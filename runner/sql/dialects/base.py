"""DefaultImpl: what yamig does on a dialect it knows nothing particular about, and the default
spellings of its DDL elements.

A dialect's knowledge lives in one place, its impl class (Alembic's ddl/impl.py DefaultImpl
and its per-dialect subclasses; sqlglot's Dialect classes): capabilities as class attributes,
behaviours as methods that a dialect overrides. Operations, autogenerate and the runs ask
`impl_for(dialect)` (runner.sql.dialects), never a dialect's name. The `@compiles` functions
here are the spellings every dialect starts from; a dialect's module registers its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from runner.config import DEFAULT_LOCK_TIMEOUT
from runner.schema.types import TypeGrammarError, TypeSpec, parse_type, type_positions
from runner.sql.ddl import AddColumn, DropColumn, RenameTable, quoted_table
from runner.sql.ddl_alter import (
    NOT_GIVEN,
    AlterColumn,
    ColumnChange,
    ColumnComment,
    ColumnDefault,
    ColumnName,
    ColumnNullable,
    ColumnType,
)
from runner.sql.dialects.traits import Traits


class DefaultImpl(Traits):
    """A dialect's capabilities and behaviours; `impl_for(dialect)` gives one bound to the
    SQLAlchemy dialect (or to a bare name, where only the class's knowledge is needed). Its
    `names` and the review's facts come from its Traits (runner.sql.dialects.traits)."""
    title: ClassVar[str] = "this database"  # how messages name it

    # -- transactions ---------------------------------------------------------------------------
    transactional_ddl: ClassVar[bool] = False  # a rollback undoes DDL
    # -- printed scripts (--sql) ----------------------------------------------------------------
    terminator: ClassVar[str] = ";"  # after each statement
    batch_separator: ClassVar[str | None] = None  # a line after each statement, for the client
    begin_text: ClassVar[str] = "BEGIN"
    script_transactions: ClassVar[bool] = False  # the script wraps each revision in BEGIN/COMMIT
    # -- the schema -----------------------------------------------------------------------------
    default_schema: ClassVar[str | None] = None  # the schema an unqualified table is in
    supports_comments: ClassVar[bool] = True  # table and column comments are kept
    alters_columns: ClassVar[bool] = True  # ALTER COLUMN changes nullable, type and default
    # altering a column restates what the alter_column does not mention (MySQL's MODIFY resets
    # NOT NULL, the default and the comment): its existing_* come from the replayed state
    alter_column_needs_existing: ClassVar[bool] = False
    alters_constraints: ClassVar[bool] = True  # ALTER TABLE adds and drops constraints
    named_enum_types: ClassVar[bool] = False  # a named Enum is a type of its own (CREATE TYPE)
    drop_constraint_needs_type: ClassVar[bool] = False  # DROP names the kind (DROP FOREIGN KEY)
    drops_foreign_key_first: ClassVar[bool] = False  # a column's foreign key blocks its drop
    # each foreign key needs an index: the database makes one, and refuses to drop the last (InnoDB)
    foreign_keys_make_index: ClassVar[bool] = False
    drops_checks_first: ClassVar[bool] = False  # a check that names a column blocks its drop
    # a written drop_column drops its column's foreign keys first, which the database requires
    # and Alembic's op has no flag for (SQL Server keeps Alembic's mssql_drop_foreign_key)
    drops_column_foreign_keys: ClassVar[bool] = False
    # a unique constraint is a unique index, and reflects as one (MySQL, MariaDB)
    unique_constraints_are_indexes: ClassVar[bool] = False
    identity_insert: ClassVar[bool] = False  # explicit values for an IDENTITY column need telling
    # autogenerate: the spellings of one type that reflection and the models' DDL give
    type_equivalents: ClassVar[dict[str, str]] = {}

    def __init__(self, dialect: Any) -> None:
        self.dialect = None if isinstance(dialect, str) else dialect
        self.name: str = dialect if isinstance(dialect, str) else dialect.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    @property
    def traits_name(self) -> str:
        """The name the review's traits know this database by (`mariadb` for SQLAlchemy's
        mysql dialect on a MariaDB server)."""
        return self.names[0] if self.names else self.name

    # -- the run (runner.runtime) ---------------------------------------------------------------
    def transactional_ddl_on(self, connection: Any) -> bool:
        """Whether a rollback undoes DDL on this connection (SQLite: depends on the driver's state)."""
        return self.transactional_ddl

    def savepoints_work(self, connection: Any) -> bool:
        """Whether a nested transaction (SAVEPOINT) can be trusted on this connection."""
        return True

    @contextmanager
    def lock(self, connection: Any, name: str, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
        """Held while a run migrates, so that two deploys cannot migrate at once; `name` says
        what is locked (the version table). A run that waits says who holds it, and gives up
        after `timeout` seconds (runner.sql.dialects.locking). No lock where the database has
        none to take."""
        yield

    def is_lock_conflict(self, error: Any) -> bool:
        """Whether a DBAPI error means another connection's lock was in the way (SQLite's
        "database is locked" once the busy timeout is over), not a fault of the revision."""
        return False

    def prepare_engine(self, engine: Any, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        """Set up an engine yamig creates itself (SQLite: transactional DDL, a busy timeout of
        `lock_timeout`; PostgreSQL: application_name, which a waiting run shows)."""

    def begin_on_driver(self, connection: Any) -> None:
        """Make the driver's transaction follow SQLAlchemy's on a caller's connection (SQLite)."""

    def prepare_offline_dialect(self, dialect: Any) -> None:
        """Fill in what a connection would have told a dialect that has none (offline scripts)."""

    def statement_groups(self, ops: list, context: Any) -> Iterator[tuple[list, list[Any]]]:
        """(operations, their statements) in order; each operation alone, its statements asked
        for only once the groups before it are used (SQLite rebuilds some together)."""
        for op in ops:
            yield [op], op.ddl(context)

    # -- operations ---------------------------------------------------------------------------
    def runs_outside_transaction(self, args: dict[str, Any]) -> bool:
        """Whether an operation with these arguments must run outside a transaction."""
        return False

    def index_validity(self, connection: Any, name: str, schema: str | None) -> bool | None:
        """Whether the index `name` is usable, where a build can leave one that is not (PostgreSQL:
        a CONCURRENTLY build that failed or was killed); None: no such index, or no such notion."""
        return None

    def index_build_check(self, args: dict[str, Any]) -> Any | None:
        """A statement run after create_index with `args` that fails if its build left the index
        unusable; None where a build that ends without an error has made a usable index."""
        return None

    def execute_names(self) -> set[str]:
        """The names an `execute`'s `dialects:` list may give to mean this database."""
        return {self.name}

    def create_named_types(self, types: list[Any]) -> list[Any]:
        """CREATE TYPE for those of these SQLAlchemy types that are types of their own."""
        return []

    def drop_named_types(self, types: list[Any]) -> list[Any]:
        """DROP TYPE for those of these SQLAlchemy types that are types of their own."""
        return []

    def alter_column_statements(self, change: ColumnChange) -> list[AlterColumn]:
        """The elements one alter_column becomes, in order (Alembic's DefaultImpl.alter_column)."""
        return default_alter_column(change)

    def before_drop_column(self, change: ColumnChange, args: dict[str, Any]) -> list[Any]:
        """What must go before DROP COLUMN (SQL Server: the column's DEFAULT constraint)."""
        return []

    def drop_unnamed_foreign_key(self, change: ColumnChange) -> list[Any]:
        """The statements that drop the column's foreign key the database named itself, where the
        database can look the name up (SQL Server, MySQL, MariaDB); [] where it cannot."""
        return []

    def drop_unnamed_checks(self, change: ColumnChange) -> list[Any]:
        """The statements that drop the checks naming the column that the database named itself,
        where they block its drop (MySQL, MariaDB)."""
        return []

    # -- column types (validate, and the checks before a run) ----------------------------------
    def type_problems(self, text: str) -> list[tuple[str, int]]:
        """Why this database refuses a column type that SQLAlchemy builds (a VARCHAR longer than
        it stores, an Enum PostgreSQL cannot name): (reason, the offset in `text` of what is
        wrong), so that validate, not the middle of a run, says so. Only the generic types and
        this dialect's own (`postgresql.JSONB` on PostgreSQL) are judged."""
        try:
            spec = parse_type(text)
        except TypeGrammarError:
            return []  # the contract reports it
        return [(reason, type_positions(text).get(path, 0))
                for reason, path in _judged(type(self), self.name, spec)]

    def type_limits(self, spec: TypeSpec) -> list[tuple[str, int | str | None]]:
        """What this database refuses in one type, its nested types aside: (reason, the argument
        it is about as TypeSpec.argument gives it, or None for the type itself)."""
        return []

    # -- autogenerate -----------------------------------------------------------------------
    def normalise_type(self, text: str) -> str:
        """One spelling for a type's DDL (upper case, one space, this dialect's equivalents)."""
        import re

        text = " ".join(text.upper().split()).replace("( ", "(").replace(" )", ")")
        text = re.sub(r",\s*", ", ", text)
        return self.type_equivalents.get(text, text)

    def normalise_default(self, text: str, type_text: str) -> str:
        """One spelling for a column's default (already folded: compare.normalise_default) of a
        column of type `type_text` (normalise_type's), where this dialect reflects it differently."""
        return text

    def default_constraint_name(self, table: str, kind: str, columns: list[str] | tuple[str, ...]
                                ) -> str | None:
        """The name the database gives an unnamed constraint (None: not known in advance)."""
        return None


@lru_cache(maxsize=4096)
def _judged(cls: type[DefaultImpl], name: str, spec: TypeSpec) -> tuple[tuple[str, tuple], ...]:
    """DefaultImpl.type_problems with paths (type_positions' keys) instead of offsets: each type
    the dialect may judge against its limits; then, if they pass, the whole type compiled for the
    dialect, for what SQLAlchemy itself refuses there."""
    impl = cls(name)
    found: list[tuple[str, tuple]] = []
    own = True

    def visit(node: TypeSpec, path: tuple) -> None:
        nonlocal own
        if node.dialect is not None and node.dialect not in cls.names:
            own = False  # another database's type: not this one's to judge
            return
        for reason, key in impl.type_limits(node):
            found.append((reason, path if key is None else path + (key,)))
        for key, value in [*enumerate(node.args), *node.kwargs]:
            if isinstance(value, TypeSpec):
                visit(value, path + (key,))

    visit(spec, ())
    if not found and own and cls.names:
        reason = _compile_problem(name, spec, impl.title)
        if reason:
            found.append((reason, ()))
    return tuple(found)


def _compile_problem(name: str, spec: TypeSpec, title: str) -> str | None:
    """Why SQLAlchemy cannot write the type's DDL for the dialect `name` (None: it can)."""
    from sqlalchemy.exc import CompileError, UnsupportedCompilationError

    try:
        spec.to_sqlalchemy().compile(dialect=_offline_dialect(name))
    except UnsupportedCompilationError:
        return f"{title} has no {spec.qualname} type (SQLAlchemy cannot write it there)"
    except CompileError as err:
        return f"SQLAlchemy cannot write it for {title}: {err}"
    return None


@cache
def _offline_dialect(name: str) -> Any:
    """A dialect instance for `name` with no driver and no connection (its type compiler only)."""
    from sqlalchemy.engine import make_url

    return make_url(f"{name}://").get_dialect()(paramstyle="named")


def string_length_problems(spec: TypeSpec, title: str, limits: dict[type, int],
                           needs_length: bool = False, note: str = "") -> list[tuple[str, int | str | None]]:
    """A string or binary type's length against `limits`: SQLAlchemy class -> the longest length
    the database `title` takes, the first class the type is a subclass of deciding, so the
    narrower classes go first. `needs_length`: a VARCHAR without one is refused. `note` says
    why, after the limit."""
    cls = spec.sqlalchemy_class()
    if issubclass(cls, (sa.Text, sa.Enum)):  # TEXT and CLOB have no length; an Enum is judged apart
        return []
    limit = next((n for base, n in limits.items() if issubclass(cls, base)), None)
    if limit is None:
        return []
    given = spec.argument("length")
    if given is None or given[1] is None:
        if needs_length and issubclass(cls, sa.String) and not issubclass(cls, (sa.CHAR, sa.NCHAR)):
            return [(f"{title} has no VARCHAR without a length: write {spec.qualname}(n)", None)]
        return []
    key, length = given
    if isinstance(length, int) and length > limit:
        return [(f"length {length}: {spec.qualname} holds at most {limit} on {title}{note}", key)]
    return []


def precision_problems(spec: TypeSpec, title: str, precision: int, scale: int | None = None
                       ) -> list[tuple[str, int | str | None]]:
    """A NUMERIC/DECIMAL's precision (and scale) against the database's largest."""
    if not issubclass(spec.sqlalchemy_class(), sa.Numeric) or issubclass(spec.sqlalchemy_class(), sa.Float):
        return []
    found: list[tuple[str, int | str | None]] = []
    for name, limit in (("precision", precision), ("scale", scale)):
        given = spec.argument(name)
        if limit is not None and given is not None and isinstance(given[1], int) and given[1] > limit:
            found.append((f"{name} {given[1]}: {spec.qualname} allows at most {limit} on {title}",
                          given[0]))
    return found


def default_alter_column(change: ColumnChange, **override: Any) -> list[AlterColumn]:
    """DefaultImpl.alter_column: nullable, default, type, comment, and the new name last;
    `override` replaces some of the change's values (as a dialect's impl arranges them)."""
    c = {"nullable": change.nullable, "server_default": change.server_default, "type_": change.type_,
         "comment": change.comment, "new_name": change.new_name, "existing_type": change.existing_type}
    c.update(override)
    out: list[AlterColumn] = []
    if c["nullable"] is not None:
        out.append(ColumnNullable(change, nullable=c["nullable"], existing_type=c["existing_type"]))
    if c["server_default"] is not NOT_GIVEN:
        out.append(ColumnDefault(change, default=c["server_default"]))
    if c["type_"] is not None:
        out.append(ColumnType(change, type_=c["type_"]))
    if c["comment"] is not NOT_GIVEN:
        out.append(ColumnComment(change, comment=c["comment"]))
    if c["new_name"] is not None:
        out.append(ColumnName(change, new_name=c["new_name"]))
    return out


# -- what the spellings share -------------------------------------------------------------------

def alter_table(compiler, element: Any) -> str:
    return f"ALTER TABLE {quoted_table(compiler, element.table_name, element.schema)}"


def column(compiler, name: str) -> str:
    return compiler.preparer.quote(name)


def type_text(compiler, type_: Any) -> str:
    return compiler.dialect.type_compiler.process(type_)


def default_text(compiler, default: Any) -> str:
    return compiler.get_column_default_string(sa.Column("x", sa.Integer, server_default=default))


def literal(compiler, value: str, type_: Any = None) -> str:
    return compiler.sql_compiler.render_literal_value(value, type_ if type_ is not None else sa.String())


# -- the default spellings -----------------------------------------------------------------------

@compiles(RenameTable)
def _rename_table(element: RenameTable, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} "
            f"RENAME TO {quoted_table(compiler, element.new_table_name, element.schema)}")


def rename_table_unqualified(element: RenameTable, compiler, **kw) -> str:
    """For the dialects that refuse a schema on the new name: the table stays in its schema."""
    return f"{alter_table(compiler, element)} RENAME TO {compiler.preparer.quote(element.new_table_name)}"


@compiles(AddColumn)
def _add_column(element: AddColumn, compiler, **kw) -> str:
    text = f"{alter_table(compiler, element)} ADD COLUMN {compiler.get_column_specification(element.column)}"
    return text + _inline_references(element, compiler)


def add_column_bare(element: AddColumn, compiler, **kw) -> str:
    """ADD without COLUMN, for the dialects where COLUMN is a syntax error (as Alembic spells it)."""
    return f"{alter_table(compiler, element)} ADD {compiler.get_column_specification(element.column)}"


def _inline_references(element: AddColumn, compiler) -> str:
    """Where ALTER cannot add a constraint later (SQLite), a new column's foreign key goes inline."""
    if not element.inline_references or len(element.column.foreign_keys) != 1:
        return ""
    fk = next(iter(element.column.foreign_keys))
    target = fk.column
    text = f" CONSTRAINT {compiler.preparer.quote(fk.name)}" if fk.name else ""  # SQLite keeps it
    text += f" REFERENCES {quoted_table(compiler, target.table.name, target.table.schema)} "
    text += f"({compiler.preparer.quote(target.name)})"
    if fk.ondelete:
        text += f" ON DELETE {fk.ondelete}"
    if fk.onupdate:
        text += f" ON UPDATE {fk.onupdate}"
    return text


@compiles(DropColumn)
def _drop_column(element: DropColumn, compiler, **kw) -> str:
    return f"{alter_table(compiler, element)} DROP COLUMN {column(compiler, element.column_name)}"


@compiles(ColumnNullable)
def _nullable(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} ALTER COLUMN {column(compiler, element.column_name)} "
            f"{'DROP NOT NULL' if element.nullable else 'SET NOT NULL'}")


@compiles(ColumnType)
def _column_type(element, compiler, **kw) -> str:
    using = f" USING {element.change.using}" if element.change.using else ""
    return (f"{alter_table(compiler, element)} ALTER COLUMN {column(compiler, element.column_name)} "
            f"TYPE {type_text(compiler, element.type_)}{using}")


@compiles(ColumnDefault)
def column_default(element, compiler, **kw) -> str:
    """ALTER COLUMN ... SET DEFAULT / DROP DEFAULT (MySQL's default-only change spells it so too)."""
    action = ("DROP DEFAULT" if element.default is None
              else f"SET DEFAULT {default_text(compiler, element.default)}")
    return f"{alter_table(compiler, element)} ALTER COLUMN {column(compiler, element.column_name)} {action}"


@compiles(ColumnName)
def _column_name(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} RENAME {column(compiler, element.column_name)} "
            f"TO {column(compiler, element.new_name)}")


def rename_column(element, compiler, **kw) -> str:
    """RENAME COLUMN a TO b, for the dialects that need the COLUMN keyword."""
    return (f"{alter_table(compiler, element)} RENAME COLUMN {column(compiler, element.column_name)} "
            f"TO {column(compiler, element.new_name)}")


@compiles(ColumnComment)
def _column_comment(element, compiler, **kw) -> str:
    comment = literal(compiler, element.comment) if element.comment is not None else "NULL"
    return comment_on_column(element, compiler, comment)


def comment_on_column(element, compiler, comment: str) -> str:
    """COMMENT ON COLUMN t.c IS <comment> (PostgreSQL's spelling, and Oracle's)."""
    return (f"COMMENT ON COLUMN {quoted_table(compiler, element.table_name, element.schema)}."
            f"{column(compiler, element.column_name)} IS {comment}")
