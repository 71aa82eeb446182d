"""MySQL and MariaDB: DDL commits itself, CHANGE / MODIFY restate the whole column, each kind
of constraint is dropped by its own statement, and a foreign key blocks its column's drop.

SQLAlchemy names MariaDB's dialect `mariadb` (or `mysql` with `is_mariadb`), so the spellings
here are registered as the elements' defaults, not under `"mysql"` (which MariaDB would miss).
"""

from __future__ import annotations

import decimal
import hashlib
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import sqltypes

from runner.config import DEFAULT_LOCK_TIMEOUT
from runner.schema.types import TypeSpec
from runner.sql.ddl_alter import NOT_GIVEN, AlterColumn, ColumnChange, ColumnDefault, NeedsExistingType
from runner.sql.dialects.base import (
    DefaultImpl,
    alter_table,
    column,
    default_text,
    literal,
    precision_problems,
    string_length_problems,
    type_text,
)
from runner.sql.dialects.locking import wait_for
from runner.sql.dialects.traits import MariaDBTraits, MySQLTraits

LOCK_NAME_LIMIT = 64  # characters in a GET_LOCK name (MySQL 5.7 refuses a longer one)
# the errors of a statement another connection's lock held up: ER_LOCK_WAIT_TIMEOUT (a row lock
# past innodb_lock_wait_timeout, or a metadata lock past lock_wait_timeout) and ER_LOCK_DEADLOCK
LOCK_CONFLICTS = (1205, 1213)
_HOLDER = sa.text("SELECT user, host, db, command, time FROM information_schema.processlist "
                  "WHERE id = :id")

_ROW_BYTES = 65535  # a VARCHAR's bytes, and a whole row's, less TEXT and BLOB
_CHARACTER_BYTES = {"latin1": 1, "ascii": 1, "binary": 1, "ucs2": 2, "utf8": 3, "utf8mb3": 3}  # else 4


class MySQLModifyColumn(AlterColumn):
    """MODIFY c <type> NULL|NOT NULL [DEFAULT ...] [COMMENT ...]: MySQL restates the whole column."""

    new_name: str
    type_: Any
    nullable: bool
    default: Any
    comment: str | None


class MySQLChangeColumn(MySQLModifyColumn):
    """CHANGE old new <spec>: the same restatement under a (possibly) new name."""


class MySQLFindForeignKey(AlterColumn):
    """SET @yamig_ddl to the DROP FOREIGN KEY of the column's key, which the database named
    itself (<table>_ibfk_<n>): looked up in information_schema (`DO 0` when there is none)."""


class MySQLFindChecks(AlterColumn):
    """SET @yamig_ddl to one ALTER TABLE that drops the checks naming the column, which the
    database named itself (MariaDB: CONSTRAINT_<n>, MySQL: <table>_chk_<n>)."""

    mariadb: bool


class MySQLRunFound(AlterColumn):
    """Run what a MySQLFind* statement put in @yamig_ddl: MariaDB's EXECUTE IMMEDIATE, or
    MySQL's PREPARE (the statement, EXECUTE and DEALLOCATE, by `step`)."""

    step: str


