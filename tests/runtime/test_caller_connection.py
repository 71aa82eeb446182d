"""A caller's SQLite connection from a plain `sqlalchemy.create_engine`: yamig's DDL is inside the
caller's transaction, so the caller's rollback leaves nothing and its commit keeps everything.

pysqlite begins a transaction only before INSERT/UPDATE/DELETE, never before DDL; every check
reads the file back through a new engine, so what it sees was committed.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ..helpers import revision_text, write_project

REVISIONS = {
    "a1_account.yaml": revision_text("a1", None, """
        - create_table:
            table_name: account
            columns: [{name: id, type: Integer, primary_key: true}, {name: email, type: String(50)}]
        - create_index: {index_name: ix_account_email, table_name: account, columns: [email]}
    """),
    "b2_invoice.yaml": revision_text("b2", "a1", """
        - create_table:
            table_name: invoice
            columns: [{name: id, type: Integer, primary_key: true}]
        - add_column: {table_name: account, column: {name: note, type: Text}}
        - alter_column: {table_name: account, column_name: email, type: String(100),
                         existing_type: String(50)}
    """),
}  # b2's alter_column makes SQLite rebuild the table: that too inside the caller's transaction


class Stop(Exception):
    """Raised inside `with engine.begin()` to make it roll back."""


@pytest.fixture
def config(tmp_path, sqlite_url):
    return write_project(tmp_path, REVISIONS, sqlite_url)


def committed(url: str) -> tuple[dict[str, list[str]], list[str]]:
    """Tables with their columns, and version rows, as a new engine on the file sees them."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            tables = {t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()
                      if t != "yamig_history"}  # the applied history: tests/runtime/test_history.py
            rows = sorted(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()) \
                if "alembic_version" in tables else []
        return tables, rows
    finally:
        engine.dispose()


def test_raising_inside_engine_begin_leaves_nothing(config, sqlite_url):
    engine = sa.create_engine(sqlite_url)
    with pytest.raises(Stop):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            assert sa.inspect(connection).has_table("invoice")   # there, inside the transaction
            raise Stop
    engine.dispose()
    assert committed(sqlite_url) == ({}, [])


def test_connection_rollback_leaves_nothing(config, sqlite_url):
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        connection.begin()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.rollback()
    engine.dispose()
    assert committed(sqlite_url) == ({}, [])


def test_two_commands_on_one_connection_then_rollback(config, sqlite_url):
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        connection.begin()
        config.attributes["connection"] = connection
        command.upgrade(config, "a1")
        command.upgrade(config, "head")
        command.stamp(config, "a1")
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "a1"
        connection.rollback()
    engine.dispose()
    assert committed(sqlite_url) == ({}, [])


def test_commit_by_the_caller_keeps_everything(config, sqlite_url):
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        command.downgrade(config, "a1")
    engine.dispose()
    tables, rows = committed(sqlite_url)
    assert tables == {"account": ["id", "email"], "alembic_version": ["version_num"]} and rows == ["a1"]


FAILING = revision_text("b2", "a1", """
    - create_table:
        table_name: invoice
        columns: [{name: id, type: Integer, primary_key: true}]
    - add_column: {table_name: account, column: {name: note, type: Text}}
    - execute: "INSERT INTO no_such_table VALUES (1)"
""", downgrade="[]")


def test_a_failing_revision_rolls_back_to_its_savepoint(tmp_path, sqlite_url):
    """b2 fails after two operations: its savepoint takes them back, a1 stays in the caller's
    transaction, and the caller's commit keeps a1 only."""
    config = write_project(tmp_path, {"a1_account.yaml": REVISIONS["a1_account.yaml"],
                                      "b2_invoice.yaml": FAILING}, sqlite_url)
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        with pytest.raises(MigrationError) as info:
            command.upgrade(config, "head")
        assert "execute failed in revision b2" in info.value.message
    engine.dispose()
    assert committed(sqlite_url) == ({"account": ["id", "email"], "alembic_version": ["version_num"]},
                                     ["a1"])


def test_runner_engines_still_work_and_yamig_owns_its_transactions_otherwise(config, sqlite_url):
    """runner.runtime.engine.create_engine, and a plain connection with no transaction begun (yamig then
    commits each revision itself)."""
    from runner.runtime.engine import create_engine

    engine = create_engine(sqlite_url)
    with pytest.raises(Stop):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            raise Stop
    engine.dispose()
    assert committed(sqlite_url) == ({}, [])

    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "a1")
        assert not connection.in_transaction()
    engine.dispose()
    assert committed(sqlite_url)[1] == ["a1"]


def test_a_failing_revision_on_a_connection_without_a_transaction_is_rolled_back(tmp_path, sqlite_url):
    """No transaction begun by the caller: yamig's own transaction for b2 holds its DDL too."""
    config = write_project(tmp_path, {"a1_account.yaml": REVISIONS["a1_account.yaml"],
                                      "b2_invoice.yaml": FAILING}, sqlite_url)
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        with pytest.raises(MigrationError) as info:
            command.upgrade(config, "head")
        assert "the upgrade of b2 was rolled back" in info.value.hint
    engine.dispose()
    assert committed(sqlite_url) == ({"account": ["id", "email"], "alembic_version": ["version_num"]},
                                     ["a1"])
