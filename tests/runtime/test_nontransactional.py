"""A revision that fails where DDL commits itself (MariaDB): the operations it completed are
undone with their derived reverses, the version table stays at the previous revision and the
history row says what ran and what was undone; what cannot be undone is said, recorded and
refuses the revision until `repair`. Where DDL is transactional the rollback does it all."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from runner import command
from runner.commands.display import history_lines
from runner.errors import MigrationError
from runner.runtime.history import HistoryTable

from ..helpers import revision_text, write_project

A1 = revision_text("a1", None, """
    - create_table:
        table_name: account
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: email, type: String(255), nullable: false, server_default: none, comment: login}
""")
B2 = revision_text("b2", "a1", """
    - add_column:
        table_name: account
        column: {name: phone, type: String(30)}
""")
FAILS = '- execute: "ALTER TABLE no_such_table ADD x INT"'
C3 = revision_text("c3", "b2", f"""
    - create_table:
        table_name: note
        columns:
          - {{name: id, type: Integer, primary_key: true}}
          - {{name: account_id, type: Integer, foreign_key: {{column: account.id}}}}
    - alter_column: {{table_name: account, column_name: email, type: String(300)}}
    {FAILS}
""")


def project(tmp_path, url, c3=C3):
    return write_project(tmp_path, {"a1.yaml": A1, "b2.yaml": B2, "c3.yaml": c3}, url)


def schema(url) -> dict:
    """Every table as the inspector reads it back (the version and history tables left out)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {name: {
                "columns": [(c["name"], str(c["type"]), c["nullable"], c["default"], c.get("comment"))
                            for c in inspector.get_columns(name)],
                "pk": inspector.get_pk_constraint(name)["constrained_columns"],
                "fks": sorted(str(fk) for fk in inspector.get_foreign_keys(name)),
                "indexes": sorted(str(ix) for ix in inspector.get_indexes(name)),
            } for name in inspector.get_table_names() if name not in ("alembic_version", "yamig_history")}
    finally:
        engine.dispose()


def query(url, sql) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def failed_row(url) -> tuple:
    (row,) = query(url, "SELECT outcome, failed_operation, completed, undone, left_behind "
                        "FROM yamig_history WHERE revision = 'c3'")
    return row[:2] + tuple(None if value is None else json.loads(value) for value in row[2:])


def test_the_completed_operations_are_undone_in_reverse_order(tmp_path, mariadb_url, caplog):
    config = project(tmp_path, mariadb_url)
    command.upgrade(config, "b2")
    before = schema(mariadb_url)
    caplog.set_level(logging.INFO, logger="runner")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")

    assert "execute failed in revision c3" in info.value.message
    assert info.value.hint.startswith("DDL commits itself on this database: the completed operations "
                                      "1-2 of c3 were undone; the database is at b2")
    undid = [r.getMessage() for r in caplog.records if r.getMessage().startswith("undid")]
    assert undid == ["undid alter_column account.email (revision c3, operation 2)",
                     "undid create_table note (revision c3, operation 1)"]
    assert schema(mariadb_url) == before  # NOT NULL, the default and the comment came back too
    assert query(mariadb_url, "SELECT version_num FROM alembic_version") == [("b2",)]
    assert failed_row(mariadb_url) == ("failed", 2, [0, 1], [1, 0], None)

    (tmp_path / "versions" / "c3.yaml").write_text(C3.replace(FAILS, ""))
    command.upgrade(config, "head")  # nothing of c3 is left in the way
    assert query(mariadb_url, "SELECT version_num FROM alembic_version") == [("c3",)]


def test_a_failure_at_the_first_operation_has_nothing_to_undo(tmp_path, mariadb_url):
    config = project(tmp_path, mariadb_url, revision_text("c3", "b2", FAILS))
    command.upgrade(config, "b2")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert "nothing of c3 had run before it: the database and its version table are at b2" in info.value.hint
    assert failed_row(mariadb_url) == ("failed", 0, [], [], None)
    with pytest.raises(MigrationError, match="execute failed in revision c3"):  # not refused
        command.upgrade(config, "head")


IRREVERSIBLE = {
    "execute": ("- execute: CREATE TABLE side (id INT PRIMARY KEY)",
                "execute", "CREATE TABLE side (id INT PRIMARY KEY)",
                "`execute` cannot be reversed automatically", "DROP TABLE side"),
    "drop_column": ("- drop_column: {table_name: account, column_name: phone}",
                    "drop_column account.phone", "ALTER TABLE account DROP COLUMN phone",
                    "its data is gone", "ALTER TABLE account ADD phone VARCHAR(30)"),
}


