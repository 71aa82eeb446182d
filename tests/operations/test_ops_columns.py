"""add_column and drop_column: what a column declares, made and undone as SQLAlchemy and Alembic do."""

from __future__ import annotations

import sqlalchemy as sa

from runner import command

from ..helpers import ACCOUNT, offline_script, revision_text, write_project


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
def test_add_column_unique_and_indexed_makes_one_unique_index(tmp_path, db_url):
    """`unique: true, index: true` makes one unique index in SQLAlchemy (so in create_table and in
    Alembic's add_column); yamig's add_column added a UNIQUE constraint beside that index."""
    add = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: code, type: String(10), unique: true,
                                                     index: true}}
    """)
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_code.yaml": add}, db_url)
    command.upgrade(cfg, "head")
    inspector = sa.inspect(sa.create_engine(db_url))
    assert inspector.get_unique_constraints("account") == []
    assert [(ix["name"], ix["column_names"], bool(ix["unique"])) for ix in inspector.get_indexes("account")] \
        == [("ix_account_code", ["code"], True)]
    command.downgrade(cfg, "a1")
    assert sa.inspect(sa.create_engine(db_url)).get_indexes("account") == []


def test_mssql_drops_a_columns_default_before_the_column(tmp_path):
    """SQL Server refuses to drop a column that has a DEFAULT constraint: the derived downgrade of
    an add_column with a server_default failed there, and drop_column had no way to say so
    (Alembic: mssql_drop_default=True)."""
    add = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: status, type: String(10), nullable: false,
                                                     server_default: open}}
    """)
    drop = revision_text("a3", "a2", """
        - drop_column: {table_name: account, column_name: status, mssql_drop_default: true}
    """, downgrade="[]")
    revisions = {"a1_account.yaml": ACCOUNT, "a2_add.yaml": add}
    expected = ("declare @const_name varchar(256)\n"
                "select @const_name = QUOTENAME([name]) from sys.default_constraints\n"
                "where parent_object_id = object_id('account')\n"
                "and col_name(parent_object_id, parent_column_id) = 'status'\n"
                "exec('alter table account drop constraint ' + @const_name);\n\nGO\n\n"
                "ALTER TABLE account DROP COLUMN status;\n")
    assert expected in offline_script(tmp_path, revisions, "mssql://", "a2:a1", command.downgrade)
    assert expected in offline_script(tmp_path, {**revisions, "a3_drop.yaml": drop}, "mssql://", "a2:a3")
    script = offline_script(tmp_path, {**revisions, "a3_drop.yaml": drop}, "postgresql://", "a2:a3")
    assert "sys.default_constraints" not in script
