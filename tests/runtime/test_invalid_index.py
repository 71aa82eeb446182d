"""A CONCURRENTLY index build that fails (or is killed) leaves its index INVALID: the failure's
hint says so and how to drop it, a rerun drops and rebuilds it (saying so) rather than take
`if_not_exists` as done, and the version table records the revision only once it is valid."""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError
from runner.sql.dialects import impl_for

from ..helpers import revision_text, write_project
from .runners import finish, start, wait_until

BASE = revision_text("r1", None, """
    - create_table:
        table_name: t
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: code, type: String(10)}
    - bulk_insert: {table_name: t, rows: [{id: 1, code: a}, {id: 2, code: a}]}
    """)


def project(tmp_path, url, if_not_exists: bool):
    extra = ", if_not_exists: true" if if_not_exists else ""
    return write_project(tmp_path, {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", f"""
        - create_index: {{index_name: ix_t_code, table_name: t, columns: [code], unique: true,
                         postgresql_concurrently: true{extra}}}
        """, downgrade="[]")}, url)


def state(url: str) -> tuple[bool | None, list[str]]:
    """ix_t_code's pg_index.indisvalid (None: no such index), and the version rows."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            valid = conn.execute(sa.text(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = 'ix_t_code'")).scalar()
            rows = list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        return valid, rows
    finally:
        engine.dispose()


def execute(url: str, sql: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


REBUILT = "index ix_t_code is INVALID, left by a build that did not finish: dropping it and building it again"


@pytest.mark.parametrize("if_not_exists", [False, True], ids=["plain", "if_not_exists"])
def test_failed_build_is_said_and_rebuilt_on_rerun(tmp_path, postgres_url, caplog, if_not_exists):
    config = project(tmp_path, postgres_url, if_not_exists)
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")  # duplicates: the unique build fails
    assert "r2.yaml:4:5: create_index failed in revision r2: " in str(info.value)
    assert info.value.hint.startswith("the failed build left index ix_t_code behind, INVALID")
    assert "`DROP INDEX CONCURRENTLY IF EXISTS ix_t_code`" in info.value.hint
    assert "the version table does not record r2" in info.value.hint
    assert state(postgres_url) == (False, ["r1"])

    caplog.set_level(logging.INFO, logger="runner")
    with pytest.raises(MigrationError):  # not fixed yet: dropped, built again, failed again
        command.upgrade(config, "head")
    assert REBUILT in caplog.text
    assert state(postgres_url) == (False, ["r1"])

    execute(postgres_url, "UPDATE t SET code = 'b' WHERE id = 2")
    caplog.clear()
    command.upgrade(config, "head")
    assert REBUILT in caplog.text
    assert state(postgres_url) == (True, ["r2"])


def test_killed_build_with_if_not_exists_is_rebuilt(tmp_path, postgres_url, caplog):
    """An INVALID index left before yamig ran (a build killed mid-way, here made by hand) is not
    taken as there by `if_not_exists`: it is dropped and built, then the revision recorded."""
    config = project(tmp_path, postgres_url, if_not_exists=True)
    command.upgrade(config, "r1")
    with pytest.raises(sa.exc.IntegrityError):
        execute(postgres_url, "CREATE UNIQUE INDEX CONCURRENTLY ix_t_code ON t (code)")
    execute(postgres_url, "UPDATE t SET code = 'b' WHERE id = 2")
    assert state(postgres_url) == (False, ["r1"])
    caplog.set_level(logging.INFO, logger="runner")
    command.upgrade(config, "head")
    assert REBUILT in caplog.text
    assert state(postgres_url) == (True, ["r2"])


def test_build_check_fails_on_an_invalid_index(tmp_path, postgres_url):
    """The statement run after each CONCURRENTLY build (a concurrent IF NOT EXISTS may find
    another run's unfinished index and do nothing) fails unless the index is valid."""
    command.upgrade(write_project(tmp_path, {"r1.yaml": BASE}, postgres_url), "head")
    impl = impl_for("postgresql")
    check = impl.index_build_check({"index_name": "ix_t_code", "table_name": "t",
                                    "postgresql_concurrently": True})
    assert impl.index_build_check({"index_name": "ix_t_code", "table_name": "t"}) is None
    with pytest.raises(sa.exc.IntegrityError):
        execute(postgres_url, "CREATE UNIQUE INDEX CONCURRENTLY ix_t_code ON t (code)")
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            assert impl.index_validity(conn, "ix_t_code", None) is False
            with pytest.raises(sa.exc.DBAPIError, match="index ix_t_code is INVALID after its build"):
                conn.execute(check)
            conn.exec_driver_sql("DROP INDEX ix_t_code")
            conn.exec_driver_sql("CREATE INDEX ix_t_code ON t (code)")
            assert impl.index_validity(conn, "ix_t_code", None) is True
            conn.execute(check)  # a valid index: nothing to say
            assert impl.index_validity(conn, "ix_nope", None) is None
    finally:
        engine.dispose()


WAITING_BUILD = ("SELECT pid, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = "
                 "current_database() AND query LIKE 'CREATE UNIQUE INDEX CONCURRENTLY%'")


def test_killed_build_is_rebuilt_on_rerun(tmp_path, postgres_url):
    """The real case: `yamig upgrade head` (a process of its own) builds the index CONCURRENTLY,
    which waits for an old snapshot another connection holds; the runner is killed (-9) there.
    A backend waiting on a lock reads nothing from its socket, so by default PostgreSQL would let
    the build go on and finish, unrecorded; yamig's sessions set client_connection_check_interval
    (PostgreSQL 14 and later), so the server notices the dead client within a second and aborts
    the build, leaving the index INVALID. The rerun drops it, builds it again and records r2,
    once."""
    config = project(tmp_path, postgres_url, if_not_exists=False)
    command.upgrade(config, "r1")
    execute(postgres_url, "UPDATE t SET code = 'b' WHERE id = 2")  # unique: the build can succeed
    holder = sa.create_engine(postgres_url, isolation_level="REPEATABLE READ")
    try:
        with holder.connect() as snapshot:
            snapshot.execute(sa.text("SELECT count(*) FROM t")).scalar()  # the snapshot is taken
            runner = start(Path(config.config_file_name), "upgrade", "head")
            watcher = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
            try:
                with watcher.connect() as conn:
                    def waiting():
                        row = conn.execute(sa.text(WAITING_BUILD)).first()
                        return row if row is not None and row.wait_event_type == "Lock" else None

                    build = wait_until(waiting, what="the CONCURRENTLY build to wait for the snapshot")
                    runner.kill()
                    code, _ = finish(runner)
                    assert code == -signal.SIGKILL
                    assert build.pid  # no pg_terminate_backend: the server ends the build itself
                    wait_until(lambda: conn.execute(sa.text(WAITING_BUILD)).first() is None,
                               what="the server to notice the dead client and abort the build")
            finally:
                watcher.dispose()
            snapshot.rollback()  # the snapshot is released
    finally:
        holder.dispose()
    assert state(postgres_url) == (False, ["r1"])

    rerun = start(Path(config.config_file_name), "upgrade", "head")
    code, err = finish(rerun)
    assert code == 0 and REBUILT in err, err
    assert state(postgres_url) == (True, ["r2"])
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            indexes = conn.execute(sa.text("SELECT count(*) FROM pg_class WHERE relname = 'ix_t_code'"))
            assert indexes.scalar() == 1
            history = conn.execute(sa.text("SELECT direction, outcome FROM yamig_history "
                                           "WHERE revision = 'r2' ORDER BY id")).all()
    finally:
        engine.dispose()
    assert history == [("upgrade", "success")]  # recorded once: the killed run left no row


def test_an_index_the_naming_convention_names_is_found_invalid_by_that_name(tmp_path, postgres_url):
    """index_name: null under [naming_convention]: the failed build's hint and the rerun use the
    name the convention gave it."""
    config = write_project(tmp_path, {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", """
        - create_index: {index_name: null, table_name: t, columns: [code], unique: true,
                         postgresql_concurrently: true}
        """, downgrade="[]")}, postgres_url)
    ini = Path(config.config_file_name)
    ini.write_text(ini.read_text() + "\n[naming_convention]\nix = ix_%%(table_name)s_%%(column_0_name)s\n")
    config = type(config)(str(ini))
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert info.value.hint.startswith("the failed build left index ix_t_code behind, INVALID")
    execute(postgres_url, "UPDATE t SET code = 'b' WHERE id = 2")
    command.upgrade(config, "head")
    assert state(postgres_url) == (True, ["r2"])