@pytest.mark.parametrize("kind", sorted(IRREVERSIBLE))
def test_an_operation_that_cannot_be_undone_refuses_the_revision_until_repair(tmp_path, mariadb_url,
                                                                             kind, caplog):
    first, name, statement, why, by_hand = IRREVERSIBLE[kind]
    c3 = revision_text("c3", "b2", f"""
        {first}
        - create_table:
            table_name: note
            columns: [{{name: id, type: Integer, primary_key: true}}]
        {FAILS}
    """)
    config = project(tmp_path, mariadb_url, c3)
    command.upgrade(config, "b2")
    caplog.set_level(logging.INFO, logger="runner")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    hint = info.value.hint
    assert "what ran of c3 could not all be undone (operation 2 was undone)" in hint
    assert f"operation 1, {name}: {why}" in hint and f"it ran: {statement}" in hint
    assert "The version table records b2" in hint and "`yamig repair c3 --reason ...`" in hint
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("undid")] == [
        "undid create_table note (revision c3, operation 2)"]
    outcome, index, completed, undone, left = failed_row(mariadb_url)
    assert (outcome, index, completed, undone) == ("failed", 2, [0, 1], [1])
    assert [(item["operation"], item["name"], item["statements"]) for item in left] == [
        (0, name, [statement])]
    assert why in left[0]["why"]
    engine = sa.create_engine(mariadb_url)
    with engine.connect() as conn:
        assert "failed at #2, undid #1, left #0" in history_lines(HistoryTable().rows(conn))[-1]
    engine.dispose()

    (tmp_path / "versions" / "c3.yaml").write_text(c3.replace(FAILS, ""))
    with pytest.raises(MigrationError) as refused:
        command.upgrade(config, "head")
    assert refused.value.message.startswith("revision c3 failed on this database (its upgrade at ")
    assert f"operation 1, {name}: {why}" in refused.value.message and statement in refused.value.message
    assert "`yamig repair c3 --reason ...`" in refused.value.hint
    assert query(mariadb_url, "SELECT count(*) FROM yamig_history WHERE revision = 'c3'") == [(1,)]

    query_engine = sa.create_engine(mariadb_url)
    with query_engine.begin() as conn:  # dealt with by hand
        conn.exec_driver_sql(by_hand)
    query_engine.dispose()
    assert command.repair(config, "c3", reason="undone by hand") == ["c3"]
    command.upgrade(config, "head")
    assert query(mariadb_url, "SELECT version_num FROM alembic_version") == [("c3",)]
    assert query(mariadb_url, "SELECT direction, outcome, reason FROM yamig_history "
                              "WHERE revision = 'c3' ORDER BY id")[1:] == [
        ("repair", "success", "undone by hand"), ("upgrade", "success", None)]


def test_repair_without_revisions_includes_what_was_left_behind(tmp_path, mariadb_url):
    c3 = revision_text("c3", "b2", f"""
        - execute: CREATE TABLE side (id INT PRIMARY KEY)
        {FAILS}
    """)
    config = project(tmp_path, mariadb_url, c3)
    command.upgrade(config, "b2")
    with pytest.raises(MigrationError):
        command.upgrade(config, "head")
    assert command.repair(config) == ["c3"]
    assert command.repair(config) == []


def test_where_ddl_is_transactional_the_rollback_does_it(tmp_path, db_url, caplog):
    config = project(tmp_path, db_url)
    command.upgrade(config, "b2")
    before = schema(db_url)
    caplog.set_level(logging.INFO, logger="runner")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert "the upgrade of c3 was rolled back" in info.value.hint
    assert not [r for r in caplog.records if r.getMessage().startswith("undid")]
    assert schema(db_url) == before
    assert failed_row(db_url) == ("failed", 2, None, None, None)
    with pytest.raises(MigrationError, match="execute failed in revision c3"):  # not refused
        command.upgrade(config, "head")


def test_one_transaction_for_the_run_is_one_per_revision_where_ddl_commits_itself(tmp_path, mariadb_url):
    """transaction_per_migration = false would hold only the version rows there: a1's would be
    rolled back by b2's failure while its table stays."""
    b2 = revision_text("b2", "a1", """
        - bulk_insert: {table_name: account, rows: [{id: 1, email: a}, {id: 1, email: b}]}
    """)
    config = write_project(tmp_path, {"a1.yaml": A1, "b2.yaml": b2}, mariadb_url)
    config.set_main_option("transaction_per_migration", "false")
    with pytest.raises(MigrationError, match="Duplicate entry"):
        command.upgrade(config, "head")
    assert query(mariadb_url, "SELECT version_num FROM alembic_version") == [("a1",)]
    assert query(mariadb_url, "SELECT revision, outcome FROM yamig_history ORDER BY id") == [
        ("a1", "success"), ("b2", "failed")]


def test_a_failed_downgrade_is_undone_too(tmp_path, mariadb_url):
    c3 = revision_text("c3", "b2", """
        - create_index: {index_name: ix_account_phone, table_name: account, columns: [phone]}
    """, downgrade=f"""
        - drop_index: {{index_name: ix_account_phone, table_name: account}}
        {FAILS}
    """)
    config = project(tmp_path, mariadb_url, c3)
    command.upgrade(config, "head")
    before = schema(mariadb_url)
    with pytest.raises(MigrationError) as info:
        command.downgrade(config, "b2")
    assert "the completed operation 1 of c3 was undone; the database is at c3" in info.value.hint
    assert schema(mariadb_url) == before
    assert query(mariadb_url, "SELECT version_num FROM alembic_version") == [("c3",)]
    (row,) = query(mariadb_url, "SELECT direction, failed_operation, completed, undone FROM yamig_history "
                                "WHERE outcome = 'failed'")
    assert row == ("downgrade", 1, "[0]", "[0]")
