"""The suite's MariaDB server, and both URL spellings a user writes for it with PyMySQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command

from ...helpers import revision_text, write_project


@pytest.mark.parametrize("scheme", ["mysql+pymysql", "mariadb+pymysql"])
def test_upgrade_and_downgrade_with_either_url(tmp_path, mariadb_url, scheme):
    url = sa.engine.make_url(mariadb_url).set(drivername=scheme).render_as_string(hide_password=False)
    config = write_project(tmp_path, {"a1_t.yaml": revision_text("a1", None, """
        - create_table:
            table_name: t
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: name, type: String(50), nullable: false}
        """)}, url)
    command.upgrade(config, "head")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert engine.dialect.name == scheme.split("+")[0]
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == ["a1"]
            assert [c["name"] for c in sa.inspect(conn).get_columns("t")] == ["id", "name"]
        command.downgrade(config, "base")
        with engine.connect() as conn:
            assert not sa.inspect(conn).has_table("t")
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM alembic_version").scalar() == 0
    finally:
        engine.dispose()
