"""The applied-history table on SQLite and PostgreSQL, read back with SQL: a row per revision
applied, reverted or stamped, a failure's row after its rollback, a baseline on a database
taken over with only alembic_version, and drift refused at the first changed operation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError, RevisionsChanged

from ..helpers import revision_text, write_project

A1 = revision_text("a1", None, """
    - create_table:
        table_name: account
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: email, type: String(255), nullable: false}
""")
B2 = revision_text("b2", "a1", """
    - add_column:
        table_name: account
        column: {name: phone, type: String(30)}
""")
C3_FAILS = revision_text("c3", "b2", """
    - add_column:
        table_name: account
        column: {name: note, type: Text}
    - execute: "INSERT INTO no_such_table VALUES (1)"
""")


def project(tmp_path, url, extra=None):
    return write_project(tmp_path, {"a1.yaml": A1, "b2.yaml": B2, **(extra or {})}, url)


def rows(url, columns="revision, direction, outcome, failed_operation"):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(
                f"SELECT {columns} FROM yamig_history ORDER BY id")]
    finally:
        engine.dispose()


def test_a_row_per_revision_applied_reverted_and_stamped(tmp_path, db_url):
    config = project(tmp_path, db_url)
    command.upgrade(config, "head")
    command.downgrade(config, "-1")
    command.stamp(config, "head")
    command.stamp(config, "base")
    assert rows(db_url) == [
        ("a1", "upgrade", "success", None), ("b2", "upgrade", "success", None),
        ("b2", "downgrade", "success", None),
        ("b2", "stamp", "success", None),
        ("b2", "stamp", "success", None), ("a1", "stamp", "success", None)]
    full = rows(db_url, "checksum, operations, started_at, finished_at, duration_ms, yamig_version, "
                        "run_by, reason")
    assert all(len(r[0]) == 64 for r in full[:4]) and full[4][0] is full[5][0] is None  # stamped below
    assert full[0][0] != full[1][0] == full[2][0] == full[3][0]  # b2's checksum, each time
    assert all(r[2] <= r[3] and r[4] >= 0 and r[5] == "0.1.0" and "@" in r[6] for r in full)
    assert full[4][7] == "stamped below: no longer applied"


@pytest.mark.parametrize("per_migration", [True, False])
def test_a_failed_revision_gets_its_row_after_the_rollback(tmp_path, db_url, per_migration):
    config = project(tmp_path, db_url, {"c3.yaml": C3_FAILS})
    config.set_main_option("transaction_per_migration", str(per_migration).lower())
    with pytest.raises(MigrationError):
        command.upgrade(config, "head")
    expected = [("c3", "upgrade", "failed", 1)]
    if per_migration:  # a1 and b2 were committed before c3 ran
        expected = [("a1", "upgrade", "success", None), ("b2", "upgrade", "success", None)] + expected
    assert rows(db_url) == expected


def test_a_database_with_only_alembic_version_gets_a_baseline(tmp_path, db_url):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # as Alembic left it: its version table and the schema
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                             "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('a1')")
        conn.exec_driver_sql("CREATE TABLE account (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL)")
    engine.dispose()
    config = project(tmp_path, db_url)
    command.upgrade(config, "head")
    assert rows(db_url, "revision, direction, reason") == [
        ("a1", "baseline", "taken over: the database had no history table"),
        ("b2", "upgrade", None)]


def test_an_edited_applied_revision_is_refused_at_its_first_changed_operation(tmp_path, db_url):
    config = project(tmp_path, db_url)
    command.upgrade(config, "a1")
    edited = A1.replace("String(255)", "String(200)")
    (tmp_path / "versions" / "a1.yaml").write_text(edited)
    with pytest.raises(RevisionsChanged) as info:
        command.upgrade(config, "head")
    assert f"{tmp_path / 'versions' / 'a1.yaml'}:4:5: a1 (checksum of its upgrade at " in info.value.message
    with pytest.raises(RevisionsChanged):
        command.current(config, check_changed=True)
    assert rows(db_url, "revision") == [("a1",)]  # nothing ran
    command.upgrade(config, "head", allow_changed=True)
    assert rows(db_url, "revision, direction, reason")[-1] == ("b2", "upgrade", "--allow-changed: a1 changed")
    with pytest.raises(RevisionsChanged):
        command.downgrade(config, "-1")
    assert command.repair(config, reason="widened on purpose") == ["a1"]
    assert rows(db_url, "revision, direction, reason")[-1] == ("a1", "repair", "widened on purpose")
    command.downgrade(config, "-1")
    assert command.repair(config) == []


def test_repair_names_applied_revisions_only(tmp_path, sqlite_url):
    config = project(tmp_path, sqlite_url)
    command.upgrade(config, "a1")
    with pytest.raises(MigrationError, match="revision b2 is not applied"):
        command.repair(config, ["b2"])
    assert command.repair(config, ["a1"], reason="checked") == ["a1"]
