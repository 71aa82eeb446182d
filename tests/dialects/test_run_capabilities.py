"""The capabilities a run needs from its dialect: transactional DDL on a live connection,
savepoints, the run lock, and SQLite's engine set-up."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from runner.sql.dialects import impl_for


def test_sqlite_ddl_is_transactional_only_on_a_prepared_engine(sqlite_url):
    plain = sa.create_engine(sqlite_url)
    prepared = sa.create_engine(sqlite_url)
    impl = impl_for(prepared.dialect)
    impl.prepare_engine(prepared)
    with plain.connect() as connection:
        assert not impl.transactional_ddl_on(connection)
        assert not impl.savepoints_work(connection)
        connection.begin()
        impl.begin_on_driver(connection)  # a caller's connection: yamig opens the driver's transaction
        assert impl.transactional_ddl_on(connection) and impl.savepoints_work(connection)
        connection.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        connection.rollback()
        assert not sa.inspect(connection).has_table("t")
    with prepared.connect() as connection:
        assert impl.transactional_ddl_on(connection) and impl.savepoints_work(connection)
        with connection.begin():
            connection.exec_driver_sql("CREATE TABLE t (a INTEGER)")
            connection.exec_driver_sql("DROP TABLE t")
    plain.dispose()
    prepared.dispose()


def test_other_dialects_say_it_without_a_connection():
    assert impl_for("postgresql").transactional_ddl_on(None)
    assert impl_for("mssql").transactional_ddl_on(None)
    assert not impl_for("mysql").transactional_ddl_on(None)
    assert impl_for("mysql").savepoints_work(None)


def test_the_default_lock_is_a_no_op():
    with impl_for("a-dialect-yamig-does-not-know").lock(None, "yamig:.alembic_version"):
        pass


@pytest.mark.parametrize("in_transaction", [False, True])
def test_postgresql_lock_keeps_a_second_run_out(postgres_url, in_transaction):
    engine = sa.create_engine(postgres_url)
    impl = impl_for(engine.dialect)
    name = "yamig:.alembic_version"
    entered = threading.Event()

    def second() -> None:
        with engine.connect() as other, impl.lock(other, name):
            entered.set()

    with engine.connect() as connection:
        if in_transaction:
            connection.begin()
        with impl.lock(connection, name):
            thread = threading.Thread(target=second)
            thread.start()
            assert not entered.wait(0.5)  # blocked while the lock is held
            if in_transaction:
                connection.commit()  # a transaction's lock goes with it
        thread.join(10)
        assert entered.is_set()
    engine.dispose()


@pytest.mark.parametrize("in_transaction", [False, True])
def test_mariadb_lock_keeps_a_second_run_out_across_commits(mariadb_url, in_transaction):
    """GET_LOCK is the session's: a COMMIT does not let it go (MySQL's DDL commits itself), the
    end of the block does, and a caller's transaction is left open; a name past MySQL's 64
    characters is hashed."""
    engine = sa.create_engine(mariadb_url)
    impl = impl_for(engine.dialect)
    name = "yamig:" + "s" * 40 + "." + "t" * 40
    entered = threading.Event()

    def second() -> None:
        with engine.connect() as other, impl.lock(other, name):
            entered.set()

    with engine.connect() as connection:
        if in_transaction:
            connection.begin()
        with impl.lock(connection, name):
            assert connection.in_transaction() == in_transaction
            thread = threading.Thread(target=second)
            thread.start()
            assert not entered.wait(0.5)  # blocked while the lock is held
            connection.commit()
            assert not entered.wait(0.3)  # still: a commit is not the end of the run
            connection.begin()
        thread.join(10)
        assert entered.is_set()
        # a caller's transaction (begun again above) is left to them; yamig's own is ended
        assert connection.in_transaction() == in_transaction
        if in_transaction:
            connection.rollback()
    engine.dispose()


def test_mariadb_lock_is_per_database(mariadb_databases):
    """User locks are the server's: two databases' runs do not wait for each other."""
    first, second = (sa.create_engine(url) for url in (mariadb_databases(), mariadb_databases()))
    impl = impl_for(first.dialect)
    with first.connect() as a, second.connect() as b, impl.lock(a, "yamig:.alembic_version"), \
            impl.lock(b, "yamig:.alembic_version", timeout=0):
        pass
    first.dispose()
    second.dispose()


def test_mysql_lock_conflicts_are_lock_waits_and_deadlocks():
    import pymysql

    impl = impl_for("mysql")
    wait = pymysql.err.OperationalError(1205, "Lock wait timeout exceeded; try restarting transaction")
    deadlock = pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock")
    exists = pymysql.err.OperationalError(1050, "Table 't' already exists")
    assert impl.is_lock_conflict(sa.exc.OperationalError("x", {}, wait))
    assert impl.is_lock_conflict(deadlock)
    assert not impl.is_lock_conflict(sa.exc.OperationalError("x", {}, exists))
    assert not impl.is_lock_conflict(ValueError("no args of a DBAPI error"))
