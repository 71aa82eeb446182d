"""Runners at once on one database, as separate processes: one migrates at a time (the run's
lock: PostgreSQL's advisory lock, MariaDB's GET_LOCK, SQLite's lock file), the others wait, say
who holds the lock, re-read the version table and find the work done; each revision runs
exactly once. MariaDB commits each DDL statement, so there it is the lock alone that keeps
the trace rows, the tables and the version row consistent.

Before the lock on SQLite, 8 runners left one exit 0 and the others failing "table already
exists" (some with an unhandled "database is locked").
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import sqlalchemy as sa

from runner.config import Config
from runner.runtime.executor import lock

from ..helpers import EVERY_DATABASE
from .runners import HEAD, IDS, finish, start, state, traced_project, wait_until

RUNNERS = 8


def consistent(snapshot: dict) -> None:
    """The database is where its version table says: every revision up to it applied once."""
    at = IDS.index(snapshot["versions"][0]) + 1 if snapshot["versions"] else 0
    assert snapshot["trace"] == {rev: 1 for rev in IDS[:at]}
    expected = {f"t_{rev}" for rev in IDS[1:at]} | ({"trace"} if at else set()) \
        | {"alembic_version", "yamig_history"}
    assert set(snapshot["tables"]) == expected


@pytest.mark.parametrize("trial", range(2))
@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_eight_runners_upgrade_each_revision_once(tmp_path, db_url, trial):
    ini = traced_project(tmp_path, db_url)
    runners = [start(ini, "upgrade", "head") for _ in range(RUNNERS)]
    results = [finish(runner) for runner in runners]
    assert [code for code, _ in results] == [0] * RUNNERS, [err for code, err in results if code]
    snapshot = state(db_url)
    assert snapshot["versions"] == [HEAD]
    consistent(snapshot)
    # one of them ran the 50 revisions; the others found them done once they held the lock
    assert sorted(err.count("Running upgrade") for _, err in results) == [0] * (RUNNERS - 1) + [len(IDS)]


@pytest.mark.parametrize("trial", range(2))
@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_an_upgrade_and_a_downgrade_at_once_both_end_cleanly(tmp_path, db_url, trial):
    ini = traced_project(tmp_path, db_url)
    assert finish(start(ini, "upgrade", "r25"))[0] == 0
    runners = [start(ini, "upgrade", "head"), start(ini, "downgrade", "base")]
    results = [finish(runner) for runner in runners]
    assert [code for code, _ in results] == [0, 0], results
    consistent(state(db_url))


def _holder(connection: sa.Connection) -> str:
    """How a waiting runner names the holder: the process for SQLite's lock file, the backend
    for PostgreSQL, the connection for MariaDB."""
    if connection.dialect.name == "postgresql":
        return f"pid {connection.exec_driver_sql('SELECT pg_backend_pid()').scalar()} "
    if connection.dialect.name in ("mysql", "mariadb"):
        return f"connection id {connection.exec_driver_sql('SELECT CONNECTION_ID()').scalar()} ("
    return f"pid {os.getpid()} "


_DETAIL = {"postgresql": "application_name", "mysql": "root@127.0.0.1", "mariadb": "root@127.0.0.1",
           "sqlite": " since "}


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_a_waiting_runner_says_who_holds_the_lock_then_runs(tmp_path, db_url):
    ini = traced_project(tmp_path, db_url, lock_timeout=60)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    log = tmp_path / "stderr.txt"
    with engine.connect() as connection, lock(connection, Config(str(ini))):
        holder = _holder(connection)
        with log.open("w") as err:
            runner = start(ini, "upgrade", "head", stderr=err)
            line = wait_until(lambda: re.search(r"waiting for the lock on .*", log.read_text()),
                              timeout=30, what="the runner's waiting line").group(0)
        assert holder in line and "lock_timeout = 60 s" in line
        assert _DETAIL[connection.dialect.name] in line
        assert runner.poll() is None  # still waiting
    assert finish(runner)[0] == 0
    engine.dispose()
    assert state(db_url)["versions"] == [HEAD]


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_a_runner_gives_up_after_lock_timeout_having_run_nothing(tmp_path, db_url):
    ini = traced_project(tmp_path, db_url, lock_timeout=1)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection, lock(connection, Config(str(ini))):
        holder = _holder(connection)
        code, err = finish(start(ini, "upgrade", "head"))
    engine.dispose()
    assert code == 1, err
    assert "gave up waiting for the lock on " in err and "after 1 s: it is held by " in err
    assert holder in err
    assert "hint: nothing was run." in err and "raise lock_timeout" in err
    assert state(db_url) == {"tables": {}, "versions": [], "trace": {}}


def test_lock_timeout_must_be_seconds(tmp_path, sqlite_url):
    from runner import command
    from runner.errors import ConfigError

    ini = traced_project(tmp_path, sqlite_url, revisions=2)
    ini.write_text(ini.read_text() + "lock_timeout = soon\n")
    with pytest.raises(ConfigError) as err:
        command.upgrade(Config(str(ini)), "head")
    assert str(err.value).startswith(f"{ini}:4: lock_timeout must be a number of seconds, not 'soon'")
    for good, seconds in (("0", 0.0), ("2.5", 2.5)):
        ini.write_text(re.sub(r"lock_timeout = .*", f"lock_timeout = {good}", ini.read_text()))
        assert Config(str(ini)).lock_timeout == seconds
    ini.write_text(re.sub(r"lock_timeout = .*\n", "", ini.read_text()))
    assert Config(str(ini)).lock_timeout == 300


def test_sqlite_writer_in_the_way_waits_then_is_a_clear_error(tmp_path):
    """Another program's write transaction on the file: yamig waits for it (busy timeout =
    lock_timeout) and, if it outlasts that, says so with exit 1, not an internal error."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'app.db'}"
    ini = traced_project(tmp_path, url, lock_timeout=1, revisions=3)
    app = sqlite3.connect(tmp_path / "app.db", isolation_level=None)
    app.execute("CREATE TABLE app (x INTEGER)")
    app.execute("BEGIN IMMEDIATE")
    app.execute("INSERT INTO app VALUES (1)")
    code, err = finish(start(ini, "upgrade", "head"))
    assert code == 1, err
    assert "database is locked" in err and "Traceback" not in err and "bug in yamig" not in err
    assert "Fix the revision" not in err
    app.execute("COMMIT")
    runner = start(ini, "upgrade", "head")  # a writer that lets go within lock_timeout is waited for
    app.execute("BEGIN IMMEDIATE")
    app.execute("INSERT INTO app VALUES (2)")
    subprocess.run(["sleep", "0.5"])
    app.execute("COMMIT")
    assert finish(runner)[0] == 0
    app.close()
    assert state(url)["versions"] == ["r02"]


