"""An offline script is what the database receives: `upgrade --sql` applied with psql (PostgreSQL)
and sqlite3 gives the data and defaults an online run of the same revisions gives.

The revisions put `%` where a pyformat driver would double it — a table name, a column name,
a server default, a bulk_insert literal and `execute` text — since psql and sqlite3 read the
script as it is printed, with no driver to undo the doubling.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import pytest
import sqlalchemy as sa

from runner import command

from ..helpers import offline_script, revision_text, write_project

PERCENT = {
    "p1_percent.yaml": revision_text("p1", None, """
        - create_table:
            table_name: "sale%"
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: "label%", type: String(40), nullable: false, server_default: "50% off"}
              - {name: note, type: String(40)}
        - bulk_insert:
            table_name: "sale%"
            rows:
              - {id: 1, "label%": "10% more", note: "%(name)s and %s"}
              - {id: 2, note: "100%%"}
        - execute: "INSERT INTO \\"sale%\\" (id, note) VALUES (3, 'LIKE ''a%''')"
        """),
    "p2_more.yaml": revision_text("p2", "p1", """
        - add_column: {table_name: "sale%", column: {name: rate, type: String(10), server_default: "5%"}}
        - execute: "UPDATE \\"sale%\\" SET rate = '7%' WHERE note LIKE '%more%' OR id = 1"
        """),
}

DIALECTS = ["postgresql", "mysql", "mariadb", "mssql", "oracle", "sqlite"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_percent_is_printed_once(tmp_path, dialect):
    """`%` appears as written, never doubled, whatever the dialect's driver paramstyle."""
    script = offline_script(tmp_path, PERCENT, f"{dialect}://")
    assert "sale%" in script and "label%" in script and "50% off" in script
    assert "10% more" in script and "%(name)s and %s" in script and "'a%'" in script
    assert "'7%'" in script and "'5%'" in script
    assert script.count("%%") == 1 and "100%%" in script  # the one the revision wrote twice


def read_back(url: str) -> tuple:
    """The table's rows and each column's default, and the version rows."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            columns = {c["name"]: str(c["default"]) for c in sa.inspect(conn).get_columns("sale%")}
            table = sa.Table("sale%", sa.MetaData(), autoload_with=conn)
            rows = [tuple(row) for row in conn.execute(sa.select(table).order_by(table.c.id))]
            versions = list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        return columns, rows, versions
    finally:
        engine.dispose()


def online(tmp_path, url: str) -> tuple:
    command.upgrade(write_project(tmp_path / "online", PERCENT, url), "head")
    return read_back(url)


EXPECTED_ROWS = [(1, "10% more", "%(name)s and %s", "7%"), (2, "50% off", "100%%", "5%"),
                 (3, "50% off", "LIKE 'a%'", "5%")]


def test_sqlite_script_applied_with_sqlite3(tmp_path):
    script = offline_script(tmp_path / "offline", PERCENT, "sqlite://")
    database = tmp_path / "offline.db"
    with sqlite3.connect(database) as conn:
        conn.executescript(script)
    conn.close()
    applied = read_back(f"sqlite:///{database}")
    assert applied == online(tmp_path, f"sqlite:///{tmp_path / 'online.db'}")
    assert applied[1] == EXPECTED_ROWS
    assert applied[0]["label%"] == "'50% off'" and applied[2] == ["p2"]


def _psql() -> str:
    found = shutil.which("psql") or next(
        (p for p in ("/usr/local/bin/psql", "/usr/bin/psql") if os.path.exists(p)), None)
    if found is None:
        pytest.skip("psql is not installed")
    return found


def test_postgresql_script_applied_with_psql(tmp_path, postgres_url, postgres_server):
    psql = _psql()
    script = tmp_path / "upgrade.sql"
    script.write_text(offline_script(tmp_path / "offline", PERCENT, "postgresql://"))
    libpq = sa.engine.make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    done = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq, "-f", str(script)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    applied = read_back(postgres_url)

    other = sa.engine.make_url(postgres_url)
    name = f"{other.database}_online"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
        online_url = other.set(database=name).render_as_string(hide_password=False)
        assert applied == online(tmp_path, online_url)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    assert applied[1] == EXPECTED_ROWS
    assert applied[0]["label%"] == "'50% off'::character varying" and applied[2] == ["p2"]
