"""drop_column on MariaDB: a check that names the column (and others) goes first."""

from __future__ import annotations

import sqlalchemy as sa

from runner import command

from ...helpers import revision_text, write_project

START = """
- create_table:
    table_name: span
    columns:
      - {name: id, type: Integer, primary_key: true}
      - {name: lo, type: Integer}
      - {name: hi, type: Integer}
    constraints:
      - {check: lo <= hi, name: ck_span_range}
      - {check: lo >= 0, name: ck_span_lo}
"""


def checks(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(c["name"] for c in sa.inspect(conn).get_check_constraints("span"))
    finally:
        engine.dispose()


def test_drop_column_a_check_names_and_its_derived_downgrade(tmp_path, mariadb_url):
    config = write_project(tmp_path, {
        "r1_start.yaml": revision_text("r1", None, START),
        "r2_drop.yaml": revision_text("r2", "r1", "- drop_column: {table_name: span, column_name: hi}"),
    }, mariadb_url)
    command.upgrade(config, "head")
    assert checks(mariadb_url) == ["ck_span_lo"]
    command.downgrade(config, "r1")   # derived: the column, then its check
    assert checks(mariadb_url) == ["ck_span_lo", "ck_span_range"]
    command.downgrade(config, "base")


def test_a_written_downgrade_drops_the_column_with_its_check(tmp_path, mariadb_url):
    """The check came with the column: the downgrade's drop_column drops both (on PostgreSQL too)."""
    config = write_project(tmp_path, {
        "r1_start.yaml": revision_text("r1", None, START),
        "r2_add.yaml": revision_text("r2", "r1", """
            - add_column: {table_name: span, column: {name: mid, type: Integer}}
            - create_check_constraint: {constraint_name: ck_span_mid, table_name: span,
                                        condition: lo <= mid AND mid <= hi}
            """, downgrade="- drop_column: {table_name: span, column_name: mid}"),
    }, mariadb_url)
    command.upgrade(config, "head")
    assert checks(mariadb_url) == ["ck_span_lo", "ck_span_mid", "ck_span_range"]
    command.downgrade(config, "r1")
    assert checks(mariadb_url) == ["ck_span_lo", "ck_span_range"]
    command.downgrade(config, "base")


KEYED = """
- create_table:
    table_name: owner
    columns:
      - {name: id, type: Integer, primary_key: true}
- create_table:
    table_name: pet
    columns:
      - {name: id, type: Integer, primary_key: true}
      - {name: owner_id, type: Integer, foreign_key: {column: owner.id}}
      - {name: vet_id, type: Integer}
      - {name: lo, type: Integer}
      - {name: hi, type: Integer}
    constraints:
      - {foreign_key: {columns: [vet_id], references: [owner.id]}, name: fk_pet_vet}
      - {check: lo <= hi}
"""


def foreign_keys(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return sorted((tuple(fk["constrained_columns"]), fk["referred_table"])
                          for fk in inspector.get_foreign_keys("pet"))
    finally:
        engine.dispose()


def pet_columns(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [c["name"] for c in sa.inspect(conn).get_columns("pet")]
    finally:
        engine.dispose()


def test_a_written_drop_column_drops_its_foreign_keys_first(tmp_path, mariadb_url):
    """MariaDB refuses to drop a column a foreign key uses (error 1553), where Alembic's user writes
    the drop_constraint by the name MariaDB made up: yamig drops the key first, an unnamed one
    looked up by its column, and the derived downgrade puts column and key back."""
    config = write_project(tmp_path, {
        "r1_start.yaml": revision_text("r1", None, KEYED),
        "r2_drop.yaml": revision_text("r2", "r1", """
            - drop_column: {table_name: pet, column_name: owner_id}
            - drop_column: {table_name: pet, column_name: vet_id}
            """),
    }, mariadb_url)
    command.upgrade(config, "head")
    assert pet_columns(mariadb_url) == ["id", "lo", "hi"]
    assert foreign_keys(mariadb_url) == []
    command.downgrade(config, "r1")
    assert foreign_keys(mariadb_url) == [(("owner_id",), "owner"), (("vet_id",), "owner")]
    command.downgrade(config, "base")


def test_a_check_the_database_named_does_not_block_drop_column(tmp_path, mariadb_url):
    """An unnamed check on two columns (MariaDB names it CONSTRAINT_1) blocks dropping either of
    them: yamig looks it up and drops it first."""
    config = write_project(tmp_path, {
        "r1_start.yaml": revision_text("r1", None, KEYED),
        "r2_drop.yaml": revision_text(
            "r2", "r1", "- drop_column: {table_name: pet, column_name: hi}",
            downgrade="- add_column: {table_name: pet, column: {name: hi, type: Integer}}"),
    }, mariadb_url)
    engine = sa.create_engine(mariadb_url)
    try:
        command.upgrade(config, "r1")
        with engine.connect() as conn:
            assert len(sa.inspect(conn).get_check_constraints("pet")) == 1
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert sa.inspect(conn).get_check_constraints("pet") == []
    finally:
        engine.dispose()
    assert pet_columns(mariadb_url) == ["id", "owner_id", "vet_id", "lo"]


def test_the_sql_script_drops_the_keys_it_looks_up(tmp_path, mariadb_url, capsys):
    """--sql prints the same lookup, and the script runs on the server as printed."""
    config = write_project(tmp_path, {
        "r1_start.yaml": revision_text("r1", None, KEYED),
        "r2_drop.yaml": revision_text("r2", "r1", "- drop_column: {table_name: pet, column_name: owner_id}"),
    }, mariadb_url)
    command.upgrade(config, "r1")
    capsys.readouterr()
    command.upgrade(config, "r1:r2", sql=True)
    script = capsys.readouterr().out
    assert "FROM information_schema.KEY_COLUMN_USAGE" in script
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.begin() as conn:
            for statement in script.split(";\n"):
                body = "\n".join(line for line in statement.splitlines() if not line.startswith("--"))
                if body.strip() and body.strip() not in ("BEGIN", "COMMIT"):
                    conn.exec_driver_sql(body.replace("%", "%%"))
    finally:
        engine.dispose()
    assert foreign_keys(mariadb_url) == [(("vet_id",), "owner")]
    assert "owner_id" not in pet_columns(mariadb_url)
