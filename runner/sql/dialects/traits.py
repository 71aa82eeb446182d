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


class PostgresqlTraits(Traits):
    names = ("postgresql",)
    concurrent_indexes = True
    volatile_default_rewrites = True
    numeric_widening_in_place = True


class SQLiteTraits(Traits):
    names = ("sqlite",)
    shared_server = False  # an embedded file: the findings about live sessions do not apply


class MySQLTraits(Traits):
    names = ("mysql",)
    text_widening_rewrites = True
    index_key_bytes = 3072  # InnoDB's DYNAMIC rows, the default since MySQL 5.7 and MariaDB 10.2
    text_keys_need_length = True


class MariaDBTraits(MySQLTraits):
    """MariaDB keeps MySQL's limits but, from 10.4, indexes a prefix of a single long column
    (a hash for a unique one) where MySQL refuses it."""

    names = ("mariadb",)
    long_single_keys_shortened = True
    text_keys_need_length = False


class MSSQLTraits(Traits):
    names = ("mssql",)


class OracleTraits(Traits):
    names = ("oracle",)


def _all(cls: type[Traits]) -> list[type[Traits]]:
    return [cls, *(found for sub in cls.__subclasses__() for found in _all(sub))]


TRAITS: dict[str, type[Traits]] = {name: cls for cls in _all(Traits) for name in cls.names}


def traits_for(name: str | None) -> type[Traits]:
    """The traits of a dialect name ("mariadb" included); Traits itself for none or an unknown one."""
    return TRAITS.get(name or "", Traits)
