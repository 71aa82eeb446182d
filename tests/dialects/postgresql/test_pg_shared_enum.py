"""A PostgreSQL enum type that several tables or columns of one revision share is created once,
by the first of them (issue 15: it was created once per table, so `CREATE TYPE` failed online and
`--sql` printed it twice); the derived downgrade drops it once, after the last table using it."""

from __future__ import annotations

import io

import sqlalchemy as sa

from runner import command

from ...helpers import revision_text, write_project

SHARED = revision_text("a1", None, """
    - create_table:
        table_name: person
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: feeling, type: "Enum('happy', 'sad', name='mood')"}
          - {name: last_feeling, type: "Enum('happy', 'sad', name='mood')"}
    - create_table:
        table_name: pet
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: feeling, type: "Enum('happy', 'sad', name='mood')"}
    - add_column: {table_name: pet, column: {name: was, type: "Enum('happy', 'sad', name='mood')"}}
""")


def _enums(url: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return [(e["name"], e["labels"]) for e in insp.get_enums()], sorted(insp.get_table_names())
    finally:
        engine.dispose()


def test_a_shared_enum_is_created_once_online_and_dropped_by_the_derived_downgrade(tmp_path, postgres_url):
    config = write_project(tmp_path, {"a1_shared.yaml": SHARED}, postgres_url)
    command.upgrade(config, "head")
    assert _enums(postgres_url) == ([("mood", ["happy", "sad"])],
                                    ["alembic_version", "person", "pet", "yamig_history"])
    command.downgrade(config, "base")
    assert _enums(postgres_url) == ([], ["alembic_version", "yamig_history"])


def test_offline_the_shared_enum_is_created_once_and_dropped_once(tmp_path):
    config = write_project(tmp_path, {"a1_shared.yaml": SHARED}, "postgresql://")
    out = config.stdout = io.StringIO()
    command.upgrade(config, "head", sql=True)
    assert out.getvalue().count("CREATE TYPE") == 1
    assert "CREATE TYPE mood AS ENUM ('happy', 'sad');" in out.getvalue()
    out = config.stdout = io.StringIO()
    command.downgrade(config, "a1:base", sql=True)
    script = out.getvalue()
    assert script.count("DROP TYPE") == 1
    assert script.index("DROP TABLE pet") < script.index("DROP TABLE person") < script.index("DROP TYPE mood")
