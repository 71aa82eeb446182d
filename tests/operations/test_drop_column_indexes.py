"""drop_column and the indexes that use the column in an expression or a WHERE: the database
drops them with it (SQLite refuses the DROP COLUMN, so yamig rebuilds the table without them),
the replayed state forgets them, and the derived downgrade makes them again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ..helpers import revision_text, write_project

TABLE = revision_text("a1", None, """
    - create_table: {table_name: t, columns: [{name: id, type: Integer, primary_key: true},
                                              {name: bio, type: String(50)}, {name: n, type: Integer}]}
    - create_index: {index_name: ix_t_lower_bio, table_name: t, columns: [{sql: lower(bio)}]}
    - create_index: {index_name: ix_t_has_bio, table_name: t, columns: [n],
                     postgresql_where: bio IS NOT NULL, sqlite_where: bio IS NOT NULL}
""")
DROP = revision_text("a2", "a1", """
    - drop_column: {table_name: t, column_name: bio}
""")


def _indexes(url: str) -> list[str]:
    with sa.create_engine(url).connect() as conn:
        if conn.dialect.name == "sqlite":
            return sorted(conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 't'").scalars())
        return sorted(conn.exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename = 't' AND indexname <> 't_pkey'").scalars())


def test_the_indexes_go_with_the_column_and_come_back_with_it(tmp_path, db_url):
    config = write_project(tmp_path, {"a1_t.yaml": TABLE, "a2_drop.yaml": DROP}, db_url)
    command.upgrade(config, "head")
    assert _indexes(db_url) == []
    assert [c["name"] for c in sa.inspect(sa.create_engine(db_url)).get_columns("t")] == ["id", "n"]
    command.downgrade(config, "a1")
    assert _indexes(db_url) == ["ix_t_has_bio", "ix_t_lower_bio"]


def test_a_drop_index_of_an_index_gone_with_its_column_is_refused_before_the_run(tmp_path, db_url):
    late = revision_text("a3", "a2", """
        - drop_index: {index_name: ix_t_lower_bio, table_name: t}
    """, downgrade="[]")
    config = write_project(tmp_path, {"a1_t.yaml": TABLE, "a2_drop.yaml": DROP, "a3_late.yaml": late},
                           db_url)
    command.upgrade(config, "a2")
    with pytest.raises(MigrationError) as err:
        command.upgrade(config, "head")
    expected = "a3_late.yaml:4:5: error state: index ix_t_lower_bio does not exist at this point"
    assert expected in str(err.value)
