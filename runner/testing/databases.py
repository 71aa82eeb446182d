"""Throwaway databases for tests: a SQLite file in a temporary folder, or a fresh database
created on a server (PostgreSQL, MySQL/MariaDB) and dropped afterwards.

A SQLite URL given as the server stands for "SQLite": its file is never touched, a new
one is made beside nothing else of the user's.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

_counter = itertools.count()


@contextmanager
def throwaway_database(server_url: str | None = None) -> Iterator[str]:
    """The URL of a new, empty database, removed when the block ends."""
    if server_url is None or not _is_server(server_url):
        folder = tempfile.mkdtemp(prefix="yamig-test-")
        try:
            yield f"sqlite:///{os.path.join(folder, 'test.db')}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    yield from _on_server(server_url)


def _is_server(url: str) -> bool:
    from runner.sql.dialects import impl_for

    return impl_for(sa.engine.make_url(url).get_backend_name()).shared_server


def _on_server(server_url: str) -> Iterator[str]:
    name = f"yamig_test_{os.getpid()}_{next(_counter)}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quoted = admin.dialect.identifier_preparer.quote_identifier(name)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
        yield sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}")
        except sa.exc.DBAPIError as err:  # a connection the test left open still holds it
            warnings.warn(f"yamig: could not drop the test database {name}: {err.orig}", stacklevel=1)
        admin.dispose()