class MySQLImpl(DefaultImpl, MySQLTraits):
    alter_column_needs_existing = True
    drop_constraint_needs_type = True
    drops_foreign_key_first = True
    foreign_keys_make_index = True
    drops_checks_first = True
    drops_column_foreign_keys = True
    unique_constraints_are_indexes = True

    @property
    def is_mariadb(self) -> bool:
        return self.name == "mariadb" or bool(getattr(self.dialect, "is_mariadb", False))

    @contextmanager
    def lock(self, connection: Any, name: str, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
        """GET_LOCK on `name` in this database (user locks are the server's, so the name says
        which database; hashed past 64 characters). It belongs to the session: no COMMIT lets it
        go, so it holds across the revisions' transactions and the commits DDL makes itself, and
        the server lets it go when the session ends (a runner killed included). Polled with
        GET_LOCK(name, 0); on yamig's own connection each try is committed, so a waiting runner
        holds no transaction and no metadata lock that the holder's DDL would wait for. In a
        caller's transaction nothing is committed: the caller's transaction is theirs (and on
        MySQL the first DDL commits it anyway), the lock is released at the end all the same."""
        own = not connection.in_transaction()

        def done() -> None:
            if own and connection.in_transaction():
                connection.commit()

        database = connection.exec_driver_sql("SELECT DATABASE()").scalar() or ""
        key = f"{name}@{database}"
        if len(key) > LOCK_NAME_LIMIT:
            key = "yamig:" + hashlib.sha256(key.encode()).hexdigest()[:LOCK_NAME_LIMIT - 6]
        done()

        def take() -> bool:
            taken = connection.execute(sa.text("SELECT GET_LOCK(:k, 0)"), {"k": key}).scalar()
            done()
            return taken == 1

        def holder() -> str:
            server = "MariaDB" if self.is_mariadb else "MySQL"
            found = None
            holder_id = connection.execute(sa.text("SELECT IS_USED_LOCK(:k)"), {"k": key}).scalar()
            if holder_id is not None:
                found = connection.execute(_HOLDER, {"id": holder_id}).first()
            done()
            if holder_id is None:
                return "another session (it has just let go)"
            if found is None:  # another user's session, and this one lacks the PROCESS privilege
                return f"{server} connection id {holder_id} (not in this user's processlist)"
            user, host, db, command, seconds = found
            state = "idle" if command == "Sleep" else f"running a {command}"
            return (f"{server} connection id {holder_id} ({user}@{host}"
                    + (f", database {db}" if db else "") + f", {state} for {seconds} s)")

        wait_for(take, holder, f"{name} (GET_LOCK {key!r})", timeout,
                 hint="; a session that is stuck can be ended with KILL <connection id>")
        try:
            yield
        finally:
            if own and connection.in_transaction():
                connection.rollback()
            connection.execute(sa.text("SELECT RELEASE_LOCK(:k)"), {"k": key})
            done()

    def prepare_engine(self, engine: Any, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        """A statement waits for another connection's lock at most `lock_timeout` seconds, as the
        run's lock does: DDL waits for a metadata lock (lock_wait_timeout, a year by default,
        so an ALTER behind an idle transaction would hang the run and queue every query on the
        table behind it), data statements for row locks (innodb_lock_wait_timeout)."""
        seconds = max(1, min(math.ceil(lock_timeout), 31536000))

        @event.listens_for(engine, "connect")
        def _lock_waits(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"SET SESSION lock_wait_timeout = {seconds}, "
                               f"innodb_lock_wait_timeout = {seconds}")
            finally:
                cursor.close()

    def is_lock_conflict(self, error: Any) -> bool:
        """A lock wait timeout (1205: a row lock, or a metadata lock, which DDL waits for) or a
        deadlock (1213): another connection's lock was in the way."""
        args = getattr(getattr(error, "orig", error), "args", ())
        return bool(args) and args[0] in LOCK_CONFLICTS
    @property
    def title(self) -> str:  # type: ignore[override]
        return "MariaDB" if self.is_mariadb else "MySQL"
    def type_limits(self, spec: TypeSpec) -> list[tuple[str, int | str | None]]:
        """A VARCHAR needs a length, and fits in 65535 bytes: 16383 characters of utf8mb4 (the
        default character set), 21845 of NATIONAL VARCHAR's utf8; CHAR and BINARY up to 255;
        ENUM and SET values up to 255 characters, distinct under the default case-insensitive
        collation, at most 65535 of them (SET: 64); DECIMAL(65, 30) at most."""
        cls = spec.sqlalchemy_class()
        if spec.name == "SET":
            return _value_problems(spec, self.title, 64)
        if issubclass(cls, sa.Enum):  # native_enum=False: a VARCHAR as long as the longest value
            if not spec.args and _native(spec):  # create_type=False may leave them out: PostgreSQL's
                return [(f"{self.title}'s ENUM lists its values in the column: write them (a create_type="
                         f"False enum names PostgreSQL's type, which {self.title} has not)", None)]
            return _value_problems(spec, self.title, 65535) if _native(spec) else []
        charset = spec.argument("charset")
        charset_name = "latin1" if spec.argument("ascii") == ("ascii", True) else (
            str(charset[1]).lower() if charset else "utf8mb4")
        national = issubclass(cls, sa.NVARCHAR)
        width = 3 if national else _CHARACTER_BYTES.get(charset_name, 4)
        note = (f" ({_ROW_BYTES} bytes, {width} a character of {'utf8' if national else charset_name})"
                if issubclass(cls, sa.String) and not issubclass(cls, (sa.CHAR, sa.NCHAR)) else "")
        found = string_length_problems(spec, self.title, {
            sa.NCHAR: 255, sa.CHAR: 255, sa.String: _ROW_BYTES // width, sa.BINARY: 255,
            sa.VARBINARY: _ROW_BYTES}, needs_length=True, note=note)
        return found + precision_problems(spec, self.title, 65, 30)

    def execute_names(self) -> set[str]:
        """`mysql` includes MariaDB; `mariadb` is MariaDB only."""
        return {self.name, "mysql", "mariadb"} if self.is_mariadb else {self.name}

    def normalise_type(self, text: str) -> str:
        """MySQLImpl: Boolean is TINYINT(1), and an integer's display width (INT(11), which
        MariaDB reflects) is no part of the type."""
        text = super().normalise_type(text)
        if text in ("BOOL", "BOOLEAN", "TINYINT(1)"):
            return "TINYINT(1)"
        if text == "LONGTEXT CHARACTER SET UTF8MB4 COLLATE UTF8MB4_BIN":
            return "JSON"  # MariaDB's JSON, as it reflects
        text = re.sub(r"^NUMERIC\b", "DECIMAL", text)
        return _INTEGER_WIDTH.sub(lambda m: _INTEGER_NAMES.get(m[1], m[1]), text)

    def normalise_default(self, text: str, type_text: str) -> str:
        """MySQLImpl: MariaDB reflects CURRENT_TIMESTAMP as current_timestamp(), a Boolean's
        true as 1, and a DECIMAL's 0 as 0.00."""
        text = re.sub(r"\bcurrent_timestamp\(\)", "current_timestamp", text)
        if type_text == "TINYINT(1)":
            return {"true": "1", "false": "0"}.get(text, text)
        if type_text.startswith("DECIMAL") and re.fullmatch(r"-?\d+(\.\d+)?", text):
            return f"{decimal.Decimal(text).normalize():f}"
        return text

    def drop_unnamed_foreign_key(self, change: ColumnChange) -> list[Any]:
        """Look the name up and drop the key by it: the same statements online and in `--sql`."""
        return [MySQLFindForeignKey(change), *self._run_found(change)]

    def drop_unnamed_checks(self, change: ColumnChange) -> list[Any]:
        """Look up the checks that name the column and drop them by the names found."""
        return [MySQLFindChecks(change, mariadb=self.is_mariadb), *self._run_found(change)]

    def _run_found(self, change: ColumnChange) -> list[Any]:
        if self.is_mariadb:
            return [MySQLRunFound(change, step="IMMEDIATE")]
        return [MySQLRunFound(change, step=step) for step in ("PREPARE", "EXECUTE", "DEALLOCATE")]

    def alter_column_statements(self, change: ColumnChange) -> list[AlterColumn]:
        """MySQLImpl: CHANGE for a rename, MODIFY for the rest, ALTER COLUMN for a default alone."""
        type_ = change.type_ if change.type_ is not None else change.existing_type
        # as Alembic: a DateTime column goes through CHANGE unless the default is being dropped
        datetime_default = (type_ is not None and type_._type_affinity is sqltypes.DateTime
                            and change.server_default is not None)
        if change.new_name is not None or datetime_default:
            cls: type[MySQLModifyColumn] = MySQLChangeColumn
        elif change.nullable is not None or change.type_ is not None or change.comment is not NOT_GIVEN:
            cls = MySQLModifyColumn
        elif change.server_default is not NOT_GIVEN:
            return [ColumnDefault(change, default=change.server_default)]
        else:
            return []
        if type_ is None:
            raise NeedsExistingType(
                "MySQL's CHANGE/MODIFY COLUMN restates the whole column",
                "add existing_type, and existing_nullable, existing_server_default and "
                "existing_comment, which MySQL would otherwise reset")
        nullable = change.nullable if change.nullable is not None else (
            change.existing_nullable if change.existing_nullable is not None else True)
        default = change.server_default if change.server_default is not NOT_GIVEN \
            else change.existing_server_default
        comment = change.comment if change.comment is not NOT_GIVEN else change.existing_comment
        return [cls(change, new_name=change.new_name or change.column_name, type_=type_,
                    nullable=nullable, default=default, comment=comment)]


class MariaDBImpl(MySQLImpl, MariaDBTraits):
    """MariaDB: MySQL's impl (`is_mariadb` picks the few spellings that differ) with MariaDB's
    traits for the review."""


def _native(spec: TypeSpec) -> bool:
    given = spec.argument("native_enum")
    return given is None or given[1] is not False


def _value_problems(spec: TypeSpec, title: str, most: int) -> list[tuple[str, int | str | None]]:
    """An ENUM's or SET's values: at most `most` of them, each up to 255 characters, and no two
    the same but for case or trailing spaces unless the collation is binary (MySQL refuses
    them as duplicates, and strips the spaces)."""
    found: list[tuple[str, int | str | None]] = []
    if len(spec.args) > most:
        found.append((f"it has {len(spec.args)} values; {title} takes at most {most}", None))
    collation, binary = spec.argument("collation"), spec.argument("binary")
    case_blind = not ((binary and binary[1] is True) or
                      (collation and str(collation[1]).lower().endswith("_bin")))
    seen: dict[str, str] = {}
    for i, value in enumerate(spec.args):
        if not isinstance(value, str):
            continue
        if len(value) > 255:
            found.append((f"the value '{value[:20]}...' is {len(value)} characters; {title} "
                          "takes at most 255", i))
        key = value.rstrip(" ")
        key = key.lower() if case_blind else key
        if key in seen:
            found.append((f"the values '{seen[key]}' and '{value}' are the same to {title} (its "
                          "collation ignores case, and trailing spaces are dropped)", i))
        seen.setdefault(key, value)
    return found


_INTEGER_WIDTH = re.compile(r"^(TINYINT|SMALLINT|MEDIUMINT|INT|INTEGER|BIGINT)(?:\(\d+\))?(?=\s|$)")
_INTEGER_NAMES = {"INT": "INTEGER"}


def _colspec(element, compiler) -> str:
    spec = f"{type_text(compiler, element.type_)} {'NULL' if element.nullable else 'NOT NULL'}"
    if element.default is not NOT_GIVEN and element.default is not None:
        spec += f" DEFAULT {default_text(compiler, element.default)}"
    if element.comment is not None:
        spec += f" COMMENT {literal(compiler, element.comment)}"
    return spec


@compiles(MySQLModifyColumn)
def _modify(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} MODIFY {column(compiler, element.column_name)} "
            f"{_colspec(element, compiler)}")


@compiles(MySQLChangeColumn)
def _change(element, compiler, **kw) -> str:
    return (f"{alter_table(compiler, element)} CHANGE {column(compiler, element.column_name)} "
            f"{column(compiler, element.new_name)} {_colspec(element, compiler)}")


@compiles(MySQLFindForeignKey)
def _find_foreign_key(element, compiler, **kw) -> str:
    schema = literal(compiler, element.schema) if element.schema else "DATABASE()"
    drop = literal(compiler, f"{alter_table(compiler, element)} DROP FOREIGN KEY `")
    return (f"SET @yamig_ddl = (SELECT COALESCE(MAX(CONCAT({drop}, CONSTRAINT_NAME, '`')), 'DO 0') "
            f"FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = {schema} "
            f"AND TABLE_NAME = {literal(compiler, element.table_name)} "
            f"AND COLUMN_NAME = {literal(compiler, element.column_name)} "
            f"AND REFERENCED_TABLE_NAME IS NOT NULL)")


@compiles(MySQLFindChecks)
def _find_checks(element, compiler, **kw) -> str:
    """The checks of the table whose clause names the column as the server writes it (`col`).
    Joined on the table too: MariaDB's generated names (CONSTRAINT_1) repeat across tables."""
    schema = literal(compiler, element.schema) if element.schema else "DATABASE()"
    alter = literal(compiler, f"{alter_table(compiler, element)} ")
    named = literal(compiler, f"`{element.column_name}`")
    return (f"SET @yamig_ddl = (SELECT COALESCE(CONCAT({alter}, GROUP_CONCAT(CONCAT("
            f"'DROP CONSTRAINT `', tc.CONSTRAINT_NAME, '`') SEPARATOR ', ')), 'DO 0') "
            f"FROM information_schema.TABLE_CONSTRAINTS tc "
            f"JOIN information_schema.CHECK_CONSTRAINTS cc "
            f"ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME"
            f"{' AND cc.TABLE_NAME = tc.TABLE_NAME' if element.mariadb else ''} "
            f"WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND tc.TABLE_SCHEMA = {schema} "
            f"AND tc.TABLE_NAME = {literal(compiler, element.table_name)} "
            f"AND LOCATE({named}, cc.CHECK_CLAUSE) > 0)")


@compiles(MySQLRunFound)
def _run_found(element, compiler, **kw) -> str:
    return {"IMMEDIATE": "EXECUTE IMMEDIATE @yamig_ddl", "PREPARE": "PREPARE yamig_ddl FROM @yamig_ddl",
            "EXECUTE": "EXECUTE yamig_ddl", "DEALLOCATE": "DEALLOCATE PREPARE yamig_ddl"}[element.step]
