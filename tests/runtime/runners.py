"""What the concurrency and crash tests share: a project of many revisions that each leave a
row in a trace table, yamig runs as separate processes (`python -m runner`, this checkout on
PYTHONPATH), fresh databases, and the state of a database read back to compare runs."""

from __future__ import annotations

import collections
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from ..conftest import ROOT
from ..helpers import revision_text, write_project

REVISIONS = 50
IDS = [f"r{number:02d}" for number in range(REVISIONS)]
HEAD = IDS[-1]


def traced_project(root: Path, url: str, lock_timeout: float | None = None,
                   revisions: int = REVISIONS) -> Path:
    """The yamig.ini of a project r00..r49: r00 makes `trace`, every revision makes a table of
    its own and inserts its id into `trace`, and its downgrade takes both out again."""
    files = {"r00.yaml": revision_text("r00", None, """
        - create_table:
            table_name: trace
            columns: [{name: id, type: Integer, primary_key: true}, {name: revision, type: String(8)}]
        - bulk_insert: {table_name: trace, rows: [{revision: r00}]}
    """, downgrade="- drop_table: {table_name: trace}")}
    for rev, down in itertools.pairwise(IDS[:revisions]):
        files[f"{down}.yaml"] = revision_text(down, rev, f"""
            - create_table:
                table_name: t_{down}
                columns: [{{name: id, type: Integer, primary_key: true}}, {{name: v, type: String(20)}}]
            - create_index: {{index_name: ix_t_{down}_v, table_name: t_{down}, columns: [v]}}
            - bulk_insert: {{table_name: trace, rows: [{{revision: {down}}}]}}
        """, downgrade=f"""
            - execute: "DELETE FROM trace WHERE revision = '{down}'"
            - drop_table: {{table_name: t_{down}}}
        """)
    config = write_project(root, files, url)
    ini = Path(config.config_file_name)
    if lock_timeout is not None:
        ini.write_text(ini.read_text() + f"lock_timeout = {lock_timeout:g}\n")
    return ini


def start(ini: Path, *args: str, stderr=subprocess.PIPE) -> subprocess.Popen:
    """`yamig -c ini ARGS...` in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "runner", "-c", str(ini), *args], env=env,
                            stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ini.parent)


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    """Its exit code and what it printed on stderr."""
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err or ""


def wait_until(predicate, timeout: float = 30, what: str = "the condition"):
    """Poll `predicate` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def state(url: str) -> dict:
    """The schema as SQLAlchemy's inspector reads it, the version rows, and how many times
    each revision's trace row is there."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            tables = {}
            for name in sorted(inspector.get_table_names()):
                columns = inspector.get_columns(name)
                tables[name] = {
                    "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in columns],
                    "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
                    "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                      for i in inspector.get_indexes(name)),
                }
            versions = sorted(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()) \
                if "alembic_version" in tables else []
            trace = collections.Counter(conn.exec_driver_sql("SELECT revision FROM trace").scalars()) \
                if "trace" in tables else collections.Counter()
        return {"tables": tables, "versions": versions, "trace": dict(trace)}
    finally:
        engine.dispose()


class Databases:
    """Fresh empty databases of one kind for a test: SQLite files, or databases on the
    session's PostgreSQL server (dropped at the end)."""

    def __init__(self, kind: str, tmp_path: Path, server: str | None) -> None:
        self.kind, self.tmp_path, self.server = kind, tmp_path, server
        self.names: list[str] = []
        self.counter = itertools.count()

    def new(self) -> str:
        number = next(self.counter)
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp_path / f'db{number}.db'}"
        name = f"yamig_runs_{os.getpid()}_{number}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0')
        self.names.append(name)
        return sa.engine.make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.names:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(sql)
        finally:
            admin.dispose()
