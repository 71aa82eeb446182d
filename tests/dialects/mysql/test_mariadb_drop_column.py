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
