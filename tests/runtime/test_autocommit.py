"""Operations PostgreSQL refuses in a transaction (CREATE / DROP INDEX CONCURRENTLY), run online.

yamig commits what ran before such an operation in its revision, runs it in autocommit and
goes on in a new transaction, which writes the version row; on a caller's transaction, which
yamig cannot commit, it refuses before running anything. (tests/test_user_trial.py has the
plain case and the refusal with transaction_per_migration = false.)
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ..helpers import revision_text, write_project

BASE = revision_text("r1", None, """
    - create_table:
        table_name: t
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: code, type: String(10)}
    - bulk_insert: {table_name: t, rows: [{id: 1, code: a}, {id: 2, code: b}]}
    """)


def _project(tmp_path, url, upgrade: str, downgrade: str | None = None):
    return write_project(tmp_path, {"r1.yaml": BASE,
                                    "r2.yaml": revision_text("r2", "r1", upgrade, downgrade)}, url)


def _read(url: str) -> tuple[dict, list, dict]:
    """t's schema (indexes, pg_index.indisvalid of each, columns), the version rows, t's rows."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            indexes = {ix["name"]: ix["column_names"] for ix in insp.get_indexes("t")}
            rows = sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
            valid = dict(conn.execute(sa.text(
                "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = 't'")).all())
            columns = [c["name"] for c in insp.get_columns("t")]
            return {"indexes": indexes, "valid": valid, "columns": columns}, rows, \
                dict(conn.execute(sa.text("SELECT id, code FROM t")).all())
    finally:
        engine.dispose()


def test_concurrent_index_between_transactional_operations(tmp_path, postgres_url):
    config = _project(tmp_path, postgres_url, """
        - add_column: {table_name: t, column: {name: note, type: Text}}
        - create_index: {index_name: ix_t_code, table_name: t, columns: [code], postgresql_concurrently: true}
        - execute: "UPDATE t SET note = 'x'"
        """, downgrade="""
        - drop_index: {index_name: ix_t_code, table_name: t, postgresql_concurrently: true}
        - drop_column: {table_name: t, column_name: note}
        """)
    command.upgrade(config, "head")
    schema, rows, _ = _read(postgres_url)
    assert schema["indexes"] == {"ix_t_code": ["code"]}
    assert schema["valid"] == {"t_pkey": True, "ix_t_code": True}
    assert schema["columns"] == ["id", "code", "note"]
    assert rows == ["r2"]
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM t WHERE note = 'x'")).scalar() == 2
    engine.dispose()

    command.downgrade(config, "r1")  # DROP INDEX CONCURRENTLY: outside a transaction too
    schema, rows, _ = _read(postgres_url)
    assert schema["indexes"] == {} and schema["columns"] == ["id", "code"] and rows == ["r1"]


def test_failure_after_the_concurrent_index(tmp_path, postgres_url):
    """What ran up to the concurrent index stays; the rest of the revision and its version row do not."""
    config = _project(tmp_path, postgres_url, """
        - add_column: {table_name: t, column: {name: note, type: Text}}
        - create_index: {index_name: ix_t_code, table_name: t, columns: [code], postgresql_concurrently: true}
        - execute: "UPDATE t SET code = 'z'"
        - execute: "INSERT INTO no_such_table VALUES (1)"
        """, downgrade="[]")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    message = str(info.value)
    assert message.startswith(f"{tmp_path}/versions/r2.yaml:7:5: execute failed in revision r2: ")
    assert ("the operations of r2 before its postgresql_concurrently index were committed (it runs "
            "outside a transaction) and the version table does not record r2") in message
    schema, rows, data = _read(postgres_url)
    assert schema["indexes"] == {"ix_t_code": ["code"]} and schema["valid"]["ix_t_code"] is True
    assert schema["columns"] == ["id", "code", "note"]   # committed before the index
    assert data == {1: "a", 2: "b"}                       # the UPDATE after it rolled back
    assert rows == ["r1"]


def test_failing_concurrent_index(tmp_path, postgres_url):
    config = _project(tmp_path, postgres_url, """
        - add_column: {table_name: t, column: {name: note, type: Text}}
        - create_index: {index_name: ix_t_code, table_name: t, columns: [code], unique: true,
                         postgresql_concurrently: true}
        """, downgrade="[]")
    engine = sa.create_engine(postgres_url)
    command.upgrade(config, "r1")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE t SET code = 'a'"))  # a duplicate: the unique index fails
    engine.dispose()
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    message = str(info.value)
    assert message.startswith(f"{tmp_path}/versions/r2.yaml:5:5: create_index failed in revision r2: ")
    schema, rows, _ = _read(postgres_url)
    assert schema["valid"].get("ix_t_code") is False and rows == ["r1"]
    assert schema["columns"] == ["id", "code", "note"]


def test_caller_transaction_is_refused_before_anything_runs(tmp_path, postgres_url):
    config = _project(tmp_path, postgres_url, """
        - add_column: {table_name: t, column: {name: note, type: Text}}
        - create_index: {index_name: ix_t_code, table_name: t, columns: [code], postgresql_concurrently: true}
        """, downgrade="[]")
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        transaction = connection.begin()
        config.attributes["connection"] = connection
        with pytest.raises(MigrationError) as info:
            command.upgrade(config, "head")
        assert not sa.inspect(connection).has_table("t")   # not even r1 ran
        transaction.rollback()
    engine.dispose()
    assert str(info.value).startswith(
        f"{tmp_path}/versions/r2.yaml:5:5: create_index with postgresql_concurrently must run outside a "
        "transaction, and revision r2 runs inside one that yamig does not commit per revision\n")
    assert "do not pass a connection in a transaction" in info.value.hint


def test_caller_connection_without_a_transaction(tmp_path, postgres_url):
    config = _project(tmp_path, postgres_url, """
        - create_index: {index_name: ix_t_code, table_name: t, columns: [code], postgresql_concurrently: true}
        """)
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        assert connection.get_isolation_level() != "AUTOCOMMIT"   # given back as it was
    engine.dispose()
    schema, rows, _ = _read(postgres_url)
    assert schema["indexes"] == {"ix_t_code": ["code"]} and rows == ["r2"]
