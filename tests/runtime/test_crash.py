"""A runner killed with SIGKILL at any point leaves nothing a rerun cannot finish: each revision
is one transaction, and the run's lock goes with the process (the OS drops SQLite's flock, the
server the session's advisory lock or GET_LOCK). The rerun's schema, version rows and trace rows
equal a clean run's.

MariaDB commits each DDL statement, so a kill in the middle of a revision leaves the part of it
that ran, which no rollback undoes, and the rerun's create_table then fails: there the runner is
killed between revisions only (stopped, and killed once the database shows no revision half
done; else let go on a little and stopped again). What is tested there is the lock going with
the session, and a rerun finishing from where the version table says.
"""

from __future__ import annotations

import random
import signal
import time
import types

import pytest
import sqlalchemy as sa

from .runners import HEAD, IDS, Databases, finish, start, state, traced_project, wait_until

POINTS = 8  # kill points per database, seeded: after the k-th revision's log line, or at start-up
SEED = 14


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def databases(request, tmp_path):
    if request.param == "mariadb":
        yield types.SimpleNamespace(kind="mariadb", new=request.getfixturevalue("mariadb_databases"))
        return
    server = request.getfixturevalue("postgres_server") if request.param == "postgresql" else None
    found = Databases(request.param, tmp_path, server)
    yield found
    if server:
        found.drop_all()


def _points() -> list[tuple[int, float]]:
    """(revisions announced before the kill, then a little more time): spread over the run,
    one in the start-up (0: before the first revision, while it loads, connects, locks)."""
    rng = random.Random(SEED)
    afters = [0] + sorted(rng.sample(range(1, len(IDS)), POINTS - 1))
    return [(after, rng.uniform(0, 0.3 if after == 0 else 0.02)) for after in afters]


def test_killed_runs_converge_to_a_clean_run(tmp_path, databases):
    clean_url = databases.new()
    clean_ini = traced_project(tmp_path / "clean", clean_url)
    assert finish(start(clean_ini, "upgrade", "head"))[0] == 0
    clean = state(clean_url)
    assert clean["versions"] == [HEAD] and set(clean["trace"].values()) == {1}

    interrupted = partial = 0
    for number, (after, extra) in enumerate(_points()):
        url = databases.new()
        ini = traced_project(tmp_path / f"run{number}", url)
        log = ini.parent / "stderr.txt"
        with log.open("w") as err:
            runner = start(ini, "upgrade", "head", stderr=err)
            if after:
                wait_until(lambda a=after, f=log, r=runner: f.read_text().count("Running upgrade") >= a
                           or r.poll() is not None, timeout=60, what=f"revision {after}")
            time.sleep(extra)
            if databases.kind == "mariadb":
                _stop_between_revisions(runner, url)
            interrupted += runner.poll() is None
            runner.send_signal(signal.SIGKILL)
            runner.wait()
        partial += 0 < len(state(url)["trace"]) < len(IDS)  # killed between revisions' commits
        code, err = finish(start(ini, "upgrade", "head"))
        assert code == 0, (after, err)
        assert state(url) == clean, f"killed after {after} revisions"
    assert interrupted >= POINTS - 1  # the kills landed while the runner was running,
    # and some between two revisions' commits (on a loaded machine a runner may race past a
    # kill point to the end; the bound keeps the test killing mid-run without a timing flake)
    assert partial >= POINTS // 4


BOOKKEEPING = {"alembic_version", "yamig_history"}


def _stop_between_revisions(runner, url: str) -> None:
    """SIGSTOP the runner where no revision is half done: its session idle on the server (no
    statement of it still running there) and the committed tables, trace rows and version row
    agreeing. Until then it is let go on for a moment and stopped again."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    rng = random.Random(SEED)
    try:
        with engine.connect() as watch:
            while runner.poll() is None:
                runner.send_signal(signal.SIGSTOP)
                wait_until(lambda: not watch.exec_driver_sql(
                    "SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() "
                    "AND id <> CONNECTION_ID() AND command <> 'Sleep'").scalar(),
                    timeout=10, what="the runner's statement to end on the server")
                if _between_revisions(watch):
                    return
                runner.send_signal(signal.SIGCONT)
                time.sleep(rng.uniform(0, 0.01))
    finally:
        engine.dispose()


def _between_revisions(watch: sa.Connection) -> bool:
    """Every revision up to the version row applied, with its table and trace row, and no other."""
    tables = set(watch.exec_driver_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()").scalars())
    versions = list(watch.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()) \
        if "alembic_version" in tables else []
    at = IDS.index(versions[0]) + 1 if versions else 0
    trace = sorted(watch.exec_driver_sql("SELECT revision FROM trace").scalars()) \
        if "trace" in tables else []
    return trace == IDS[:at] and tables - BOOKKEEPING == {f"t_{rev}" for rev in IDS[1:at]} \
        | ({"trace"} if at else set())
