"""Names over PostgreSQL's 63 bytes, and a column named twice: an error where the name is
written, before any statement runs, never SQLAlchemy's own error as an internal one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError, RevisionFileError

from ...helpers import revision_text, write_project

LONG = "n" * 64


def _versions(url: str) -> list[str]:
    with sa.create_engine(url).connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return []
        return list(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())


@pytest.mark.parametrize("check", [True, False])
def test_a_constraint_name_over_63_bytes_is_refused_where_it_is_written(tmp_path, postgres_url, check):
    """SQLAlchemy's IdentifierError ended the run as an internal error; with the checks (and
    without them, where the statement is built) the error points at the name."""
    tables = revision_text("a1", None, f"""
        - create_table:
            table_name: t
            columns:
              - {{name: id, type: Integer, primary_key: true}}
            constraints:
              - {{unique: [id], name: uq_{LONG}}}
    """)
    config = write_project(tmp_path, {"a1_t.yaml": tables}, postgres_url)
    with pytest.raises(MigrationError) as err:
        command.upgrade(config, "head", check=check)
    assert "a1_t.yaml:9:32:" in str(err.value)
    assert f"constraint name uq_{LONG} is 67 bytes, over the 63 it takes" in str(err.value)
    assert _versions(postgres_url) == []
    assert "t" not in sa.inspect(sa.create_engine(postgres_url)).get_table_names()


@pytest.mark.parametrize("operation", [
    f"create_index: {{index_name: ix_{LONG}, table_name: t, columns: [x]}}",
    f"create_foreign_key: {{constraint_name: fk_{LONG}, source_table: t, referent_table: t, "
    "local_cols: [x], remote_cols: [id]}",
    f"create_check_constraint: {{constraint_name: ck_{LONG}, table_name: t, condition: x > 0}}",
    f"add_column: {{table_name: t, column: {{name: y, type: Integer, foreign_key: "
    f"{{column: t.id, name: fk_{LONG}}}}}}}",
])
def test_index_and_constraint_names_over_the_limit_are_positioned_errors(tmp_path, postgres_url,
                                                                        operation):
    ops = revision_text("a1", None, f"""
        - create_table: {{table_name: t, columns: [{{name: id, type: Integer, primary_key: true}},
                                                  {{name: x, type: Integer}}]}}
        - {operation}
    """)
    config = write_project(tmp_path, {"a1_t.yaml": ops}, postgres_url)
    with pytest.raises(MigrationError) as err:
        command.upgrade(config, "head", check=False)
    assert "a1_t.yaml:6:" in str(err.value) and "over the 63 it takes on PostgreSQL" in str(err.value)
    assert _versions(postgres_url) == []


def test_a_long_column_name_without_the_checks_is_cut_as_under_alembic(tmp_path, postgres_url):
    """PostgreSQL cuts a table or column name itself: the checks refuse it (identifier-length),
    --no-check runs it as Alembic would."""
    ops = revision_text("a1", None, f"""
        - create_table: {{table_name: t, columns: [{{name: id, type: Integer, primary_key: true}},
                                                  {{name: {LONG}, type: Integer}}]}}
    """)
    config = write_project(tmp_path, {"a1_t.yaml": ops}, postgres_url)
    with pytest.raises(MigrationError) as err:
        command.upgrade(config, "head")
    assert "a1_t.yaml:5:52: error identifier-length: column name" in str(err.value)
    command.upgrade(config, "head", check=False)
    columns = [c["name"] for c in sa.inspect(sa.create_engine(postgres_url)).get_columns("t")]
    assert columns == ["id", LONG[:63]]


def test_a_unique_constraint_naming_a_column_twice_is_the_databases_to_judge(tmp_path, postgres_url):
    """The statement's stand-in table had the column twice: SQLAlchemy's DuplicateColumnError."""
    ops = revision_text("a1", None, """
        - create_table: {table_name: t, columns: [{name: id, type: Integer, primary_key: true},
                                                  {name: x, type: Integer}]}
        - create_unique_constraint: {constraint_name: uq_t_x, table_name: t, columns: [x, x]}
    """)
    command.upgrade(write_project(tmp_path, {"a1_t.yaml": ops}, postgres_url), "head")
    uniques = sa.inspect(sa.create_engine(postgres_url)).get_unique_constraints("t")
    assert [u["name"] for u in uniques] == ["uq_t_x"]


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_create_table_with_a_column_named_twice_is_a_file_error(tmp_path, db_url):
    ops = revision_text("a1", None, """
        - create_table: {table_name: t, columns: [{name: id, type: Integer, primary_key: true},
                                                  {name: id, type: String(3)}]}
    """)
    config = write_project(tmp_path, {"a1_t.yaml": ops}, db_url)
    with pytest.raises(RevisionFileError) as err:
        command.upgrade(config, "head", check=False)
    assert "a1_t.yaml:5:52: table t has two columns named id" in str(err.value)
    assert _versions(db_url) == []
