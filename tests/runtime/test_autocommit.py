"""Operations PostgreSQL refuses in a transaction (CREATE / DROP INDEX CONCURRENTLY), run online.

yamig commits what ran before such an operation in its revision, runs it in autocommit and
goes on in a new transaction, which writes the version row; on a caller's transaction, which
yamig cannot commit, or with transaction_per_migration = false, it refuses before running anything.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ..helpers import ACCOUNT, revision_text, write_project

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
    assert ("the operations of r2 before its autocommit part (an autocommit_block, or a "
            "postgresql_concurrently index) were committed (it runs outside a transaction) and the "
            "version table does not record r2") in message
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


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
CONCURRENTLY = revision_text("a2", "a1", """
    - add_column: {table_name: account, column: {name: code, type: String(10)}}
    - create_index: {index_name: ix_account_code, table_name: account, columns: [code],
                     postgresql_concurrently: true}
    - create_index: {index_name: ix_account_phone, table_name: account, columns: [phone]}
""")


def _pg_indexes(url: str) -> list[str]:
    return sorted(ix["name"] for ix in sa.inspect(sa.create_engine(url)).get_indexes("account"))


def test_postgresql_concurrently_runs_outside_the_transaction(tmp_path, postgres_url):
    """`validate` advises postgresql_concurrently, but every revision ran in a transaction, where
    PostgreSQL refuses CREATE INDEX CONCURRENTLY: the option could not be used online at all.
    As Alembic's autocommit_block, what comes before it is committed and the rest runs after."""
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": CONCURRENTLY}, postgres_url)
    command.upgrade(cfg, "head")
    assert _pg_indexes(postgres_url) == ["ix_account_code", "ix_account_phone"]
    with sa.create_engine(postgres_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "a2"
    command.downgrade(cfg, "a1")
    assert _pg_indexes(postgres_url) == []


def test_postgresql_concurrently_failing_says_what_was_committed(tmp_path, postgres_url):
    """When the concurrent index fails, what ran before it in its revision is committed already:
    the hint says so, and the version row stays at the revision before."""
    failing = CONCURRENTLY.replace("columns: [code]", "columns: [nope]")
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": failing}, postgres_url)
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head", check=False)  # the database's answer, not the replay's
    assert "a2_index.yaml:5:5: create_index failed in revision a2: " in str(err.value)
    assert "postgresql_concurrently index) were committed" in err.value.hint
    with sa.create_engine(postgres_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "a1"


def test_postgresql_concurrently_in_one_transaction_is_refused_before_anything_runs(tmp_path, postgres_url):
    """With transaction_per_migration = false nothing may be committed before the concurrent
    index: the run is refused before anything runs, and the hint names the option."""
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": CONCURRENTLY}, postgres_url)
    cfg.set_main_option("transaction_per_migration", "false")
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head")
    assert "a2_index.yaml:5:5: create_index with postgresql_concurrently must run outside" in str(err.value)
    assert "transaction_per_migration = true" in err.value.hint
    assert not sa.inspect(sa.create_engine(postgres_url)).has_table("account")


def test_postgresql_drop_index_concurrently_runs_outside_the_transaction(tmp_path, postgres_url):
    """DROP INDEX CONCURRENTLY runs outside the transaction as CREATE INDEX CONCURRENTLY does;
    the downgrade gives the index back."""
    drop = revision_text("a3", "a2", "- drop_index: {index_name: ix_account_phone, table_name: account, "
                                     "postgresql_concurrently: true}")
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": CONCURRENTLY,
                                   "a3_drop.yaml": drop}, postgres_url)
    command.upgrade(cfg, "head")
    assert _pg_indexes(postgres_url) == ["ix_account_code"]
    command.downgrade(cfg, "a2")
    assert _pg_indexes(postgres_url) == ["ix_account_code", "ix_account_phone"]
