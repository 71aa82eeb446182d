"""On MariaDB a statement waits for another connection's lock at most `lock_timeout`, as the
run's own lock does: DDL behind an idle transaction would otherwise wait a year (MySQL's
lock_wait_timeout), holding every later query on the table behind it."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from ...conftest import ROOT
from ...helpers import revision_text, write_project


def test_ddl_behind_a_metadata_lock_gives_up_after_lock_timeout(tmp_path, mariadb_url):
    config = write_project(tmp_path, {
        "r1.yaml": revision_text("r1", None, """
            - create_table: {table_name: t, columns: [{name: id, type: Integer, primary_key: true}]}
            """),
        "r2.yaml": revision_text("r2", "r1",
                                 "- add_column: {table_name: t, column: {name: v, type: Integer}}"),
    }, mariadb_url)
    ini = tmp_path / "yamig.ini"
    ini.write_text(ini.read_text() + "lock_timeout = 1\n")
    yamig = [sys.executable, "-m", "runner", "-c", str(ini)]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    subprocess.run([*yamig, "upgrade", "r1"], check=True, env=env, capture_output=True, timeout=60)
    del config
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql("SELECT * FROM t")  # an open transaction: a metadata lock on t
            done = subprocess.run([*yamig, "upgrade", "head"], env=env, capture_output=True,
                                  text=True, timeout=60)
            holder.rollback()
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            columns = [c["name"] for c in sa.inspect(conn).get_columns("t")]
    finally:
        engine.dispose()
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "past lock_timeout" in done.stderr
    assert (version, columns) == ("r1", ["id"])
