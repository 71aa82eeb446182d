"""What each database does that a review of revisions needs, in plain Python (no SQLAlchemy).

`yamig validate` judges revisions for a dialect (`validate.dialect`) and must stay a graph-only
command, free of SQLAlchemy's import; so these facts live here, one class per dialect, and each
dialect's impl (runner.sql.dialects.<module>) inherits its class: the fact has one home, and
`impl_for(d).shared_server` answers it as well as `traits_for(name).shared_server`.
"""

from __future__ import annotations

from typing import ClassVar


class Traits:
    """A database yamig has no module for: a server that applications share while it migrates."""

    names: ClassVar[tuple[str, ...]] = ()  # the SQLAlchemy dialect names this class serves
    shared_server: ClassVar[bool] = True  # applications use it while it migrates: locks make them wait
    concurrent_indexes: ClassVar[bool] = False  # indexes build and drop CONCURRENTLY
    volatile_default_rewrites: ClassVar[bool] = False  # ADD COLUMN with now()/random() rewrites rows
    text_widening_rewrites: ClassVar[bool] = False  # VARCHAR(n) to TEXT copies the table
    numeric_widening_in_place: ClassVar[bool] = False  # more precision at one scale rewrites nothing
    index_key_bytes: ClassVar[int | None] = None  # the longest index key it takes, in bytes
    # a key too long on one column is cut to a prefix (unique: a hash) instead of refused
    long_single_keys_shortened: ClassVar[bool] = False
    text_keys_need_length: ClassVar[bool] = False  # an index on TEXT/BLOB needs a prefix length
    # a create_* constraint under a name the table has replaces that constraint (SQLite's rebuild,
    # as Alembic's batch mode); elsewhere the database refuses it
    rebuild_replaces_constraints: ClassVar[bool] = False
    # constraints are added and dropped by rebuilding the table, consecutive such operations on one
    # table in one rebuild: the table is never without a key they drop and make again (SQLite)
    rebuilds_for_constraints: ClassVar[bool] = False
    # CREATE TABLE and ADD CONSTRAINT take a foreign key to a table that does not exist yet (the
    # key is checked only when rows are written): a revision may create the target after it
    foreign_key_target_later: ClassVar[bool] = False
    # DROP COLUMN of one column of a multi-column primary key leaves the key on the others; False:
    # the whole key goes with it (PostgreSQL; SQL Server and Oracle refuse the DROP)
    drop_column_shrinks_key: ClassVar[bool] = False
    # the longest name of a table, column, index or constraint; None: no limit yamig knows of
    max_identifier_length: ClassVar[int | None] = None
    identifier_length_in_bytes: ClassVar[bool] = False  # the limit counts UTF-8 bytes, not characters

    @classmethod
    def identifier_too_long(cls, name: str) -> str | None:
        """Why the database refuses or cuts `name` (PostgreSQL cuts a table or column name silently,
        SQLAlchemy refuses an index or constraint name over the limit): `64 bytes, over the 63 it
        takes`; None when it takes the name."""
        limit = cls.max_identifier_length
        if limit is None:
            return None
        unit = "bytes" if cls.identifier_length_in_bytes else "characters"
        length = len(name.encode() if cls.identifier_length_in_bytes else name)
        return f"{length} {unit}, over the {limit} it takes" if length > limit else None


class PostgresqlTraits(Traits):
    names = ("postgresql",)
    concurrent_indexes = True
    max_identifier_length = 63  # NAMEDATALEN - 1
    identifier_length_in_bytes = True
    volatile_default_rewrites = True
    numeric_widening_in_place = True


class SQLiteTraits(Traits):
    names = ("sqlite",)
    shared_server = False  # an embedded file: the findings about live sessions do not apply
    rebuild_replaces_constraints = True
    rebuilds_for_constraints = True
    foreign_key_target_later = True
    drop_column_shrinks_key = True  # yamig's rebuild, as Alembic's batch mode


class MySQLTraits(Traits):
    names = ("mysql",)
    text_widening_rewrites = True
    index_key_bytes = 3072  # InnoDB's DYNAMIC rows, the default since MySQL 5.7 and MariaDB 10.2
    text_keys_need_length = True
    max_identifier_length = 64
    drop_column_shrinks_key = True  # MySQL's; MariaDB refuses the DROP (error 1072)


class MariaDBTraits(MySQLTraits):
    """MariaDB keeps MySQL's limits but, from 10.4, indexes a prefix of a single long column
    (a hash for a unique one) where MySQL refuses it."""

    names = ("mariadb",)
    long_single_keys_shortened = True
    text_keys_need_length = False


class MSSQLTraits(Traits):
    names = ("mssql",)
    max_identifier_length = 128


class OracleTraits(Traits):
    names = ("oracle",)
    max_identifier_length = 128  # 12.2 and later (30 before)


def _all(cls: type[Traits]) -> list[type[Traits]]:
    return [cls, *(found for sub in cls.__subclasses__() for found in _all(sub))]


TRAITS: dict[str, type[Traits]] = {name: cls for cls in _all(Traits) for name in cls.names}


def traits_for(name: str | None) -> type[Traits]:
    """The traits of a dialect name ("mariadb" included); Traits itself for none or an unknown one."""
    return TRAITS.get(name or "", Traits)
