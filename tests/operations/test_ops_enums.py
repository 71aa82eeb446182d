"""create_enum, drop_enum, add_enum_value, rename_enum_value: PostgreSQL's named enum types as
operations of their own, and columns that use one with `create_type=False`.

On PostgreSQL they are CREATE TYPE / DROP TYPE / ALTER TYPE; on SQLite and MariaDB, which keep an
enum's values in its column, they run nothing (as SQLAlchemy's ENUM.create() and the dialect check
of an Alembic script do) while the columns work as there. Each is checked online (the database read
back) and offline (the exact statements)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ..helpers import EVERY_DATABASE, revision_text, write_project

REVISIONS = {
    "a1_type.yaml": revision_text("a1", None, """
        - create_enum: {name: mood, values: [happy, sad]}
        - create_table:
            table_name: person
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: feeling, type: "Enum('happy', 'sad', 'meh', 'blue', name='mood', create_type=False)"}
        - add_column: {table_name: person, column: {name: was,
                       type: "postgresql.ENUM('happy', 'sad', name='mood', create_type=False)"}}
    """),
    "b2_values.yaml": revision_text("b2", "a1", """
        - add_enum_value: {name: mood, value: meh, after: happy}
        - add_enum_value: {name: mood, value: meh, if_not_exists: true}
        - rename_enum_value: {name: mood, old: sad, new: blue}
    """, downgrade="""
        - rename_enum_value: {name: mood, old: blue, new: sad}
    """),
    "c3_drop.yaml": revision_text("c3", "b2", """
        - drop_table: {table_name: person}
        - drop_enum: {name: mood}
    """),
}


def _read(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            tables = sorted(t for t in insp.get_table_names() if t == "person")
            found = {"tables": tables,
                     "columns": {c["name"]: str(c["type"]) for t in tables for c in insp.get_columns(t)}}
            if conn.dialect.name == "postgresql":
                found["enums"] = [(e["name"], e["labels"]) for e in insp.get_enums()]
            return found
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_enum_operations_online(tmp_path, db_url):
    config = write_project(tmp_path, REVISIONS, db_url)
    postgresql = db_url.startswith("postgresql")
    command.upgrade(config, "a1")
    at_a1 = _read(db_url)
    assert at_a1["tables"] == ["person"]
    if postgresql:
        assert at_a1["enums"] == [("mood", ["happy", "sad"])]   # once, by create_enum
    assert set(at_a1["columns"]) == {"id", "feeling", "was"}
    command.upgrade(config, "b2")
    if postgresql:
        assert _read(db_url)["enums"] == [("mood", ["happy", "meh", "blue"])]
        engine = sa.create_engine(db_url)
        with engine.begin() as conn:  # the column takes the new values: its type is the type altered
            conn.exec_driver_sql("INSERT INTO person (id, feeling, was) VALUES (1, 'meh', 'blue')")
            conn.exec_driver_sql("DELETE FROM person")
        engine.dispose()
    command.upgrade(config, "head")
    assert _read(db_url)["tables"] == []
    if postgresql:
        assert _read(db_url)["enums"] == []
    command.downgrade(config, "b2")   # derived: the table back, the type with the values it had
    if postgresql:
        assert _read(db_url)["enums"] == [("mood", ["happy", "meh", "blue"])]
    command.downgrade(config, "a1")   # written: the rename undone, the added value stays
    if postgresql:
        assert _read(db_url)["enums"] == [("mood", ["happy", "meh", "sad"])]
    command.downgrade(config, "base")  # derived: the table, then the type
    assert _read(db_url)["tables"] == []
    if postgresql:
        assert _read(db_url)["enums"] == []


def _script(config, run, target: str) -> list[str]:
    out = config.stdout = io.StringIO()
    run(config, target, sql=True)
    return [line for line in out.getvalue().splitlines() if "TYPE" in line or "mood" in line]


def test_enum_operations_offline_on_postgresql(tmp_path):
    config = write_project(tmp_path, REVISIONS, "postgresql://")
    assert _script(config, command.upgrade, "head") == [
        "CREATE TYPE mood AS ENUM ('happy', 'sad');",
        "    feeling mood, ",
        "ALTER TABLE person ADD COLUMN was mood;",
        "ALTER TYPE mood ADD VALUE 'meh' AFTER 'happy';",
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh';",
        "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
        "DROP TYPE mood;",
    ]
    assert _script(config, command.downgrade, "c3:base") == [
        "CREATE TYPE mood AS ENUM ('happy', 'meh', 'blue');",   # drop_enum's reverse: the values it had
        "    feeling mood, ",
        "    was mood, ",
        "ALTER TYPE mood RENAME VALUE 'blue' TO 'sad';",
        "DROP TYPE mood;",                                    # after the table, never for create_type=False
    ]


@pytest.mark.parametrize("url", ["sqlite://", "mysql://"])
def test_enum_operations_print_nothing_where_enums_live_in_the_column(tmp_path, url):
    config = write_project(tmp_path, REVISIONS, url)
    out = config.stdout = io.StringIO()
    command.upgrade(config, "head", sql=True)
    assert "TYPE" not in out.getvalue()
    assert "feeling" in out.getvalue()


def test_add_enum_value_has_no_derived_downgrade(tmp_path):
    revisions = {"a1_type.yaml": REVISIONS["a1_type.yaml"], "b2_add.yaml": revision_text("b2", "a1", """
        - add_enum_value: {name: mood, value: meh}
    """)}
    config = write_project(tmp_path, revisions, "postgresql://")
    config.stdout = io.StringIO()
    with pytest.raises(MigrationError) as err:
        command.downgrade(config, "b2:a1", sql=True)
    assert "PostgreSQL cannot remove a value from an enum type" in err.value.message
    assert "`downgrade: []` leaves the value in place" in err.value.hint
