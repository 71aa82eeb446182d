"""MySQL and MariaDB: DDL commits itself, CHANGE / MODIFY restate the whole column, each kind
of constraint is dropped by its own statement, and a foreign key blocks its column's drop.

SQLAlchemy names MariaDB's dialect `mariadb` (or `mysql` with `is_mariadb`), so the spellings
here are registered as the elements' defaults, not under `"mysql"` (which MariaDB would miss).
"""

from __future__ import annotations

import decimal
import functools
import re
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import sqltypes

from runner.sql.ddl_alter import NOT_GIVEN, AlterColumn, ColumnChange, ColumnDefault, NeedsExistingType
from runner.sql.dialects.base import DefaultImpl, alter_table, column, default_text, literal, type_text


class MySQLModifyColumn(AlterColumn):
    """MODIFY c <type> NULL|NOT NULL [DEFAULT ...] [COMMENT ...]: MySQL restates the whole column."""

    new_name: str
    type_: Any
    nullable: bool
    default: Any
    comment: str | None


class MySQLChangeColumn(MySQLModifyColumn):
    """CHANGE old new <spec>: the same restatement under a (possibly) new name."""


class MariaDBFindForeignKey(AlterColumn):
    """SET @yamig_drop_fk to the DROP FOREIGN KEY of the column's key, which MariaDB named
    itself (<table>_ibfk_<n>): looked up in information_schema."""


class MariaDBExecute(AlterColumn):
    """EXECUTE IMMEDIATE what MariaDBFindForeignKey found (MariaDB's, not MySQL's)."""


class MySQLImpl(DefaultImpl):
    names = ("mysql", "mariadb")
    alter_column_needs_existing = True
    drop_constraint_needs_type = True
    drops_foreign_key_first = True
    foreign_keys_make_index = True
    drops_checks_first = True
    text_widening_rewrites = True

    @property
    def is_mariadb(self) -> bool:
        return self.name == "mariadb" or bool(getattr(self.dialect, "is_mariadb", False))

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
        """MariaDB: look the name up and drop the key by it (MySQL has no EXECUTE IMMEDIATE)."""
        return [MariaDBFindForeignKey(change), MariaDBExecute(change)] if self.is_mariadb else []

    def type_problems(self, type_text: str) -> list[str]:
        """MySQLImpl: what its DDL compiler refuses (a VARCHAR needs a length)."""
        return list(_type_problems(type_text))

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


_INTEGER_WIDTH = re.compile(r"^(TINYINT|SMALLINT|MEDIUMINT|INT|INTEGER|BIGINT)(?:\(\d+\))?(?=\s|$)")
_INTEGER_NAMES = {"INT": "INTEGER"}


@functools.lru_cache(maxsize=1024)
def _type_problems(type_text: str) -> tuple[str, ...]:
    import sqlalchemy as sa
    from sqlalchemy.dialects import mysql

    from runner.schema.types import TypeGrammarError, parse_type

    try:
        type_ = parse_type(type_text).to_sqlalchemy()
    except (TypeGrammarError, TypeError, ValueError):
        return ()
    try:
        mysql.dialect().type_compiler.process(type_)
    except sa.exc.UnsupportedCompilationError:
        return ()  # another dialect's type: not this question
    except sa.exc.CompileError as err:
        return (f"{type_text} on MySQL and MariaDB: {err}",)
    return ()


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


@compiles(MariaDBFindForeignKey)
def _find_foreign_key(element, compiler, **kw) -> str:
    schema = literal(compiler, element.schema) if element.schema else "DATABASE()"
    drop = literal(compiler, f"{alter_table(compiler, element)} DROP FOREIGN KEY `")
    return (f"SET @yamig_drop_fk = (SELECT COALESCE(MAX(CONCAT({drop}, CONSTRAINT_NAME, '`')), 'DO 0') "
            f"FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = {schema} "
            f"AND TABLE_NAME = {literal(compiler, element.table_name)} "
            f"AND COLUMN_NAME = {literal(compiler, element.column_name)} "
            f"AND REFERENCED_TABLE_NAME IS NOT NULL)")


@compiles(MariaDBExecute)
def _execute(element, compiler, **kw) -> str:
    return "EXECUTE IMMEDIATE @yamig_drop_fk"