def test_postgresql_concurrently_is_not_blocked_by_a_waiting_runner(tmp_path, postgres_url):
    """CREATE INDEX CONCURRENTLY waits for the transactions with an older snapshot, and a
    session blocked in pg_advisory_lock has one (backend_xmin) for as long as it waits, for the
    build's own runner. Waiters poll pg_try_advisory_lock instead, idle in no transaction
    between tries: the build finishes while one waits, and the waiter then finds it done."""
    from ..helpers import revision_text, write_project

    write_project(tmp_path, {
        "a1.yaml": revision_text("a1", None, """
            - create_table:
                table_name: t
                columns: [{name: id, type: Integer, primary_key: true}, {name: code, type: String(10)}]
        """),
        "a2.yaml": revision_text("a2", "a1", """
            - create_index: {index_name: ix_t_code, table_name: t, columns: [code],
                             postgresql_concurrently: true}
        """),
    }, postgres_url)
    ini = tmp_path / "yamig.ini"
    assert finish(start(ini, "upgrade", "a1"))[0] == 0
    engine = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    with engine.connect() as blocker, \
            engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
        blocker.exec_driver_sql("INSERT INTO t VALUES (1, 'x')")  # holds t: the build waits for it
        first = start(ini, "upgrade", "head")
        wait_until(lambda: watch.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' "
            "AND wait_event_type = 'Lock'")).scalar(), what="the build to wait for the blocker")
        log = tmp_path / "second.txt"
        with log.open("w") as err:
            second = start(ini, "upgrade", "head", stderr=err)
            wait_until(lambda: "waiting for the lock" in log.read_text(), what="the second runner")
        blocker.commit()  # the build goes on: it must not wait for the second runner
        assert finish(first, timeout=30)[0] == 0
        assert finish(second, timeout=30)[0] == 0
        valid = watch.exec_driver_sql(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_t_code'::regclass").scalar()
    engine.dispose()
    assert valid is True
    assert state(postgres_url)["versions"] == ["a2"]
