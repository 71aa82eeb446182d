"""alter_column to a PostgreSQL enum type: the type is created first when it does not exist yet
(online: the database says; offline: the replayed state), once, and a derived downgrade drops
the type its upgrade created, as create_table and add_column do for theirs; the derived
downgrades of drop_table and drop_column, which leave their type behind, do not make it again."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from runner import command

from ...helpers import revision_text, write_project

MOOD = "Enum('a', 'b', name='mood')"
REVISIONS = {
    "a1_base.yaml": revision_text("a1", None, """
        - create_table:
            table_name: person
            columns: [{name: id, type: Integer, primary_key: true}, {name: feeling, type: String(10)}]
        - create_table:
            table_name: pet
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: feeling, type: String(10)}
              - {name: tone, type: "Enum('x', 'y', name='tone')"}
        - bulk_insert: {table_name: person, rows: [{id: 1, feeling: a}, {id: 2, feeling: b}]}
        - bulk_insert: {table_name: pet, rows: [{id: 1, feeling: b, tone: x}]}
    """),
    "b2_enum.yaml": revision_text("b2", "a1", f"""
        - alter_column: {{table_name: person, column_name: feeling, type: "{MOOD}",
                         existing_type: String(10), postgresql_using: "feeling::mood"}}
        - alter_column: {{table_name: pet, column_name: feeling, type: "{MOOD}",   # mood exists by now
                         existing_type: String(10), postgresql_using: "feeling::mood"}}
    """),
}


def shape(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return {
                "enums": sorted((e["name"], tuple(e["labels"])) for e in insp.get_enums()),
                "types": {t: {c["name"]: getattr(c["type"], "name", None) or str(c["type"])
                              for c in insp.get_columns(t)} for t in ("person", "pet")},
                "rows": [conn.exec_driver_sql("SELECT id, feeling::text FROM person ORDER BY id").all(),
                         conn.exec_driver_sql("SELECT id, feeling::text, tone::text FROM pet").all()],
            }
    finally:
        engine.dispose()


def test_alter_column_creates_the_enum_type_and_the_derived_downgrade_drops_it(tmp_path, postgres_url):
    config = write_project(tmp_path, REVISIONS, postgres_url)
    command.upgrade(config, "a1")
    before = shape(postgres_url)
    assert before["enums"] == [("tone", ("x", "y"))]
    command.upgrade(config, "head")
    after = shape(postgres_url)
    assert after["enums"] == [("mood", ("a", "b")), ("tone", ("x", "y"))]   # tone stays, as Alembic
    assert after["types"] == {"person": {"id": "INTEGER", "feeling": "mood"},
                              "pet": {"id": "INTEGER", "feeling": "mood", "tone": "tone"}}
    assert after["rows"] == before["rows"]
    command.downgrade(config, "a1")   # derived: back to VARCHAR, and mood is gone again
    assert shape(postgres_url) == before


def _statements(script: str) -> list[str]:
    """The script's statements about types and the altered columns, comments left out."""
    lines = [line for line in script.splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if re.search(r"feeling|TYPE", s)]


def test_offline_the_type_is_created_once_and_dropped_by_the_derived_downgrade(tmp_path):
    config = write_project(tmp_path, REVISIONS, "postgresql://")
    out = config.stdout = io.StringIO()
    command.upgrade(config, "a1:b2", sql=True)
    script = out.getvalue()
    statements = _statements(script)
    assert statements == [
        "CREATE TYPE mood AS ENUM ('a', 'b')",
        "ALTER TABLE person ALTER COLUMN feeling TYPE mood USING feeling::mood",
        "ALTER TABLE pet ALTER COLUMN feeling TYPE mood USING feeling::mood",
    ]
    out = config.stdout = io.StringIO()
    command.downgrade(config, "b2:a1", sql=True)
    statements = _statements(out.getvalue())
    assert statements == [
        "ALTER TABLE pet ALTER COLUMN feeling TYPE VARCHAR(10)",
        "ALTER TABLE person ALTER COLUMN feeling TYPE VARCHAR(10)",
        "DROP TYPE mood",
    ]


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
TICKET = revision_text("a1", None, """
    - create_table:
        table_name: ticket
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: state, type: "Enum('open', 'closed', name='ticket_state')"}
          - {name: level, type: "Enum('low', 'high', name='ticket_level')"}
""")


def test_derived_downgrade_of_a_dropped_enum_column_or_table(tmp_path, postgres_url):
    """drop_table and drop_column leave a PostgreSQL enum type behind (as Alembic's do), and their
    derived downgrades created it again: `type "ticket_state" already exists`, no way down."""
    drops = revision_text("a2", "a1", """
        - drop_column: {table_name: ticket, column_name: level}
        - drop_table: {table_name: ticket}
    """)
    cfg = write_project(tmp_path, {"a1_ticket.yaml": TICKET, "a2_drop.yaml": drops}, postgres_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "a1")
    inspector = sa.inspect(sa.create_engine(postgres_url))
    assert [c["name"] for c in inspector.get_columns("ticket")] == ["id", "state", "level"]
    command.downgrade(cfg, "base")  # the derived drop_table of a1 drops the types it made
    assert {e["name"] for e in sa.inspect(sa.create_engine(postgres_url)).get_enums()} == set()
    command.upgrade(cfg, "head")
