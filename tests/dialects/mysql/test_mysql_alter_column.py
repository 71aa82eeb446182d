"""alter_column on MariaDB keeps what it does not mention: MODIFY restates the whole column, so
yamig fills existing_* from the replayed state, online as in --sql."""

from __future__ import annotations

import io

import sqlalchemy as sa

from runner import command

from ...helpers import revision_text, write_project

BASE = revision_text("a1", None, """
    - create_table:
        table_name: item
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: name, type: String(50), nullable: false, server_default: x, comment: shown}
    """)


def executed(statements: list[str]):
    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))
    return listen


def test_a_type_change_keeps_not_null_the_default_and_the_comment(tmp_path, mariadb_url):
    config = write_project(tmp_path, {
        "a1_base.yaml": BASE,
        "b2_widen.yaml": revision_text("b2", "a1", """
            - alter_column: {table_name: item, column_name: name, type: String(80)}
            """),
    }, mariadb_url)
    command.upgrade(config, "a1")
    ran: list[str] = []
    listener = executed(ran)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", listener)
    try:
        command.upgrade(config, "head")
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", listener)

    engine = sa.create_engine(mariadb_url)
    try:
        with engine.connect() as conn:
            (column,) = [c for c in sa.inspect(conn).get_columns("item") if c["name"] == "name"]
    finally:
        engine.dispose()
    assert str(column["type"]) == "VARCHAR(80)"
    assert (column["nullable"], column["default"], column["comment"]) == (False, "'x'", "shown")

    config.stdout = io.StringIO()
    command.upgrade(config, "a1:b2", sql=True)
    printed = [" ".join(chunk.split()).rstrip(";") for chunk in config.stdout.getvalue().split("\n\n")]
    alter = "ALTER TABLE item MODIFY name VARCHAR(80) NOT NULL DEFAULT 'x' COMMENT 'shown'"
    assert alter in printed
    assert alter in ran


def test_a_written_existing_value_wins(tmp_path, mariadb_url):
    config = write_project(tmp_path, {
        "a1_base.yaml": BASE,
        "b2_widen.yaml": revision_text("b2", "a1", """
            - alter_column: {table_name: item, column_name: name, type: String(80),
                             existing_comment: renamed, existing_server_default: null}
            """),
    }, mariadb_url)
    command.upgrade(config, "head")
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.connect() as conn:
            (column,) = [c for c in sa.inspect(conn).get_columns("item") if c["name"] == "name"]
    finally:
        engine.dispose()
    assert (column["nullable"], column["default"], column["comment"]) == (False, None, "renamed")
