"""Connections: our own engine, or the caller's connection used as it is.

SQLite can run DDL inside a transaction, but Python's sqlite3 module begins a
transaction only before INSERT, UPDATE and DELETE, so DDL runs outside one and
commits at once. Our engines follow the recipe of SQLAlchemy's pysqlite
documentation (no implicit transactions, an explicit BEGIN); on a connection
from any other engine, begin_on_driver issues the BEGIN itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc

from runner.config import DEFAULT_LOCK_TIMEOUT
from runner.errors import ConfigError, MigrationError
from runner.masking import mask, mask_url
from runner.sql.dialects import impl_for


def create_engine(url: str, config_options: dict[str, str] | None = None,
                  lock_timeout: float = DEFAULT_LOCK_TIMEOUT, **kwargs: Any) -> sa.Engine:
    """An engine on which DDL is transactional wherever the database allows it.

    `config_options` are `sqlalchemy.*` strings, converted as sa.engine_from_config does;
    `lock_timeout`: how long a statement waits for another connection's lock (SQLite's busy
    timeout).
    """
    try:
        sa.engine.make_url(url)
    except ValueError as err:
        raise unreadable_url(url, err) from None
    except exc.ArgumentError:
        pass  # said below, as create_engine raises it
    try:
        if config_options:
            engine = sa.engine_from_config({**config_options, "sqlalchemy.url": url}, **kwargs)
        else:
            engine = sa.create_engine(url, **kwargs)
    except exc.NoSuchModuleError as err:
        raise ConfigError(f"no SQLAlchemy dialect for {mask_url(url).split(':')[0]!r} ({mask(str(err))})",
                          hint="check the URL's scheme") from None
    except exc.ArgumentError as err:
        raise ConfigError(f"invalid database URL {mask_url(url)!r}: {mask(str(err))}",
                          hint="URLs look like sqlite:///file.db or "
                               "postgresql+psycopg://user:password@host/dbname") from None
    except ModuleNotFoundError as err:
        raise ConfigError(f"the database driver {err.name!r} is not installed",
                          hint="install it beside yamig; for PostgreSQL: pip install 'psycopg[binary]' "
                               "(psycopg 3) and use postgresql+psycopg:// URLs") from None
    impl_for(engine.dialect).prepare_engine(engine, lock_timeout)  # SQLite: transactions that hold DDL
    return engine


def unreadable_url(url: str, err: ValueError) -> ConfigError:
    """A URL SQLAlchemy cannot read (a port that is not a number, an unclosed [IPv6 host), said
    without the error's text: it quotes pieces of the URL, a password's among them."""
    what = "its port is not a number" if "int()" in str(err) else "it cannot be read"
    return ConfigError(f"invalid database URL {mask_url(url)!r}: {what}",
                       hint="URLs look like sqlite:///file.db or "
                            "postgresql+psycopg://user:password@host/dbname (a password's @ : / as "
                            "%40 %3A %2F)")


def engine_for(config, **kwargs: Any) -> sa.Engine:
    """The configured database's engine, with the section's other `sqlalchemy.*` options
    (`sqlalchemy.echo = true` logs the SQL), as Alembic's env.py calls engine_from_config."""
    section = config.config_ini_section
    names = config.parser.options(section) if config.parser.has_section(section) else []
    options = {name: config.get_main_option(name) for name in names
               if name.startswith("sqlalchemy.") and name != "sqlalchemy.url"}
    lock_timeout = config.lock_timeout
    try:
        return create_engine(config.url, options, lock_timeout, **kwargs)
    except (TypeError, ValueError) as err:  # an option create_engine() does not take, a bad value
        text = str(err)
        bad = [name for name, value in options.items()
               if f"'{name.removeprefix('sqlalchemy.')}'" in text or f"'{value}'" in text]
        name = bad[0] if bad else "a sqlalchemy.* option"
        raise ConfigError(
            f"{name} is not an option SQLAlchemy's create_engine() takes here"
            if isinstance(err, TypeError) else f"{name} has a value it cannot take: {options.get(name)}",
            location=config.location_of(section, bad[0]) if bad else config.config_file_name,
            hint="see create_engine()'s parameters in SQLAlchemy's documentation") from None


def begin_on_driver(connection: sa.Connection) -> None:
    """Make the transaction SQLAlchemy has begun hold DDL too (SQLite: the driver's BEGIN)."""
    impl_for(connection.dialect).begin_on_driver(connection)


@contextmanager
def connect(config) -> Iterator[sa.Connection]:
    """The caller's connection from config.attributes (inside the caller's transaction, if one
    has begun), or a new one on the configured URL."""
    given = config.attributes.get("connection")
    if given is not None:
        begin_on_driver(given)
        yield given
        return
    engine = engine_for(config, poolclass=sa.pool.NullPool)
    try:
        try:
            connection = engine.connect()
        except exc.DBAPIError as err:
            raise MigrationError(
                f"cannot connect to {mask_url(engine.url.render_as_string(hide_password=True))}: "
                f"{mask(_first_line(err.orig))}",
                hint="check sqlalchemy.url (or --url) and that the database server is running",
            ) from None
        with connection:
            require_version_schema(connection, config)
            yield connection
    finally:
        engine.dispose()


def require_version_schema(connection: sa.Connection, config) -> None:
    """version_table_schema must name a schema the database has (on SQLite: an attached
    database, `main` or `temp`), said at the config line rather than as a driver error from
    the first statement that reads the version table."""
    schema = config.version_table_schema
    if not schema:
        return
    try:
        names = sa.inspect(connection).get_schema_names()
    except (exc.DBAPIError, NotImplementedError):  # cannot list them: the statements will say
        return
    finally:
        if connection.in_transaction() and config.attributes.get("connection") is None:
            connection.rollback()
    if schema not in names:
        raise ConfigError(
            f"version_table_schema is {schema!r}, a schema this database does not have "
            f"(it has: {', '.join(names) or 'none'})",
            location=config.location_of(config.config_ini_section, "version_table_schema"),
            hint="create the schema first, or name one it has; leave the option out for the "
                 "default schema")


def _first_line(error: Any) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
